#pragma once
// The checker: loads a project (all `.aud` files, imports, aud.toml), then
// resolves names, types expressions, validates sequences, destinations and
// publishes, builds the dependency graph and enforces governance policies.
// Phases: load -> parse -> declare -> resolve/type -> graph -> governance;
// each phase keeps going after errors, the driver stops between phases.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/base/diagnostics.h"
#include "compiler/config/config.h"

namespace aud::check {

// The files of a project: relative path -> contents. `aud.toml` at the root
// is the project file; every other entry ending in `.aud` is part of the module.
struct SourceTree {
  std::map<std::string, std::string> files;
  // Where relative imports outside the tree are read from (empty: nowhere).
  std::string root_dir;
  // Project files that exist but were not read, with why ("is a directory",
  // "resolves outside the project folder"): reported, never read.
  std::map<std::string, std::string> unreadable;
};

// Reads every `.aud` file below `dir` (recursively, skipping `.aud/` and
// hidden folders) and `dir/aud.toml` into a SourceTree. Only regular files of
// at most base::kMaxSourceBytes that resolve inside `dir` are read.
SourceTree ReadSourceTree(const std::string& dir);

// What kind of thing a top-level name is.
enum class SymbolKind : uint8_t {
  Event,
  Trait,
  Label,
  Action,
  Policy,
  Consent,
  Segment,
  Audience,
  Destination
};
const char* SymbolKindName(SymbolKind k);

// A declared name (the identity namespace is separate: see Module::identities).
struct Symbol {
  SymbolKind kind;
  std::string name;
  const ast::Decl* decl = nullptr;
  base::SourceRange range;  // the name at its declaration
  bool from_stdlib = false;
};

// One label-carrying thing an audience reads, for lineage explanations.
struct LabelSource {
  std::string
      what;  // e.g. "trait email", "event order_completed", "property order_completed.order_id"
  std::vector<std::string> labels;
  std::vector<std::string> path;  // names leading to it, e.g. {"segment big_spenders"}
  base::SourceRange range;        // where the labelled thing is declared
};

// The labels of an audience or publication with where each came from.
struct LabelSet {
  std::set<std::string> labels;
  std::vector<LabelSource> sources;
};

// A `publish A to D` pair after checking.
struct Publication {
  std::string audience;
  std::string destination;
  LabelSet labels;  // the audience's labels plus the destination's key and map fields
  base::SourceRange range;
};

// The checked module: symbol tables over the annotated AST.
struct Module {
  std::map<std::string, Symbol> symbols;
  std::map<std::string, const ast::IdentityDecl*> identities;
  std::map<std::string, LabelSet> audience_labels;  // per audience (and segment)
  std::vector<Publication> publications;
  // `test` declarations by name (their own namespace; run by `aud test`).
  std::map<std::string, const ast::TestDecl*> tests;
  // Dependency edges: segment/audience/consent/destination -> names it reads.
  std::map<std::string, std::set<std::string>> depends_on;
  // Lookups.
  const Symbol* Find(const std::string& name) const;
  template <typename T>
  const T* Get(const std::string& name) const {
    const Symbol* s = Find(name);
    return s ? std::get_if<T>(&s->decl->node) : nullptr;
  }
};

// A whole checked project: sources, diagnostics, config, trees, module.
struct Project {
  base::SourceManager sources;
  base::Diagnostics diags{sources};
  std::optional<config::ProjectConfig> config;
  std::vector<std::unique_ptr<ast::File>> files;  // user files then std modules
  Module module;
  bool ok() const { return !diags.HasErrors(); }
};

// A policy that forbids a publication: its name and the denied actions.
struct PolicyViolation {
  std::string policy;
  std::vector<std::string> actions;  // denied actions the destination performs, rule order
};

// The policies of `module` that forbid publishing data carrying `labels` to a
// destination performing `actions` (governance at apply: the labels a saved
// plan recorded against today's policies). Reads only policy declarations,
// so it also works on a module whose checking failed.
std::vector<PolicyViolation> PolicyViolations(const Module& module,
                                              const std::set<std::string>& labels,
                                              const std::set<std::string>& actions);

// The marketing actions a declared destination performs (empty for an
// unknown name and for the built-in profile store).
std::set<std::string> DestinationActions(const Module& module, const std::string& destination);

// The declared name of one of `kinds` closest to `name` (base::Suggest), or
// "" when none is close: for "did you mean" on the command line.
std::string SuggestSymbol(const Module& module, const std::string& name,
                          const std::set<SymbolKind>& kinds);

// Options of a check run.
struct CheckOptions {
  bool require_config = true;  // a missing aud.toml is an error
  std::string environment;     // `--env NAME`: whose `[env.NAME]` overrides apply ("" none)
};

// Loads and checks a project. Never throws; problems are in Project::diags
// (sorted by location).
std::unique_ptr<Project> Check(const SourceTree& tree, const CheckOptions& opts = {});

}  // namespace aud::check
