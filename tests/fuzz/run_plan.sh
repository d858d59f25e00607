#!/usr/bin/env bash
# Runs the plan-file fuzzer deterministically (see tests/fuzz/README.md).
#   tests/fuzz/run_plan.sh BIN RUNS
# 1. seeds a temp corpus from the real plan files of tests/fuzz/plan_seeds/
#    (written by `aud plan --out`), each with mode byte 0x00 (as on disk) and
#    0x01 (re-sealed by the target, so the field reader is reached);
# 2. replays every file of tests/fuzz/plan_regressions/ (none may crash);
# 3. fuzzes for RUNS executions with fixed seeds.
# AUD_FUZZ_MAX_LEN (default 8192) overrides -max_len.
# Exits non-zero on any crash, sanitizer report, timeout or OOM; the input is
# saved under tests/fuzz/plan_regressions/ for a developer to commit.
set -u

BIN="${1:-}"
RUNS="${2:-200000}"
MAX_LEN="${AUD_FUZZ_MAX_LEN:-8192}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REGRESSIONS="$HERE/plan_regressions"

if [ -z "$BIN" ]; then
  echo "run_plan.sh: no fuzzer binary given (AUD_FUZZ_BIN is not set)." >&2
  echo "  Run \`make test\` (it builds the fuzzers in build-fuzz and sets AUD_FUZZ_BIN)," >&2
  echo "  or \`make fuzz-build\` then AUD_FUZZ_BIN=\$PWD/build-fuzz/tests/fuzz/fuzz_check ctest ..." >&2
  exit 1
fi
if [ ! -x "$BIN" ]; then
  echo "run_plan.sh: fuzzer binary \`$BIN\` does not exist or is not executable." >&2
  echo "  Run \`make fuzz-build\` (or \`make test\`, which does it) first." >&2
  exit 1
fi
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/aud-fuzz-plan.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
CORPUS="$WORK/corpus"
mkdir -p "$CORPUS" "$REGRESSIONS"

# --- 1. seed corpus ---------------------------------------------------------
n=0
for f in "$HERE"/plan_seeds/*.plan; do
  [ -f "$f" ] || continue
  n=$((n + 1))
  { printf '\000'; cat "$f"; } > "$CORPUS/seed-$n-raw"
  { printf '\001'; cat "$f"; } > "$CORPUS/seed-$n-sealed"
done
[ "$n" -gt 0 ] || { echo "run_plan.sh: no seed plan files in $HERE/plan_seeds" >&2; exit 1; }
echo "run_plan.sh: $((2 * n)) seed inputs from $n plan files"

LOG="$WORK/fuzz.log"
fail() {
  echo "run_plan.sh: FAILED: $1" >&2
  echo "--- last lines of the fuzzer output ---" >&2
  tail -n 60 "$LOG" >&2
  new="$(ls -t "$REGRESSIONS" 2>/dev/null | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | head -n 5)"
  if [ -n "$new" ]; then
    echo "--- input saved for a regression test (commit it once fixed): ---" >&2
    for x in $new; do echo "  tests/fuzz/plan_regressions/$x" >&2; done
  fi
  exit 1
}

# --- 2. regressions ---------------------------------------------------------
mapfile -t regs < <(find "$REGRESSIONS" -type f ! -name '.*' ! -name '*.md' | sort)
if [ "${#regs[@]}" -gt 0 ]; then
  echo "run_plan.sh: replaying ${#regs[@]} regression input(s)"
  if ! "$BIN" -rss_limit_mb=4096 -timeout=10 -artifact_prefix="$WORK/" "${regs[@]}" \
      > "$LOG" 2>&1; then
    fail "a regression input crashes again"
  fi
fi

# --- 3. fuzzing -------------------------------------------------------------
WORKERS="${AUD_FUZZ_WORKERS:-$(nproc 2>/dev/null || echo 1)}"
[ "$WORKERS" -gt 2 ] && WORKERS=2
[ "$WORKERS" -lt 1 ] && WORKERS=1
per=$(( (RUNS + WORKERS - 1) / WORKERS ))
echo "run_plan.sh: fuzzing for $RUNS runs in $WORKERS worker(s) of $per (seeds 1..$WORKERS, max_len $MAX_LEN)"
start=$(date +%s)
pids=()
for w in $(seq 1 "$WORKERS"); do
  cp -r "$CORPUS" "$WORK/corpus-$w"
  "$BIN" -runs="$per" -dict="$HERE/plan.dict" -max_len="$MAX_LEN" -rss_limit_mb=4096 -timeout=10 \
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
if [ "$rc" -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|plan-file property violated' "$LOG"; then
  fail "the fuzzer found a problem (exit $rc)"
fi
[ "$total" -ge "$RUNS" ] || fail "only $total of $RUNS runs were done"
exit 0
