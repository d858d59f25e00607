#!/usr/bin/env bash
# Runs the front-end fuzzer deterministically (see tests/fuzz/README.md).
#   tests/fuzz/run.sh BIN RUNS
# 1. builds a seed corpus in a temp dir from every .aud under examples/,
#    stdlib/std/ and tests/check/ (mode byte 0x00) and every aud.toml
#    (mode byte 0x01; the `# --- aud.toml` parts of golden tests included);
# 2. replays every file of tests/fuzz/regressions/ (none may crash);
# 3. fuzzes for RUNS executions with a fixed seed.
# Exits non-zero on any crash, sanitizer report, timeout or OOM; the input is
# saved as a new file under tests/fuzz/regressions/ for a developer to commit.
set -u

BIN="${1:-}"
RUNS="${2:-200000}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
REGRESSIONS="$HERE/regressions"

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
n=0
add_seed() {  # add_seed MODE_BYTE_OCTAL FILE
  n=$((n + 1))
  { printf "\\$1"; cat "$2"; } > "$CORPUS/seed-$(printf '%05d' "$n")"
}
cd "$ROOT"
while IFS= read -r -d '' f; do
  case "$f" in
    tests/check/*)
      # A golden test holds several files split by `# --- PATH` lines and ends
      # with CHECK lines: seed each part separately, without the CHECK lines.
      split="$WORK/split"
      rm -rf "$split" && mkdir -p "$split"
      awk -v dir="$split" '
        BEGIN { part = dir "/0.aud"; i = 0; printf "" > part }
        /^# CHECK:STDERR:/ { next }
        /^# --- / {
          path = substr($0, 7); i++
          ext = (path ~ /\.toml$/) ? ".toml" : (path ~ /\.aud$/) ? ".aud" : ".other"
          part = dir "/" i ext; printf "" > part; next
        }
        { print > part }
      ' "$f"
      for p in "$split"/*.aud; do [ -s "$p" ] && add_seed 000 "$p"; done
      for p in "$split"/*.toml; do [ -e "$p" ] && add_seed 001 "$p"; done
      ;;
    *) add_seed 000 "$f" ;;
  esac
done < <(find examples stdlib/std tests/check -name '*.aud' -type f -print0 2>/dev/null | sort -z)
while IFS= read -r -d '' f; do
  add_seed 001 "$f"
done < <(find examples -name 'aud.toml' -type f -print0 2>/dev/null | sort -z)
echo "run.sh: $n seed inputs"

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
mapfile -t regs < <(find "$REGRESSIONS" -type f ! -name '.*' ! -name '*.md' | sort)
if [ "${#regs[@]}" -gt 0 ]; then
  echo "run.sh: replaying ${#regs[@]} regression input(s)"
  # Replaying writes no artifacts: the files are already saved.
  if ! "$BIN" -rss_limit_mb=4096 -timeout=10 -artifact_prefix="$WORK/" "${regs[@]}" \
      > "$LOG" 2>&1; then
    fail "a regression input crashes again"
  fi
fi

# --- 3. fuzzing -------------------------------------------------------------
echo "run.sh: fuzzing for $RUNS runs (seed 1)"
start=$(date +%s)
"$BIN" -runs="$RUNS" -dict="$HERE/aud.dict" -max_len=4096 -rss_limit_mb=4096 -timeout=10 \
  -seed=1 -print_final_stats=1 -artifact_prefix="$REGRESSIONS/" "$CORPUS" > "$LOG" 2>&1
rc=$?
end=$(date +%s)
grep -E '^Done [0-9]+ runs' "$LOG" || true
echo "run.sh: fuzzer exited with $rc after $((end - start)) s"
if [ "$rc" -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|formatter property violated' "$LOG"; then
  fail "the fuzzer found a problem (exit $rc)"
fi
if ! grep -qE '^Done [0-9]+ runs' "$LOG"; then
  fail "the fuzzer did not finish its runs"
fi
exit 0
