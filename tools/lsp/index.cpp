#include "tools/lsp/index.h"

#include <algorithm>

#include "stdlib/builtins.h"

namespace aud::lsp {

namespace {

std::string KindWord(check::SymbolKind k) {
  switch (k) {
    case check::SymbolKind::Event: return "event";
    case check::SymbolKind::Trait: return "trait";
    case check::SymbolKind::Label: return "label";
    case check::SymbolKind::Action: return "action";
    case check::SymbolKind::Policy: return "policy";
    case check::SymbolKind::Consent: return "consent";
    case check::SymbolKind::Segment: return "segment";
    case check::SymbolKind::Audience: return "audience";
    case check::SymbolKind::Destination: return "destination";
  }
  return "name";
}

bool IsBuiltin(const std::string& name) {
  for (const auto& b : stdlib::kBuiltins)
    if (b.name == name) return true;
  return false;
}

}  // namespace

// Walks the annotated AST of a project into an Index.
struct IndexBuilder {
  const check::Project& project;
  Index& index;
  // Declaration node address -> entity (both the ast::Decl and its payload).
  std::map<const void*, size_t> by_node;

  size_t Ent(const std::string& key, const std::string& kind, const std::string& name) {
    auto it = index.by_key_.find(key);
    if (it != index.by_key_.end()) return it->second;
    index.entities_.push_back({key, kind, name, {}, {}, nullptr});
    index.by_key_[key] = index.entities_.size() - 1;
    return index.entities_.size() - 1;
  }
  void Use(size_t e, base::SourceRange r) {
    if (r.valid() && r.end > r.begin) index.occurrences_.push_back({r, e, false});
  }
  void Def(size_t e, base::SourceRange r) {
    if (!r.valid()) return;
    if (!index.entities_[e].def.valid()) index.entities_[e].def = r;
    index.occurrences_.push_back({r, e, true});
  }
  // A use of a top-level name (any kind), by its text.
  void UseSymbol(const ast::Name& n) {
    if (project.module.Find(n.text)) Use(Ent("sym:" + n.text, "", n.text), n.range);
  }
  void UseIdentity(const ast::Name& n) {
    if (project.module.identities.count(n.text))
      Use(Ent("identity:" + n.text, "identity", n.text), n.range);
  }
  void UseEvent(const ast::Name& n) {
    const check::Symbol* s = project.module.Find(n.text);
    if (s && s->kind == check::SymbolKind::Event)
      Use(Ent("sym:" + n.text, "event", n.text), n.range);
  }
  void UseProperty(const std::string& event, const ast::Name& member, const void* decl) {
    if (auto it = by_node.find(decl); decl && it != by_node.end()) {
      Use(it->second, member.range);
      return;
    }
    if (member.text == "timestamp") return;
    long e = index.Find("prop:" + event + "." + member.text);
    if (e >= 0) Use(static_cast<size_t>(e), member.range);
  }

  // First pass: every declaration gets its entity.
  void Declare(const ast::File& f) {
    for (const ast::Decl& d : f.decls) {
      std::visit(
          [&](const auto& node) {
            using T = std::decay_t<decltype(node)>;
            if constexpr (std::is_same_v<T, ast::ImportDecl> ||
                          std::is_same_v<T, ast::PublishDecl>) {
              return;
            } else if constexpr (std::is_same_v<T, ast::IdentityDecl>) {
              size_t e = Ent("identity:" + node.name.text, "identity", node.name.text);
              Top(e, d, &node);
            } else {
              const check::Symbol* s = project.module.Find(node.name.text);
              // A duplicate declaration is indexed as another definition of the same name.
              size_t e = Ent("sym:" + node.name.text, s ? KindWord(s->kind) : "", node.name.text);
              Top(e, d, &node);
              if constexpr (std::is_same_v<T, ast::EventDecl>) {
                for (const ast::PropDecl& p : node.props) {
                  size_t pe = Ent("prop:" + node.name.text + "." + p.name.text, "property",
                                  node.name.text + "." + p.name.text);
                  by_node[&p] = pe;
                  if (!index.entities_[pe].decl.valid()) index.entities_[pe].decl = p.range;
                }
              }
              if constexpr (std::is_same_v<T, ast::AudienceDecl>) {
                for (const ast::AudienceItem& item : node.items)
                  for (const ast::Attribute& a : item.attributes) {
                    size_t ae = Ent("attr:" + node.name.text + "." + a.name.text, "attribute",
                                    node.name.text + "." + a.name.text);
                    if (!index.entities_[ae].decl.valid()) index.entities_[ae].decl = a.range;
                  }
              }
            }
          },
          d.node);
    }
  }
  void Top(size_t e, const ast::Decl& d, const void* payload) {
    by_node[&d] = e;
    by_node[payload] = e;
    lsp::Entity& en = index.entities_[e];
    if (!en.top) {
      en.top = &d;
      en.decl = d.range;
    }
  }
  // Kinds of symbols declared twice with different kinds keep the checker's.
  void FixKinds() {
    for (auto& en : index.entities_)
      if (en.kind.empty())
        if (const check::Symbol* s = project.module.Find(en.name)) en.kind = KindWord(s->kind);
  }

  void Expr(const ast::Expr& e, const std::string& where_event) {
    switch (e.kind) {
      case ast::ExprKind::NameRef: {
        if (auto it = by_node.find(e.decl); e.decl && it != by_node.end()) {
          Use(it->second, e.name.range);
        } else if (!where_event.empty() && e.ref == ast::RefKind::Property) {
          UseProperty(where_event, e.name, nullptr);
        } else {
          UseSymbol(e.name);
        }
        break;
      }
      case ast::ExprKind::Member: {
        if (e.name.text == "profile") {
          if (auto it = by_node.find(e.decl); e.decl && it != by_node.end())
            Use(it->second, e.member.range);
          else
            UseSymbol(e.member);
        } else {
          UseEvent(e.name);
          UseProperty(e.name.text, e.member, e.decl);
        }
        break;
      }
      case ast::ExprKind::Call: {
        if (IsBuiltin(e.name.text))
          Use(Ent("builtin:" + e.name.text, "builtin", e.name.text), e.name.range);
        for (const ast::CallArg& a : e.args) {
          std::string ev;
          if (a.value) {
            Expr(*a.value, where_event);
            const ast::Expr* v = a.value.get();
            if (v->kind == ast::ExprKind::Unary && !v->children.empty()) v = v->children[0].get();
            if (v->kind == ast::ExprKind::NameRef || v->kind == ast::ExprKind::Member)
              ev = v->name.text;
          }
          if (a.where) Expr(*a.where, ev);
        }
        break;
      }
      default: break;
    }
    for (const auto& c : e.children)
      if (c) Expr(*c, where_event);
  }

  void Labels(const std::vector<ast::Name>& labels) {
    for (const ast::Name& l : labels) UseSymbol(l);
  }

  // Second pass: definitions and uses.
  void Walk(const ast::File& f) {
    for (const ast::Decl& d : f.decls) {
      std::visit(
          [&](const auto& node) {
            using T = std::decay_t<decltype(node)>;
            if constexpr (std::is_same_v<T, ast::ImportDecl>) {
              return;
            } else if constexpr (std::is_same_v<T, ast::PublishDecl>) {
              for (const ast::Name& n : node.audiences) UseSymbol(n);
              for (const ast::Name& n : node.destinations) UseSymbol(n);
            } else {
              Def(by_node.at(&d), node.name.range);
              if constexpr (std::is_same_v<T, ast::EventDecl>) {
                Labels(node.labels);
                for (const ast::PropDecl& p : node.props) {
                  Def(by_node.at(&p), p.name.range);
                  Labels(p.labels);
                }
              } else if constexpr (std::is_same_v<T, ast::TraitDecl>) {
                Labels(node.labels);
              } else if constexpr (std::is_same_v<T, ast::IdentityDecl>) {
                Labels(node.labels);
                if (node.from == ast::IdentityDecl::Trait) UseSymbol(node.source);
              } else if constexpr (std::is_same_v<T, ast::PolicyDecl>) {
                for (const ast::PolicyRule& r : node.rules) {
                  for (const ast::Name& a : r.actions) UseSymbol(a);
                  if (r.when) Expr(*r.when, "");
                }
              } else if constexpr (std::is_same_v<T, ast::ConsentDecl> ||
                                   std::is_same_v<T, ast::SegmentDecl>) {
                if (node.expr) Expr(*node.expr, "");
              } else if constexpr (std::is_same_v<T, ast::AudienceDecl>) {
                for (const ast::AudienceItem& item : node.items) {
                  if (item.members) Expr(*item.members, "");
                  for (const ast::Name& n : item.identities) UseIdentity(n);
                  if (item.kind == ast::AudienceItem::Import) UseIdentity(item.import_key);
                  for (const ast::Attribute& a : item.attributes) {
                    long ae = index.Find("attr:" + node.name.text + "." + a.name.text);
                    if (ae >= 0) Def(static_cast<size_t>(ae), a.name.range);
                    if (a.expr) Expr(*a.expr, "");
                  }
                }
              } else if constexpr (std::is_same_v<T, ast::DestinationDecl>) {
                Destination(node);
              }
            }
          },
          d.node);
    }
  }

  void Destination(const ast::DestinationDecl& dst) {
    for (const ast::DestItem& item : dst.items) {
      switch (item.kind) {
        case ast::DestItem::Connection:
          for (const ast::Name& n : item.names) {
            if (project.config && project.config->connections.count(n.text))
              Use(Ent("conn:" + n.text, "connection", n.text), n.range);
          }
          break;
        case ast::DestItem::Actions:
        case ast::DestItem::Consent:
          for (const ast::Name& n : item.names) UseSymbol(n);
          break;
        case ast::DestItem::Key:
          for (const ast::Name& n : item.names) UseIdentity(n);
          break;
        case ast::DestItem::Map:
          for (const ast::Mapping& m : item.mappings) MapField(dst, m.field);
          break;
        default: break;
      }
    }
  }

  // A `map` field: an attribute of an audience published to `dst`, else an
  // identity, else a trait (the checker's order).
  void MapField(const ast::DestinationDecl& dst, const ast::Name& field) {
    for (const check::Publication& p : project.module.publications) {
      if (p.destination != dst.name.text) continue;
      long e = index.Find("attr:" + p.audience + "." + field.text);
      if (e >= 0) {
        Use(static_cast<size_t>(e), field.range);
        return;
      }
    }
    if (project.module.identities.count(field.text)) {
      UseIdentity(field);
      return;
    }
    UseSymbol(field);
  }

  void Connections() {
    if (!project.config) return;
    for (const auto& [name, c] : project.config->connections) {
      size_t e = Ent("conn:" + name, "connection", name);
      index.entities_[e].decl = c.range;
      // The name inside the `[connections.NAME]` header.
      if (c.range.valid()) {
        std::string_view text = project.sources.Text(c.range);
        size_t at = text.rfind(name);
        if (at != std::string_view::npos) {
          base::SourceRange r = c.range;
          r.begin += static_cast<uint32_t>(at);
          r.end = r.begin + static_cast<uint32_t>(name.size());
          Def(e, r);
        }
      }
    }
  }
};

Index::Index(const check::Project& project) {
  IndexBuilder b{project, *this, {}};
  for (const auto& f : project.files) b.Declare(*f);
  b.FixKinds();
  b.Connections();
  for (const auto& f : project.files) b.Walk(*f);
  std::stable_sort(occurrences_.begin(), occurrences_.end(),
                   [](const Occurrence& a, const Occurrence& b) {
                     if (a.range.file != b.range.file) return a.range.file < b.range.file;
                     return a.range.begin < b.range.begin;
                   });
}

const Occurrence* Index::At(base::FileId file, uint32_t offset) const {
  const Occurrence* best = nullptr;
  for (const Occurrence& o : occurrences_) {
    if (o.range.file != file) continue;
    if (o.range.begin <= offset && offset <= o.range.end) {
      // Prefer the innermost (the latest starting) name.
      if (!best || o.range.begin >= best->range.begin) best = &o;
    }
  }
  return best;
}

std::vector<Occurrence> Index::References(size_t e) const {
  std::vector<Occurrence> out;
  for (const Occurrence& o : occurrences_)
    if (o.entity == e) out.push_back(o);
  std::stable_partition(out.begin(), out.end(), [](const Occurrence& o) { return o.is_def; });
  return out;
}

long Index::Find(const std::string& key) const {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? -1 : static_cast<long>(it->second);
}

}  // namespace aud::lsp
