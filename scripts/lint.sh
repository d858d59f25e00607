#!/usr/bin/env bash
# `make lint`: the C++ sources against the repository's .clang-format and
# .clang-tidy (docs/formatting.md, "C++ sources"). Exit 0 when clean, 1 on any
# finding or when lint cannot run (a missing tool or compile database).
#
#   scripts/lint.sh [--root DIR] [--build DIR] [--jobs N] [--format-only | --tidy-only]
#                   [--no-cache]
#   scripts/lint.sh --fix-format     # clang-format -i on the same files (`make format`)
#
# 1. clang-format-14 --dry-run --Werror on every tracked *.h *.hpp *.c *.cc
#    *.cpp (`git ls-files` in ROOT; generated code lives in the build folder
#    and is never tracked; X-macro tables *.def are hand-aligned and left out).
# 2. clang-tidy-14 with ROOT/.clang-tidy on every translation unit of
#    BUILD/compile_commands.json that is a file of ROOT outside BUILD (the
#    ANTLR parser, the embedded std modules and the init templates are
#    generated into BUILD and are not linted), in parallel (--jobs, default
#    nproc). Warnings are errors; headers are checked when they are under a
#    top-level folder of ROOT that holds tracked headers (never BUILD, never
#    system or third-party headers).
#    A translation unit that passed is remembered in BUILD/lint-cache under a
#    hash of its compile command, its text, every tracked and generated
#    header, .clang-tidy and the clang-tidy version, so a second run only
#    re-checks what changed (--no-cache: check everything).
# CLANG_FORMAT / CLANG_TIDY override the tool names (default the -14 ones:
# other versions format differently).
set -uo pipefail

ROOT=""
BUILD=""
JOBS=$(nproc 2>/dev/null || echo 2)
DO_FORMAT=1
DO_TIDY=1
FIX_FORMAT=0
USE_CACHE=1
CLANG_FORMAT=${CLANG_FORMAT:-clang-format-14}
CLANG_TIDY=${CLANG_TIDY:-clang-tidy-14}

die() {
  echo "lint: $*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case $1 in
    --root) ROOT=${2:?--root needs a folder}; shift 2 ;;
    --build) BUILD=${2:?--build needs a folder}; shift 2 ;;
    --jobs) JOBS=${2:?--jobs needs a number}; shift 2 ;;
    --format-only) DO_TIDY=0; shift ;;
    --tidy-only) DO_FORMAT=0; shift ;;
    --fix-format) FIX_FORMAT=1; DO_TIDY=0; shift ;;
    --no-cache) USE_CACHE=0; shift ;;
    -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument \`$1\` (see \`scripts/lint.sh --help\`)" ;;
  esac
done
case $JOBS in '' | *[!0-9]* | 0) die "--jobs takes a positive number, not \`$JOBS\`" ;; esac

if [ -z "$ROOT" ]; then ROOT=$(cd "$(dirname "$0")/.." && pwd); fi
ROOT=$(cd "$ROOT" 2>/dev/null && pwd -P) || die "source folder \`$ROOT\` not found (--root)"
if [ -z "$BUILD" ]; then BUILD=$ROOT/build; fi
command -v python3 >/dev/null 2>&1 || die "\`python3\` not found; run scripts/bootstrap.sh"

need_tool() {
  command -v "$1" >/dev/null 2>&1 ||
    die "\`$1\` not found; run scripts/bootstrap.sh (it installs $2) or set $3"
}

# The tracked C/C++ files, NUL-separated.
tracked_sources() {
  git -C "$ROOT" ls-files -z -- '*.h' '*.hpp' '*.c' '*.cc' '*.cpp'
}

if [ "$FIX_FORMAT" = 1 ]; then
  need_tool "$CLANG_FORMAT" clang-format-14 CLANG_FORMAT
  cd "$ROOT" && tracked_sources | xargs -0 -r "$CLANG_FORMAT" -i --style=file
  exit $?
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
status=0

# --- 1. clang-format ---------------------------------------------------------
if [ "$DO_FORMAT" = 1 ]; then
  need_tool "$CLANG_FORMAT" clang-format-14 CLANG_FORMAT
  git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1 ||
    die "\`$ROOT\` is not a git checkout: the files to check are the tracked ones"
  (cd "$ROOT" && tracked_sources >"$TMP/sources")
  count=$(tr -cd '\0' <"$TMP/sources" | wc -c)
  (cd "$ROOT" && xargs -0 -r -n 16 -P "$JOBS" "$CLANG_FORMAT" --dry-run --Werror --style=file \
    <"$TMP/sources") >"$TMP/format.out" 2>&1
  bad=$(grep -o '^[^:]*:[0-9]*:[0-9]*: error' "$TMP/format.out" | cut -d: -f1 | sort -u)
  if [ -n "$bad" ] || grep -q . "$TMP/format.out"; then
    cat "$TMP/format.out" >&2
    echo "lint: $(printf '%s\n' "$bad" | grep -c .) of $count files are not clang-formatted:" >&2
    printf '%s\n' "$bad" | sed 's/^/  /' >&2
    echo "lint: run \`make format\` (clang-format-14 -i on the tracked files) and commit" >&2
    status=1
  else
    echo "lint: clang-format: $count files formatted"
  fi
fi

# --- 2. clang-tidy -----------------------------------------------------------
if [ "$DO_TIDY" = 1 ]; then
  need_tool "$CLANG_TIDY" clang-tidy-14 CLANG_TIDY
  [ -f "$ROOT/.clang-tidy" ] || die "\`$ROOT/.clang-tidy\` not found"
  [ -f "$BUILD/compile_commands.json" ] ||
    die "\`$BUILD/compile_commands.json\` not found: build first (\`make build\`) or pass --build DIR"
  BUILD=$(cd "$BUILD" && pwd -P)
  mkdir -p "$BUILD/lint-cache"

  # One line per translation unit: FILE <TAB> CACHE-KEY <TAB> EXTRA-ARGS.
  python3 - "$ROOT" "$BUILD" "$CLANG_TIDY" >"$TMP/units" <<'PY' || die "cannot read \`$BUILD/compile_commands.json\`"
import hashlib, json, os, re, shlex, subprocess, sys
root, build, tidy = sys.argv[1:4]
db = json.load(open(os.path.join(build, "compile_commands.json")))

def h(data):
    return hashlib.sha256(data).hexdigest()

def file_hash(path):
    try:
        with open(path, "rb") as f:
            return h(f.read())
    except OSError:
        return "missing"

# Everything a unit may include from the project: tracked headers and the
# generated ones in BUILD. Any change re-checks every unit.
tracked = subprocess.run(["git", "-C", root, "ls-files", "-z"], capture_output=True).stdout
headers = sorted(p for p in tracked.decode().split("\0")
                 if p.endswith((".h", ".hpp", ".def", ".inc")))
gen = []
for d, _, files in os.walk(build):
    if os.path.join(build, "lint-cache") in d:
        continue
    gen += [os.path.join(d, f) for f in files if f.endswith((".h", ".hpp", ".def", ".inc"))]
version = subprocess.run([tidy, "--version"], capture_output=True).stdout
common = h(version + open(os.path.join(root, ".clang-tidy"), "rb").read() +
           "".join(p + file_hash(os.path.join(root, p)) for p in headers).encode() +
           "".join(p + file_hash(p) for p in sorted(gen)).encode())

# antlr4-runtime 4.9's Vocabulary.h does not compile with clang (a defaulted
# constructor deleted by const members; gcc accepts it, 4.9.1 fixed it): units
# that use it see a patched copy first, as in the fuzz build.
def patched_antlr(inc):
    src = os.path.join(inc, "Vocabulary.h")
    try:
        text = open(src).read()
    except OSError:
        return None
    if "Vocabulary() = default;" not in text:
        return None
    dst = os.path.join(build, "lint-cache", "antlr4-runtime")
    if not os.path.exists(os.path.join(dst, "Vocabulary.h")):
        import shutil
        shutil.copytree(inc, dst, dirs_exist_ok=True)
        with open(os.path.join(dst, "Vocabulary.h"), "w") as f:
            f.write(text.replace("Vocabulary() = default;",
                                 "Vocabulary() : _literalNames(), _symbolicNames(), _displayNames() {}"))
    return dst

seen = set()
for entry in db:
    f = os.path.normpath(os.path.join(entry["directory"], entry["file"]))
    f = os.path.realpath(f)
    if not f.startswith(root + os.sep) or f.startswith(build + os.sep) or f in seen:
        continue
    seen.add(f)
    args = entry.get("arguments") or shlex.split(entry["command"])
    extra = ""
    for i, a in enumerate(args):
        inc = args[i + 1] if a in ("-isystem", "-I") and i + 1 < len(args) else \
              a[len("-isystem"):] if a.startswith("-isystem") else None
        if inc and os.path.basename(os.path.normpath(inc)) == "antlr4-runtime":
            p = patched_antlr(inc)
            if p:
                extra = "-isystem" + p
    key = h((common + " ".join(args) + file_hash(f) + extra).encode())
    print(f"{f}\t{key}\t{extra}")
PY
  total=$(grep -c . "$TMP/units")

  # Headers: under a top-level folder of ROOT that holds tracked headers.
  dirs=$(cd "$ROOT" && git ls-files -- '*.h' '*.hpp' | grep / | cut -d/ -f1 | sort -u | paste -sd'|')
  root_re=$(printf '%s' "$ROOT" | sed 's/[][\.*^$+?(){}|]/\\&/g')
  if [ -n "$dirs" ]; then filter="^$root_re/($dirs)/"; else filter='^$'; fi

  export CLANG_TIDY ROOT BUILD TMP filter USE_CACHE
  # One unit: clang-tidy; its output in $TMP/out/<n>; a pass is cached.
  tidy_one() {
    local n=$1 file=$2 key=$3 extra=$4
    if [ "$USE_CACHE" = 1 ] && [ -e "$BUILD/lint-cache/$key" ]; then
      echo cached >"$TMP/out/$n.cached"
      return 0
    fi
    local args=(-p "$BUILD" --quiet --config-file="$ROOT/.clang-tidy" --header-filter="$filter")
    if [ -n "$extra" ]; then args+=(--extra-arg-before="$extra"); fi
    if "$CLANG_TIDY" "${args[@]}" "$file" >"$TMP/out/$n" 2>"$TMP/out/$n.err"; then
      # clang-tidy exits 0 on warnings that are not errors; none are allowed.
      if ! grep -q ': \(warning\|error\):' "$TMP/out/$n"; then
        : >"$BUILD/lint-cache/$key"
        rm -f "$TMP/out/$n"
        return 0
      fi
    fi
    echo "$file" >"$TMP/out/$n.failed"
  }
  export -f tidy_one
  mkdir -p "$TMP/out"
  awk -F'\t' '{ printf "%d\t%s\n", NR, $0 }' "$TMP/units" |
    tr '\n\t' '\0\0' |
    xargs -0 -r -n 4 -P "$JOBS" bash -c 'tidy_one "$@"' _

  failed=$(cat "$TMP"/out/*.failed 2>/dev/null | sort)
  cached=$(ls "$TMP"/out/*.cached 2>/dev/null | wc -l)
  if [ -n "$failed" ]; then
    for f in "$TMP"/out/*.failed; do
      n=$(basename "$f" .failed)
      cat "$TMP/out/$n" >&2
      # clang-tidy's stderr: only what is not its "N warnings generated" count.
      grep -v '^[0-9]* warnings\{0,1\} generated\.$\|^Suppressed [0-9]* warnings\|^Use -header-filter\|^$' \
        "$TMP/out/$n.err" >&2
    done
    echo "lint: clang-tidy: $(printf '%s\n' "$failed" | grep -c .) of $total translation units have findings:" >&2
    printf '%s\n' "$failed" | sed "s|^$ROOT/|  |" >&2
    echo "lint: fix them (docs/formatting.md lists the checks and why), or, for a deliberate" \
      "exception, add \`// NOLINT(check-name): reason\` on the line" >&2
    status=1
  else
    echo "lint: clang-tidy: $total translation units clean ($cached unchanged since a clean run)"
  fi
fi
exit $status
