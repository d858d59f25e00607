#!/usr/bin/env bash
# Hostile event data never reaches the terminal raw: a browser-supplied
# anonymousId, userId, trait, property value and event name hold escape
# codes (clear screen, cursor home), CR, BS, DEL, a C1 CSI, bidi overrides
# and a fake "No changes." line after a newline. Every command that prints
# them (plan, plan --json, show, eval table and jsonl, apply, profile show,
# state list) must write no raw control character other than its own
# newlines, and the fake line must never start a line.
# Usage: escapes_test.sh AUD_BINARY
set -u
AUD=$1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; }

# Raw bytes that drive a terminal: C0 controls but LF, DEL, C1 (U+0080-U+009F
# in UTF-8), bidi controls (U+061C, U+200E/F, U+202A-E, U+2066-9) and U+2028/9.
UNSAFE='[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]'
FAKE='No changes. The destinations match the audiences.'

# run NAME WANT_RC CMD...: stdout in $TMP/out, stderr in $TMP/err; checks the
# exit code and that neither stream carries an unsafe byte or the fake line.
run() {
  local name=$1 want=$2
  shift 2
  "$@" >"$TMP/out" 2>"$TMP/err"
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    fail "$name (exit $rc, want $want): $(cat -v "$TMP/err" | head -5)"
    return
  fi
  local stream
  for stream in out err; do
    if LC_ALL=C grep -qaP "$UNSAFE" "$TMP/$stream"; then
      fail "$name: raw control characters on std$stream: $(LC_ALL=C grep -naP "$UNSAFE" "$TMP/$stream" | head -3 | cat -v)"
    else
      ok "$name: std$stream has no raw control character"
    fi
    # Every plan printed here has changes: such a line can only come from data.
    if grep -qa -- "^$FAKE" "$TMP/$stream"; then
      fail "$name: the fake line starts a line on std$stream"
    else
      ok "$name: no fake line on std$stream"
    fi
  done
}
# has NAME TEXT: $TMP/out contains TEXT (fixed string).
has() {
  if grep -qaF -- "$2" "$TMP/out"; then ok "$1"; else fail "$1: output lacks '$2': $(cat -v "$TMP/out" | head -20)"; fi
}

P="$TMP/p"
mkdir -p "$P/data/events"
cat >"$P/aud.toml" <<'EOF'
[project]
name = "hostile"

[sources.web]
path = "data/events/*.jsonl"
format = "segment"

[connections.files]
type = "file"
format = "jsonl"
dir = "exports"
EOF
cat >"$P/main.aud" <<'EOF'
import "std/ecommerce"
import "std/governance"

trait email: string [I1]
trait note: string

identity user_id: declared from userId
identity anon: visitor from anonymousId
identity email: declared from trait email normalize email

segment buyers = count(order_completed) >= 1

audience shoppers "Anyone who ordered" {
  members buyers
  identities anon, user_id, email
  attributes {
    last_currency = last(order_completed.currency)
    note = note
  }
  refresh every 1d
}

destination visitors "By visitor id" {
  connection files
  actions analytics
  key anon
  map anon -> "anon", note -> "note"
}

publish shoppers to visitors, profile_store
EOF
# JSON escapes in the event file; the parsed values hold the raw characters.
E='\u001b[2J\u001b[H\r\n'"$FAKE"'\n\u0008\u007f\u009b31m\u202eevil\u2066\u2028'
cat >"$P/data/events/e.jsonl" <<EOF
{"type":"identify","userId":"u1$E","anonymousId":"a1$E","timestamp":"2026-11-01T09:00:00Z","traits":{"email":"x$E@example.com","note":"n$E"}}
{"type":"track","userId":"u1$E","anonymousId":"a1$E","event":"Order Completed","timestamp":"2026-11-02T10:00:00Z","properties":{"order_id":"o1","revenue":120.5,"currency":"SEK$E"}}
{"type":"track","anonymousId":"a2$E","event":"Evil$E","timestamp":"2026-11-02T10:00:00Z","properties":{}}
EOF
# The raw key, as `aud profile show` needs it.
KEY=$(printf 'u1\033[2J\033[H\r\n%s\n\b\177\302\233%s' "$FAKE" "31m")$'\u202e'evil$'\u2066\u2028'

run "plan" 0 "$AUD" -C "$P" plan --as-of 2026-11-05
has "plan shows the key escaped" '+ enter: a1\u{1B}[2J\u{1B}[H\r\nNo changes.'
has "plan shows C1 and bidi escaped" '\u{08}\u{7F}\u{9B}31m\u{202E}evil\u{2066}\u{2028}'
run "plan --json" 0 "$AUD" -C "$P" plan --as-of 2026-11-05 --json --detail
has "plan --json escapes by JSON rules" '"a1\u001b[2J\u001b[H\r\nNo changes.'
has "plan --json escapes C1 and bidi" '\b\u007f\u009b31m\u202eevil\u2066\u2028"'
run "plan --out" 0 "$AUD" -C "$P" plan --as-of 2026-11-05 --out review.plan
run "show plan" 0 "$AUD" -C "$P" show review.plan
has "show shows the key escaped" '+ enter: a1\u{1B}[2J'
run "show plan --json" 0 "$AUD" -C "$P" show review.plan --json
run "eval table" 0 "$AUD" -C "$P" eval shoppers --as-of 2026-11-05
has "eval table escapes the profile key" '  u1\u{1B}[2J'
has "eval table escapes attribute values" 'SEK\u{1B}[2J'
has "eval table escapes event names" 'track:Evil\u{1B}[2J'
run "eval jsonl" 0 "$AUD" -C "$P" eval shoppers --as-of 2026-11-05 --format jsonl
has "eval jsonl escapes by JSON rules" '"profile":"u1\u001b[2J\u001b[H\r\nNo changes.'
run "apply" 0 "$AUD" -C "$P" apply --auto-approve --as-of 2026-11-05
has "apply applied" "Apply complete: 2 confirmed"
run "profile show" 0 "$AUD" -C "$P" profile show "$KEY"
has "profile show escapes identities" 'anon     a1\u{1B}[2J'
has "profile show escapes traits" '"n\u001b[2J'
run "profile show, unknown key" 1 "$AUD" -C "$P" profile show "$KEY-none"
run "state list" 0 "$AUD" -C "$P" state list
run "show state" 0 "$AUD" -C "$P" show
# The export file is JSON: escaped by JSON rules, C1 and bidi included.
cp "$P"/exports/shoppers.jsonl "$TMP/out"
: >"$TMP/err"
if LC_ALL=C grep -qaP "$UNSAFE" "$TMP/out"; then fail "file export escaped"; else ok "file export escaped"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
