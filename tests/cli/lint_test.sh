#!/usr/bin/env bash
# `make lint` (scripts/lint.sh) on a tiny temp project with the repository's
# own .clang-format and .clang-tidy, never on the tree (CI runs `make lint`
# on the tree once): clean files pass; a mis-formatted tracked file, a
# clang-tidy finding in a translation unit and one in a project header fail,
# naming the file; `--fix-format` (`make format`) repairs the formatting;
# generated units in the build folder and headers outside the project are
# not linted; a pass is cached; a missing compile database is refused.
# Usage: lint_test.sh SOURCE_DIR
set -u
SRC=$(cd "$1" && pwd)
LINT=$SRC/scripts/lint.sh
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; }

for tool in clang-format-14 clang-tidy-14 python3 git; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "FAIL - \`$tool\` is not installed (scripts/bootstrap.sh installs it)"
    exit 1
  fi
done

P=$TMP/proj
mkdir -p "$P/src" "$P/build" "$TMP/ext"
cp "$SRC/.clang-format" "$SRC/.clang-tidy" "$P/"
git -C "$P" init -q .

cat >"$P/src/good.h" <<'EOF'
#pragma once

#include <string>

// Joins two words with a space.
std::string Join(const std::string& a, const std::string& b);
EOF
cat >"$P/src/good.cpp" <<'EOF'
#include "src/good.h"

std::string Join(const std::string& a, const std::string& b) { return a + " " + b; }
EOF
# A use after move: bugprone-use-after-move.
moved_body='std::string Moved(std::string s) {
  std::string t = std::move(s);
  return s + t;
}'
unit() { # unit FILE: one compile_commands.json entry
  printf '{"directory": "%s", "command": "/usr/bin/c++ -I%s -isystem %s -std=c++20 -c %s", "file": "%s"}' \
    "$P/build" "$P" "$TMP/ext" "$1" "$1"
}
database() { # database FILE...: the compile database of these units
  {
    echo "["
    local sep=""
    for f in "$@"; do
      printf '%s' "$sep"
      unit "$f"
      sep=$',\n'
    done
    echo "]"
  } >"$P/build/compile_commands.json"
}
database "$P/src/good.cpp"
git -C "$P" add -A

# run NAME WANT_RC ARGS...: scripts/lint.sh on the project; output in $TMP/out.
run() {
  local name=$1 want=$2
  shift 2
  bash "$LINT" --root "$P" --jobs 2 "$@" >"$TMP/out" 2>&1
  local rc=$?
  if [ "$rc" = "$want" ]; then ok "$name (exit $rc)"; else
    fail "$name: exit $rc, expected $want"
    sed 's/^/    /' "$TMP/out"
  fi
}
has() { # has NAME TEXT: the last run's output contains TEXT
  if grep -qF -- "$2" "$TMP/out"; then ok "$1"; else
    fail "$1: no \`$2\` in the output"
    sed 's/^/    /' "$TMP/out"
  fi
}

run "clean project passes" 0
has "formatted files counted" "clang-format: 2 files formatted"
has "units counted" "clang-tidy: 1 translation units clean (0 unchanged"
run "second run passes" 0
has "a clean unit is cached" "(1 unchanged since a clean run)"

# clang-format: a tracked mis-formatted file fails; an untracked one is not ours.
printf 'int  Untracked( ){return 1;}\n' >"$P/src/untracked.cpp"
run "an untracked file is not checked" 0 --format-only
printf '#include "src/good.h"\nint  Ugly( ){return 1;}\n' >"$P/src/ugly.cpp"
git -C "$P" add src/ugly.cpp
run "a mis-formatted file fails" 1 --format-only
has "the file is named" "  src/ugly.cpp"
has "the fix is named" "make format"
run "--fix-format repairs it" 0 --fix-format
run "then the format check passes" 0 --format-only
if grep -q '  Untracked( )' "$P/src/untracked.cpp"; then ok "--fix-format leaves untracked files alone"; else
  fail "--fix-format rewrote an untracked file"
fi
rm "$P/src/untracked.cpp"

# clang-tidy: a finding in a unit fails, named with its check.
printf '#include <string>\n#include <utility>\n\n%s\n' "$moved_body" >"$P/src/moved.cpp"
git -C "$P" add src/moved.cpp
database "$P/src/good.cpp" "$P/src/moved.cpp"
run "a clang-tidy finding fails" 1 --tidy-only
has "the check is named" "[bugprone-use-after-move"
has "the unit is named" "  src/moved.cpp"
has "only the unit with the finding fails" "1 of 2 translation units have findings"
run "the finding is not cached" 1 --tidy-only

# A unit generated into the build folder is not linted.
printf '#include <string>\n#include <utility>\n\n%s\n' "$moved_body" >"$P/build/generated.cpp"
database "$P/src/good.cpp" "$P/build/generated.cpp"
run "a generated unit in the build folder is not linted" 0 --tidy-only
has "only the project's unit counted" "clang-tidy: 1 translation units clean"

# Headers: a finding in a project header fails; outside the project it is not ours.
printf '#pragma once\n\n#include <string>\n#include <utility>\n\ninline %s\n' "$moved_body" \
  >"$TMP/ext/third_party.h"
printf '#include "src/good.h"\n#include "third_party.h"\n\nint Answer() { return 42; }\n' \
  >"$P/src/uses.cpp"
git -C "$P" add src/uses.cpp
database "$P/src/good.cpp" "$P/src/uses.cpp"
run "a finding in a header outside the project is not reported" 0
cp "$TMP/ext/third_party.h" "$P/src/bad.h"
printf '#include "src/bad.h"\n#include "src/good.h"\n\nint Answer() { return 42; }\n' \
  >"$P/src/uses.cpp"
git -C "$P" add src/bad.h
run "a finding in a project header fails" 1 --tidy-only
has "the header is named" "src/bad.h:"

# Refusals.
rm "$P/build/compile_commands.json"
run "a missing compile database is refused" 1 --tidy-only
has "the refusal names the file and the fix" "compile_commands.json\` not found: build first"
run "an unknown argument is refused" 1 --frobnicate
has "the refusal names the argument" "unknown argument \`--frobnicate\`"

echo "lint_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
