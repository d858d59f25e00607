// Resolve pass (declarations): field types, labels, identities, policies,
// consents, segments, audience and destination items, publish statements.

#include <algorithm>
#include <filesystem>
#include <set>

#include "compiler/check/resolve.h"
#include "compiler/config/connector_schema.h"
#include "stdlib/stdlib.h"

namespace aud::check {

namespace {

const char* kNormalizers[] = {"email", "lower", "trim"};

std::vector<std::string> NamesOfKind(const Module& m, SymbolKind k) {
  std::vector<std::string> v;
  for (const auto& [n, s] : m.symbols)
    if (s.kind == k) v.push_back(n);
  return v;
}

bool IsStdLabel(const std::string& n) {
  static const std::set<std::string> std_labels = {"C1", "C2", "C3", "C4",  "C5",  "C6",
                                                   "C7", "C8", "C9", "C10", "C11", "C12",
                                                   "I1", "I2", "S1", "S2"};
  return std_labels.count(n) > 0;
}

struct DeclChecker {
  Context& cx;

  // A reference to a declared symbol of kind `want`; reports unknown/wrong kind.
  const Symbol* Ref(const ast::Name& n, SymbolKind want, DiagKind unknown_kind,
                    const std::string& what) {
    const Symbol* s = cx.module.Find(n.text);
    if (s && s->kind == want) return s;
    if (s) {
      auto& d = cx.Error(DiagKind::WrongKind, n.range,
                         Q(n.text) + " is " + WithArticle(s->kind) + ", not " + what);
      Context::AddDeclaredHere(d, *s);
      return nullptr;
    }
    auto& d = cx.Error(unknown_kind, n.range,
                       "unknown " + std::string(SymbolKindName(want)) + " " + Q(n.text));
    Context::AddSuggestion(d, n.text, NamesOfKind(cx.module, want));
    return nullptr;
  }

  void Labels(const std::vector<ast::Name>& labels) {
    for (const auto& l : labels) {
      const Symbol* s = cx.module.Find(l.text);
      if (s && s->kind == SymbolKind::Label) continue;
      if (s) {
        auto& d = cx.Error(DiagKind::WrongKind, l.range,
                           Q(l.text) + " is " + WithArticle(s->kind) + ", not a label");
        Context::AddDeclaredHere(d, *s);
        continue;
      }
      auto& d = cx.Error(DiagKind::UnknownLabel, l.range, "unknown label " + Q(l.text));
      if (IsStdLabel(l.text) && !cx.module.Find("C1")) {
        d.notes.push_back({{}, "the standard labels come from `import \"std/governance\"`"});
      } else {
        Context::AddSuggestion(d, l.text, NamesOfKind(cx.module, SymbolKind::Label));
      }
    }
  }

  void FieldTypeName(const ast::Name& t) {
    if (FieldType(t.text) != ast::Type::Unknown) return;
    if (t.text == "duration") {
      cx.Error(DiagKind::InvalidFieldType, t.range,
               "`duration` is not a field type; store durations as `int` or `float`");
      return;
    }
    auto& d = cx.Error(DiagKind::UnknownType, t.range, "unknown type " + Q(t.text));
    Context::AddSuggestion(d, t.text, {"bool", "int", "float", "string", "timestamp"});
  }

  void Event(const ast::EventDecl& ev) {
    Labels(ev.labels);
    std::map<std::string, SourceRange> seen;
    for (const auto& p : ev.props) {
      if (p.name.text == "timestamp") {
        cx.Error(DiagKind::ReservedName, p.name.range,
                 "every event has an implicit `timestamp` property; it cannot be declared");
      }
      auto [it, inserted] = seen.emplace(p.name.text, p.name.range);
      if (!inserted) {
        auto& d = cx.Error(DiagKind::DuplicateDeclaration, p.name.range,
                           "property " + Q(p.name.text) + " is declared twice");
        d.notes.push_back({it->second, "first declared here"});
      }
      FieldTypeName(p.type);
      Labels(p.labels);
    }
  }

  void Identity(const ast::IdentityDecl& id) {
    Labels(id.labels);
    if (id.from == ast::IdentityDecl::Trait) {
      const Symbol* s = cx.module.Find(id.source.text);
      if (!s || s->kind != SymbolKind::Trait) {
        auto& d =
            cx.Error(DiagKind::UnknownTrait, id.source.range, "unknown trait " + Q(id.source.text));
        Context::AddSuggestion(d, id.source.text, NamesOfKind(cx.module, SymbolKind::Trait));
      } else {
        const auto* tr = std::get_if<ast::TraitDecl>(&s->decl->node);
        if (tr->type.text != "string" && FieldType(tr->type.text) != ast::Type::Unknown) {
          auto& d =
              cx.Error(DiagKind::TypeMismatch, id.source.range,
                       "identity " + Q(id.name.text) + " comes from trait " + Q(id.source.text) +
                           " of type " + Q(tr->type.text) + "; identities are strings");
          Context::AddDeclaredHere(d, *s);
        }
      }
    }
    if (id.normalize) {
      const std::string& n = id.normalize->text;
      if (std::find(std::begin(kNormalizers), std::end(kNormalizers), n) ==
          std::end(kNormalizers)) {
        auto& d = cx.Error(DiagKind::UnknownNormalizer, id.normalize->range,
                           "unknown normalizer " + Q(n) + "; expected `email`, `lower` or `trim`");
        Context::AddSuggestion(d, n, {"email", "lower", "trim"});
      }
    }
  }

  void Policy(const ast::PolicyDecl& p) {
    for (const auto& rule : p.rules) {
      for (const auto& a : rule.actions)
        Ref(a, SymbolKind::Action, DiagKind::UnknownAction, "an action");
      ExprChecker(cx, "").Check(*rule.when, Scope::Label);
    }
  }

  // An item that may appear once: reports the second with a note at the first.
  bool Once(std::map<int, SourceRange>& seen, int kind, SourceRange range,
            const std::string& what) {
    auto [it, inserted] = seen.emplace(kind, range);
    if (inserted) return true;
    auto& d = cx.Error(DiagKind::DuplicateItem, range, what + " is given twice");
    d.notes.push_back({it->second, "first given here"});
    return false;
  }

  void IdentityRefs(const std::vector<ast::Name>& names) {
    for (const auto& n : names) {
      if (cx.module.identities.count(n.text)) continue;
      auto& d = cx.Error(DiagKind::UnknownIdentity, n.range, "unknown identity " + Q(n.text));
      std::vector<std::string> ids;
      for (const auto& [k, _] : cx.module.identities) ids.push_back(k);
      Context::AddSuggestion(d, n.text, ids);
    }
  }

  void Audience(const ast::AudienceDecl& a) {
    std::map<int, SourceRange> seen;
    const std::string owner = a.name.text;
    for (const auto& item : a.items) {
      switch (item.kind) {
        case ast::AudienceItem::Members:
          Once(seen, item.kind, item.range, "`members`");
          ExprChecker(cx, owner).CheckBool(*item.members, Scope::Profile, "`members`");
          break;
        case ast::AudienceItem::Identities:
          Once(seen, item.kind, item.range, "`identities`");
          IdentityRefs(item.identities);
          break;
        case ast::AudienceItem::Attributes: {
          Once(seen, item.kind, item.range, "`attributes`");
          std::map<std::string, SourceRange> names;
          for (const auto& attr : item.attributes) {
            auto [it, inserted] = names.emplace(attr.name.text, attr.name.range);
            if (!inserted) {
              auto& d = cx.Error(DiagKind::DuplicateDeclaration, attr.name.range,
                                 "attribute " + Q(attr.name.text) + " is declared twice");
              d.notes.push_back({it->second, "first declared here"});
            }
            ast::Type t = ExprChecker(cx, owner).Check(*attr.expr, Scope::Profile);
            if (t == ast::Type::Duration)
              cx.Error(DiagKind::TypeMismatch, attr.expr->range,
                       "an attribute cannot be a `duration`; convert it to a number");
          }
          break;
        }
        case ast::AudienceItem::Refresh:
          Once(seen, item.kind, item.range, "`refresh`");
          if (item.every && item.every->millis < 60'000)
            cx.Error(DiagKind::InvalidRefresh, item.every->range,
                     "a refresh interval must be at least 1 minute, found " +
                         Q(std::to_string(item.every->amount) + item.every->unit));
          if (!item.refresh_word.text.empty() && item.refresh_word.text != "streaming")
            cx.Error(DiagKind::InvalidRefresh, item.refresh_word.range,
                     "unknown refresh " + Q(item.refresh_word.text) +
                         "; write `refresh every D`, `refresh once` or `refresh streaming`");
          break;
        case ast::AudienceItem::Import:
          Once(seen, item.kind, item.range, "`import`");
          IdentityRefs({item.import_key});
          break;
        case ast::AudienceItem::Expect: break;  // CheckExpectations, once attributes are typed
      }
    }
    bool members = seen.count(ast::AudienceItem::Members);
    bool import = seen.count(ast::AudienceItem::Import);
    if (members && import) {
      auto& d = cx.Error(DiagKind::ConflictingItems, seen[ast::AudienceItem::Import],
                         "audience " + Q(a.name.text) +
                             " has both `members` and `import`; it takes one or the other");
      d.notes.push_back({seen[ast::AudienceItem::Members], "`members` given here"});
    } else if (!members && !import) {
      cx.Error(DiagKind::MissingItem, a.name.range,
               "audience " + Q(a.name.text) + " needs `members` (a rule) or `import` (a list)");
    }
  }

  void Destination(const ast::DestinationDecl& dst) {
    std::map<int, SourceRange> seen;
    const std::string owner = dst.name.text;
    const ast::DestItem* connection = nullptr;
    const ast::DestItem* max_profiles = nullptr;
    std::map<std::string, SourceRange> targets;
    for (const auto& item : dst.items) {
      if (item.kind == ast::DestItem::Expect) continue;  // CheckExpectations
      if (!Once(seen, item.kind, item.range, "`" + ItemWord(item.kind) + "`")) continue;
      switch (item.kind) {
        case ast::DestItem::Connection: connection = &item; break;
        case ast::DestItem::Actions:
          for (const auto& n : item.names)
            Ref(n, SymbolKind::Action, DiagKind::UnknownAction, "an action");
          break;
        case ast::DestItem::Consent:
          for (const auto& n : item.names) {
            if (Ref(n, SymbolKind::Consent, DiagKind::UnknownConsent, "a consent"))
              cx.module.depends_on[owner].insert(n.text);
          }
          break;
        case ast::DestItem::Key: IdentityRefs(item.names); break;
        case ast::DestItem::Map:
          for (const auto& m : item.mappings) {
            auto [it, inserted] = targets.emplace(m.target.value, m.target.range);
            if (!inserted) {
              auto& d = cx.Error(DiagKind::DuplicateItem, m.target.range,
                                 "destination field \"" + m.target.value + "\" is mapped twice");
              d.notes.push_back({it->second, "first mapped here"});
            }
          }
          break;
        case ast::DestItem::MaxProfiles:
          max_profiles = &item;
          if (item.max_profiles <= 0)
            cx.Error(DiagKind::InvalidMaxProfiles, item.value_range,
                     "`max_profiles` must be greater than zero");
          break;
        case ast::DestItem::MaxExitFraction:
          if (!(item.max_exit_fraction >= 0 && item.max_exit_fraction <= 1))
            cx.Error(DiagKind::InvalidMaxExitFraction, item.value_range,
                     "`max_exit_fraction` must be between 0 and 1 (the largest share of a "
                     "publication's recorded members one plan may remove)");
          break;
        case ast::DestItem::Expect: break;
      }
    }
    if (!connection) {
      cx.Error(DiagKind::MissingItem, dst.name.range,
               "destination " + Q(dst.name.text) + " needs a `connection` (a table of `aud.toml`)");
    }
    if (!seen.count(ast::DestItem::Key)) {
      cx.Error(DiagKind::MissingItem, dst.name.range,
               "destination " + Q(dst.name.text) +
                   " needs a `key`: the identity namespace its records are keyed by");
    }
    if (!seen.count(ast::DestItem::Actions)) {
      // Without `actions` no policy could ever deny this destination.
      auto& d = cx.Error(DiagKind::MissingActions, dst.name.range,
                         "destination " + Q(dst.name.text) +
                             " needs `actions`: the marketing actions it performs, which "
                             "policies are checked against");
      d.notes.push_back({{},
                         "the standard actions of `std/governance` are " + StandardActions() +
                             "; e.g. `actions email_targeting`"});
    }
    if (!connection || !cx.project.config) return;
    const ast::Name& cn = connection->names[0];
    const auto& conns = cx.project.config->connections;
    auto it = conns.find(cn.text);
    if (it == conns.end()) {
      auto& d = cx.Error(DiagKind::UnknownConnection, cn.range, "unknown connection " + Q(cn.text));
      std::vector<std::string> names;
      for (const auto& [k, _] : conns) names.push_back(k);
      Context::AddSuggestion(d, cn.text, names);
      d.notes.push_back(
          {{}, "connections are declared in `aud.toml` as `[connections." + cn.text + "]`"});
      return;
    }
    // The connector's own cap (compiler/config/connectors.def).
    const config::ConnectorSpec* spec = config::FindConnector(it->second.type);
    if (spec && spec->max_profiles > 0 && max_profiles &&
        max_profiles->max_profiles > spec->max_profiles)
      cx.Error(DiagKind::InvalidMaxProfiles, max_profiles->value_range,
               "the " + std::string(spec->shown) + " connector sends at most " +
                   std::to_string(spec->max_profiles) + " profiles per list; `max_profiles` is " +
                   std::to_string(max_profiles->max_profiles));
  }

  // "`analytics`, `combine_with_pii`, ... and `x`", read from std/governance.
  static std::string StandardActions() {
    std::vector<std::string> names;
    if (auto text = stdlib::StdModule("std/governance")) {
      std::string_view t = *text;
      for (size_t at = 0; at < t.size();) {
        size_t nl = t.find('\n', at);
        std::string_view line = t.substr(at, nl == std::string_view::npos ? t.npos : nl - at);
        at = nl == std::string_view::npos ? t.size() : nl + 1;
        if (line.rfind("action ", 0) != 0) continue;
        line.remove_prefix(7);
        names.emplace_back(line.substr(0, line.find_first_of(" \t\"")));
      }
    }
    std::string out;
    for (size_t i = 0; i < names.size(); ++i) {
      if (i) out += i + 1 == names.size() ? " and " : ", ";
      out += Q(names[i]);
    }
    return out;
  }

  static std::string ItemWord(int k) {
    switch (k) {
      case ast::DestItem::Connection: return "connection";
      case ast::DestItem::Actions: return "actions";
      case ast::DestItem::Consent: return "consent";
      case ast::DestItem::Key: return "key";
      case ast::DestItem::Map: return "map";
      case ast::DestItem::MaxExitFraction: return "max_exit_fraction";
      default: return "max_profiles";
    }
  }

  // A `map` field resolves to the audience's attribute, else an identity, else a trait.
  void MapFields(const ast::AudienceDecl& a, const ast::DestinationDecl& dst, SourceRange at) {
    for (const auto& item : dst.items) {
      if (item.kind != ast::DestItem::Map) continue;
      for (const auto& m : item.mappings) {
        const std::string& f = m.field.text;
        bool attr = false;
        for (const auto& ai : a.items)
          for (const auto& at2 : ai.attributes) attr = attr || at2.name.text == f;
        if (attr || cx.module.identities.count(f)) continue;
        const Symbol* s = cx.module.Find(f);
        if (s && s->kind == SymbolKind::Trait) continue;
        auto& d = cx.Error(DiagKind::UnknownName, m.field.range,
                           Q(f) + " is not an attribute of audience " + Q(a.name.text) +
                               ", an identity or a trait");
        std::vector<std::string> cands;
        for (const auto& ai : a.items)
          for (const auto& at2 : ai.attributes) cands.push_back(at2.name.text);
        for (const auto& [k, _] : cx.module.identities) cands.push_back(k);
        for (const auto& n : NamesOfKind(cx.module, SymbolKind::Trait)) cands.push_back(n);
        Context::AddSuggestion(d, f, cands);
        d.notes.push_back({at, "audience " + Q(a.name.text) + " is published here"});
      }
    }
  }

  void Publish(const ast::PublishDecl& p, std::set<std::pair<std::string, std::string>>& pairs,
               std::map<std::pair<std::string, std::string>, SourceRange>& first) {
    std::vector<const ast::AudienceDecl*> auds;
    std::vector<const ast::Name*> aud_names;
    for (const auto& a : p.audiences) {
      const Symbol* s = cx.module.Find(a.text);
      if (s && s->kind == SymbolKind::Audience) {
        auds.push_back(std::get_if<ast::AudienceDecl>(&s->decl->node));
        aud_names.push_back(&a);
      } else if (s) {
        auto& d =
            cx.Error(DiagKind::WrongKind, a.range,
                     Q(a.text) + " is " + WithArticle(s->kind) + "; only audiences are published");
        if (s->kind == SymbolKind::Segment)
          d.notes.push_back({{},
                             "wrap it in an audience: `audience " + a.text +
                                 "_audience { members " + a.text + " }`"});
      } else {
        auto& d = cx.Error(DiagKind::UnknownAudience, a.range, "unknown audience " + Q(a.text));
        Context::AddSuggestion(d, a.text, NamesOfKind(cx.module, SymbolKind::Audience));
      }
    }
    for (const auto& dn : p.destinations) {
      const ast::DestinationDecl* dst = nullptr;
      if (dn.text != "profile_store") {
        const Symbol* s = cx.module.Find(dn.text);
        if (s && s->kind == SymbolKind::Destination) {
          dst = std::get_if<ast::DestinationDecl>(&s->decl->node);
        } else if (s) {
          cx.Error(DiagKind::WrongKind, dn.range,
                   Q(dn.text) + " is " + WithArticle(s->kind) + ", not a destination");
          continue;
        } else {
          auto& d =
              cx.Error(DiagKind::UnknownDestination, dn.range, "unknown destination " + Q(dn.text));
          auto cands = NamesOfKind(cx.module, SymbolKind::Destination);
          cands.push_back("profile_store");
          Context::AddSuggestion(d, dn.text, cands);
          continue;
        }
      }
      for (size_t i = 0; i < auds.size(); ++i) {
        auto key = std::make_pair(auds[i]->name.text, dn.text);
        if (!pairs.insert(key).second) {
          auto& d =
              cx.Error(DiagKind::DuplicatePublish, aud_names[i]->range,
                       "audience " + Q(key.first) + " is already published to " + Q(key.second));
          d.notes.push_back({first[key], "first published here"});
          continue;
        }
        first[key] = aud_names[i]->range;
        if (dst) MapFields(*auds[i], *dst, aud_names[i]->range);
        cx.module.depends_on[dn.text].insert(key.first);
        cx.module.publications.push_back(Publication{key.first, dn.text, {}, aud_names[i]->range});
      }
    }
  }
};

}  // namespace

void CheckDeclarations(Context& cx) {
  DeclChecker dc{cx};
  std::set<std::pair<std::string, std::string>> pairs;
  std::map<std::pair<std::string, std::string>, SourceRange> first;
  for (auto& file : cx.project.files) {
    for (ast::Decl& decl : file->decls) {
      std::visit(
          [&](auto& n) {
            using T = std::decay_t<decltype(n)>;
            if constexpr (std::is_same_v<T, ast::EventDecl>) {
              dc.Event(n);
            } else if constexpr (std::is_same_v<T, ast::TraitDecl>) {
              dc.FieldTypeName(n.type);
              dc.Labels(n.labels);
            } else if constexpr (std::is_same_v<T, ast::IdentityDecl>) {
              dc.Identity(n);
            } else if constexpr (std::is_same_v<T, ast::PolicyDecl>) {
              dc.Policy(n);
            } else if constexpr (std::is_same_v<T, ast::ConsentDecl>) {
              ExprChecker(cx, n.name.text)
                  .CheckBool(*n.expr, Scope::Profile, "consent " + Q(n.name.text));
            } else if constexpr (std::is_same_v<T, ast::SegmentDecl>) {
              ExprChecker(cx, n.name.text)
                  .CheckBool(*n.expr, Scope::Profile, "segment " + Q(n.name.text));
            } else if constexpr (std::is_same_v<T, ast::AudienceDecl>) {
              dc.Audience(n);
            } else if constexpr (std::is_same_v<T, ast::DestinationDecl>) {
              dc.Destination(n);
            } else if constexpr (std::is_same_v<T, ast::PublishDecl>) {
              dc.Publish(n, pairs, first);
            }
          },
          decl.node);
    }
  }
}

namespace {

// The file a `file` connection writes for `audience` (its `dir` normalised
// against the project root, so `out`, `./out/` and `/abs/project/out` meet),
// or "" when the destination does not write a file.
std::string ExportFile(const Context& cx, const std::string& destination,
                       const std::string& audience, std::string* shown) {
  const auto* dst = cx.module.Get<ast::DestinationDecl>(destination);
  if (!dst || !cx.project.config) return "";
  for (const auto& item : dst->items) {
    if (item.kind != ast::DestItem::Connection || item.names.empty()) continue;
    auto it = cx.project.config->connections.find(item.names[0].text);
    if (it == cx.project.config->connections.end() || it->second.type != "file") return "";
    const auto& values = it->second.values;
    auto dir = values.find("dir");
    auto format = values.find("format");
    if (dir == values.end() || format == values.end()) return "";
    const auto* d = std::get_if<std::string>(&dir->second);
    const auto* f = std::get_if<std::string>(&format->second);
    if (!d || !f) return "";
    std::filesystem::path p(*d);
    std::string file_name = audience + "." + *f;
    *shown = (p / file_name).lexically_normal().generic_string();
    if (p.is_relative())
      p = std::filesystem::path(cx.tree.root_dir.empty() ? "." : cx.tree.root_dir) / p;
    return (p.lexically_normal() / file_name).lexically_normal().generic_string();
  }
  return "";
}

// The Autopilot field type of an expression type ("" when it has none).
std::string AutopilotTypeOf(ast::Type t) {
  return std::string(config::AutopilotFieldType(ast::TypeName(t)));
}

// The Autopilot field type of a trait's declared type name.
std::string AutopilotTypeOf(const std::string& type_name) {
  return std::string(config::AutopilotFieldType(type_name));
}

// A `map` target written in Autopilot's typed form (`float--LTV`): its type, else "".
std::string TypedTarget(const std::string& target) {
  return std::string(config::AutopilotTypePrefix(target));
}

// Autopilot fixes a custom field's type when it is created: a `map` target
// written `type--Name` must hold a value of that type (runs after every
// attribute expression has its type).
void CheckAutopilotMapTypes(Context& cx) {
  if (!cx.project.config) return;
  for (const Publication& pub : cx.module.publications) {
    const auto* dst = cx.module.Get<ast::DestinationDecl>(pub.destination);
    const auto* aud = cx.module.Get<ast::AudienceDecl>(pub.audience);
    if (!dst || !aud) continue;
    std::string connection;
    for (const auto& item : dst->items)
      if (item.kind == ast::DestItem::Connection && !item.names.empty())
        connection = item.names[0].text;
    auto conn = cx.project.config->connections.find(connection);
    if (conn == cx.project.config->connections.end() || conn->second.type != "autopilot") continue;
    for (const auto& item : dst->items) {
      if (item.kind != ast::DestItem::Map) continue;
      for (const auto& m : item.mappings) {
        std::string want = TypedTarget(m.target.value);
        if (want.empty()) continue;
        const std::string& f = m.field.text;
        std::string what, have;
        const ast::Attribute* attr = nullptr;
        for (const auto& ai : aud->items)
          for (const auto& at : ai.attributes)
            if (at.name.text == f) attr = &at;
        if (m.hashed) {
          what = "the hashed value of " + Q(f) + " is a `string`";
          have = "string";
        } else if (attr) {
          if (!attr->expr || attr->expr->type == ast::Type::Unknown) continue;
          what = "attribute " + Q(f) + " of audience " + Q(aud->name.text) + " is `" +
                 ast::TypeName(attr->expr->type) + "`";
          have = AutopilotTypeOf(attr->expr->type);
        } else if (cx.module.identities.count(f)) {
          what = "identity " + Q(f) + " is a `string`";
          have = "string";
        } else if (const auto* t = cx.module.Get<ast::TraitDecl>(f)) {
          what = "trait " + Q(f) + " is `" + t->type.text + "`";
          have = AutopilotTypeOf(t->type.text);
        } else {
          continue;  // an unknown name, already reported
        }
        if (have.empty() || have == want) continue;
        std::string name = m.target.value.substr(want.size() + 2);
        auto& d = cx.Error(DiagKind::MapTypeConflict, m.target.range,
                           "Autopilot field \"" + m.target.value + "\" holds `" + want + "`, but " +
                               what + "; write \"" + have + "--" + name +
                               "\" or map a value of type `" + want + "`");
        d.notes.push_back({pub.range, "audience " + Q(aud->name.text) + " is published here"});
      }
    }
  }
}

}  // namespace

// Two publications whose `file` connections resolve to one export file would
// overwrite each other (issue: mixed key spaces, dropped columns).
void CheckExportFiles(Context& cx) {
  std::map<std::string, const Publication*> first;
  for (const Publication& pub : cx.module.publications) {
    std::string shown;
    std::string file = ExportFile(cx, pub.destination, pub.audience, &shown);
    if (file.empty()) continue;
    auto [it, inserted] = first.emplace(file, &pub);
    if (inserted) continue;
    const Publication& other = *it->second;
    auto& d = cx.Error(DiagKind::SharedExportFile, pub.range,
                       "destinations " + Q(other.destination) + " and " + Q(pub.destination) +
                           " would both write audience " + Q(pub.audience) + " to " + Q(shown));
    d.notes.push_back({other.range, "published to " + Q(other.destination) + " here"});
    d.notes.push_back(
        {{}, "give one of them a `file` connection with another `dir` (or `format`)"});
  }
}

void ResolvePass(Context& cx) {
  CheckDeclarations(cx);
  CheckExportFiles(cx);
  CheckAutopilotMapTypes(cx);
  CheckExpectations(cx);
  CheckTests(cx);
}

}  // namespace aud::check
