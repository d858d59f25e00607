#!/usr/bin/env bash
# The shared part of the fuzz run scripts (run.sh, run_plan.sh,
# run_ingest.sh, run_lsp.sh): checking the binary, the work folder, replaying
# the saved regression inputs, and a deterministic campaign split over at
# most two workers. Each script sources this file, sets NAME and
# REGRESSIONS, calls fuzz_init, builds its seed corpus in $CORPUS, then
# calls fuzz_replay and fuzz_campaign.

# fuzz_init BIN: checks BIN (made absolute) and creates $WORK, $CORPUS, $LOG
# (the work folder is removed on exit).
fuzz_init() {
  BIN="$1"
  if [ -z "$BIN" ]; then
    echo "$NAME: no fuzzer binary given (AUD_FUZZ_BIN is not set)." >&2
    echo "  Run \`make test\` (it builds the fuzzers in build-fuzz and sets AUD_FUZZ_BIN)," >&2
    echo "  or \`make fuzz-build\` then AUD_FUZZ_BIN=\$PWD/build-fuzz/tests/fuzz/fuzz_check ctest ..." >&2
    exit 1
  fi
  if [ ! -x "$BIN" ]; then
    echo "$NAME: fuzzer binary \`$BIN\` does not exist or is not executable." >&2
    echo "  Run \`make fuzz-build\` (or \`make test\`, which does it) first." >&2
    exit 1
  fi
  BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/aud-fuzz-${NAME%.sh}.XXXXXX")"
  trap 'rm -rf "$WORK"' EXIT
  CORPUS="$WORK/corpus"
  LOG="$WORK/fuzz.log"
  mkdir -p "$CORPUS" "$REGRESSIONS"
  : > "$LOG"
}

# fuzz_fail WHY: prints WHY, the end of the fuzzer's output and the inputs it
# saved, then exits 1.
fuzz_fail() {
  echo "$NAME: FAILED: $1" >&2
  echo "--- last lines of the fuzzer output ---" >&2
  tail -n 60 "$LOG" >&2
  local new x root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  new="$(ls -t "$REGRESSIONS" 2>/dev/null | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | head -n 5)"
  if [ -n "$new" ]; then
    echo "--- input saved for a regression test (commit it once fixed): ---" >&2
    for x in $new; do echo "  ${REGRESSIONS#"$root"/}/$x" >&2; done
  fi
  exit 1
}

# fuzz_replay FILE...: runs every saved regression input once; none may
# crash (replaying writes no artifacts: the files are already saved).
fuzz_replay() {
  [ "$#" -gt 0 ] || return 0
  echo "$NAME: replaying $# regression input(s)"
  if ! "$BIN" -rss_limit_mb=4096 -timeout=10 -artifact_prefix="$WORK/" "$@" > "$LOG" 2>&1; then
    fuzz_fail "a regression input crashes again"
  fi
}

# fuzz_campaign RUNS DICT MAX_LEN PROPERTY [LIBFUZZER_FLAG...]: fuzzes for
# RUNS executions split over one worker per core (at most 2; AUD_FUZZ_WORKERS
# overrides), each with its own seed (1..N) and corpus copy: deterministic,
# and half the wall time. Fails on a crash, a sanitizer report, a line
# matching "PROPERTY property violated" (the targets' own checks), or fewer
# runs than asked.
fuzz_campaign() {
  local runs="$1" dict="$2" max_len="$3" property="$4"
  shift 4
  local workers per start end rc total w d pid pids=()
  workers="${AUD_FUZZ_WORKERS:-$(nproc 2>/dev/null || echo 1)}"
  [ "$workers" -gt 2 ] && workers=2
  [ "$workers" -lt 1 ] && workers=1
  per=$(((runs + workers - 1) / workers))
  echo "$NAME: fuzzing for $runs runs in $workers worker(s) of $per (seeds 1..$workers, max_len $max_len)"
  start=$(date +%s)
  for w in $(seq 1 "$workers"); do
    cp -r "$CORPUS" "$WORK/corpus-$w"
    "$BIN" -runs="$per" "$@" -dict="$dict" -max_len="$max_len" -rss_limit_mb=4096 -timeout=10 \
      -seed="$w" -print_final_stats=1 -artifact_prefix="$REGRESSIONS/" "$WORK/corpus-$w" \
      > "$WORK/fuzz-$w.log" 2>&1 &
    pids+=($!)
  done
  rc=0
  for pid in "${pids[@]}"; do wait "$pid" || rc=$?; done
  end=$(date +%s)
  cat "$WORK"/fuzz-*.log > "$LOG"
  total=0
  for w in $(seq 1 "$workers"); do
    d=$(grep -oE '^Done [0-9]+ runs' "$WORK/fuzz-$w.log" | grep -oE '[0-9]+' || true)
    [ -n "$d" ] || fuzz_fail "worker $w did not finish its runs"
    total=$((total + d))
  done
  echo "Done $total runs in $((end - start)) s ($workers workers)"
  if [ "$rc" -ne 0 ] || grep -qE "ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|$property property violated" "$LOG"; then
    fuzz_fail "the fuzzer found a problem (exit $rc)"
  fi
  [ "$total" -ge "$runs" ] || fuzz_fail "only $total of $runs runs were done"
}
