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

RUNS="${2:-100000}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
REGRESSIONS="$HERE/regressions/ingest"
NAME=run_ingest.sh
# shellcheck source=tests/fuzz/fuzz_lib.sh
. "$HERE/fuzz_lib.sh"
fuzz_init "${1:-}"

# --- 1. seed corpus ---------------------------------------------------------
cd "$ROOT" || exit 1
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

# --- 2. regressions ---------------------------------------------------------
mapfile -t regs < <(find "$REGRESSIONS" -type f ! -name '.*' ! -name '*.md' | sort)
fuzz_replay "${regs[@]}"

# --- 3. fuzzing -------------------------------------------------------------
fuzz_campaign "$RUNS" "$HERE/ingest.dict" 4096 ""
exit 0
