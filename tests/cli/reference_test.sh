#!/usr/bin/env bash
# The examples of the reference are real: every ```aud block of
# docs/reference/*.md and README.md is a complete module that `aud check`
# accepts; every ```aud error block is refused (exit 1), and when a plain
# ``` block follows it, each of that block's `main.aud:` lines appears in
# the diagnostics. ```aud fragment blocks are parts of a module: not run.
# A worked example is an ```aud block followed by a ```jsonl events block
# (the event lines) and a ```text expect block: a first line `--as-of T`,
# then lines `NAME: PROFILE...`, the members `aud eval NAME` must print,
# each optionally followed by `{...}` lines its `--format jsonl` must print.
# Each block is checked alone, as main.aud of a project whose aud.toml
# declares the connections `crm_files` (file), `autopilot_prod` (autopilot)
# and `hook` (http).
# Usage: reference_test.sh AUD_BINARY REPO_ROOT [FILE...]  (FILEs relative to REPO_ROOT)
set -u
AUD=$1
ROOT=$2
shift 2
FILES=("$@")
if [ ${#FILES[@]} -eq 0 ]; then
  FILES=(README.md)
  for f in "$ROOT"/docs/reference/*.md; do FILES+=("docs/reference/$(basename "$f")"); done
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; }

# Splits the blocks of $1 into $2/NNN.{aud,err,diag} (the line of the block in NNN.line).
split_blocks() {
  awk -v out="$2" '
    /^```/ && !inb {
      inb = 1; kind = ""
      if ($0 ~ /^```aud[ \t]*$/) kind = "aud"
      else if ($0 ~ /^```aud error[ \t]*$/) kind = "err"
      else if ($0 ~ /^```[ \t]*$/ && last == "err") kind = "diag"
      else if ($0 ~ /^```jsonl events[ \t]*$/ && cur) kind = "events"
      else if ($0 ~ /^```text expect[ \t]*$/ && cur) kind = "expect"
      last = (kind == "err") ? "err" : ""
      if (kind == "events" || kind == "expect") { f = sprintf("%s/%03d.%s", out, cur, kind); next }
      if (kind != "") { n++; f = sprintf("%s/%03d.%s", out, n, kind)
                        printf "%d\n", NR + 1 > sprintf("%s/%03d.line", out, n) }
      if (kind == "aud") cur = n; else if (kind == "err") cur = 0
      next
    }
    /^```/ && inb { inb = 0; if (kind != "") close(f); next }
    inb && kind != "" { print > f }
    !inb && $0 !~ /^[ \t]*$/ { last = "" }
  ' "$1"
}

for f in "${FILES[@]}"; do
  blocks=$TMP/blocks/$(echo "$f" | tr '/.' '__')
  mkdir -p "$blocks"
  split_blocks "$ROOT/$f" "$blocks"
  count=0
  for b in "$blocks"/*.aud "$blocks"/*.err; do
    [ -e "$b" ] || continue
    count=$((count + 1))
    base=${b%.*}
    where="$f:$(cat "$base.line")"
    proj=$TMP/proj
    rm -rf "$proj"
    mkdir -p "$proj"
    cat > "$proj/aud.toml" <<'TOML'
[project]
name = "reference"

[sources.web]
path = "data/events/*.jsonl"

[connections.crm_files]
type = "file"
format = "csv"
dir = "exports/crm"

[connections.autopilot_prod]
type = "autopilot"
api_key = { env = "AUTOPILOT_API_KEY" }

[connections.hook]
type = "http"
url = "https://example.com/audiences"
token = { env = "HOOK_TOKEN" }
TOML
    cp "$b" "$proj/main.aud"
    out=$("$AUD" -C "$proj" check 2>&1)
    rc=$?
    if [ "${b##*.}" = aud ]; then
      if [ $rc -eq 0 ]; then ok "$where checks"; else fail "$where: aud check exit $rc: $out"; fi
      if [ -e "$base.expect" ]; then
        mkdir -p "$proj/data/events"
        cp "$base.events" "$proj/data/events/e.jsonl" 2>/dev/null || fail "$where: no events block"
        as_of=$(head -1 "$base.expect" | sed -n 's/^--as-of //p')
        [ -n "$as_of" ] || fail "$where: the expect block lacks --as-of"
        while IFS= read -r line; do
          case "$line" in --as-of*|'') continue ;; esac
          # A line `{...}` must be one of the previous NAME's output lines.
          if [ "${line:0:1}" = "{" ]; then
            if grep -qxF -- "$line" <<<"$jsonl"; then ok "$where: $name prints ${line:0:40}..."
            else fail "$where: $name does not print $line: $jsonl"; fi
            continue
          fi
          name=${line%%:*}
          want=$(echo ${line#*:})
          jsonl=$("$AUD" -C "$proj" eval "$name" --as-of "$as_of" --format jsonl 2>&1)
          got=$(sed -n 's/^{"profile":"\([^"]*\)".*/\1/p' <<<"$jsonl" | tr '\n' ' ')
          got=$(echo $got)
          if [ "$got" = "$want" ]; then ok "$where: $name = [$want]"
          else fail "$where: $name at $as_of: got [$got], want [$want]"; fi
        done < "$base.expect"
      fi
    else
      if [ $rc -eq 1 ]; then ok "$where is refused"; else fail "$where: aud check exit $rc, want 1: $out"; fi
      # The expected diagnostics, when given, are the next block.
      diag=$(printf '%s/%03d.diag' "$blocks" $((10#${base##*/} + 1)))
      if [ -e "$diag" ]; then
        while IFS= read -r line; do
          case "$line" in main.aud:*)
            if grep -qxF -- "$line" <<<"$out"; then ok "$where prints: ${line:0:60}"
            else fail "$where: diagnostics lack '$line': $out"; fi ;;
          esac
        done < "$diag"
      fi
    fi
  done
  [ $count -gt 0 ] || [ "$f" != docs/reference/language.md ] || fail "$f: no aud blocks"
done
# The repository documents itself: nothing in it points at the design
# documents outside it (the patterns are split so this file does not match).
outside=$(grep -rIl --exclude-dir=.git --exclude-dir='build*' --exclude-dir=node_modules \
  -e '\.\./shared''/' -e 'shared''/design' "$ROOT" 2>/dev/null)
if [ -z "$outside" ]; then ok "no reference to documents outside the repository"
else fail "references to documents outside the repository in: $outside"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
