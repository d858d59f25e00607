// Lowering: checked AST -> ir::Program. Aggregates become slots deduplicated
// by their printed form; segments, audiences, consents and attributes become
// formulas, lowered depth-first so each one follows what it reads.

#include <algorithm>
#include <set>
#include <unordered_map>

#include "compiler/ir/builtin_ops.h"
#include "compiler/ir/ir.h"
#include "compiler/ir/verify.h"
#include "stdlib/builtins.h"

namespace aud::ir {

namespace {

using ast::ExprKind;
using ast::RefKind;

bool FieldType(const std::string& t, Type* out) {
  if (t == "bool")
    *out = Type::Bool;
  else if (t == "int")
    *out = Type::Int;
  else if (t == "float")
    *out = Type::Float;
  else if (t == "string")
    *out = Type::String;
  else if (t == "timestamp")
    *out = Type::Timestamp;
  else
    return false;
  return true;
}

class Lowerer {
 public:
  explicit Lowerer(const check::Module& m) : m_(m) {}

  LowerResult Run() {
    for (const auto& [name, sym] : m_.symbols) {
      if (sym.kind == check::SymbolKind::Event) {
        const auto* ev = std::get_if<ast::EventDecl>(&sym.decl->node);
        Event e;
        e.name = name;
        e.store_key = ev->source == ast::EventDecl::Track  ? "track:" + ev->track_name.value
                      : ev->source == ast::EventDecl::Page ? "page"
                                                           : "screen";
        event_index_[name] = static_cast<uint32_t>(p_.events.size());
        event_decl_.push_back(ev);
        p_.events.push_back(std::move(e));
      } else if (sym.kind == check::SymbolKind::Trait) {
        const auto* tr = std::get_if<ast::TraitDecl>(&sym.decl->node);
        Trait t;
        t.name = name;
        if (!FieldType(tr->type.text, &t.type)) Fail("trait `" + name + "` has no valid type");
        trait_index_[name] = static_cast<uint32_t>(p_.traits.size());
        p_.traits.push_back(std::move(t));
      }
    }
    for (const auto& [name, decl] : m_.identities) {
      Identity id;
      id.name = name;
      id.visitor = decl->kind == ast::IdentityDecl::Visitor;
      id.from = decl->from == ast::IdentityDecl::UserId        ? Identity::UserId
                : decl->from == ast::IdentityDecl::AnonymousId ? Identity::AnonymousId
                                                               : Identity::FromTrait;
      if (id.from == Identity::FromTrait) id.trait = TraitIndex(decl->source.text);
      if (decl->normalize) id.normalize = decl->normalize->text;
      identity_index_[name] = static_cast<uint32_t>(p_.identities.size());
      p_.identities.push_back(std::move(id));
    }
    for (const auto& [name, sym] : m_.symbols) {
      if (sym.kind == check::SymbolKind::Segment || sym.kind == check::SymbolKind::Audience ||
          sym.kind == check::SymbolKind::Consent)
        EnsureFormula(name);
    }
    std::sort(p_.audiences.begin(), p_.audiences.end(),
              [](const Audience& a, const Audience& b) { return a.name < b.name; });
    LowerResult r;
    r.program = std::move(p_);
    r.error = std::move(error_);
    return r;
  }

 private:
  void Fail(const std::string& why) {
    if (error_.empty()) error_ = "internal error in lowering: " + why;
  }

  int32_t TraitIndex(const std::string& name) {
    auto it = trait_index_.find(name);
    if (it == trait_index_.end()) {
      Fail("unknown trait `" + name + "`");
      return 0;
    }
    return static_cast<int32_t>(it->second);
  }

  uint32_t EventIndex(const std::string& name) {
    auto it = event_index_.find(name);
    if (it == event_index_.end()) {
      Fail("unknown event `" + name + "`");
      return 0;
    }
    return it->second;
  }

  uint32_t Add(Node n) {
    p_.nodes.push_back(std::move(n));
    return static_cast<uint32_t>(p_.nodes.size() - 1);
  }

  uint32_t Leaf(Op op, Type t, uint32_t index) {
    Node n;
    n.op = op;
    n.type = t;
    n.index = index;
    return Add(std::move(n));
  }

  // A node of `op`, typed and checked by its ops.def row (arity, operands).
  uint32_t Make(Op op, std::vector<uint32_t> args) {
    std::vector<Type> types;
    for (uint32_t a : args) types.push_back(TypeOf(a));
    Node n;
    n.op = op;
    std::string why;
    if (!OpResultType(op, types, &n.type, &why)) Fail(why);
    n.args = std::move(args);
    return Add(std::move(n));
  }

  uint32_t IntConst(int64_t v) {
    Node n;
    n.type = Type::Int;
    n.i = v;
    return Add(std::move(n));
  }

  Type TypeOf(uint32_t node) const { return p_.nodes[node].type; }

  uint32_t Widen(uint32_t node) {
    if (TypeOf(node) != Type::Int) return node;
    return Make(Op::ToFloat, {node});
  }

  // Makes operands of a comparison, `in` or arithmetic share one type.
  void Unify(std::vector<uint32_t>& args) {
    bool any_float = false, any_int = false;
    for (uint32_t a : args) {
      any_float |= TypeOf(a) == Type::Float;
      any_int |= TypeOf(a) == Type::Int;
    }
    if (any_float && any_int)
      for (uint32_t& a : args) a = Widen(a);
  }

  uint32_t PropNode(uint32_t event, const std::string& name) {
    if (name == "timestamp") return Leaf(Op::EventTime, Type::Timestamp, 0);
    const ast::EventDecl* ev = event_decl_[event];
    Type t = Type::Int;
    bool found = false;
    for (const auto& pd : ev->props)
      if (pd.name.text == name) found = FieldType(pd.type.text, &t);
    if (!found) Fail("event `" + p_.events[event].name + "` has no property `" + name + "`");
    auto key = std::make_pair(event, name);
    auto it = prop_index_.find(key);
    uint32_t idx;
    if (it != prop_index_.end()) {
      idx = it->second;
    } else {
      idx = static_cast<uint32_t>(p_.props.size());
      p_.props.push_back(Property{event, name, t});
      prop_index_[key] = idx;
    }
    return Leaf(Op::Prop, t, idx);
  }

  // Lowers `e`; `event` is the event in scope inside a `where` (kNone outside).
  uint32_t Expr(const ast::Expr& e, int32_t event) {
    switch (e.kind) {
      case ExprKind::BoolLit: {
        Node n;
        n.type = Type::Bool;
        n.b = e.bool_value;
        return Add(std::move(n));
      }
      case ExprKind::IntLit: return IntConst(e.int_value);
      case ExprKind::FloatLit: {
        Node n;
        n.type = Type::Float;
        n.f = e.float_value;
        return Add(std::move(n));
      }
      case ExprKind::StringLit: {
        Node n;
        n.type = Type::String;
        n.s = e.string_value;
        return Add(std::move(n));
      }
      case ExprKind::DurationLit: {
        Node n;
        n.type = Type::Duration;
        n.i = e.duration.millis;
        return Add(std::move(n));
      }
      case ExprKind::TimeLit: {
        Node n;
        n.type = Type::Timestamp;
        n.i = e.time.millis;
        return Add(std::move(n));
      }
      case ExprKind::ListLit: Fail("a list outside `in`"); return IntConst(0);
      case ExprKind::Paren: return Expr(*e.children[0], event);
      case ExprKind::NameRef:
      case ExprKind::Member: return Name(e, event);
      case ExprKind::Call: return Call(e, event);
      case ExprKind::Unary: {
        uint32_t x = Expr(*e.children[0], event);
        if (e.unary_op == ast::UnaryOp::Not) return Make(Op::Not, {x});
        return Make(Op::Neg, {x});
      }
      case ExprKind::Binary: return Binary(e, event);
    }
    Fail("unknown expression kind");
    return IntConst(0);
  }

  uint32_t Name(const ast::Expr& e, int32_t event) {
    const std::string& name = e.kind == ExprKind::Member ? e.member.text : e.name.text;
    switch (e.ref) {
      case RefKind::Trait: {
        int32_t t = TraitIndex(name);
        return Leaf(Op::Trait, p_.traits[t].type, static_cast<uint32_t>(t));
      }
      case RefKind::Segment:
      case RefKind::Audience:
      case RefKind::Consent: {
        int32_t f = EnsureFormula(e.name.text);
        return Leaf(Op::Formula, Type::Bool, static_cast<uint32_t>(std::max(f, 0)));
      }
      case RefKind::Property:
        if (event == kNone) {
          Fail("property `" + name + "` outside `where`");
          return IntConst(0);
        }
        return PropNode(static_cast<uint32_t>(event), name);
      default: Fail("unresolved name `" + name + "`"); return IntConst(0);
    }
  }

  uint32_t Binary(const ast::Expr& e, int32_t event) {
    using ast::BinaryOp;
    BinaryOp op = e.binary_op;
    if (op == BinaryOp::In) {
      const ast::Expr& list = *e.children[1];
      std::vector<uint32_t> args{Expr(*e.children[0], event)};
      const ast::Expr* l = &list;
      while (l->kind == ExprKind::Paren) l = l->children[0].get();
      for (const auto& x : l->children) args.push_back(Expr(*x, event));
      Unify(args);
      return Make(Op::In, std::move(args));
    }
    std::vector<uint32_t> args{Expr(*e.children[0], event), Expr(*e.children[1], event)};
    switch (op) {
      case BinaryOp::And: return Make(Op::And, std::move(args));
      case BinaryOp::Or: return Make(Op::Or, std::move(args));
      case BinaryOp::Eq:
      case BinaryOp::Ne:
      case BinaryOp::Lt:
      case BinaryOp::Le:
      case BinaryOp::Gt:
      case BinaryOp::Ge: {
        Unify(args);
        Op o = op == BinaryOp::Eq   ? Op::Eq
               : op == BinaryOp::Ne ? Op::Ne
               : op == BinaryOp::Lt ? Op::Lt
               : op == BinaryOp::Le ? Op::Le
               : op == BinaryOp::Gt ? Op::Gt
                                    : Op::Ge;
        return Make(o, std::move(args));
      }
      case BinaryOp::Div:
        for (uint32_t& a : args) a = Widen(a);
        return Make(Op::Div, std::move(args));
      case BinaryOp::Add:
      case BinaryOp::Sub:
      case BinaryOp::Mul: {
        Unify(args);
        Op o = op == BinaryOp::Add ? Op::Add : op == BinaryOp::Sub ? Op::Sub : Op::Mul;
        return Make(o, std::move(args));
      }
      case BinaryOp::In: break;
    }
    Fail("unknown binary operator");
    return IntConst(0);
  }

  Window LowerWindow(const std::optional<ast::Window>& w) {
    Window out;
    if (!w) return out;
    if (w->kind == ast::Window::Within) {
      out.kind = Window::Within;
      out.within = w->within.millis;
    } else {
      out.kind = Window::Between;
      out.from = w->from.millis;
      out.to = w->to.millis;
    }
    return out;
  }

  // Interns `s` as a slot; when an equal slot exists, the nodes created for
  // this one (all at or after `mark`) are dropped.
  uint32_t InternSlot(Slot s, size_t mark) {
    s.key = PrintSlot(p_, s);
    auto it = slot_index_.find(s.key);
    if (it != slot_index_.end()) {
      p_.nodes.resize(mark);
      return it->second;
    }
    uint32_t idx = static_cast<uint32_t>(p_.slots.size());
    slot_index_[s.key] = idx;
    p_.slots.push_back(std::move(s));
    return idx;
  }

  uint32_t Call(const ast::Expr& e, int32_t event) {
    const stdlib::BuiltinInfo* b = stdlib::FindBuiltin(e.name.text);
    if (!b) {
      Fail("unknown function `" + e.name.text + "`");
      return IntConst(0);
    }
    using stdlib::Builtin;
    switch (b->form) {
      case stdlib::BuiltinForm::EventAggregate:
      case stdlib::BuiltinForm::PropertyAggregate: {
        const ast::CallArg& arg = e.args[0];
        const ast::Expr& v = *arg.value;
        size_t mark = p_.nodes.size();
        Slot s;
        s.event = EventIndex(v.name.text);
        if (b->form == stdlib::BuiltinForm::PropertyAggregate)
          s.value = static_cast<int32_t>(PropNode(s.event, v.member.text));
        if (arg.where) s.where = static_cast<int32_t>(Expr(*arg.where, s.event));
        s.window = LowerWindow(arg.window);
        Type vt = s.value == kNone ? Type::Int : TypeOf(static_cast<uint32_t>(s.value));
        switch (b->id) {
          case Builtin::Count:
          case Builtin::Did:
            s.agg = Agg::Count;
            s.type = Type::Int;
            break;
          case Builtin::Sum:
            s.agg = Agg::Sum;
            s.type = vt;
            break;
          case Builtin::Min:
            s.agg = Agg::Min;
            s.type = vt;
            break;
          case Builtin::Max:
            s.agg = Agg::Max;
            s.type = vt;
            break;
          case Builtin::Avg:
            s.agg = Agg::Avg;
            s.type = Type::Float;
            break;
          case Builtin::First:
            s.agg = Agg::First;
            s.type = vt;
            break;
          case Builtin::Last:
            s.agg = Agg::Last;
            s.type = vt;
            break;
          default: Fail("unexpected aggregate"); break;
        }
        uint32_t slot = InternSlot(std::move(s), mark);
        uint32_t n = Leaf(Op::Slot, p_.slots[slot].type, slot);
        // did(...) is count(...) >= 1, sharing the count's slot.
        if (b->id == Builtin::Did) return Make(Op::Ge, {n, IntConst(1)});
        return n;
      }
      case stdlib::BuiltinForm::Sequence: {
        size_t mark = p_.nodes.size();
        Slot s;
        s.agg = Agg::Sequence;
        s.type = Type::Bool;
        for (size_t i = 0; i < e.args.size(); ++i) {
          const ast::CallArg& arg = e.args[i];
          const ast::Expr* v = arg.value.get();
          Step st;
          if (v->kind == ExprKind::Unary && v->unary_op == ast::UnaryOp::Not) {
            v = v->children[0].get();
            st.kind = i + 1 == e.args.size() ? Step::LastNot : Step::MiddleNot;
          }
          st.event = EventIndex(v->name.text);
          if (arg.where) st.where = static_cast<int32_t>(Expr(*arg.where, st.event));
          st.window = LowerWindow(arg.window);
          s.steps.push_back(std::move(st));
        }
        uint32_t slot = InternSlot(std::move(s), mark);
        return Leaf(Op::Slot, Type::Bool, slot);
      }
      case stdlib::BuiltinForm::Scalar: break;
    }
    // A scalar builtin: its registry row gives the op, the result type and
    // which arguments widen (Number parameters take an int as a float).
    std::vector<uint32_t> args;
    for (size_t i = 0; i < e.args.size(); ++i) {
      uint32_t a = Expr(*e.args[i].value, event);
      if (i < b->params.size() && b->params[i] == stdlib::Val::Number) a = Widen(a);
      args.push_back(a);
    }
    return Make(OpOf(b->id), std::move(args));
  }

  uint32_t AddFormula(FormulaKind k, std::string name, std::string owner, uint32_t root) {
    Formula f;
    f.kind = k;
    f.name = std::move(name);
    f.owner = std::move(owner);
    f.type = TypeOf(root);
    f.root = root;
    p_.formulas.push_back(std::move(f));
    return static_cast<uint32_t>(p_.formulas.size() - 1);
  }

  // The formula of segment/audience/consent `name`, lowering it (and what it
  // reads) first if needed.
  int32_t EnsureFormula(const std::string& name) {
    auto it = formula_index_.find(name);
    if (it != formula_index_.end()) return static_cast<int32_t>(it->second);
    if (!in_progress_.insert(name).second) {
      Fail("dependency cycle through `" + name + "`");
      return kNone;
    }
    const check::Symbol* sym = m_.Find(name);
    int32_t result = kNone;
    if (!sym) {
      Fail("unknown formula `" + name + "`");
    } else if (const auto* seg = std::get_if<ast::SegmentDecl>(&sym->decl->node)) {
      uint32_t root = Expr(*seg->expr, kNone);
      result = static_cast<int32_t>(AddFormula(FormulaKind::Segment, name, "", root));
    } else if (const auto* con = std::get_if<ast::ConsentDecl>(&sym->decl->node)) {
      uint32_t root = Expr(*con->expr, kNone);
      result = static_cast<int32_t>(AddFormula(FormulaKind::Consent, name, "", root));
    } else if (const auto* aud = std::get_if<ast::AudienceDecl>(&sym->decl->node)) {
      result = LowerAudience(*aud);
    } else {
      Fail("`" + name + "` is not a segment, audience or consent");
    }
    in_progress_.erase(name);
    if (result != kNone) formula_index_[name] = static_cast<uint32_t>(result);
    return result;
  }

  int32_t LowerAudience(const ast::AudienceDecl& a) {
    Audience out;
    out.name = a.name.text;
    std::optional<uint32_t> root;
    bool has_identities = false;
    for (const auto& item : a.items) {
      if (item.kind == ast::AudienceItem::Members) {
        root = Expr(*item.members, kNone);
      } else if (item.kind == ast::AudienceItem::Import) {
        Import imp;
        imp.path = item.import_path.value;
        auto id = identity_index_.find(item.import_key.text);
        if (id == identity_index_.end())
          Fail("unknown identity `" + item.import_key.text + "`");
        else
          imp.identity = id->second;
        p_.imports.push_back(std::move(imp));
        root = Leaf(Op::Import, Type::Bool, static_cast<uint32_t>(p_.imports.size() - 1));
      } else if (item.kind == ast::AudienceItem::Identities) {
        has_identities = true;
        for (const auto& n : item.identities) {
          auto id = identity_index_.find(n.text);
          if (id == identity_index_.end())
            Fail("unknown identity `" + n.text + "`");
          else
            out.identities.push_back(id->second);
        }
      }
    }
    if (!has_identities)
      for (uint32_t i = 0; i < p_.identities.size(); ++i) out.identities.push_back(i);
    if (!root) {
      Node n;
      n.type = Type::Bool;
      root = Add(std::move(n));
    }
    uint32_t f = AddFormula(FormulaKind::Audience, out.name, "", *root);
    out.formula = f;
    // Register before the attributes so they may not re-lower it.
    formula_index_[out.name] = f;
    for (const auto& item : a.items) {
      if (item.kind != ast::AudienceItem::Attributes) continue;
      for (const auto& attr : item.attributes) {
        uint32_t r = Expr(*attr.expr, kNone);
        out.attributes.push_back(AddFormula(FormulaKind::Attribute, attr.name.text, out.name, r));
      }
    }
    p_.audiences.push_back(std::move(out));
    return static_cast<int32_t>(f);
  }

  const check::Module& m_;
  Program p_;
  std::string error_;
  std::map<std::string, uint32_t> event_index_, trait_index_, identity_index_, formula_index_;
  std::vector<const ast::EventDecl*> event_decl_;
  std::map<std::pair<uint32_t, std::string>, uint32_t> prop_index_;
  std::unordered_map<std::string, uint32_t> slot_index_;
  std::set<std::string> in_progress_;
};

}  // namespace

int32_t Program::FindFormula(const std::string& name) const {
  for (size_t i = 0; i < formulas.size(); ++i)
    if (formulas[i].kind != FormulaKind::Attribute && formulas[i].name == name)
      return static_cast<int32_t>(i);
  return kNone;
}

const Audience* Program::FindAudience(const std::string& name) const {
  for (const Audience& a : audiences)
    if (a.name == name) return &a;
  return nullptr;
}

LowerResult Lower(const check::Module& module) {
  LowerResult r = Lowerer(module).Run();
  if (r.error.empty() && VerifyEnabled()) {
    std::string why = Verify(r.program);
    if (!why.empty()) r.error = "internal error: lowering made invalid IR: " + why;
  }
  return r;
}

}  // namespace aud::ir
