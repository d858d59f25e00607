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

BIN="${1:-}"
RUNS="${2:-200000}"
TARGET="${3:-check}"
MAX_LEN="${AUD_FUZZ_MAX_LEN:-4096}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
case "$TARGET" in
  check) REGRESSIONS="$HERE/regressions" ;;
  config) REGRESSIONS="$HERE/regressions/config" ;;
  *) echo "run.sh: unknown target \`$TARGET\` (check or config)" >&2; exit 1 ;;
esac

if [ -z "$BIN" ]; then
  echo "run.sh: no fuzzer binary given (AUD_FUZZ_BIN is not set)." >&2
  echo "  Run \`make test\` (it builds the fuzzer in build-fuzz and sets AUD_FUZZ_BIN)," >&2
  echo "  or \`make fuzz-build\` then AUD_FUZZ_BIN=\$PWD/build-fuzz/tests/fuzz/fuzz_check ctest ..." >&2
  exit 1
fi
if [ ! -x "$BIN" ]; then
  echo "run.sh: fuzzer binary \`$BIN\` does not exist or is not executable." >&2
  echo "  Run \`make fuzz-build\` (or \`make test\`, which does it) first." >&2
  exit 1
fi
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/aud-fuzz.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
CORPUS="$WORK/corpus"
mkdir -p "$CORPUS" "$REGRESSIONS"

# --- 1. seed corpus ---------------------------------------------------------
# (few processes: spawning is slow on small VMs)
cd "$ROOT"
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

LOG="$WORK/fuzz.log"
fail() {
  echo "run.sh: FAILED: $1" >&2
  echo "--- last lines of the fuzzer output ---" >&2
  tail -n 60 "$LOG" >&2
  new="$(ls -t "$REGRESSIONS" 2>/dev/null | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | head -n 5)"
  if [ -n "$new" ]; then
    echo "--- input saved for a regression test (commit it once fixed): ---" >&2
    for x in $new; do echo "  tests/fuzz/regressions/$x" >&2; done
  fi
  exit 1
}

# --- 2. regressions ---------------------------------------------------------
# (the config target's inputs live in regressions/config/, not replayed by check)
mapfile -t regs < <(find "$REGRESSIONS" -mindepth 1 -path "$HERE/regressions/config" -prune -o -path "$HERE/regressions/lsp" -prune -o \
  -type f ! -name '.*' ! -name '*.md' -print | sort)
if [ "${#regs[@]}" -gt 0 ]; then
  echo "run.sh: replaying ${#regs[@]} regression input(s)"
  # Replaying writes no artifacts: the files are already saved.
  if ! "$BIN" -rss_limit_mb=4096 -timeout=10 -artifact_prefix="$WORK/" "${regs[@]}" \
      > "$LOG" 2>&1; then
    fail "a regression input crashes again"
  fi
fi

# --- 3. fuzzing -------------------------------------------------------------
# The runs are split over parallel workers (one per core, at most 2), each
# with its own seed and corpus copy: deterministic, and half the wall time.
WORKERS="${AUD_FUZZ_WORKERS:-$(nproc 2>/dev/null || echo 1)}"
[ "$WORKERS" -gt 2 ] && WORKERS=2
[ "$WORKERS" -lt 1 ] && WORKERS=1
per=$(( (RUNS + WORKERS - 1) / WORKERS ))
echo "run.sh: fuzzing for $RUNS runs in $WORKERS worker(s) of $per (seeds 1..$WORKERS, max_len $MAX_LEN)"
start=$(date +%s)
pids=()
for w in $(seq 1 "$WORKERS"); do
  cp -r "$CORPUS" "$WORK/corpus-$w"
  "$BIN" -runs="$per" -dict="$HERE/aud.dict" -max_len="$MAX_LEN" -rss_limit_mb=4096 -timeout=10 \
    -seed="$w" -print_final_stats=1 -artifact_prefix="$REGRESSIONS/" "$WORK/corpus-$w" \
    > "$WORK/fuzz-$w.log" 2>&1 &
  pids+=($!)
done
rc=0
for pid in "${pids[@]}"; do wait "$pid" || rc=$?; done
end=$(date +%s)
cat "$WORK"/fuzz-*.log > "$LOG"
total=0
for w in $(seq 1 "$WORKERS"); do
  d=$(grep -oE '^Done [0-9]+ runs' "$WORK/fuzz-$w.log" | grep -oE '[0-9]+' || true)
  [ -n "$d" ] || fail "worker $w did not finish its runs"
  total=$((total + d))
done
echo "Done $total runs in $((end - start)) s ($WORKERS workers)"
if [ "$rc" -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|formatter property violated' "$LOG"; then
  fail "the fuzzer found a problem (exit $rc)"
fi
[ "$total" -ge "$RUNS" ] || fail "only $total of $RUNS runs were done"
exit 0
