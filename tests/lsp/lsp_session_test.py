#!/usr/bin/env python3
"""A JSON-RPC client that drives a real `aud lsp` over pipes (tools/lsp/README.md).

Usage: lsp_session_test.py AUD_BINARY

It writes a small project to a temporary folder, starts `aud lsp`, and checks
the replies to: initialize, didOpen (diagnostics of the unsaved text), didChange,
hover, definition, references, completion, formatting, documentSymbol,
malformed messages (the protocol's errors, the server keeps running),
out-of-range positions, unknown methods, shutdown and exit (exit code 0).
"""
import json
import os
import select
import subprocess
import sys
import tempfile
import time

AUD = os.path.abspath(sys.argv[1])
failures = []
passed = 0


def check(name, cond, detail=""):
    global passed
    if cond:
        passed += 1
        print("ok - " + name)
    else:
        failures.append(name)
        print("FAIL - " + name + (": " + str(detail)[:2000] if detail else ""))


class Client:
    def __init__(self, cwd):
        self.p = subprocess.Popen([AUD, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, cwd=cwd)
        self.buf = b""
        self.next_id = 1
        self.notifications = []

    def send_raw(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def send(self, obj):
        body = json.dumps(obj).encode()
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def read_message(self, timeout=20):
        deadline = time.time() + timeout
        while True:
            sep = self.buf.find(b"\r\n\r\n")
            if sep >= 0:
                header = self.buf[:sep].decode()
                length = None
                for line in header.split("\r\n"):
                    k, _, v = line.partition(":")
                    if k.strip().lower() == "content-length":
                        length = int(v.strip())
                assert length is not None, "no Content-Length in " + header
                if len(self.buf) >= sep + 4 + length:
                    body = self.buf[sep + 4:sep + 4 + length]
                    self.buf = self.buf[sep + 4 + length:]
                    return json.loads(body)
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("no message from aud lsp")
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if r:
                chunk = os.read(self.p.stdout.fileno(), 65536)
                if not chunk:
                    raise EOFError("aud lsp closed its output")
                self.buf += chunk

    def request(self, method, params):
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return self.response(rid)

    def response(self, rid):
        while True:
            m = self.read_message()
            if "method" in m and "id" not in m:
                self.notifications.append(m)
                continue
            if m.get("id") == rid:
                return m
            raise AssertionError("unexpected message %r (waiting for id %r)" % (m, rid))

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def diagnostics_for(self, uri):
        """Waits for the next publishDiagnostics of `uri` (after the ones already read)."""
        while True:
            for i, n in enumerate(self.notifications):
                if n["method"] == "textDocument/publishDiagnostics" and n["params"]["uri"] == uri:
                    del self.notifications[:i + 1]
                    return n["params"]["diagnostics"]
            self.notifications.clear()
            m = self.read_message()
            if "method" in m and "id" not in m:
                self.notifications.append(m)
            else:
                raise AssertionError("unexpected message %r" % m)


def pos_of(text, needle, nth=0, delta=0):
    """The LSP position of the nth occurrence of needle (+delta characters); ASCII text."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    at += delta
    line = text.count("\n", 0, at)
    col = at - (text.rfind("\n", 0, at) + 1)
    return {"line": line, "character": col}


def main():
    tmp = tempfile.mkdtemp(prefix="aud-lsp-test.")
    root = os.path.join(tmp, "shop")
    os.makedirs(root)
    with open(os.path.join(root, "aud.toml"), "w") as f:
        f.write('[project]\nname = "shop"\n[connections.files]\ntype = "file"\nformat = "csv"\ndir = "out"\n')
    events = ('label PII "Personal data"\n'
              '# Orders that completed checkout.\n'
              'event order_completed "Order Completed" { revenue: float  order_id: string [PII] }\n'
              'trait email: string [PII]\n')
    with open(os.path.join(root, "events.aud"), "w") as f:
        f.write(events)
    # main.aud on disk is stale: the server must check the unsaved text.
    with open(os.path.join(root, "main.aud"), "w") as f:
        f.write("segment stale = true\n")
    main_text = ('# People who buy a lot.\n'
                 'segment big = count(order_completed where revenue > 50 within 30d) >= 3\n'
                 'segment reachable = big and emial == "x"\n')
    main_uri = "file://" + os.path.join(root, "main.aud")
    events_uri = "file://" + os.path.join(root, "events.aud")

    c = Client(root)
    # A request before initialize: ServerNotInitialized.
    r = c.request("textDocument/hover", {"textDocument": {"uri": main_uri}, "position": {"line": 0, "character": 0}})
    check("request before initialize is refused", r.get("error", {}).get("code") == -32002, r)

    r = c.request("initialize", {"processId": os.getpid(), "rootUri": "file://" + root, "capabilities": {}})
    caps = r.get("result", {}).get("capabilities", {})
    check("initialize: capabilities", caps.get("hoverProvider") and caps.get("definitionProvider")
          and caps.get("referencesProvider") and caps.get("documentFormattingProvider")
          and caps.get("documentSymbolProvider") and "completionProvider" in caps, r)
    check("initialize: utf-16 positions by default", caps.get("positionEncoding") == "utf-16", caps)
    check("initialize: full document sync", caps.get("textDocumentSync", {}).get("change") == 1, caps)
    check("initialize: server name", r["result"].get("serverInfo", {}).get("name") == "aud", r)
    c.notify("initialized", {})

    # didOpen: diagnostics of the unsaved text (the misspelt trait), with a fix-it.
    c.notify("textDocument/didOpen", {"textDocument": {"uri": main_uri, "languageId": "aud", "version": 1, "text": main_text}})
    diags = c.diagnostics_for(main_uri)
    check("didOpen: one diagnostic", len(diags) == 1, diags)
    d = diags[0] if diags else {}
    check("didOpen: unknown-name at the misspelt name",
          d.get("code") == "unknown-name" and d.get("severity") == 1
          and d.get("range") == {"start": pos_of(main_text, "emial"), "end": pos_of(main_text, "emial", delta=5)}, d)
    check("didOpen: did-you-mean in the message", "did you mean `email`?" in d.get("message", ""), d)
    check("didOpen: the fix-it", d.get("data", {}).get("fixits", [{}])[0].get("newText") == "email", d)

    # codeAction: the fix-it as a quick fix.
    r = c.request("textDocument/codeAction", {"textDocument": {"uri": main_uri}, "range": d.get("range"),
                                              "context": {"diagnostics": [d]}})
    acts = r.get("result") or []
    check("codeAction: the quick fix", len(acts) == 1 and acts[0]["kind"] == "quickfix"
          and acts[0]["edit"]["changes"][main_uri] == [{"range": d["range"], "newText": "email"}], r)

    # didChange: the fix removes the diagnostic.
    main_text = main_text.replace("emial", "email")
    c.notify("textDocument/didChange", {"textDocument": {"uri": main_uri, "version": 2}, "contentChanges": [{"text": main_text}]})
    diags = c.diagnostics_for(main_uri)
    check("didChange: diagnostics cleared", diags == [], diags)

    # A type error after another change, at the right place.
    bad = main_text.replace("revenue > 50", 'revenue > "50"')
    c.notify("textDocument/didChange", {"textDocument": {"uri": main_uri, "version": 3}, "contentChanges": [{"text": bad}]})
    diags = c.diagnostics_for(main_uri)
    check("didChange: type-mismatch", [x.get("code") for x in diags] == ["type-mismatch"]
          and diags[0]["range"]["start"] == pos_of(bad, '"50"'), diags)
    c.notify("textDocument/didChange", {"textDocument": {"uri": main_uri, "version": 4}, "contentChanges": [{"text": main_text}]})
    check("didChange back: clean", c.diagnostics_for(main_uri) == [])

    td = {"uri": main_uri}
    # Hover on a trait: its declaration, labels; on a segment: labels and lineage; doc comment.
    r = c.request("textDocument/hover", {"textDocument": td, "position": pos_of(main_text, "email", delta=2)})
    v = (r.get("result") or {}).get("contents", {}).get("value", "")
    check("hover trait: declaration", "trait email: string [PII]" in v, r)
    r = c.request("textDocument/hover", {"textDocument": td, "position": pos_of(main_text, "big", nth=1)})
    v = (r.get("result") or {}).get("contents", {}).get("value", "")
    check("hover segment: type and doc comment", "`bool`" in v and "People who buy a lot." in v, v)
    r = c.request("textDocument/hover", {"textDocument": td, "position": pos_of(main_text, "reachable")})
    v = (r.get("result") or {}).get("contents", {}).get("value", "")
    check("hover segment: labels and their lineage", "labels: `PII`" in v and "trait `email` [PII]" in v, v)
    r = c.request("textDocument/hover", {"textDocument": td, "position": pos_of(main_text, "order_completed", delta=3)})
    v = (r.get("result") or {}).get("contents", {}).get("value", "")
    check("hover event: doc comment and properties", "Orders that completed checkout." in v and "revenue: float" in v, v)
    r = c.request("textDocument/hover", {"textDocument": td, "position": pos_of(main_text, "revenue")})
    v = (r.get("result") or {}).get("contents", {}).get("value", "")
    check("hover property", "revenue: float" in v and "property" in v, v)
    r = c.request("textDocument/hover", {"textDocument": td, "position": pos_of(main_text, " >= 3")})
    check("hover on no name: null", "result" in r and r["result"] is None, r)

    # Definition: a trait used in main.aud is declared in events.aud.
    r = c.request("textDocument/definition", {"textDocument": td, "position": pos_of(main_text, "email")})
    loc = r.get("result") or {}
    check("definition of a trait in another file",
          loc.get("uri") == events_uri and loc.get("range", {}).get("start") == pos_of(events, "email"), r)
    r = c.request("textDocument/definition", {"textDocument": td, "position": pos_of(main_text, "revenue")})
    loc = r.get("result") or {}
    check("definition of a property", loc.get("uri") == events_uri
          and loc.get("range", {}).get("start") == pos_of(events, "revenue"), r)
    r = c.request("textDocument/definition", {"textDocument": td, "position": pos_of(main_text, "big", nth=1)})
    loc = r.get("result") or {}
    check("definition of a segment in the same file", loc.get("uri") == main_uri
          and loc.get("range", {}).get("start") == pos_of(main_text, "big"), r)

    # References of the label PII: its declaration and its two uses in events.aud.
    c.notify("textDocument/didOpen", {"textDocument": {"uri": events_uri, "languageId": "aud", "version": 1, "text": events}})
    check("didOpen events.aud: clean", c.diagnostics_for(events_uri) == [])
    r = c.request("textDocument/references", {"textDocument": {"uri": events_uri}, "position": pos_of(events, "PII"),
                                              "context": {"includeDeclaration": True}})
    refs = r.get("result") or []
    check("references of a label", sorted((x["uri"], x["range"]["start"]["line"], x["range"]["start"]["character"]) for x in refs)
          == sorted([(events_uri,) + tuple(pos_of(events, "PII", n).values()) for n in range(3)]), refs)
    r = c.request("textDocument/references", {"textDocument": td, "position": pos_of(main_text, "email"),
                                              "context": {"includeDeclaration": False}})
    refs = r.get("result") or []
    check("references of a trait without its declaration", [x["uri"] for x in refs] == [main_uri], refs)

    # Completion: keywords and names; after `order_completed.` its properties.
    r = c.request("textDocument/completion", {"textDocument": td, "position": pos_of(main_text, "big and", delta=4)})
    labels = {x["label"] for x in (r.get("result") or [])}
    check("completion: keywords, names, builtins",
          {"segment", "audience", "within", "email", "big", "order_completed", "PII", "count"} <= labels, sorted(labels)[:80])
    text2 = main_text + "segment t = last(order_completed.)\n"
    c.notify("textDocument/didChange", {"textDocument": {"uri": main_uri, "version": 5}, "contentChanges": [{"text": text2}]})
    c.diagnostics_for(main_uri)
    r = c.request("textDocument/completion", {"textDocument": td, "position": pos_of(text2, "order_completed.)", delta=16)})
    labels = {x["label"] for x in (r.get("result") or [])}
    check("completion after `event.`: its properties", labels == {"timestamp", "revenue", "order_id"}, labels)
    c.notify("textDocument/didChange", {"textDocument": {"uri": main_uri, "version": 6}, "contentChanges": [{"text": main_text}]})
    c.diagnostics_for(main_uri)

    # Formatting through the formatter; a document with syntax errors is refused.
    ugly = "segment   a=true\n"
    u_uri = "file://" + os.path.join(root, "ugly.aud")
    c.notify("textDocument/didOpen", {"textDocument": {"uri": u_uri, "languageId": "aud", "version": 1, "text": ugly}})
    c.diagnostics_for(u_uri)
    r = c.request("textDocument/formatting", {"textDocument": {"uri": u_uri}, "options": {"tabSize": 2, "insertSpaces": True}})
    edits = r.get("result") or []
    check("formatting: one edit with the canonical text", len(edits) == 1 and edits[0]["newText"] == "segment a = true\n"
          and edits[0]["range"] == {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}, r)
    c.notify("textDocument/didChange", {"textDocument": {"uri": u_uri, "version": 2}, "contentChanges": [{"text": edits[0]["newText"] if edits else ""}]})
    c.diagnostics_for(u_uri)
    r = c.request("textDocument/formatting", {"textDocument": {"uri": u_uri}, "options": {"tabSize": 2, "insertSpaces": True}})
    check("formatting an already formatted document: no edits", r.get("result") == [], r)
    c.notify("textDocument/didChange", {"textDocument": {"uri": u_uri, "version": 2}, "contentChanges": [{"text": "segment = \n"}]})
    check("syntax error diagnostic", [x["code"] for x in c.diagnostics_for(u_uri)] == ["syntax-error"])
    r = c.request("textDocument/formatting", {"textDocument": {"uri": u_uri}, "options": {"tabSize": 2, "insertSpaces": True}})
    check("formatting a document with syntax errors: an error", r.get("error", {}).get("code") == -32803, r)
    c.notify("textDocument/didClose", {"textDocument": {"uri": u_uri}})
    check("didClose of a file not on disk: its diagnostics cleared", c.diagnostics_for(u_uri) == [])

    # Document symbols.
    r = c.request("textDocument/documentSymbol", {"textDocument": {"uri": events_uri}})
    syms = r.get("result") or []
    names = [(s["name"], s["detail"]) for s in syms]
    check("documentSymbol: declarations", names == [("PII", "label"), ("order_completed", "event"), ("email", "trait")], names)
    props = [s["name"] for s in syms[1].get("children", [])] if len(syms) > 1 else []
    check("documentSymbol: properties as children", props == ["revenue", "order_id"], syms)

    # Protocol errors; the server keeps running after each.
    c.send_raw(b"Content-Length: 9\r\n\r\n{not json")
    m = c.read_message()
    check("malformed JSON: -32700", m.get("error", {}).get("code") == -32700 and m.get("id") is None, m)
    c.send({"jsonrpc": "2.0", "id": 900, "params": {}})
    m = c.read_message()
    check("request without method: -32600", m.get("error", {}).get("code") == -32600, m)
    c.send({"jsonrpc": "1.0", "id": 901, "method": "shutdown"})
    m = c.read_message()
    check("wrong jsonrpc version: -32600", m.get("error", {}).get("code") == -32600 and m.get("id") == 901, m)
    c.send_raw(b'Content-Length: 2\r\n\r\n[]')
    m = c.read_message()
    check("batch: -32600", m.get("error", {}).get("code") == -32600, m)
    deep = b"[" * 100000 + b"]" * 100000
    c.send_raw(b"Content-Length: %d\r\n\r\n" % len(deep) + deep)
    m = c.read_message()
    check("deeply nested JSON: an error, no crash", m.get("error", {}).get("code") == -32600, m)
    c.send_raw(b"Content-Length: abc\r\n\r\n")
    m = c.read_message()
    check("bad Content-Length: -32700", m.get("error", {}).get("code") == -32700, m)
    r = c.request("textDocument/rename", {"textDocument": td, "position": {"line": 0, "character": 0}, "newName": "x"})
    check("unknown method: -32601", r.get("error", {}).get("code") == -32601, r)
    c.notify("$/unknownNotification", {"x": 1})
    c.notify("textDocument/didChange", {"textDocument": "not an object"})
    r = c.request("textDocument/hover", {"textDocument": td, "position": {"line": 9999, "character": 0}})
    check("out-of-range line: InvalidParams", r.get("error", {}).get("code") == -32602, r)
    r = c.request("textDocument/hover", {"textDocument": td, "position": {"line": -1, "character": 0}})
    check("negative line: InvalidParams", r.get("error", {}).get("code") == -32602, r)
    r = c.request("textDocument/definition", {"textDocument": td, "position": {"line": 1, "character": 99999}})
    check("character past the line end: a result (the line end)", "result" in r, r)
    r = c.request("textDocument/hover", {"textDocument": td, "position": {"line": "one", "character": 0}})
    check("mistyped position: InvalidParams", r.get("error", {}).get("code") == -32602, r)
    r = c.request("textDocument/hover", {"textDocument": {"uri": "file:///nowhere.aud"}, "position": {"line": 0, "character": 0}})
    check("document not open: InvalidParams", r.get("error", {}).get("code") == -32602, r)
    r = c.request("textDocument/hover", {"textDocument": td, "position": pos_of(main_text, "email", delta=2)})
    check("still serving after the errors", "trait email" in ((r.get("result") or {}).get("contents", {}).get("value", "")), r)

    r = c.request("shutdown", None)
    check("shutdown: null result", "result" in r and r["result"] is None, r)
    r = c.request("textDocument/hover", {"textDocument": td, "position": {"line": 0, "character": 0}})
    check("request after shutdown: InvalidRequest", r.get("error", {}).get("code") == -32600, r)
    c.notify("exit", None)
    try:
        rc = c.p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        c.p.kill()
        rc = None
    check("exit after shutdown: exit code 0", rc == 0, rc)
    err = c.p.stderr.read().decode(errors="replace")
    check("nothing on stderr", err == "", err)

    # exit without shutdown: exit code 1; end of input: exit code 1.
    c2 = Client(root)
    c2.request("initialize", {"processId": None, "rootUri": None, "capabilities": {"general": {"positionEncodings": ["utf-8", "utf-16"]}}})
    c2.notify("exit", None)
    check("exit without shutdown: exit code 1", c2.p.wait(timeout=20) == 1)
    c3 = Client(root)
    c3.p.stdin.close()
    check("end of input: exit code 1", c3.p.wait(timeout=20) == 1)

    # UTF-8 position encoding when the client offers it; non-ASCII text.
    c4 = Client(root)
    r = c4.request("initialize", {"processId": None, "rootUri": None, "capabilities": {"general": {"positionEncodings": ["utf-8"]}}})
    check("utf-8 position encoding negotiated", r["result"]["capabilities"]["positionEncoding"] == "utf-8", r)
    t = 'trait e: string\n# “quoted” 😀\nsegment s = e == "é😀" and nope\n'
    c4.notify("textDocument/didOpen", {"textDocument": {"uri": "untitled:Untitled-1", "languageId": "aud", "version": 1, "text": t}})
    diags = c4.diagnostics_for("untitled:Untitled-1")
    line2 = t.split("\n")[2].encode()
    check("untitled document checked alone, utf-8 columns",
          [x["code"] for x in diags] == ["unknown-name"] and diags[0]["range"]["start"] == {"line": 2, "character": line2.index(b"nope")}, diags)
    c4.request("shutdown", None)
    c4.notify("exit", None)
    check("utf-8 session exits 0", c4.p.wait(timeout=20) == 0)

    print("# %d passed, %d failed" % (passed, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
