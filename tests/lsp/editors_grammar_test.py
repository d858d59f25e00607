#!/usr/bin/env python3
"""The TextMate grammar of editors/vscode highlights every keyword of grammar/Aud.g4.

Usage: editors_grammar_test.py REPO_ROOT

Every quoted lower-case literal of the grammar (`'segment'`, `'within'`, ...)
must be matched, as a whole word, by a keyword-like rule of
editors/vscode/syntaxes/aud.tmLanguage.json (keyword.*, storage.type.*,
constant.language.*); and the grammar's literals, strings, numbers,
durations, times and comments get their scopes on a sample line. Adding a
keyword to the language therefore means adding it to the highlighter.
"""
import json
import os
import re
import sys

root = sys.argv[1]
g4 = open(os.path.join(root, "grammar", "Aud.g4")).read()
tm = json.load(open(os.path.join(root, "editors", "vscode", "syntaxes", "aud.tmLanguage.json")))
repo = tm["repository"]
failures = []


def rules():
    for name, rule in repo.items():
        scope = rule.get("name", "")
        caps = " ".join(c.get("name", "") for c in rule.get("captures", {}).values())
        yield name, rule, scope + " " + caps


keywords = sorted(set(re.findall(r"'([a-z_]+)'", g4)))
for kw in keywords:
    hit = False
    for _, rule, scopes in rules():
        if not re.search(r"\b(keyword|storage\.type|constant\.language)\.", scopes) or "match" not in rule:
            continue
        m = re.search(rule["match"], kw + " x")
        if m and m.start() == 0 and m.group(1 if m.groups() else 0) == kw:
            hit = True
    if not hit:
        failures.append("keyword `%s` of grammar/Aud.g4 is not highlighted (add it to the keyword rule of "
                        "editors/vscode/syntaxes/aud.tmLanguage.json)" % kw)


def scope_of(text):
    for name, rule, scopes in rules():
        if "match" in rule:
            m = re.match(rule["match"], text)
            if m and m.group(0) == text:
                return rule.get("name", scopes)
        elif "begin" in rule and name == "string" and re.match(rule["begin"], text):
            return rule["name"]
    return None


samples = {"# a comment": "comment", '"a \\" string"': "string", "42": "constant.numeric",
           "3.5": "constant.numeric", "30d": "duration", "@2026-01-01": "time",
           "@2026-01-01T10:00:00Z": "time"}
for text, want in samples.items():
    got = scope_of(text)
    if not got or want not in got:
        failures.append("`%s` gets scope %r, want one containing %r" % (text, got, want))

for f in failures:
    print("FAIL - " + f)
print("# %d keywords, %d failures" % (len(keywords), len(failures)))
sys.exit(1 if failures else 0)
