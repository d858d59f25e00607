#!/usr/bin/env bash
# End-to-end tests of ingest on the command line: `--strict` on eval, plan
# and apply (any bad line is an error naming reasons and counts, and nothing
# is written or sent), per-event property type mismatches in eval and plan
# output and in `plan --json` under `ingest.type_mismatches`, truncated
# `.gz` sources, sources that are not regular files, and Segment payloads
# (group calls, Segment's timestamp rule, declared context paths).
# Usage: ingest_cli_test.sh AUD_BINARY
set -u
AUD=$1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; }
# expect NAME WANT_RC CMD...: runs CMD, captures stdout+stderr in $OUT.
expect() {
  local name=$1 want=$2
  shift 2
  OUT=$("$@" 2>&1)
  local rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$name"; else fail "$name (exit $rc, want $want): $OUT"; fi
}
contains() {
  if grep -qF -- "$2" <<<"$OUT"; then ok "$1"; else fail "$1: output lacks '$2': $OUT"; fi
}
lacks() {
  if grep -qF -- "$2" <<<"$OUT"; then fail "$1: output has '$2': $OUT"; else ok "$1"; fi
}

P="$TMP/shop"
AS_OF=2026-12-01
"$AUD" init "$P" > /dev/null 2>&1 || fail "init"
DATA="$P/data/events/sample.jsonl"

expect "clean data passes --strict" 0 "$AUD" -C "$P" eval nordic_repeat_buyers --as-of $AS_OF --strict
lacks "no mismatches on clean data" "type mismatches"

# One bad line and two events whose revenue is a string (read as float).
echo 'not json at all' >> "$DATA"
echo '{"type":"track","userId":"u1","event":"Order Completed","timestamp":"2026-11-20T10:00:00Z","properties":{"revenue":"lots"}}' >> "$DATA"
echo '{"type":"track","userId":"u1","event":"Order Completed","timestamp":"2026-11-21T10:00:00Z","properties":{"revenue":"more"}}' >> "$DATA"
echo '{"type":"track","userId":"u1","event":"Order Completed","timestamp":"2027-01-01T10:00:00Z","properties":{"revenue":"later"}}' >> "$DATA"

expect "eval without --strict" 0 "$AUD" -C "$P" eval nordic_repeat_buyers --as-of $AS_OF
contains "eval counts the bad line" "bad lines: 1 (invalid-json 1)"
contains "eval reports type mismatches (at as_of)" "property type mismatches (missing on those events): order_completed.revenue 2"
expect "eval --strict" 1 "$AUD" -C "$P" eval nordic_repeat_buyers --as-of $AS_OF --strict
contains "eval --strict names reasons and counts" "error: 1 bad input line with --strict: invalid-json 1"
contains "eval --strict says how to proceed" "or run without --strict"

expect "plan --strict" 1 "$AUD" -C "$P" plan --as-of $AS_OF --strict
contains "plan --strict names reasons and counts" "1 bad input line with --strict: invalid-json 1"
test ! -e "$P/.aud/state.db" && ok "plan --strict opens no state" || fail "plan --strict opens no state"
expect "plan --strict --out" 1 "$AUD" -C "$P" plan --as-of $AS_OF --strict --out "$TMP/strict.plan"
test ! -e "$TMP/strict.plan" && ok "plan --strict writes no plan file" || fail "plan --strict writes no plan file"

expect "plan" 0 "$AUD" -C "$P" plan --as-of $AS_OF
contains "plan reports type mismatches" "property type mismatches (missing on those events): order_completed.revenue 2"
expect "plan --json" 0 "$AUD" -C "$P" plan --as-of $AS_OF --json
if python3 - "$OUT" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
assert j["ingest"]["type_mismatches"] == {"order_completed.revenue": 2}, j["ingest"]
assert j["ingest"]["bad"] == 1, j["ingest"]
PY
then ok "plan --json has ingest.type_mismatches"; else fail "plan --json has ingest.type_mismatches: $OUT"; fi

expect "apply --strict" 1 "$AUD" -C "$P" apply --auto-approve --as-of $AS_OF --strict
contains "apply --strict names reasons and counts" "1 bad input line with --strict: invalid-json 1"
test ! -e "$P/exports" && ok "apply --strict exports nothing" || fail "apply --strict exports nothing"
expect "plan --out" 0 "$AUD" -C "$P" plan --as-of $AS_OF --out "$TMP/review.plan"
expect "apply PLANFILE --strict" 1 "$AUD" -C "$P" apply "$TMP/review.plan" --strict
contains "apply PLANFILE --strict names reasons" "invalid-json 1"
test ! -e "$P/exports" && ok "apply PLANFILE --strict exports nothing" || fail "apply PLANFILE --strict exports nothing"

# A truncated .gz source: a warning naming it, the count, and --strict fails.
sed -i '/not json at all/d' "$DATA"
python3 - "$P/data/events/more.jsonl.gz" <<'PY'
import gzip, sys
lines = "".join('{"type":"track","userId":"g%d","event":"Order Completed","timestamp":"2026-11-0%dT10:00:00Z","properties":{"revenue":%d}}\n' % (i, 1 + i % 9, i) for i in range(2000))
data = gzip.compress(lines.encode())
open(sys.argv[1], "wb").write(data[: len(data) // 2])
PY
sed -i 's|path = "data/events/\*.jsonl"|path = "data/events/*.jsonl*"|' "$P/aud.toml"
expect "eval with a truncated .gz" 0 "$AUD" -C "$P" eval nordic_repeat_buyers --as-of $AS_OF
contains "truncated .gz warns naming the file" "warning: truncated or corrupt gzip file \`data/events/more.jsonl.gz\`"
contains "truncated .gz is counted" "truncated-gzip 1"
expect "eval --strict with a truncated .gz" 1 "$AUD" -C "$P" eval nordic_repeat_buyers --as-of $AS_OF --strict
contains "--strict names the truncated file" "\`data/events/more.jsonl.gz\`: unexpected end of the gzip stream"
rm "$P/data/events/more.jsonl.gz"

# Sources must be regular files: a directory or a device is an error naming it.
mkdir "$P/data/events/dir.jsonl"
expect "a directory matched by a source" 1 "$AUD" -C "$P" eval nordic_repeat_buyers --as-of $AS_OF
contains "the directory is named" "source \`web\`: \`data/events/dir.jsonl\` is a directory"
rmdir "$P/data/events/dir.jsonl"
ln -s /dev/zero "$P/data/events/zero.jsonl"
expect "a device behind a source" 1 timeout 20 "$AUD" -C "$P" eval nordic_repeat_buyers --as-of $AS_OF
contains "the device is named" "\`data/events/zero.jsonl\` is not a regular file"
rm "$P/data/events/zero.jsonl"

# Segment payloads (docs/runtime.md "Segment compatibility"): group calls and
# messages without `timestamp` are accepted; a declared context path
# changes the cache fingerprint, so the sources are read again.
S="$TMP/segment"
mkdir -p "$S"
printf '[project]\nname = "seg"\n\n[sources.web]\npath = "events.jsonl"\n' > "$S/aud.toml"
printf 'event page_viewed page { url: string }\nidentity user_id: declared from userId\nsegment viewers = did(page_viewed)\n' > "$S/main.aud"
cat > "$S/events.jsonl" <<'JSON'
{"type":"group","userId":"u1","groupId":"acme","traits":{"name":"Acme"},"timestamp":"2026-11-01T00:00:00Z"}
{"type":"page","userId":"u1","originalTimestamp":"2026-11-02T00:00:00Z","sentAt":"2026-11-02T00:00:05Z","receivedAt":"2026-11-02T00:00:04Z","context":{"campaign":{"source":"News"}}}
JSON
expect "segment payloads pass --strict" 0 "$AUD" -C "$S" eval viewers --as-of $AS_OF --strict
contains "group calls are counted" "1 events, 0 identifies, 0 aliases, 1 groups from 1 file;"
expect "segment payloads from the cache" 0 "$AUD" -C "$S" eval viewers --as-of $AS_OF
contains "the second run reads the cache" "from 1 file (cached)"
printf 'event page_viewed page { url: string  context.campaign.source: string }\nidentity user_id: declared from userId\nsegment viewers = did(page_viewed where `context.campaign.source` == "News")\n' > "$S/main.aud"
expect "a new context path" 0 "$AUD" -C "$S" eval viewers --as-of $AS_OF
lacks "a new context path re-reads the sources" "(cached)"
contains "the context property is read" "segment viewers: 1 of 1 profile"

# The incremental store: a new file is read alone, the others reused; per
# file counts in eval and in `plan --json`; --threads and AUD_THREADS.
I="$TMP/incremental"
mkdir -p "$I/data"
printf '[project]\nname = "inc"\n\n[sources.web]\npath = "data/*.jsonl"\n' > "$I/aud.toml"
printf 'event page_viewed page { url: string }\nidentity user_id: declared from userId\nsegment viewers = did(page_viewed)\n' > "$I/main.aud"
for f in a b; do
  printf '{"type":"page","userId":"u%s","messageId":"m-%s","timestamp":"2026-11-01T00:00:00Z"}\n' $f $f > "$I/data/$f.jsonl"
done
expect "incremental: cold" 0 "$AUD" -C "$I" --threads 2 eval viewers --as-of $AS_OF
contains "incremental: two files" "from 2 files;"
printf '{"type":"page","userId":"u3","messageId":"m-a","timestamp":"2026-11-01T00:00:00Z"}\nnot json\n{"type":"page","userId":"u4","timestamp":"2026-11-01T00:00:00Z"}\n' > "$I/data/c.jsonl"
expect "incremental: a new file" 0 "$AUD" -C "$I" eval viewers --as-of $AS_OF
contains "incremental: the new file is read alone" "from 3 files (1 read, 2 reused);"
contains "incremental: per-file counts" "data/c.jsonl: 3 lines, 1 accepted, 1 quarantined, 1 duplicates"
expect "incremental: plan --json" 0 "$AUD" -C "$I" plan --as-of $AS_OF --json
if grep -q '"files_reused": 3' <<<"$OUT" && grep -q '"file": "data/c.jsonl"' <<<"$OUT" &&
  grep -q '"quarantined": 1' <<<"$OUT"; then
  ok "plan --json has files_reused and per_file"
else
  fail "plan --json has files_reused and per_file: $OUT"
fi
expect "incremental: a bad AUD_THREADS" 1 env AUD_THREADS=lots "$AUD" -C "$I" eval viewers --as-of 2026-11-02
contains "incremental: AUD_THREADS is named" "invalid \`AUD_THREADS\` value \`lots\`"
expect "incremental: a bad --threads" 1 "$AUD" -C "$I" --threads 0 eval viewers --as-of $AS_OF

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
