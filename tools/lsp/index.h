#pragma once
// The name index of a checked project: every declaration and every use of a
// name (segments, audiences, events, properties, traits, identities, labels,
// actions, policies, consents, destinations, connections, attributes,
// builtins), built by walking the checker's annotated AST. It changes
// nothing in the project; definition, references, hover and document
// symbols read it.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "compiler/check/check.h"

namespace aud::lsp {

// One named thing of a project.
struct Entity {
  std::string key;   // unique: "sym:NAME", "identity:NAME", "prop:EVENT.NAME", "conn:NAME", ...
  std::string kind;  // "segment", "trait", "property", "identity", "connection", "builtin", ...
  std::string name;  // as written ("order_completed.revenue" for a property)
  base::SourceRange def;   // the name at its declaration (invalid: builtins, `profile_store`)
  base::SourceRange decl;  // the whole declaration (for documentSymbol; may be invalid)
  const ast::Decl* top = nullptr;  // the top-level declaration, when there is one
};

// One occurrence of an entity's name in a file.
struct Occurrence {
  base::SourceRange range;
  size_t entity;
  bool is_def;
};

// The index of one checked project.
class Index {
 public:
  // Walks every file of `project` (user files and standard modules).
  explicit Index(const check::Project& project);

  const std::vector<Entity>& entities() const { return entities_; }
  // Every occurrence, sorted by file then offset.
  const std::vector<Occurrence>& occurrences() const { return occurrences_; }
  // The occurrence at byte `offset` of `file` (a name whose range holds it,
  // its end included), or null.
  const Occurrence* At(base::FileId file, uint32_t offset) const;
  // Every occurrence of entity `e` (its declaration first when it has one).
  std::vector<Occurrence> References(size_t e) const;
  // The entity of a key, or -1.
  long Find(const std::string& key) const;

 private:
  friend struct IndexBuilder;
  std::vector<Entity> entities_;
  std::vector<Occurrence> occurrences_;
  std::map<std::string, size_t> by_key_;
};

}  // namespace aud::lsp
