// Resolve pass (tests and expectations): `test` declarations, whose fixtures
// are typed against the declared events, properties and traits and whose
// expectations name segments, audiences, attributes, identities and the
// profiles of the fixtures; and the `expect` clauses of audiences and
// destinations (docs/reference/language.md, "Tests" and "Expectations").

#include <algorithm>
#include <filesystem>
#include <set>

#include "compiler/base/civil_time.h"
#include "compiler/check/resolve.h"

namespace aud::check {

namespace {

std::vector<std::string> NamesOf(const Module& m, std::initializer_list<SymbolKind> kinds) {
  std::vector<std::string> v;
  for (const auto& [n, s] : m.symbols)
    for (SymbolKind k : kinds)
      if (s.kind == k) v.push_back(n);
  return v;
}

// The attributes an audience declares.
std::vector<const ast::Attribute*> AttributesOf(const ast::AudienceDecl& a) {
  std::vector<const ast::Attribute*> out;
  for (const auto& item : a.items)
    for (const auto& attr : item.attributes) out.push_back(&attr);
  return out;
}

// A reference to an audience attribute; reports an unknown one.
const ast::Attribute* AttributeRef(Context& cx, const ast::AudienceDecl& a, const ast::Name& n) {
  std::vector<std::string> names;
  for (const ast::Attribute* attr : AttributesOf(a)) {
    if (attr->name.text == n.text) return attr;
    names.push_back(attr->name.text);
  }
  auto& d = cx.Error(DiagKind::UnknownName, n.range,
                     Q(n.text) + " is not an attribute of audience " + Q(a.name.text));
  Context::AddSuggestion(d, n.text, names);
  return nullptr;
}

// Whether a value of type `have` may stand where `want` is declared (an int
// is a float; a timestamp may be written as a string).
bool Fits(ast::Type want, ast::Type have) {
  if (want == have) return true;
  if (want == ast::Type::Float && have == ast::Type::Int) return true;
  return false;
}

// The type of a fixture or expected value, which must be a literal (a
// number may be negated); Unknown after reporting anything else.
ast::Type LiteralType(Context& cx, ast::Expr& e, const std::string& what) {
  using K = ast::ExprKind;
  ast::Type t = ast::Type::Unknown;
  switch (e.kind) {
    case K::BoolLit: t = ast::Type::Bool; break;
    case K::IntLit: t = ast::Type::Int; break;
    case K::FloatLit: t = ast::Type::Float; break;
    case K::StringLit: t = ast::Type::String; break;
    case K::TimeLit: t = ast::Type::Timestamp; break;
    case K::Unary:
      if (e.unary_op == ast::UnaryOp::Neg && !e.children.empty() &&
          (e.children[0]->kind == K::IntLit || e.children[0]->kind == K::FloatLit))
        t = e.children[0]->kind == K::IntLit ? ast::Type::Int : ast::Type::Float;
      break;
    default: break;
  }
  if (t == ast::Type::Unknown) {
    cx.Error(DiagKind::InvalidFixture, e.range,
             what + " must be a literal (a number, string, `true`/`false` or `@time`)");
    return t;
  }
  e.type = t;
  return t;
}

// Checks a literal against the declared type `want` (a field type name).
void CheckValue(Context& cx, ast::Expr& e, ast::Type want, const std::string& what,
                const std::string& declared) {
  ast::Type have = LiteralType(cx, e, what);
  if (have == ast::Type::Unknown || want == ast::Type::Unknown) return;
  if (Fits(want, have)) return;
  if (want == ast::Type::Timestamp && have == ast::Type::String) {
    std::string why;
    int64_t ms = 0;
    if (base::ParseRfc3339(e.string_value, &ms, &why)) return;
    cx.Error(DiagKind::InvalidTime, e.range,
             "invalid timestamp \"" + e.string_value + "\" for " + what + ": " + why);
    return;
  }
  cx.Error(DiagKind::TypeMismatch, e.range,
           what + " is " + declared + "; found a value of type `" +
               std::string(ast::TypeName(have)) + "`");
}

struct TestChecker {
  Context& cx;
  const ast::TestDecl& test;
  std::set<std::string> ids;  // every id the inline fixtures mention
  bool has_file = false;

  void Fixture(ast::Fixture& f) {
    if (f.user_id) ids.insert(f.user_id->value);
    if (f.anonymous_id) ids.insert(f.anonymous_id->value);
    if (f.kind == ast::Fixture::Alias) ids.insert(f.previous_id.value);
    auto empty_id = [&](const std::optional<ast::StringLit>& s) {
      if (s && s->value.empty())
        cx.Error(DiagKind::InvalidFixture, s->range, "a profile id cannot be empty");
    };
    empty_id(f.user_id);
    empty_id(f.anonymous_id);
    if (f.kind == ast::Fixture::Alias && f.previous_id.value.empty())
      cx.Error(DiagKind::InvalidFixture, f.previous_id.range, "a profile id cannot be empty");
    if (f.kind == ast::Fixture::Event) {
      const Symbol* s = cx.module.Find(f.event.text);
      if (!s || s->kind != SymbolKind::Event) {
        if (s) {
          auto& d = cx.Error(DiagKind::WrongKind, f.event.range,
                             Q(f.event.text) + " is " + WithArticle(s->kind) + ", not an event");
          Context::AddDeclaredHere(d, *s);
        } else {
          auto& d =
              cx.Error(DiagKind::UnknownEvent, f.event.range, "unknown event " + Q(f.event.text));
          Context::AddSuggestion(d, f.event.text, NamesOf(cx.module, {SymbolKind::Event}));
        }
        return;
      }
      const auto* ev = std::get_if<ast::EventDecl>(&s->decl->node);
      std::set<std::string> seen;
      for (auto& v : f.values) {
        if (!seen.insert(v.name.text).second)
          cx.Error(DiagKind::DuplicateItem, v.name.range,
                   "property " + Q(v.name.text) + " is given twice");
        const ast::PropDecl* prop = nullptr;
        std::vector<std::string> names;
        for (const auto& p : ev->props) {
          if (p.name.text == v.name.text) prop = &p;
          names.push_back(p.name.text);
        }
        if (!prop) {
          auto& d = cx.Error(DiagKind::UnknownProperty, v.name.range,
                             "event " + Q(ev->name.text) + " has no property " + Q(v.name.text));
          Context::AddSuggestion(d, v.name.text, names);
          Context::AddDeclaredHere(d, *s);
          if (v.value) LiteralType(cx, *v.value, "a property value");
          continue;
        }
        if (v.value)
          CheckValue(cx, *v.value, FieldType(prop->type.text), "property " + Q(v.name.text),
                     "declared `" + prop->type.text + "`");
      }
    } else if (f.kind == ast::Fixture::Identify) {
      std::set<std::string> seen;
      for (auto& v : f.values) {
        if (!seen.insert(v.name.text).second)
          cx.Error(DiagKind::DuplicateItem, v.name.range,
                   "trait " + Q(v.name.text) + " is given twice");
        const auto* tr = cx.module.Get<ast::TraitDecl>(v.name.text);
        if (!tr) {
          auto& d =
              cx.Error(DiagKind::UnknownTrait, v.name.range, "unknown trait " + Q(v.name.text));
          Context::AddSuggestion(d, v.name.text, NamesOf(cx.module, {SymbolKind::Trait}));
          if (v.value) LiteralType(cx, *v.value, "a trait value");
          continue;
        }
        if (v.value)
          CheckValue(cx, *v.value, FieldType(tr->type.text), "trait " + Q(v.name.text),
                     "declared `" + tr->type.text + "`");
      }
    }
  }

  void FilePath(const ast::StringLit& path) {
    const std::string& p = path.value;
    if (p.empty()) {
      cx.Error(DiagKind::InvalidFixture, path.range, "a fixture file path cannot be empty");
      return;
    }
    std::filesystem::path fp(p);
    if (fp.is_absolute()) {
      cx.Error(DiagKind::InvalidFixture, path.range,
               "fixture file \"" + p +
                   "\" is an absolute path; write it relative to the project folder");
      return;
    }
    std::string norm = fp.lexically_normal().generic_string();
    if (norm == ".." || norm.rfind("../", 0) == 0 || p.find('\0') != std::string::npos) {
      cx.Error(DiagKind::InvalidFixture, path.range,
               "fixture file \"" + p +
                   "\" resolves outside the project folder; keep fixtures inside the project");
    }
  }

  // A segment, audience or consent an expectation reads.
  const Symbol* Target(const ast::Name& n, bool audience_only) {
    const Symbol* s = cx.module.Find(n.text);
    bool ok =
        s &&
        (s->kind == SymbolKind::Audience ||
         (!audience_only && (s->kind == SymbolKind::Segment || s->kind == SymbolKind::Consent)));
    if (ok) return s;
    std::string want = audience_only ? "an audience" : "a segment, audience or consent";
    if (s) {
      auto& d = cx.Error(DiagKind::WrongKind, n.range,
                         Q(n.text) + " is " + WithArticle(s->kind) + ", not " + want);
      Context::AddDeclaredHere(d, *s);
      return nullptr;
    }
    auto& d = cx.Error(
        audience_only ? DiagKind::UnknownAudience : DiagKind::UnknownName, n.range,
        (audience_only ? "unknown audience " : "unknown segment or audience ") + Q(n.text));
    Context::AddSuggestion(
        d, n.text,
        audience_only
            ? NamesOf(cx.module, {SymbolKind::Audience})
            : NamesOf(cx.module, {SymbolKind::Segment, SymbolKind::Audience, SymbolKind::Consent}));
    return nullptr;
  }

  void Profiles(const std::vector<ast::StringLit>& profiles) {
    if (has_file) return;  // the file's ids are known when `aud test` reads it
    std::set<std::string> listed;
    for (const auto& p : profiles) {
      if (!listed.insert(p.value).second) {
        cx.Error(DiagKind::DuplicateItem, p.range, "profile \"" + p.value + "\" is listed twice");
        continue;
      }
      if (ids.count(p.value)) continue;
      auto& d = cx.Error(DiagKind::UnknownProfile, p.range,
                         "unknown profile \"" + p.value + "\": no fixture of test " +
                             Q(test.name.text) + " mentions it");
      Context::AddSuggestion(d, p.value, std::vector<std::string>(ids.begin(), ids.end()));
    }
  }

  void Expectation(ast::TestItem& item) {
    switch (item.kind) {
      case ast::TestItem::Contains:
      case ast::TestItem::Excludes:
      case ast::TestItem::Members:
        Target(item.target, false);
        Profiles(item.profiles);
        break;
      case ast::TestItem::Attribute: {
        Profiles(item.profiles);
        const Symbol* s = Target(item.target, true);
        if (!s) break;
        const auto* a = std::get_if<ast::AudienceDecl>(&s->decl->node);
        const ast::Attribute* attr = AttributeRef(cx, *a, item.member);
        if (!attr || !item.value) break;
        ast::Type want = attr->expr ? attr->expr->type : ast::Type::Unknown;
        CheckValue(cx, *item.value, want, "attribute " + Q(item.member.text),
                   "`" + std::string(ast::TypeName(want)) + "`");
        break;
      }
      case ast::TestItem::Identities:
        Profiles(item.profiles);
        Target(item.target, false);
        if (!cx.module.identities.count(item.member.text)) {
          auto& d = cx.Error(DiagKind::UnknownIdentity, item.member.range,
                             "unknown identity " + Q(item.member.text));
          std::vector<std::string> names;
          for (const auto& [k, _] : cx.module.identities) names.push_back(k);
          Context::AddSuggestion(d, item.member.text, names);
        }
        break;
      case ast::TestItem::Sends:
      case ast::TestItem::Skips: Publication(item); break;
      default: break;
    }
  }

  // `expect AUDIENCE to DEST sends|skips ...`: a publication of the project.
  void Publication(ast::TestItem& item) {
    Profiles(item.profiles);
    const Symbol* s = Target(item.target, true);
    const ast::DestinationDecl* dst = nullptr;
    if (item.destination.text != "profile_store") {
      const Symbol* d = cx.module.Find(item.destination.text);
      if (!d || d->kind != SymbolKind::Destination) {
        auto& diag = cx.Error(
            d ? DiagKind::WrongKind : DiagKind::UnknownDestination, item.destination.range,
            d ? Q(item.destination.text) + " is " + WithArticle(d->kind) + ", not a destination"
              : "unknown destination " + Q(item.destination.text));
        auto names = NamesOf(cx.module, {SymbolKind::Destination});
        names.push_back("profile_store");
        if (!d) Context::AddSuggestion(diag, item.destination.text, names);
        return;
      }
      dst = std::get_if<ast::DestinationDecl>(&d->decl->node);
    }
    if (!s) return;
    bool published = false;
    for (const auto& p : cx.module.publications)
      published =
          published || (p.audience == item.target.text && p.destination == item.destination.text);
    if (!published)
      cx.Error(DiagKind::UnknownName, item.destination.range,
               "audience " + Q(item.target.text) + " is not published to " +
                   Q(item.destination.text) + "; add `publish " + item.target.text + " to " +
                   item.destination.text + "`");
    if (item.kind == ast::TestItem::Skips) {
      static const std::vector<std::string> kReasons = {"not_member", "no_consent", "no_key",
                                                        "duplicate_key"};
      if (std::find(kReasons.begin(), kReasons.end(), item.reason.text) == kReasons.end()) {
        auto& d = cx.Error(DiagKind::UnknownName, item.reason.range,
                           "unknown reason " + Q(item.reason.text) +
                               "; expected `not_member`, `no_consent`, `no_key` or "
                               "`duplicate_key`");
        Context::AddSuggestion(d, item.reason.text, kReasons);
      }
      return;
    }
    // Fields: `map` targets of the destination (attributes for the profile store).
    std::vector<std::string> fields;
    if (dst) {
      for (const auto& it : dst->items)
        for (const auto& m : it.mappings) fields.push_back(m.target.value);
    } else if (const auto* a = std::get_if<ast::AudienceDecl>(&s->decl->node)) {
      for (const ast::Attribute* attr : AttributesOf(*a)) fields.push_back(attr->name.text);
    }
    for (auto& f : item.fields) {
      if (std::find(fields.begin(), fields.end(), f.name.text) == fields.end()) {
        auto& d = cx.Error(
            DiagKind::UnknownName, f.name.range,
            "destination " + Q(item.destination.text) + " has no field \"" + f.name.text + "\"");
        Context::AddSuggestion(d, f.name.text, fields);
      }
      if (f.value) LiteralType(cx, *f.value, "a field value");
    }
  }

  void Run(ast::TestDecl& t) {
    const ast::TestItem* as_of = nullptr;
    bool expects = false;
    for (auto& item : t.items) {
      if (item.kind == ast::TestItem::GivenFile) has_file = true;
      if (item.kind == ast::TestItem::Given)
        for (auto& f : item.fixtures) Fixture(f);
    }
    for (auto& item : t.items) {
      switch (item.kind) {
        case ast::TestItem::AsOf:
          if (as_of) {
            auto& d = cx.Error(DiagKind::DuplicateItem, item.range, "`as_of` is given twice");
            d.notes.push_back({as_of->range, "first given here"});
          }
          as_of = &item;
          break;
        case ast::TestItem::GivenFile: FilePath(item.path); break;
        case ast::TestItem::Given: break;
        default:
          expects = true;
          Expectation(item);
          break;
      }
    }
    if (!as_of)
      cx.Error(DiagKind::MissingItem, t.name.range,
               "test " + Q(t.name.text) +
                   " needs `as_of @TIME`: the instant its segments are evaluated at");
    if (!expects)
      cx.Error(DiagKind::MissingItem, t.name.range,
               "test " + Q(t.name.text) + " has no `expect`: it would always pass");
  }
};

}  // namespace

void CheckTests(Context& cx) {
  for (auto& file : cx.project.files) {
    for (ast::Decl& decl : file->decls) {
      auto* t = std::get_if<ast::TestDecl>(&decl.node);
      if (!t) continue;
      TestChecker tc{cx, *t};
      tc.Run(*t);
    }
  }
}

namespace {

void CheckExpectation(Context& cx, const ast::Expectation& e, const ast::AudienceDecl* audience,
                      const ast::DestinationDecl* destination) {
  switch (e.kind) {
    case ast::Expectation::SizeBetween:
      if (e.low > e.high)
        cx.Error(DiagKind::InvalidExpectation, e.value_range,
                 "`expect size between " + std::to_string(e.low) + " and " +
                     std::to_string(e.high) + "`: the lower bound is above the upper bound");
      break;
    case ast::Expectation::SizeAtLeast:
    case ast::Expectation::SizeAtMost: break;
    case ast::Expectation::SizeChange:
      if (!(e.fraction >= 0))
        cx.Error(DiagKind::InvalidExpectation, e.value_range,
                 "`expect size_change` takes a fraction of at least 0 (0.2 allows 20%)");
      break;
    case ast::Expectation::UniqueKey:
      if (!destination)
        cx.Error(DiagKind::MisplacedClause, e.range,
                 "`expect unique key` belongs in a destination: the key is the destination's");
      break;
    case ast::Expectation::NotMissing:
      if (!audience) {
        cx.Error(DiagKind::MisplacedClause, e.range,
                 "`expect " + e.attribute.text +
                     " not missing` belongs in an audience: it reads an audience attribute");
        break;
      }
      AttributeRef(cx, *audience, e.attribute);
      break;
  }
}

}  // namespace

void CheckExpectations(Context& cx) {
  for (auto& file : cx.project.files) {
    for (const ast::Decl& decl : file->decls) {
      if (const auto* a = std::get_if<ast::AudienceDecl>(&decl.node)) {
        for (const auto& item : a->items)
          if (item.kind == ast::AudienceItem::Expect) CheckExpectation(cx, item.expect, a, nullptr);
      } else if (const auto* d = std::get_if<ast::DestinationDecl>(&decl.node)) {
        for (const auto& item : d->items)
          if (item.kind == ast::DestItem::Expect) CheckExpectation(cx, item.expect, nullptr, d);
      }
    }
  }
}

}  // namespace aud::check
