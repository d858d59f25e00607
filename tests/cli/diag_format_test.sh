#!/usr/bin/env bash
# Machine-readable diagnostics end to end (docs/diagnostics-json.md):
# `aud check --format json|sarif|github` write one document to stdout and
# exit 1 on errors; `--diagnostic-format` does the same on stderr for the
# other commands (eval, explain, fmt, plan).
# Usage: diag_format_test.sh AUD_BINARY
set -u
AUD=$1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; }
# json_ok NAME FILE PYTHON_ASSERTION: FILE is JSON and the assertion on `d` holds.
json_ok() {
  if python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert $3, d" "$2" 2>"$TMP/py.err"; then
    ok "$1"
  else
    fail "$1: $(cat "$TMP/py.err") $(head -c 600 "$2")"
  fi
}

mkdir -p "$TMP/p"
printf '[project]\nname = "t"\n' > "$TMP/p/aud.toml"
printf 'trait email: string\nsegment a = emial == "x"\n' > "$TMP/p/main.aud"

"$AUD" -C "$TMP/p" check --format json > "$TMP/out" 2> "$TMP/err"
rc=$?
[ "$rc" -eq 1 ] && ok "check --format json: exit 1" || fail "check --format json: exit $rc"
[ ! -s "$TMP/err" ] && ok "check --format json: nothing on stderr" || fail "stderr: $(cat "$TMP/err")"
json_ok "check --format json: the diagnostic" "$TMP/out" \
  "d['errors'] == 1 and d['diagnostics'][0]['kind'] == 'unknown-name' and d['diagnostics'][0]['file'] == 'main.aud' and d['diagnostics'][0]['range'] == {'start': {'line': 2, 'column': 13}, 'end': {'line': 2, 'column': 18}}"
json_ok "check --format json: the fix-it" "$TMP/out" \
  "d['diagnostics'][0]['fixits'] == [{'file': 'main.aud', 'range': {'start': {'line': 2, 'column': 13}, 'end': {'line': 2, 'column': 18}}, 'replacement': 'email'}]"

"$AUD" -C "$TMP/p" check --format sarif > "$TMP/out" 2>&1
[ $? -eq 1 ] && ok "check --format sarif: exit 1" || fail "check --format sarif: exit"
json_ok "check --format sarif: the result" "$TMP/out" \
  "d['version'] == '2.1.0' and d['runs'][0]['results'][0]['ruleId'] == 'unknown-name' and d['runs'][0]['results'][0]['locations'][0]['physicalLocation']['artifactLocation']['uri'] == '$TMP/p/main.aud'"

OUT=$("$AUD" -C "$TMP/p" check --format github 2>/dev/null)
want="::error file=$TMP/p/main.aud,line=2,col=13,endLine=2,endColumn=18,title=aud [unknown-name]::unknown name \`emial\`%0Anote: did you mean \`email\`?"
[ "$OUT" = "$want" ] && ok "check --format github" || fail "check --format github: got '$OUT', want '$want'"

# A clean project: an empty list, exit 0, no `ok:` line.
printf 'trait email: string\nsegment a = email == "x"\n' > "$TMP/p/main.aud"
"$AUD" -C "$TMP/p" check --format json > "$TMP/out" 2>&1
[ $? -eq 0 ] && ok "clean check --format json: exit 0" || fail "clean check: exit"
json_ok "clean check --format json: empty" "$TMP/out" "d == {'version': 1, 'diagnostics': [], 'errors': 0, 'warnings': 0}"

# --format and --emit exclude each other; an unknown format is refused.
"$AUD" -C "$TMP/p" check --format yaml > "$TMP/out" 2>&1
[ $? -ne 0 ] && grep -q "yaml" "$TMP/out" && ok "unknown format refused" || fail "unknown format: $(cat "$TMP/out")"

# Other commands: the document goes to stderr.
printf 'trait email: string\nsegment a = email == 1\n' > "$TMP/p/main.aud"
"$AUD" -C "$TMP/p" --diagnostic-format json eval a > "$TMP/out" 2> "$TMP/err"
[ $? -eq 1 ] && ok "eval --diagnostic-format json: exit 1" || fail "eval: exit"
[ ! -s "$TMP/out" ] && ok "eval: nothing on stdout" || fail "eval stdout: $(cat "$TMP/out")"
json_ok "eval --diagnostic-format json" "$TMP/err" "d['diagnostics'][0]['kind'] == 'type-mismatch'"
"$AUD" -C "$TMP/p" explain a --diagnostic-format json > "$TMP/out" 2> "$TMP/err"
json_ok "explain --diagnostic-format json (after the command)" "$TMP/err" "d['errors'] == 1"
"$AUD" -C "$TMP/p" plan --diagnostic-format json > "$TMP/out" 2> "$TMP/err"
json_ok "plan --diagnostic-format json" "$TMP/err" "d['errors'] == 1"
printf 'segment = \n' > "$TMP/p/bad.aud"
"$AUD" -C "$TMP/p" --diagnostic-format json fmt --check > "$TMP/out" 2> "$TMP/err"
json_ok "fmt --check --diagnostic-format json: the parse error" "$TMP/err" \
  "d['diagnostics'][0]['kind'] == 'syntax-error' and d['diagnostics'][0]['file'].endswith('bad.aud')"

echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
