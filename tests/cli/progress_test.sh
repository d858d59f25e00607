#!/usr/bin/env bash
# The progress line (cli/progress.h): shown on a terminal for ingest
# (bytes, lines), evaluation and apply (publications done/total) and erased
# when the work ends; never when stdout is not a terminal, with TERM=dumb,
# with AUD_PROGRESS=0, or before AUD_PROGRESS_AFTER_MS has elapsed. A
# pseudo-terminal comes from util-linux `script`; AUD_PROGRESS_AFTER_MS=0
# shows progress at once (the default waits 1.5 s).
# Usage: progress_test.sh AUD_BINARY REPO_ROOT
set -u
AUD=$1
ROOT=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; }
if ! command -v script >/dev/null 2>&1; then
  echo "skipped: no \`script\` command (util-linux)"
  exit 0
fi

# A fresh copy of the quickstart with generated events (no cache, no state).
fresh() {
  rm -rf "$TMP/qs"
  cp -r "$ROOT/examples/quickstart" "$TMP/qs"
  rm -rf "$TMP/qs/.aud" "$TMP/qs/exports"
  mkdir -p "$TMP/qs/data/events"
  cp "$TMP/events.jsonl" "$TMP/qs/data/events/gen.jsonl"
}
"$AUD" gen-events --profiles 500 --events 8000 --seed 7 --out "$TMP/events.jsonl" >/dev/null 2>&1
# Only the publications that need no server.
TARGETS=(--target crm_export --target profile_store)

# on_tty NAME CMD...: runs CMD (a shell command line) on a pseudo-terminal;
# what the terminal showed is in $TMP/tty.
on_tty() {
  script -qec "$1" /dev/null </dev/null >"$TMP/tty" 2>&1
}
# shows NAME REGEX: the terminal output matches the Perl regex.
shows() {
  if LC_ALL=C grep -qaP -- "$2" "$TMP/tty"; then ok "$1"; else fail "$1: no /$2/ in: $(cat -v "$TMP/tty" | head -c 1500)"; fi
}
# no_progress NAME FILE: FILE has no progress line (no erase sequence, no
# progress text).
no_progress() {
  if LC_ALL=C grep -qaP '\x1b\[K|apply: [0-9]+/|ingest: reading|ingest: [0-9.]+ [kM]?B|evaluating: ' "$2"; then
    fail "$1: progress shown: $(cat -v "$2" | head -c 800)"
  else
    ok "$1"
  fi
}

A="'$AUD' -C '$TMP/qs'"

# On a terminal, at once: ingest with bytes and lines, evaluation, erased at the end.
fresh
on_tty "AUD_PROGRESS_AFTER_MS=0 $A eval vip --as-of 2026-11-01"
shows "eval: ingest progress with bytes, percent and lines" \
  'ingest: [0-9.]+ [kM]?B of [0-9.]+ [kM]?B \(100%\), 8,000 lines'
shows "eval: evaluation progress" 'evaluating: [0-9,]+ of 500 profiles'
shows "eval: the line is erased before the result" '\r\x1b\[Kaudience vip: '
shows "eval: the result is printed" 'audience vip: [0-9]+ of 500 profiles'

# apply: publications done/total, the last state erased before the summary.
fresh
on_tty "AUD_PROGRESS_AFTER_MS=0 $A apply --auto-approve --as-of 2026-11-01 ${TARGETS[*]}"
shows "apply: ingest progress" 'ingest: [0-9.]+ [kM]?B of [0-9.]+ [kM]?B \(100%\), 8,000 lines'
shows "apply: a publication being sent" 'apply: 0/[0-9]+ publications; [a-z_]+ -> [a-z_]+: batch 1/[0-9]+'
shows "apply: publications done/total, erased at the end" \
  'apply: ([0-9]+)/\1 publications, [0-9,]+ rows sent\r\x1b\[K'
shows "apply: the summary is printed" 'Apply complete: [0-9]+ confirmed, 0 rejected.'

# plan, from the cache: still shows its phases on a terminal.
on_tty "AUD_PROGRESS_AFTER_MS=0 $A plan --as-of 2026-11-01 ${TARGETS[*]}"
shows "plan: progress" '\x1b\[K(ingest: reading events|building profiles|compiling|evaluating)'

# Not before the delay (a short command shows nothing).
fresh
on_tty "AUD_PROGRESS_AFTER_MS=600000 $A apply --auto-approve --as-of 2026-11-01 ${TARGETS[*]}"
no_progress "no progress before AUD_PROGRESS_AFTER_MS" "$TMP/tty"
shows "apply still works" 'Apply complete: [0-9]+ confirmed, 0 rejected.'

# Turned off: TERM=dumb, AUD_PROGRESS=0.
fresh
on_tty "TERM=dumb AUD_PROGRESS_AFTER_MS=0 $A apply --auto-approve --as-of 2026-11-01 ${TARGETS[*]}"
no_progress "TERM=dumb: no progress" "$TMP/tty"
fresh
on_tty "AUD_PROGRESS=0 AUD_PROGRESS_AFTER_MS=0 $A apply --auto-approve --as-of 2026-11-01 ${TARGETS[*]}"
no_progress "AUD_PROGRESS=0: no progress" "$TMP/tty"

# stdout not a terminal (stderr still is): no progress anywhere.
fresh
on_tty "AUD_PROGRESS_AFTER_MS=0 $A apply --auto-approve --as-of 2026-11-01 ${TARGETS[*]} > '$TMP/stdout'"
no_progress "stdout redirected: nothing on the terminal" "$TMP/tty"
no_progress "stdout redirected: nothing in stdout" "$TMP/stdout"
grep -q "Apply complete" "$TMP/stdout" && ok "stdout redirected: the summary" || fail "stdout redirected: the summary"

# Piped, no terminal at all: stdout and stderr carry no progress.
fresh
AUD_PROGRESS_AFTER_MS=0 "$AUD" -C "$TMP/qs" eval vip --as-of 2026-11-01 >"$TMP/out" 2>"$TMP/err"
no_progress "eval piped: stdout" "$TMP/out"
no_progress "eval piped: stderr" "$TMP/err"
AUD_PROGRESS_AFTER_MS=0 "$AUD" -C "$TMP/qs" apply --auto-approve --as-of 2026-11-01 "${TARGETS[@]}" \
  >"$TMP/out" 2>"$TMP/err"
no_progress "apply piped: stdout" "$TMP/out"
no_progress "apply piped: stderr" "$TMP/err"
grep -q "Apply complete" "$TMP/out" && ok "apply piped: the summary" || fail "apply piped: the summary"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
