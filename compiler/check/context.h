#pragma once
// Internal to aud_check: the state shared by the checker's passes. Each pass
// lives in its own file, named after it (load, declare, resolve, decls,
// graph, governance); check.cpp runs them in order.

#include <string>
#include <vector>

#include "compiler/check/check.h"

namespace aud::check {

using base::DiagKind;
using base::SourceRange;

// Shared state of one Check() run.
struct Context {
  Project& project;
  const SourceTree& tree;
  const CheckOptions& options;
  base::Diagnostics& diags;
  Module& module;
  // Files that came from the standard library (their decls are `from_stdlib`).
  std::vector<const ast::File*> std_files;

  Context(Project& p, const SourceTree& t, const CheckOptions& o)
      : project(p), tree(t), options(o), diags(p.diags), module(p.module) {}

  // Reports `kind` at `range`.
  base::Diagnostic& Error(DiagKind kind, SourceRange range, std::string message) {
    return diags.Report(kind, range, std::move(message));
  }
  // Adds a "did you mean" note when a close candidate exists.
  static void AddSuggestion(base::Diagnostic& d, const std::string& name,
                            const std::vector<std::string>& candidates);
  // Adds "`x` is declared here" pointing at a symbol.
  static void AddDeclaredHere(base::Diagnostic& d, const Symbol& s);
};

// Wraps a name in backticks.
inline std::string Q(const std::string& s) { return "`" + s + "`"; }

// The passes, in order.
void LoadPass(Context& cx);        // load.cpp: aud.toml, files, imports, std modules
void DeclarePass(Context& cx);     // declare.cpp: symbol tables, duplicates, reserved names
void ResolvePass(Context& cx);     // resolve.cpp + decls.cpp: names, types, items
void GraphPass(Context& cx);       // graph.cpp: dependency edges and cycles
void GovernancePass(Context& cx);  // governance.cpp: labels and policies

// decls.cpp: per-declaration checks called by ResolvePass.
void CheckDeclarations(Context& cx);

// tests.cpp: `test` declarations (fixtures typed against the declared events
// and traits, expectations against segments, audiences and identities) and
// `expect` clauses; called by ResolvePass after every declaration is typed.
void CheckTests(Context& cx);
void CheckExpectations(Context& cx);

// "a segment", "an event": a kind with its article.
std::string WithArticle(SymbolKind k);

// The declared name of any declaration.
const ast::Name* DeclName(const ast::Decl& d);

}  // namespace aud::check
