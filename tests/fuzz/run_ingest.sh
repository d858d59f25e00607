#!/usr/bin/env bash
# Runs the JSON-lines ingest fuzzer deterministically (see tests/fuzz/README.md).
#   tests/fuzz/run_ingest.sh BIN RUNS
# 1. builds a seed corpus in a temp dir from the event lines of the tests:
#    the `# --- *.jsonl` parts of tests/eval/cases/*.aud and the `aud init`
#    sample data, each plain (mode byte 0x00), with short lines (0x02) and
#    gzip-compressed whole and cut in half (0x01);
# 2. replays every file of tests/fuzz/regressions/ingest/ (none may crash);
# 3. fuzzes for RUNS executions with a fixed seed, split over at most two
#    workers.
# Exits non-zero on any crash, sanitizer report, property violation, timeout
# or OOM; the input is saved under tests/fuzz/regressions/ingest/.
set -u

BIN="${1:-}"
RUNS="${2:-100000}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
REGRESSIONS="$HERE/regressions/ingest"

if [ -z "$BIN" ]; then
  echo "run_ingest.sh: no fuzzer binary given (AUD_FUZZ_BIN is not set)." >&2
  echo "  Run \`make test\` (it builds the fuzzers in build-fuzz and sets AUD_FUZZ_BIN)," >&2
  echo "  or \`make fuzz-build\` then AUD_FUZZ_BIN=\$PWD/build-fuzz/tests/fuzz/fuzz_check ctest ..." >&2
  exit 1
fi
if [ ! -x "$BIN" ]; then
  echo "run_ingest.sh: fuzzer binary \`$BIN\` does not exist or is not executable." >&2
  echo "  Run \`make fuzz-build\` (or \`make test\`, which does it) first." >&2
  exit 1
fi
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/aud-fuzz-ingest.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
CORPUS="$WORK/corpus"
mkdir -p "$CORPUS" "$REGRESSIONS"

# --- 1. seed corpus ---------------------------------------------------------
cd "$ROOT"
PARTS="$WORK/parts"
mkdir -p "$PARTS"
find tests/eval/cases -name '*.aud' -type f -print0 | sort -z | xargs -0 -r awk -v dir="$PARTS" '
  FNR == 1 { n++; on = 0 }
  /^# --- .*\.jsonl/ { on = 1; next }
  /^# --- / { on = 0; next }
  on && /^\{/ { print > sprintf("%s/%05d.jsonl", dir, n) }
'
cp cli/templates/init/data/events/sample.jsonl "$PARTS/sample.jsonl"
n=0
for f in "$PARTS"/*.jsonl; do
  [ -s "$f" ] || continue
  n=$((n + 1))
  { printf '\000'; cat "$f"; } > "$CORPUS/plain-$n"
  if [ $((n % 4)) -eq 0 ]; then
    { printf '\002'; cat "$f"; } > "$CORPUS/short-$n"
    gzip -nc "$f" > "$WORK/z"
    { printf '\001'; cat "$WORK/z"; } > "$CORPUS/gz-$n"
    { printf '\005'; head -c $(( $(stat -c %s "$WORK/z") / 2 )) "$WORK/z"; } > "$CORPUS/cut-$n"
  fi
done
echo "run_ingest.sh: $(ls "$CORPUS" | wc -l) seed inputs"

LOG="$WORK/fuzz.log"
fail() {
  echo "run_ingest.sh: FAILED: $1" >&2
  echo "--- last lines of the fuzzer output ---" >&2
  tail -n 60 "$LOG" >&2
  new="$(ls -t "$REGRESSIONS" 2>/dev/null | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | head -n 5)"
  if [ -n "$new" ]; then
    echo "--- input saved for a regression test (commit it once fixed): ---" >&2
    for x in $new; do echo "  tests/fuzz/regressions/ingest/$x" >&2; done
  fi
  exit 1
}

# --- 2. regressions ---------------------------------------------------------
mapfile -t regs < <(find "$REGRESSIONS" -type f ! -name '.*' ! -name '*.md' | sort)
if [ "${#regs[@]}" -gt 0 ]; then
  echo "run_ingest.sh: replaying ${#regs[@]} regression input(s)"
  if ! "$BIN" -rss_limit_mb=4096 -timeout=10 -artifact_prefix="$WORK/" "${regs[@]}" > "$LOG" 2>&1; then
    fail "a regression input crashes again"
  fi
fi

# --- 3. fuzzing -------------------------------------------------------------
WORKERS="${AUD_FUZZ_WORKERS:-$(nproc 2>/dev/null || echo 1)}"
[ "$WORKERS" -gt 2 ] && WORKERS=2
[ "$WORKERS" -lt 1 ] && WORKERS=1
per=$(( (RUNS + WORKERS - 1) / WORKERS ))
echo "run_ingest.sh: fuzzing for $RUNS runs in $WORKERS worker(s) of $per (seeds 1..$WORKERS)"
start=$(date +%s)
pids=()
for w in $(seq 1 "$WORKERS"); do
  cp -r "$CORPUS" "$WORK/corpus-$w"
  "$BIN" -runs="$per" -dict="$HERE/ingest.dict" -max_len=4096 -rss_limit_mb=4096 -timeout=10 \
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
if [ "$rc" -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|property violated' "$LOG"; then
  fail "the fuzzer found a problem (exit $rc)"
fi
[ "$total" -ge "$RUNS" ] || fail "only $total of $RUNS runs were done"
exit 0
