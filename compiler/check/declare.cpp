// Declare pass: one namespace for events, traits, labels, actions, policies,
// consents, segments, audiences and destinations; a separate one for
// identities. Reports duplicates (with a note at the first declaration) and
// names that are reserved or would shadow a builtin function.

#include <algorithm>

#include "compiler/check/context.h"
#include "stdlib/builtins.h"

namespace aud::check {

const ast::Name* DeclName(const ast::Decl& d) {
  return std::visit(
      [](const auto& n) -> const ast::Name* {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, ast::ImportDecl> || std::is_same_v<T, ast::PublishDecl>)
          return nullptr;
        else
          return &n.name;
      },
      d.node);
}

namespace {

std::optional<SymbolKind> KindOf(const ast::Decl& d) {
  switch (d.node.index()) {
    case 1: return SymbolKind::Event;
    case 2: return SymbolKind::Trait;
    case 4: return SymbolKind::Label;
    case 5: return SymbolKind::Action;
    case 6: return SymbolKind::Policy;
    case 7: return SymbolKind::Consent;
    case 8: return SymbolKind::Segment;
    case 9: return SymbolKind::Audience;
    case 10: return SymbolKind::Destination;
    default: return std::nullopt;
  }
}

void Duplicate(Context& cx, const ast::Name& name, const std::string& what, SourceRange first) {
  auto& d = cx.Error(DiagKind::DuplicateDeclaration, name.range,
                     what + " " + Q(name.text) + " is declared twice");
  d.notes.push_back({first, "first declared here"});
}

}  // namespace

void DeclarePass(Context& cx) {
  std::map<std::string, SourceRange> track_names;  // Segment event name -> first event
  for (const auto& file : cx.project.files) {
    bool from_std =
        std::find(cx.std_files.begin(), cx.std_files.end(), file.get()) != cx.std_files.end();
    for (const ast::Decl& decl : file->decls) {
      if (const auto* t = std::get_if<ast::TestDecl>(&decl.node)) {
        auto [it, inserted] = cx.module.tests.emplace(t->name.text, t);
        if (!inserted) Duplicate(cx, t->name, "test", it->second->name.range);
        continue;
      }
      if (const auto* id = std::get_if<ast::IdentityDecl>(&decl.node)) {
        auto [it, inserted] = cx.module.identities.emplace(id->name.text, id);
        if (!inserted) Duplicate(cx, id->name, "identity", it->second->name.range);
        continue;
      }
      auto kind = KindOf(decl);
      if (!kind) continue;
      const ast::Name& name = *DeclName(decl);
      if (auto it = cx.module.symbols.find(name.text); it != cx.module.symbols.end()) {
        Duplicate(cx, name, SymbolKindName(*kind), it->second.range);
        continue;
      }
      cx.module.symbols.emplace(name.text, Symbol{*kind, name.text, &decl, name.range, from_std});

      bool value_like = *kind == SymbolKind::Trait || *kind == SymbolKind::Segment ||
                        *kind == SymbolKind::Audience || *kind == SymbolKind::Consent;
      if (value_like && stdlib::FindBuiltin(name.text)) {
        cx.Error(DiagKind::ShadowsBuiltin, name.range,
                 Q(name.text) + " is a builtin function; a " + SymbolKindName(*kind) +
                     " cannot have its name");
      }
      if (name.text == "profile" && *kind != SymbolKind::Destination) {
        cx.Error(DiagKind::ReservedName, name.range,
                 "`profile` is reserved: `profile.NAME` always means the trait `NAME`");
      }
      if (*kind == SymbolKind::Destination && name.text == "profile_store") {
        cx.Error(DiagKind::ReservedName, name.range,
                 "`profile_store` is the built-in profile store destination; choose another name");
      }
      if (const auto* ev = std::get_if<ast::EventDecl>(&decl.node)) {
        std::string key = ev->source == ast::EventDecl::Track  ? "track " + ev->track_name.value
                          : ev->source == ast::EventDecl::Page ? "page"
                                                               : "screen";
        auto [it, inserted] = track_names.emplace(key, ev->source_range);
        if (!inserted) {
          std::string what = ev->source == ast::EventDecl::Track
                                 ? "Segment event \"" + ev->track_name.value + "\""
                                 : "all `" + key + "` calls";
          auto& d = cx.Error(DiagKind::DuplicateDeclaration, ev->source_range,
                             what + " is already declared by another event");
          d.notes.push_back({it->second, "first declared here"});
        }
      }
    }
  }
}

}  // namespace aud::check
