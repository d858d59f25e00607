// Governance pass (docs/reference/language.md §7): label propagation through segments,
// consents, attributes, identities and destination fields, then policy
// evaluation for every publication, with the lineage in the error.

#include <algorithm>
#include <functional>
#include <set>

#include "compiler/check/context.h"

namespace aud::check {

namespace {

std::string LabelList(const std::vector<std::string>& ls) {
  std::string s = "[";
  for (size_t i = 0; i < ls.size(); ++i) s += (i ? ", " : "") + ls[i];
  return s + "]";
}

std::vector<std::string> Names(const std::vector<ast::Name>& ns) {
  std::vector<std::string> v;
  for (const auto& n : ns) v.push_back(n.text);
  return v;
}

struct Governance {
  Context& cx;
  std::map<std::string, LabelSet> memo;  // segment/consent/audience -> labels
  std::set<std::string> in_progress;

  static void Add(LabelSet& set, LabelSource src) {
    if (src.labels.empty()) return;
    for (const auto& l : src.labels) set.labels.insert(l);
    // One entry per labelled thing and path.
    for (const auto& s : set.sources)
      if (s.what == src.what && s.path == src.path) return;
    set.sources.push_back(std::move(src));
  }

  static void Merge(LabelSet& into, const LabelSet& from, const std::string& via) {
    for (const auto& s : from.sources) {
      LabelSource c = s;
      c.path.insert(c.path.begin(), via);
      Add(into, std::move(c));
    }
  }

  void Trait(LabelSet& set, const ast::TraitDecl* tr) {
    if (tr) Add(set, {"trait " + Q(tr->name.text), Names(tr->labels), {}, tr->name.range});
  }

  void Identity(LabelSet& set, const std::string& name) {
    auto it = cx.module.identities.find(name);
    if (it == cx.module.identities.end()) return;
    const ast::IdentityDecl* id = it->second;
    Add(set, {"identity " + Q(name), Names(id->labels), {}, id->name.range});
    if (id->from == ast::IdentityDecl::Trait) {
      if (const auto* tr = cx.module.Get<ast::TraitDecl>(id->source.text)) {
        LabelSource s{"trait " + Q(tr->name.text),
                      Names(tr->labels),
                      {"identity " + Q(name)},
                      tr->name.range};
        Add(set, std::move(s));
      }
    }
  }

  void Walk(const ast::Expr& e, LabelSet& set, const ast::EventDecl* ev) {
    switch (e.ref) {
      case ast::RefKind::Trait: Trait(set, static_cast<const ast::TraitDecl*>(e.decl)); break;
      case ast::RefKind::Segment:
      case ast::RefKind::Consent:
      case ast::RefKind::Audience: {
        const Symbol* s = cx.module.Find(e.name.text);
        if (s) Merge(set, Of(e.name.text), std::string(SymbolKindName(s->kind)) + " " + Q(s->name));
        break;
      }
      case ast::RefKind::Event: {
        const auto* d = static_cast<const ast::EventDecl*>(e.decl);
        if (d) Add(set, {"event " + Q(d->name.text), Names(d->labels), {}, d->name.range});
        break;
      }
      case ast::RefKind::Property: {
        const auto* p = static_cast<const ast::PropDecl*>(e.decl);
        const ast::EventDecl* owner = ev;
        if (e.kind == ast::ExprKind::Member) owner = cx.module.Get<ast::EventDecl>(e.name.text);
        if (owner)
          Add(set, {"event " + Q(owner->name.text), Names(owner->labels), {}, owner->name.range});
        if (p && owner)
          Add(set, {"property " + Q(owner->name.text + "." + p->name.text),
                    Names(p->labels),
                    {},
                    p->name.range});
        break;
      }
      default: break;
    }
    if (e.ref == ast::RefKind::Segment || e.ref == ast::RefKind::Consent ||
        e.ref == ast::RefKind::Audience)
      return;
    for (const auto& c : e.children) Walk(*c, set, ev);
    for (const auto& a : e.args) {
      // The event of an aggregate or step scopes its `where`.
      const ast::EventDecl* arg_ev = ev;
      const ast::Expr* v = a.value.get();
      if (v->kind == ast::ExprKind::Unary && !v->children.empty()) v = v->children[0].get();
      if (v->ref == ast::RefKind::Event) arg_ev = static_cast<const ast::EventDecl*>(v->decl);
      if (v->kind == ast::ExprKind::Member && v->ref == ast::RefKind::Property)
        arg_ev = cx.module.Get<ast::EventDecl>(v->name.text);
      Walk(*a.value, set, ev);
      if (a.where) Walk(*a.where, set, arg_ev);
    }
  }

  const LabelSet& Of(const std::string& name) {
    if (auto it = memo.find(name); it != memo.end()) return it->second;
    static const LabelSet empty;
    if (!in_progress.insert(name).second) return empty;  // cycles were reported already
    LabelSet set;
    const Symbol* s = cx.module.Find(name);
    if (s) {
      if (const auto* seg = std::get_if<ast::SegmentDecl>(&s->decl->node)) {
        Walk(*seg->expr, set, nullptr);
      } else if (const auto* con = std::get_if<ast::ConsentDecl>(&s->decl->node)) {
        Walk(*con->expr, set, nullptr);
      } else if (const auto* aud = std::get_if<ast::AudienceDecl>(&s->decl->node)) {
        bool has_identities = false;
        for (const auto& item : aud->items) {
          if (item.members) Walk(*item.members, set, nullptr);
          for (const auto& attr : item.attributes) Walk(*attr.expr, set, nullptr);
          if (item.kind == ast::AudienceItem::Identities) {
            has_identities = true;
            for (const auto& n : item.identities) Identity(set, n.text);
          }
          if (item.kind == ast::AudienceItem::Import) Identity(set, item.import_key.text);
        }
        // Without an `identities` item an audience carries every declared identity.
        if (!has_identities)
          for (const auto& [n, _] : cx.module.identities) Identity(set, n);
      }
    }
    in_progress.erase(name);
    return memo[name] = std::move(set);
  }

  static bool Eval(const ast::Expr& e, const std::set<std::string>& labels) {
    switch (e.kind) {
      case ast::ExprKind::NameRef: return labels.count(e.name.text) > 0;
      case ast::ExprKind::Paren: return Eval(*e.children[0], labels);
      case ast::ExprKind::Unary: return !Eval(*e.children[0], labels);
      case ast::ExprKind::Binary:
        if (e.binary_op == ast::BinaryOp::And)
          return Eval(*e.children[0], labels) && Eval(*e.children[1], labels);
        return Eval(*e.children[0], labels) || Eval(*e.children[1], labels);
      default: return false;
    }
  }

  static void Mentioned(const ast::Expr& e, std::set<std::string>& out) {
    if (e.kind == ast::ExprKind::NameRef) out.insert(e.name.text);
    for (const auto& c : e.children) Mentioned(*c, out);
  }

  void Publication(check::Publication& pub) {
    pub.labels = Of(pub.audience);
    const auto* dst = cx.module.Get<ast::DestinationDecl>(pub.destination);
    if (!dst) return;  // the built-in profile store performs no marketing action
    const auto* aud = cx.module.Get<ast::AudienceDecl>(pub.audience);
    std::set<std::string> actions;
    for (const auto& item : dst->items) {
      if (item.kind == ast::DestItem::Actions)
        for (const auto& n : item.names) actions.insert(n.text);
      if (item.kind == ast::DestItem::Key)
        for (const auto& n : item.names) Identity(pub.labels, n.text);
      if (item.kind == ast::DestItem::Map) {
        for (const auto& m : item.mappings) {
          bool attr = false;
          for (const auto& ai : aud->items)
            for (const auto& a : ai.attributes) attr = attr || a.name.text == m.field.text;
          if (attr) continue;  // attribute labels are already the audience's
          if (cx.module.identities.count(m.field.text))
            Identity(pub.labels, m.field.text);
          else
            Trait(pub.labels, cx.module.Get<ast::TraitDecl>(m.field.text));
        }
      }
    }
    for (const auto& [name, sym] : cx.module.symbols) {
      const auto* pol = std::get_if<ast::PolicyDecl>(&sym.decl->node);
      if (!pol) continue;
      // One error per policy: every action it denies here, and the rule that fired first.
      std::vector<std::string> denied;
      const ast::PolicyRule* fired = nullptr;
      for (const auto& rule : pol->rules) {
        if (!Eval(*rule.when, pub.labels.labels)) continue;
        for (const auto& act : rule.actions) {
          if (!actions.count(act.text)) continue;
          if (std::find(denied.begin(), denied.end(), act.text) == denied.end())
            denied.push_back(act.text);
          if (!fired) fired = &rule;
        }
      }
      if (fired) Report(pub, *pol, *fired, denied);
    }
  }

  void Report(const check::Publication& pub, const ast::PolicyDecl& pol,
              const ast::PolicyRule& rule, const std::vector<std::string>& actions) {
    auto& d = cx.Error(DiagKind::PolicyViolation, pub.range,
                       "publishing " + Q(pub.audience) + " to " + Q(pub.destination) +
                           " violates policy " + Q(pol.name.text));
    std::set<std::string> mentioned;
    Mentioned(*rule.when, mentioned);
    std::string denied;
    for (size_t i = 0; i < actions.size(); ++i) denied += (i ? ", " : "") + Q(actions[i]);
    std::string tail = " -> policy " + Q(pol.name.text) + " denies " + denied + " (destination " +
                       Q(pub.destination) + ")";
    for (const auto& src : pub.labels.sources) {
      std::vector<std::string> hit;
      for (const auto& l : src.labels)
        if (mentioned.count(l)) hit.push_back(l);
      if (hit.empty()) continue;
      std::string line = "audience " + Q(pub.audience) + " reads ";
      for (const auto& p : src.path) line += p + " -> ";
      line += src.what + " " + LabelList(hit) + tail;
      d.notes.push_back({src.range, line});
    }
    d.notes.push_back({rule.range, "policy " + Q(pol.name.text) + " is declared here"});
  }
};

}  // namespace

void GovernancePass(Context& cx) {
  Governance g{cx, {}, {}};
  for (const auto& [name, sym] : cx.module.symbols)
    if (sym.kind == SymbolKind::Segment || sym.kind == SymbolKind::Audience)
      cx.module.audience_labels[name] = g.Of(name);
  for (auto& pub : cx.module.publications) g.Publication(pub);
}

std::vector<PolicyViolation> PolicyViolations(const Module& module,
                                              const std::set<std::string>& labels,
                                              const std::set<std::string>& actions) {
  std::vector<PolicyViolation> out;
  for (const auto& [name, sym] : module.symbols) {
    if (!sym.decl) continue;
    const auto* pol = std::get_if<ast::PolicyDecl>(&sym.decl->node);
    if (!pol) continue;
    PolicyViolation v{pol->name.text, {}};
    for (const auto& rule : pol->rules) {
      // A rule the parser could not complete denies nothing rather than crash.
      if (!rule.when || !Governance::Eval(*rule.when, labels)) continue;
      for (const auto& act : rule.actions)
        if (actions.count(act.text) &&
            std::find(v.actions.begin(), v.actions.end(), act.text) == v.actions.end())
          v.actions.push_back(act.text);
    }
    if (!v.actions.empty()) out.push_back(std::move(v));
  }
  return out;
}

std::set<std::string> DestinationActions(const Module& module, const std::string& destination) {
  std::set<std::string> actions;
  const Symbol* s = module.Find(destination);
  if (!s || !s->decl) return actions;
  const auto* dst = std::get_if<ast::DestinationDecl>(&s->decl->node);
  if (!dst) return actions;
  for (const auto& item : dst->items)
    if (item.kind == ast::DestItem::Actions)
      for (const auto& n : item.names) actions.insert(n.text);
  return actions;
}

}  // namespace aud::check
