#!/usr/bin/env bash
# Runs a front-end fuzzer deterministically (see tests/fuzz/README.md).
#   tests/fuzz/run.sh BIN RUNS [TARGET]
# TARGET is `check` (the default: BIN is fuzz_check) or `config` (BIN is
# fuzz_config, whose input is one aud.toml).
# 1. builds a seed corpus in a temp dir. check: every .aud under examples/,
#    stdlib/std/ and tests/check/ (mode byte 0x00) and every aud.toml
#    (mode byte 0x01; the `# --- aud.toml` parts of golden tests included).
#    config: every aud.toml (no mode byte) and tests/fuzz/seeds/config/*;
# 2. replays every file of tests/fuzz/regressions/ (check) or
#    tests/fuzz/regressions/config/ (config): none may crash;
# 3. fuzzes for RUNS executions with a fixed seed.
# AUD_FUZZ_MAX_LEN (default 4096) overrides -max_len.
# Exits non-zero on any crash, sanitizer report, timeout or OOM; the input is
# saved as a new file under tests/fuzz/regressions/ for a developer to commit.
set -u

RUNS="${2:-200000}"
TARGET="${3:-check}"
MAX_LEN="${AUD_FUZZ_MAX_LEN:-4096}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NAME=run.sh
# shellcheck source=tests/fuzz/fuzz_lib.sh
. "$HERE/fuzz_lib.sh"
ROOT="$(cd "$HERE/../.." && pwd)"
case "$TARGET" in
  check) REGRESSIONS="$HERE/regressions" ;;
  config) REGRESSIONS="$HERE/regressions/config" ;;
  *) echo "run.sh: unknown target \`$TARGET\` (check or config)" >&2; exit 1 ;;
esac
fuzz_init "${1:-}"

# --- 1. seed corpus ---------------------------------------------------------
# (few processes: spawning is slow on small VMs)
cd "$ROOT" || exit 1
printf '\000' > "$WORK/mode0"
printf '\001' > "$WORK/mode1"
PARTS="$WORK/parts"
mkdir -p "$PARTS"
# A golden test holds several files split by `# --- PATH` lines and ends with
# CHECK lines: each part becomes a seed of its own, without the CHECK lines.
find tests/check -name '*.aud' -type f -print0 | sort -z | xargs -0 -r awk -v dir="$PARTS" '
  FNR == 1 { if (part != "") close(part); n++; part = sprintf("%s/%05d-0.aud", dir, n); i = 0; printf "" > part }
  /^# CHECK:STDERR:/ { next }
  /^# --- / {
    path = substr($0, 7); i++
    ext = (path ~ /\.toml$/) ? "toml" : (path ~ /\.aud$/) ? "aud" : "other"
    close(part); part = sprintf("%s/%05d-%d.%s", dir, n, i, ext); printf "" > part; next
  }
  { print > part }
'
n=0
add_seed() {  # add_seed MODE_FILE FILE
  n=$((n + 1))
  cat "$1" "$2" > "$CORPUS/seed-$(printf '%05d' "$n")"
}
if [ "$TARGET" = config ]; then
  # The input is the aud.toml itself: no mode byte.
  : > "$WORK/mode1"
  for f in "$PARTS"/*.toml "$HERE"/seeds/config/*; do [ -f "$f" ] && add_seed "$WORK/mode1" "$f"; done
  while IFS= read -r -d '' f; do
    add_seed "$WORK/mode1" "$f"
  done < <(find examples cli/templates -name 'aud.toml' -type f -print0 2>/dev/null | sort -z)
else
while IFS= read -r -d '' f; do
  add_seed "$WORK/mode0" "$f"
done < <(find examples stdlib/std -name '*.aud' -type f -print0 2>/dev/null | sort -z)
for f in "$PARTS"/*.aud; do [ -s "$f" ] && add_seed "$WORK/mode0" "$f"; done
for f in "$PARTS"/*.toml; do [ -e "$f" ] && add_seed "$WORK/mode1" "$f"; done
while IFS= read -r -d '' f; do
  add_seed "$WORK/mode1" "$f"
done < <(find examples -name 'aud.toml' -type f -print0 2>/dev/null | sort -z)
fi
echo "run.sh: $n seed inputs ($TARGET)"

# --- 2. regressions ---------------------------------------------------------
# (the config target's inputs live in regressions/config/, not replayed by check)
mapfile -t regs < <(find "$REGRESSIONS" -mindepth 1 -path "$HERE/regressions/config" -prune -o -path "$HERE/regressions/lsp" -prune -o \
  -path "$HERE/regressions/ingest" -prune -o -type f ! -name '.*' ! -name '*.md' -print | sort)
fuzz_replay "${regs[@]}"

# --- 3. fuzzing -------------------------------------------------------------
fuzz_campaign "$RUNS" "$HERE/aud.dict" "$MAX_LEN" "(formatter|config)"
exit 0
