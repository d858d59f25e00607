#!/usr/bin/env bash
# End-to-end tests of the `aud` command: exit codes and output of check,
# fmt, graph and init, on the examples and on a project made by `aud init`.
# Usage: cli_test.sh AUD_BINARY REPO_ROOT
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

# Help.
expect "aud --help" 0 "$AUD" --help
contains "help lists check" "check"
expect "aud check --help" 0 "$AUD" check --help
expect "unknown command" 1 "$AUD" frobnicate
contains "unknown command is named" "unknown command \`frobnicate\`"
expect "misspelled command" 1 "$AUD" plna
contains "misspelled command: did you mean" "did you mean \`plan\`?"
expect "misspelled command after -C" 1 "$AUD" -C "$ROOT/examples/quickstart" chekc
contains "misspelled command after -C: did you mean" "did you mean \`check\`?"

# --version prints the project version of CMakeLists.txt.
want_version=$(sed -nE 's/^project\(aud VERSION ([0-9.]+).*/\1/p' "$ROOT/CMakeLists.txt")
expect "aud --version" 0 "$AUD" --version
[ -n "$want_version" ] && [ "$OUT" = "aud $want_version" ] && ok "version is aud $want_version" \
  || fail "version: got '$OUT', want 'aud $want_version'"

# An import that leaves the project never prints the target: with a canary in
# the environment, `aud check` on `import ".../proc/self/environ"` is an error
# whose output holds no environment variable.
mkdir -p "$TMP/environ"
printf '[project]\nname = "t"\n' > "$TMP/environ/aud.toml"
printf 'import "../../../../../../../../proc/self/environ"\n' > "$TMP/environ/main.aud"
OUT=$(env AUD_TEST_CANARY=canary-3be1f0-secret "$AUD" -C "$TMP/environ" check 2>&1)
rc=$?
[ "$rc" -eq 1 ] && ok "environ import: exit 1" || fail "environ import: exit $rc: $OUT"
contains "environ import: diagnostic" "main.aud:1:8: error: cannot import \`../../../../../../../../proc/self/environ\`: it is outside the project folder [import-outside-project]"
if grep -qE 'canary-3be1f0-secret|AUD_TEST_CANARY|PATH=' <<<"$OUT"; then
  fail "environ import: output holds the environment: $OUT"
else
  ok "environ import: no environment in the output"
fi
# The same through a symlink planted in the project.
mkdir -p "$TMP/environ/.lib"
ln -s /proc/self/environ "$TMP/environ/.lib/env.aud"
printf 'import ".lib/env.aud"\n' > "$TMP/environ/main.aud"
OUT=$(env AUD_TEST_CANARY=canary-3be1f0-secret "$AUD" -C "$TMP/environ" check 2>&1)
contains "environ symlink: diagnostic" "[import-outside-project]"
grep -q 'canary-3be1f0-secret' <<<"$OUT" && fail "environ symlink leaks: $OUT" || ok "environ symlink: no environment"
# /dev/zero and a FIFO as module files end at once, as errors.
ln -s /dev/zero "$TMP/environ/zero.aud"
mkfifo "$TMP/environ/pipe.aud"
printf 'segment s = true\n' > "$TMP/environ/main.aud"
expect "dev/zero and fifo modules" 1 timeout 20 "$AUD" -C "$TMP/environ" check
contains "dev/zero refused" "cannot read \`zero.aud\`: it resolves outside the project folder"
contains "fifo refused" "cannot read \`pipe.aud\`: it is not a regular file"

# Every example is checked: quickstart clean, governance_violation fails with lineage.
expect "quickstart checks" 0 "$AUD" -C "$ROOT/examples/quickstart" check
contains "quickstart summary" "ok: "
expect "governance_violation fails" 1 "$AUD" -C "$ROOT/examples/governance_violation" check
contains "violation kind" "[policy-violation]"
contains "violation lineage" "reads segment \`near_store\` -> trait \`latitude\` [S1] -> policy \`no_precise_ads\` denies \`cross_site_targeting\` (destination \`ad_network\`)"
contains "violation location" "main.aud:37:9: error: publishing \`store_visitors\` to \`ad_network\`"
for ex in "$ROOT"/examples/*/; do
  expect "fmt --check $(basename "$ex")" 0 "$AUD" -C "$ex" fmt --check
done

# Graph: DOT with labels and edges from events to segments to audiences to destinations.
expect "graph" 0 "$AUD" -C "$ROOT/examples/quickstart" graph
contains "graph is DOT" "digraph aud {"
contains "graph edge segment->audience" "\"big_spenders\" -> \"vip\";"
contains "graph edge audience->destination" "\"vip\" -> \"autopilot\";"
contains "graph edge event->segment" "\"order_completed\" -> \"big_spenders\";"
contains "graph shows labels" "[I1"

# init makes a project that checks, formats and refuses to be overwritten.
expect "init" 0 "$AUD" init "$TMP/shop"
expect "init project checks" 0 "$AUD" -C "$TMP/shop" check
expect "init project is formatted" 0 "$AUD" -C "$TMP/shop" fmt --check
test -f "$TMP/shop/data/events/sample.jsonl" && ok "init writes sample data" || fail "init writes sample data"
expect "init refuses to overwrite" 1 "$AUD" init "$TMP/shop"

# fmt: --check exits 1 on unformatted input and changes nothing; fmt fixes it.
printf 'segment   a =count(order_completed)>=1   # c\n' >> "$TMP/shop/main.aud"
cp "$TMP/shop/main.aud" "$TMP/before.aud"
expect "fmt --check on unformatted" 1 "$AUD" -C "$TMP/shop" fmt --check
contains "fmt --check names the file" "main.aud"
cmp -s "$TMP/shop/main.aud" "$TMP/before.aud" && ok "fmt --check writes nothing" || fail "fmt --check writes nothing"
expect "fmt rewrites" 0 "$AUD" -C "$TMP/shop" fmt
grep -q "^segment a = count(order_completed) >= 1  # c$" "$TMP/shop/main.aud" && ok "fmt layout" || fail "fmt layout: $(tail -2 "$TMP/shop/main.aud")"
expect "fmt --check after fmt" 0 "$AUD" -C "$TMP/shop" fmt --check
expect "check after fmt" 0 "$AUD" -C "$TMP/shop" check

# A file with a syntax error: fmt refuses it with a diagnostic; check reports file:line:col.
printf 'segment broken = (\n' > "$TMP/shop/broken.aud"
expect "fmt on a syntax error" 1 "$AUD" -C "$TMP/shop" fmt --check
contains "fmt shows the diagnostic" "broken.aud:1:19: error:"
expect "check on a syntax error" 1 "$AUD" -C "$TMP/shop" check
contains "check shows the diagnostic" "[syntax-error]"
contains "check counts errors" "1 error generated"
rm "$TMP/shop/broken.aud"

# --emit=ast prints the dump.
expect "check --emit=ast" 0 "$AUD" -C "$TMP/shop" check --emit=ast
contains "ast dump" "(segment repeat_buyers"

# No aud.toml.
mkdir -p "$TMP/empty"
expect "no aud.toml" 1 "$AUD" -C "$TMP/empty" check
contains "no aud.toml message" "[config-missing]"

# Runtime commands on the quickstart with generated data.
cp -r "$ROOT/examples/quickstart" "$TMP/qs"
rm -rf "$TMP/qs/.aud"
mkdir -p "$TMP/qs/data/events"
expect "gen-events" 0 "$AUD" gen-events --profiles 500 --events 8000 --seed 7 --bad-fraction 0.05 \
  --out "$TMP/qs/data/events/gen.jsonl"
"$AUD" gen-events --profiles 500 --events 8000 --seed 7 --bad-fraction 0.05 > "$TMP/gen2.jsonl" 2>/dev/null
cmp -s "$TMP/qs/data/events/gen.jsonl" "$TMP/gen2.jsonl" && ok "gen-events is deterministic" || fail "gen-events is deterministic"
expect "eval table" 0 "$AUD" -C "$TMP/qs" eval vip --as-of 2026-11-01 --format table
contains "eval table header" "audience vip:"
contains "eval table ingest statistics" "bad lines:"
contains "eval table quarantine" "quarantined in .aud/quarantine/"
test -n "$(ls "$TMP/qs/.aud/quarantine/" 2>/dev/null)" && ok "quarantine written" || fail "quarantine written"
expect "eval jsonl" 0 "$AUD" -C "$TMP/qs" eval nordic --as-of 2026-11-01 --format jsonl
OUT=$("$AUD" -C "$TMP/qs" eval nordic --as-of 2026-11-01 --format jsonl 2>/dev/null)
first=$(head -1 <<<"$OUT")
case "$first" in '{"profile":'*'"identities":{'*'"attributes":{}}') ok "eval jsonl shape";; *) fail "eval jsonl shape: $first";; esac
# A second run reads the cache and gives the same members.
second=$("$AUD" -C "$TMP/qs" eval nordic --as-of 2026-11-01 --format jsonl 2>/dev/null)
[ -n "$OUT" ] && [ "$second" = "$OUT" ] && ok "eval from the cache is identical" || fail "eval from the cache is identical"
expect "eval unknown name" 1 "$AUD" -C "$TMP/qs" eval no_such_segment --as-of 2026-11-01
expect "eval misspelled name" 1 "$AUD" -C "$TMP/qs" eval big_spendrs --as-of 2026-11-01
contains "eval misspelled name: did you mean" "unknown segment or audience \`big_spendrs\`; did you mean \`big_spenders\`?"
expect "explain misspelled name" 1 "$AUD" -C "$TMP/qs" explain vipp
contains "explain misspelled name: did you mean" "did you mean \`vip\`?"
expect "plan --target misspelled" 1 env AUTOPILOT_API_KEY=test-key "$AUD" -C "$TMP/qs" plan --as-of 2026-11-01 --target vipp
contains "plan --target: did you mean" "did you mean \`vip\`?"
expect "explain --ir" 0 "$AUD" -C "$TMP/qs" explain big_spenders --ir
contains "explain shows a slot" "slot s1: int = count(order_completed where"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
