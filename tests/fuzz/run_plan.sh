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

RUNS="${2:-200000}"
MAX_LEN="${AUD_FUZZ_MAX_LEN:-8192}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REGRESSIONS="$HERE/plan_regressions"
NAME=run_plan.sh
# shellcheck source=tests/fuzz/fuzz_lib.sh
. "$HERE/fuzz_lib.sh"
fuzz_init "${1:-}"

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

# --- 2. regressions ---------------------------------------------------------
mapfile -t regs < <(find "$REGRESSIONS" -type f ! -name '.*' ! -name '*.md' | sort)
fuzz_replay "${regs[@]}"

# --- 3. fuzzing -------------------------------------------------------------
fuzz_campaign "$RUNS" "$HERE/plan.dict" "$MAX_LEN" "plan-file"
exit 0
