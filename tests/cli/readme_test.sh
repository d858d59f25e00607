#!/usr/bin/env bash
# The README's commands work exactly as written: every ```sh block of
# README.md and examples/quickstart/README.md is run, line by line, in one
# shell per file (so `cd` carries over), from a scratch copy of the
# repository's examples/, with `aud` on PATH and no secrets in the
# environment. Each command must exit 0, or N when its comment says
# `# exit N`. A block right after the line `<!-- readme-test: illustrative -->`
# is not run (keep those few: commands that need a server or rebuild the repo).
# Usage: readme_test.sh AUD_BINARY REPO_ROOT [FILE...]   (FILEs relative to REPO_ROOT)
set -u
AUD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$2
shift 2
FILES=("$@")
[ ${#FILES[@]} -gt 0 ] || FILES=(README.md examples/quickstart/README.md)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
BIN=$TMP/bin
mkdir -p "$BIN"
ln -s "$AUD" "$BIN/aud"

# Emits a bash script for the ```sh blocks of the markdown file $1: each
# command (continuation lines joined) is followed by a check of its status.
extract() {
  awk -v label="$2" '
    function q(s) { gsub(/\047/, "\047\\\047\047", s); return "\047" s "\047" }
    /^<!-- readme-test: illustrative -->$/ { skip_next = 1; next }
    /^```sh[ \t]*$/ && !inblock { inblock = 1; skip = skip_next; skip_next = 0; blocks++; next }
    /^```/ && inblock { inblock = 0; next }
    !inblock { if ($0 !~ /^[ \t]*$/) skip_next = 0; next }
    skip { next }
    {
      if (cont != "") { line = cont " " $0; start = cstart } else { line = $0; start = NR }
      if (line ~ /\\$/) { sub(/\\$/, "", line); cont = line; cstart = start; next }
      cont = ""
      if (line ~ /^[ \t]*(#|$)/) next
      want = 0
      if (match(line, /#[ \t]*exit [0-9]+/)) {
        w = substr(line, RSTART, RLENGTH); sub(/^#[ \t]*exit /, "", w); want = w + 0
      }
      printf "%s\n__check %s %d $? %s\n", line, q(label ":" start), want, q(line)
      n++
    }
    END { printf "__commands %d\n", n }
  ' "$1"
}

# The README pipes `aud graph` into Graphviz (installed by scripts/bootstrap.sh).
if ! command -v dot >/dev/null 2>&1; then
  echo "FAIL - graphviz's \`dot\` is not installed: run scripts/bootstrap.sh"
  exit 1
fi

status=0
for f in "${FILES[@]}"; do
  work=$TMP/repo-$(echo "$f" | tr '/.' '__')
  mkdir -p "$work"
  # A fresh copy of the examples, without generated data, state or exports.
  cp -r "$ROOT/examples" "$work/"
  find "$work/examples" -mindepth 2 -maxdepth 2 \( -name .aud -o -name data -o -name exports \) \
    -exec rm -rf {} +
  script=$TMP/script.sh
  {
    echo 'set -o pipefail'
    echo 'passed=0; failed=0'
    echo '__check() {'
    echo '  if [ "$3" -eq "$2" ]; then passed=$((passed + 1)); echo "ok - $1: $4";'
    echo '  else failed=$((failed + 1)); echo "FAIL - $1: exit $3, want $2: $4"; fi; }'
    echo '__commands() { [ "$1" -gt 0 ] || { echo "FAIL - no commands found"; failed=$((failed + 1)); }'
    echo '  echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; }'
    extract "$ROOT/$f" "$f"
  } > "$script"
  echo "== $f"
  # No secrets and no terminal: a command that would ask or need a key fails.
  (cd "$work" && env -u AUTOPILOT_API_KEY -u HOOK_TOKEN -u AUD_STATE_DSN -u WAREHOUSE_DSN \
     PATH="$BIN:$PATH" bash "$script" < /dev/null > "$TMP/log" 2>&1)
  rc=$?
  # Command output goes to the log; show it only when something failed.
  if [ "$rc" -ne 0 ]; then cat "$TMP/log"; status=1; else grep -E '^(ok|FAIL) - |passed, ' "$TMP/log"; fi
done
exit $status
