#!/usr/bin/env bash
# `aud test` end to end (docs/aud-test.md): the quickstart's tests pass on
# both engines, a deliberately broken segment fails with a per-profile diff
# and exit 1, --json for CI, test selection, fixture diagnostics, hostile ids
# escaped, and neither the project's data nor `.aud/` is read or written.
# Usage: test_cmd_test.sh AUD_BINARY REPO_ROOT
set -u
AUD=$1
ROOT=$2
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

cp -r "$ROOT/examples/quickstart" "$TMP/qs"
rm -rf "$TMP/qs/.aud" "$TMP/qs/data" "$TMP/qs/exports"
# Data the tests must never read: every line is bad, and --strict would refuse it.
mkdir -p "$TMP/qs/data/events"
printf '{not json\n' > "$TMP/qs/data/events/broken.jsonl"

# The quickstart's tests pass, on both engines.
expect "quickstart tests pass" 0 "$AUD" -C "$TMP/qs" test
contains "quickstart: summary" "4 tests: 4 passed, 0 failed"
contains "quickstart: vip test" "PASS vip_big_nordic_spenders (tests.aud:7)"
expect "quickstart tests pass (interp)" 0 "$AUD" -C "$TMP/qs" test --engine interp
contains "interp: summary" "4 tests: 4 passed, 0 failed"
[ -e "$TMP/qs/.aud" ] && fail "aud test created .aud/" || ok "aud test leaves .aud/ alone"
[ -e "$TMP/qs/exports" ] && fail "aud test exported" || ok "aud test exports nothing"

# JSON for CI.
expect "json" 0 "$AUD" -C "$TMP/qs" test --json
contains "json: summary" '"summary":{"tests":4,"passed":4,"failed":0}'
contains "json: a test" '{"name":"vip_big_nordic_spenders","file":"tests.aud","line":7,"status":"pass","error":null,"as_of":"2026-03-01T00:00:00Z","profiles":3,"expectations":[{"line":25,"text":"expect big_spenders == [\"ana\", \"ben\"]","passed":true,"diff":[]}'

# Selection by name.
expect "one test by name" 0 "$AUD" -C "$TMP/qs" test consent_required
contains "one test: summary" "1 test: 1 passed, 0 failed"
expect "unknown test" 1 "$AUD" -C "$TMP/qs" test consent_requierd
contains "unknown test: did you mean" "unknown test \`consent_requierd\`; did you mean \`consent_required\`?"

# A deliberately broken segment: 4 big orders instead of 3.
cp -r "$TMP/qs" "$TMP/broken"
sed -i 's/within 30d) >= 3/within 30d) >= 4/' "$TMP/broken/segments.aud"
grep -q 'within 30d) >= 4' "$TMP/broken/segments.aud" && ok "broken copy made" || fail "broken copy"
expect "broken segment fails" 1 "$AUD" -C "$TMP/broken" test
contains "broken: FAIL line" "FAIL vip_big_nordic_spenders (tests.aud:7)"
contains "broken: the expectation" "  tests.aud:25: expect big_spenders == [\"ana\", \"ben\"]"
contains "broken: expected" '    profile "ana"  expected: member'
contains "broken: got" '                        got: not a member'
contains "broken: other tests pass" "PASS consent_required (tests.aud:59)"
contains "broken: summary" "4 tests: 3 passed, 1 failed"
contains "broken: a publication" "  tests.aud:33: expect vip to crm_export sends \"ana\" key \"ana\""
contains "broken: not sent" "                        got: skipped: not_member"
expect "broken: json" 1 "$AUD" -C "$TMP/broken" test --json vip_big_nordic_spenders
contains "broken json: status" '"status":"fail"'
contains "broken json: diff" '"diff":[{"profile":"ana","expected":"member","got":"not a member"},{"profile":"ben","expected":"member","got":"not a member"}]'
contains "broken json: summary" '"summary":{"tests":1,"passed":0,"failed":1}'
# A wrong attribute value: expected vs got.
cp -r "$TMP/qs" "$TMP/value"
sed -i 's/"ana" == 260.5/"ana" == 261.5/' "$TMP/value/tests.aud"
expect "wrong value fails" 1 "$AUD" -C "$TMP/value" test
contains "value: expected" '    profile "ana"  expected: 261.5'
contains "value: got" '                        got: 260.5'

# Fixture diagnostics come from the checker, at their line:column.
mkdir -p "$TMP/diag"
printf '[project]\nname = "t"\nstdlib = false\n' > "$TMP/diag/aud.toml"
cat > "$TMP/diag/main.aud" <<'AUD'
event order "Order" { total: float }
segment buyers = did(order)
test t {
  as_of @2026-03-01
  given { event ordr "u1" @2026-02-01 { total = 1.0 } }
  expect buyers contains "u2"
}
AUD
expect "fixture diagnostics" 1 "$AUD" -C "$TMP/diag" test
contains "diag: unknown event" "main.aud:5:17: error: unknown event \`ordr\` [unknown-event]"

# Hostile ids and values never reach the terminal raw.
cat > "$TMP/diag/main.aud" <<'AUD'
event order "Order" { total: float }
segment buyers = did(order)
test t {
  as_of @2026-03-01
  given { event order "\u{1B}[31mred" @2026-02-01 { total = 1.0 } }
  expect buyers excludes "\u{1B}[31mred"
}
AUD
expect "hostile id: fails" 1 "$AUD" -C "$TMP/diag" test
if printf '%s' "$OUT" | grep -q $'\x1b'; then fail "hostile id: raw escape in output"; else ok "hostile id: escaped"; fi
contains "hostile id: shown escaped" 'profile "\u{1B}[31mred"'

echo "# passed $passed, failed $failed"
[ "$failed" -eq 0 ]
