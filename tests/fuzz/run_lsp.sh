#!/usr/bin/env bash
# Runs the language-server message fuzzer deterministically (see tests/fuzz/README.md).
#   tests/fuzz/run_lsp.sh BIN RUNS
# 1. builds a seed corpus in a temp dir (python3): for a sample of the `.aud`
#    files of examples/, stdlib/std/ and tests/check/ a session (didOpen of
#    the file, hover, definition, references, completion, formatting,
#    documentSymbol, didChange, shutdown, exit) as NUL-separated bodies
#    (mode 0x02) and as a Content-Length framed stream (mode 0x03), plus
#    malformed messages (bad JSON, batches, deep nesting, bad headers);
# 2. replays every file of tests/fuzz/regressions/lsp/ (none may crash);
# 3. fuzzes for RUNS executions with fixed seeds, split over at most two
#    workers, with the dictionary lsp.dict (max_len 2048, -entropic=0).
# Exits non-zero on any crash, sanitizer report, property violation, timeout
# or OOM; the input is saved under tests/fuzz/regressions/lsp/.
set -u

RUNS="${2:-100000}"
MAX_LEN="${AUD_FUZZ_MAX_LEN:-2048}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
REGRESSIONS="$HERE/regressions/lsp"
NAME=run_lsp.sh
# shellcheck source=tests/fuzz/fuzz_lib.sh
. "$HERE/fuzz_lib.sh"
fuzz_init "${1:-}"

# --- 1. seed corpus ---------------------------------------------------------
cd "$ROOT" || exit 1
python3 - "$CORPUS" <<'PY' || { echo "run_lsp.sh: cannot build the seed corpus (python3)" >&2; exit 1; }
import glob, json, os, sys
out = sys.argv[1]
files = sorted(glob.glob("examples/**/*.aud", recursive=True) + glob.glob("stdlib/std/*.aud")
               + glob.glob("tests/check/**/*.aud", recursive=True))
files = [f for f in files if os.path.getsize(f) <= 1200][:30]
n = 0
def write(mode, data):
    global n
    n += 1
    with open(os.path.join(out, "seed-%05d" % n), "wb") as f:
        f.write(bytes([mode]) + data)
def msg(i, method, params):
    m = {"jsonrpc": "2.0", "method": method, "params": params}
    if i is not None:
        m["id"] = i
    return json.dumps(m).encode()
for path in files:
    text = open(path, encoding="utf-8", errors="replace").read()
    text = "\n".join(l for l in text.split("\n") if not l.startswith("# CHECK:"))[:800]
    uri = "file:///fuzz/main.aud"
    lines = text.count("\n")
    td = {"uri": uri}
    open_ = msg(None, "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "aud", "version": 2, "text": text}})
    p = {"line": min(1, lines), "character": 10}
    q = {"line": lines // 2, "character": 8}
    first = [open_,
             msg(10, "textDocument/hover", {"textDocument": td, "position": p}),
             msg(11, "textDocument/definition", {"textDocument": td, "position": q}),
             msg(12, "textDocument/references", {"textDocument": td, "position": p, "context": {"includeDeclaration": True}})]
    second = [open_,
              msg(20, "textDocument/completion", {"textDocument": td, "position": q}),
              msg(21, "textDocument/formatting", {"textDocument": td, "options": {"tabSize": 2, "insertSpaces": True}}),
              msg(22, "textDocument/documentSymbol", {"textDocument": td}),
              msg(None, "textDocument/didChange", {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}, "text": "x"}]}),
              msg(23, "shutdown", None), msg(None, "exit", None)]
    write(2, b"\0".join(first))
    write(2, b"\0".join(second))
    write(3, b"".join(b"Content-Length: %d\r\n\r\n" % len(m) + m for m in first))
init = msg(1, "initialize", {"processId": None, "rootUri": "file:///fuzz", "capabilities": {"general": {"positionEncodings": ["utf-8"]}}})
write(0, init + b"\0" + msg(2, "textDocument/hover", {"textDocument": {"uri": "file:///x.aud"}, "position": {"line": 0, "character": 0}}))
write(0, b"{not json")
write(0, b"[" * 200 + b"]" * 200)
write(0, b'[{"jsonrpc":"2.0","id":1,"method":"initialize"}]')
write(2, b'{"jsonrpc":"2.0","id":"s","method":"unknown/method","params":{}}\0{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1}}')
write(2, b'{"jsonrpc":"2.0","id":7,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///fuzz/main.aud"},"position":{"line":99999,"character":-1}}}')
write(3, b"Content-Length: 5\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}{}{Content-Length: x\r\n\r\n")
print("run_lsp.sh: %d seed inputs" % n)
PY

# --- 2. regressions ---------------------------------------------------------
mapfile -t regs < <(find "$REGRESSIONS" -type f ! -name '.*' ! -name '*.md' | sort)
fuzz_replay "${regs[@]}"

# --- 3. fuzzing -------------------------------------------------------------
# -entropic=0: with entropic scheduling libFuzzer spent most of its time
# weighting the ~45,000 features one LSP session touches (150 vs 50 runs/s).
fuzz_campaign "$RUNS" "$HERE/lsp.dict" "$MAX_LEN" "lsp" -entropic=0
exit 0
