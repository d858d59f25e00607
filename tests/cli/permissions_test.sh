#!/usr/bin/env bash
# Personal data is private on disk (docs/security.md): with a permissive
# umask (000), everything aud writes under `.aud/` (state, profile store,
# cache, JIT objects, quarantine), the plan file and a file destination's
# exports are 0600, their folders 0700; a `.aud/` left world-readable by an
# older aud is tightened; `aud init` writes a `.gitignore` that keeps them
# out of git (and completes an existing one).
# Usage: permissions_test.sh AUD_BINARY
set -u
AUD=$1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; }
run() {  # run NAME CMD...: must exit 0
  local name=$1
  shift
  if OUT=$("$@" 2>&1); then ok "$name"; else fail "$name (exit $?): $OUT"; fi
}

umask 000
P=$TMP/shop
run "init" "$AUD" init "$P"
# A bad line, so the quarantine is written too.
echo '{"type":"track","event":"Order Completed"' >> "$P/data/events/sample.jsonl"
run "plan --out" "$AUD" -C "$P" plan --as-of 2026-11-15 --out review.plan
run "apply" "$AUD" -C "$P" apply review.plan
run "eval (cache, JIT objects)" "$AUD" -C "$P" eval repeat_buyers --as-of 2026-11-15

# What must exist, so the mode checks below cannot pass vacuously.
for f in .aud/state.db .aud/profiles.db .aud/cache/events.store .aud/quarantine \
         review.plan exports/crm/nordic_repeat_buyers.csv; do
  [ -e "$P/$f" ] && ok "$f exists" || fail "$f exists"
done
ls "$P"/.aud/cache/jit/*.o >/dev/null 2>&1 && ok "JIT objects exist" || fail "JIT objects exist"
ls "$P"/exports/crm/*.delta-* >/dev/null 2>&1 && ok "delta file exists" || fail "delta file exists"

# check_modes ROOT: every folder 0700, every other file 0600.
check_modes() {
  local root=$1 bad n
  n=$(find "$root" | wc -l)
  bad=$(find "$root" \( -type d ! -perm 0700 \) -o \( ! -type d ! -perm 0600 \) -printf '%m %p\n')
  if [ -z "$bad" ]; then ok "modes under ${root#$TMP/} ($n entries)"; else fail "modes under ${root#$TMP/}: $bad"; fi
}
check_modes "$P/.aud"
check_modes "$P/exports"
[ "$(stat -c %a "$P/review.plan")" = 600 ] && ok "plan file 0600" || fail "plan file $(stat -c %a "$P/review.plan")"

# A .aud/ made world-readable (an older aud, a copy) is tightened by the next command.
chmod 0777 "$P/.aud" "$P/.aud/cache"
chmod 0666 "$P/.aud/state.db" "$P/.aud/cache/events.store"
run "state list" "$AUD" -C "$P" state list
check_modes "$P/.aud"
# A pre-existing export folder inside the project is tightened when written to.
chmod 0755 "$P/exports/crm"
echo '{"type":"identify","userId":"u9","timestamp":"2026-11-01T09:00:00Z","traits":{"email":"eve@example.com","country":"NO"}}' >> "$P/data/events/sample.jsonl"
echo '{"type":"track","userId":"u9","event":"Order Completed","timestamp":"2026-11-10T10:00:00Z","properties":{"revenue":10}}' >> "$P/data/events/sample.jsonl"
echo '{"type":"track","userId":"u9","event":"Order Completed","timestamp":"2026-11-11T10:00:00Z","properties":{"revenue":10}}' >> "$P/data/events/sample.jsonl"
run "apply again" "$AUD" -C "$P" apply --as-of 2026-11-15 --auto-approve
grep -q 'eve@example.com' "$P/exports/crm/nordic_repeat_buyers.csv" && ok "second apply exported" || fail "second apply exported"
check_modes "$P/exports"

# The project's own sources keep the user's umask (they go into git).
[ "$(stat -c %a "$P/main.aud")" = 666 ] && ok "init keeps the umask for sources" || fail "main.aud is $(stat -c %a "$P/main.aud")"

# .gitignore keeps state, plans and exports out of git.
if command -v git >/dev/null 2>&1; then
  git -C "$P" init -q
  for f in .aud/state.db .aud/cache/events.store review.plan exports/crm/nordic_repeat_buyers.csv; do
    git -C "$P" check-ignore -q "$f" && ok "git ignores $f" || fail "git ignores $f"
  done
  for f in aud.toml main.aud data/events/sample.jsonl .gitignore; do
    git -C "$P" check-ignore -q "$f" && fail "git tracks $f" || ok "git tracks $f"
  done
else
  echo "skip - git not installed"
fi

# An existing .gitignore is completed, not replaced, and not duplicated.
mkdir -p "$TMP/other"
printf 'node_modules/\n*.plan' > "$TMP/other/.gitignore"
run "init over an existing .gitignore" "$AUD" init "$TMP/other"
grep -qx 'node_modules/' "$TMP/other/.gitignore" && ok "existing lines kept" || fail "existing lines kept"
[ "$(grep -cx '\*\.plan' "$TMP/other/.gitignore")" = 1 ] && ok "no duplicate pattern" || fail "no duplicate pattern: $(cat "$TMP/other/.gitignore")"
grep -qx '/.aud/' "$TMP/other/.gitignore" && grep -qx '/exports/' "$TMP/other/.gitignore" \
  && ok "missing patterns added" || fail "missing patterns added: $(cat "$TMP/other/.gitignore")"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
