// Resolve pass (expressions): names to declarations, types per docs/reference/language.md
// §3–§4, aggregate and sequence shapes per §4 and §6.

#include "compiler/check/resolve.h"

#include <algorithm>

namespace aud::check {

using ast::Expr;
using ast::ExprKind;
using ast::RefKind;
using ast::Type;

namespace {

bool IsNumeric(Type t) { return t == Type::Int || t == Type::Float; }

std::string TypeQ(Type t) { return Q(ast::TypeName(t)); }

// Types that can be compared with == (int and float mix).
bool Comparable(Type a, Type b) { return a == b || (IsNumeric(a) && IsNumeric(b)); }

std::string PluralArgs(int n) { return std::to_string(n) + (n == 1 ? " argument" : " arguments"); }

const ast::PropDecl* FindProp(const ast::EventDecl& ev, const std::string& name) {
  for (const auto& p : ev.props)
    if (p.name.text == name) return &p;
  return nullptr;
}

std::vector<std::string> PropNames(const ast::EventDecl& ev) {
  std::vector<std::string> v{"timestamp"};
  for (const auto& p : ev.props) v.push_back(p.name.text);
  return v;
}

std::vector<std::string> NamesOfKind(const Module& m, SymbolKind k) {
  std::vector<std::string> v;
  for (const auto& [n, s] : m.symbols)
    if (s.kind == k) v.push_back(n);
  return v;
}

std::vector<std::string> BuiltinNames() {
  std::vector<std::string> v;
  for (const auto& b : stdlib::kBuiltins) v.emplace_back(b.name);
  return v;
}

// The checked type of a registry type (Unknown: none, special or any).
Type CheckedType(stdlib::Val v) {
  switch (v) {
    case stdlib::Val::Bool: return Type::Bool;
    case stdlib::Val::Int: return Type::Int;
    case stdlib::Val::Float:
    case stdlib::Val::Number: return Type::Float;
    case stdlib::Val::String: return Type::String;
    case stdlib::Val::Timestamp: return Type::Timestamp;
    case stdlib::Val::None:
    case stdlib::Val::Special:
    case stdlib::Val::Any: break;
  }
  return Type::Unknown;
}

// Whether a builtin parameter of registry type `p` takes an argument of type `t`.
bool Accepts(stdlib::Val p, Type t) {
  switch (p) {
    case stdlib::Val::Any: return true;
    case stdlib::Val::Number: return IsNumeric(t);
    case stdlib::Val::None:
    case stdlib::Val::Special: return false;
    case stdlib::Val::Bool:
    case stdlib::Val::Int:
    case stdlib::Val::Float:
    case stdlib::Val::String:
    case stdlib::Val::Timestamp: return t == CheckedType(p);
  }
  return false;
}

// A parameter's type as diagnostics name it: `string`, `int` or `float`.
std::string ParamQ(stdlib::Val p) {
  if (p == stdlib::Val::Number) return TypeQ(Type::Int) + " or " + TypeQ(Type::Float);
  return TypeQ(CheckedType(p));
}

}  // namespace

std::vector<std::string> ValueNames(const Module& m) {
  std::vector<std::string> v;
  for (const auto& [n, s] : m.symbols)
    if (s.kind == SymbolKind::Trait || s.kind == SymbolKind::Segment ||
        s.kind == SymbolKind::Audience || s.kind == SymbolKind::Consent)
      v.push_back(n);
  return v;
}

Type FieldType(const std::string& t) {
  if (t == "bool") return Type::Bool;
  if (t == "int") return Type::Int;
  if (t == "float") return Type::Float;
  if (t == "string") return Type::String;
  if (t == "timestamp") return Type::Timestamp;
  return Type::Unknown;
}

void ExprChecker::Depend(const std::string& name) {
  if (!owner_.empty()) cx_.module.depends_on[owner_].insert(name);
}

void ExprChecker::CheckBool(Expr& e, Scope scope, const std::string& what) {
  Type t = Check(e, scope);
  if (t != Type::Bool && t != Type::Unknown) {
    cx_.Error(DiagKind::NotBool, e.range, what + " must be `bool`, found " + TypeQ(t));
  }
}

Type ExprChecker::Check(Expr& e, Scope scope) {
  Type t = Type::Unknown;
  switch (e.kind) {
    case ExprKind::BoolLit: t = Type::Bool; break;
    case ExprKind::IntLit: t = Type::Int; break;
    case ExprKind::FloatLit: t = Type::Float; break;
    case ExprKind::StringLit: t = Type::String; break;
    case ExprKind::DurationLit: t = Type::Duration; break;
    case ExprKind::TimeLit: t = Type::Timestamp; break;
    case ExprKind::ListLit:
      cx_.Error(DiagKind::InvalidList, e.range, "a list is only allowed on the right side of `in`");
      break;
    case ExprKind::NameRef: t = CheckName(e, scope); break;
    case ExprKind::Member: t = CheckMember(e, scope); break;
    case ExprKind::Call: t = CheckCall(e, scope); break;
    case ExprKind::Unary: t = CheckUnary(e, scope); break;
    case ExprKind::Binary: t = CheckBinary(e, scope); break;
    case ExprKind::Paren: {
      t = Check(*e.children[0], scope);
      e.ref = e.children[0]->ref;
      e.decl = e.children[0]->decl;
      break;
    }
  }
  bool literal = e.kind <= ExprKind::ListLit;
  if (scope == Scope::Label && literal) {
    cx_.Error(DiagKind::InvalidLabelExpr, e.range,
              "a policy condition uses only label names with `and`, `or`, `not` and parentheses");
    t = Type::Unknown;
  }
  e.type = t;
  return t;
}

Type ExprChecker::CheckName(Expr& e, Scope scope) {
  const std::string& n = e.name.text;
  const Module& m = cx_.module;
  if (scope == Scope::Label) {
    const Symbol* s = m.Find(n);
    if (s && s->kind == SymbolKind::Label) {
      e.ref = RefKind::Label;
      e.decl = std::get_if<ast::LabelDecl>(&s->decl->node);
      return Type::Bool;
    }
    auto& d = s ? cx_.Error(DiagKind::WrongKind, e.name.range,
                            Q(n) + " is " + WithArticle(s->kind) + ", not a label")
                : cx_.Error(DiagKind::UnknownLabel, e.name.range, "unknown label " + Q(n));
    if (!s) Context::AddSuggestion(d, n, NamesOfKind(m, SymbolKind::Label));
    return Type::Unknown;
  }
  if (scope == Scope::Where && event_) {
    if (n == "timestamp") {
      e.ref = RefKind::Property;
      return Type::Timestamp;
    }
    if (const ast::PropDecl* p = FindProp(*event_, n)) {
      e.ref = RefKind::Property;
      e.decl = p;
      return FieldType(p->type.text);
    }
  }
  const Symbol* s = m.Find(n);
  if (!s) {
    auto& d = cx_.Error(DiagKind::UnknownName, e.name.range, "unknown name " + Q(n));
    std::vector<std::string> cands = ValueNames(m);
    if (scope == Scope::Where && event_) {
      auto props = PropNames(*event_);
      cands.insert(cands.end(), props.begin(), props.end());
    }
    Context::AddSuggestion(d, n, cands);
    return Type::Unknown;
  }
  switch (s->kind) {
    case SymbolKind::Trait: {
      const auto* tr = std::get_if<ast::TraitDecl>(&s->decl->node);
      e.ref = RefKind::Trait;
      e.decl = tr;
      Depend(n);
      return FieldType(tr->type.text);
    }
    case SymbolKind::Segment:
    case SymbolKind::Audience:
    case SymbolKind::Consent: {
      if (scope == Scope::Where) {
        auto& d = cx_.Error(DiagKind::WrongKind, e.name.range,
                            std::string(SymbolKindName(s->kind)) + " " + Q(n) +
                                " cannot be used inside `where`, which filters single events");
        d.notes.push_back(
            {{}, "combine it outside the aggregate, e.g. `" + n + " and count(...)`"});
        return Type::Unknown;
      }
      e.ref = s->kind == SymbolKind::Segment    ? RefKind::Segment
              : s->kind == SymbolKind::Audience ? RefKind::Audience
                                                : RefKind::Consent;
      e.decl = s->decl;
      Depend(n);
      return Type::Bool;
    }
    case SymbolKind::Event: {
      cx_.Error(DiagKind::EventOutsideAggregate, e.name.range,
                "event " + Q(n) + " can only be used inside an aggregate, e.g. `did(" + n + ")`");
      return Type::Unknown;
    }
    default: {
      auto& d = cx_.Error(DiagKind::WrongKind, e.name.range,
                          Q(n) + " is " + WithArticle(s->kind) + ", not a value");
      Context::AddDeclaredHere(d, *s);
      return Type::Unknown;
    }
  }
}

Type ExprChecker::CheckMember(Expr& e, Scope scope) {
  const std::string& left = e.name.text;
  const std::string& right = e.member.text;
  if (scope == Scope::Label) {
    cx_.Error(DiagKind::InvalidLabelExpr, e.range,
              "a policy condition uses only label names with `and`, `or`, `not` and parentheses");
    return Type::Unknown;
  }
  if (left == "profile") {
    const Symbol* s = cx_.module.Find(right);
    if (!s || s->kind != SymbolKind::Trait) {
      auto& d = cx_.Error(DiagKind::UnknownTrait, e.member.range, "unknown trait " + Q(right));
      Context::AddSuggestion(d, right, NamesOfKind(cx_.module, SymbolKind::Trait));
      return Type::Unknown;
    }
    const auto* tr = std::get_if<ast::TraitDecl>(&s->decl->node);
    e.ref = RefKind::Trait;
    e.decl = tr;
    Depend(right);
    return FieldType(tr->type.text);
  }
  // `E.p` inside `where` on E is the property itself.
  if (scope == Scope::Where && event_ && left == event_->name.text) {
    if (right == "timestamp") {
      e.ref = RefKind::Property;
      return Type::Timestamp;
    }
    if (const ast::PropDecl* p = FindProp(*event_, right)) {
      e.ref = RefKind::Property;
      e.decl = p;
      return FieldType(p->type.text);
    }
    auto& d = cx_.Error(DiagKind::UnknownProperty, e.member.range,
                        "event " + Q(left) + " has no property " + Q(right));
    Context::AddSuggestion(d, right, PropNames(*event_));
    return Type::Unknown;
  }
  const Symbol* s = cx_.module.Find(left);
  if (s && s->kind == SymbolKind::Event) {
    cx_.Error(DiagKind::EventOutsideAggregate, e.range,
              "property " + Q(left + "." + right) +
                  " can only be read inside an aggregate, e.g. `last(" + left + "." + right + ")`");
    return Type::Unknown;
  }
  auto& d = cx_.Error(DiagKind::UnknownEvent, e.name.range, "unknown event " + Q(left));
  Context::AddSuggestion(d, left, NamesOfKind(cx_.module, SymbolKind::Event));
  return Type::Unknown;
}

Type ExprChecker::CheckUnary(Expr& e, Scope scope) {
  Expr& x = *e.children[0];
  Type t = Check(x, scope);
  if (e.unary_op == ast::UnaryOp::Not) {
    if (t != Type::Bool && t != Type::Unknown)
      cx_.Error(DiagKind::NotBool, x.range, "`not` needs a `bool`, found " + TypeQ(t));
    return Type::Bool;
  }
  if (scope == Scope::Label) {
    cx_.Error(DiagKind::InvalidLabelExpr, e.range,
              "a policy condition uses only label names with `and`, `or`, `not` and parentheses");
    return Type::Unknown;
  }
  if (t == Type::Unknown) return t;
  if (!IsNumeric(t) && t != Type::Duration) {
    cx_.Error(DiagKind::TypeMismatch, x.range, "`-` needs a number, found " + TypeQ(t));
    return Type::Unknown;
  }
  return t;
}

Type ExprChecker::CheckBinary(Expr& e, Scope scope) {
  using ast::BinaryOp;
  BinaryOp op = e.binary_op;
  Expr& l = *e.children[0];
  Expr& r = *e.children[1];
  if (scope == Scope::Label && op != BinaryOp::And && op != BinaryOp::Or) {
    cx_.Error(DiagKind::InvalidLabelExpr, e.range,
              "a policy condition uses only label names with `and`, `or`, `not` and parentheses");
    return Type::Unknown;
  }
  if (op == BinaryOp::In) return CheckIn(e, scope);
  Type lt = Check(l, scope);
  Type rt = Check(r, scope);
  std::string ops = Q(ast::BinaryOpText(op));
  switch (op) {
    case BinaryOp::And:
    case BinaryOp::Or:
      for (Expr* x : {&l, &r}) {
        if (x->type != Type::Bool && x->type != Type::Unknown)
          cx_.Error(DiagKind::NotBool, x->range,
                    ops + " needs `bool` operands, found " + TypeQ(x->type));
      }
      return Type::Bool;
    case BinaryOp::Eq:
    case BinaryOp::Ne:
      if (lt != Type::Unknown && rt != Type::Unknown && !Comparable(lt, rt))
        cx_.Error(DiagKind::TypeMismatch, r.range,
                  "cannot compare " + TypeQ(lt) + " with " + TypeQ(rt));
      return Type::Bool;
    case BinaryOp::Lt:
    case BinaryOp::Le:
    case BinaryOp::Gt:
    case BinaryOp::Ge:
      if (lt == Type::Unknown || rt == Type::Unknown) return Type::Bool;
      if (lt == Type::Bool) {
        cx_.Error(DiagKind::TypeMismatch, l.range, ops + " cannot order `bool` values");
      } else if (!Comparable(lt, rt)) {
        cx_.Error(DiagKind::TypeMismatch, r.range,
                  "cannot compare " + TypeQ(lt) + " with " + TypeQ(rt));
      }
      return Type::Bool;
    case BinaryOp::Add:
    case BinaryOp::Sub:
    case BinaryOp::Mul:
    case BinaryOp::Div: {
      bool bad = false;
      for (Expr* x : {&l, &r}) {
        if (x->type != Type::Unknown && !IsNumeric(x->type)) {
          cx_.Error(DiagKind::TypeMismatch, x->range,
                    ops + " needs numbers, found " + TypeQ(x->type));
          bad = true;
        }
      }
      if (bad || lt == Type::Unknown || rt == Type::Unknown) return Type::Unknown;
      if (op == BinaryOp::Div) return Type::Float;
      return lt == Type::Int && rt == Type::Int ? Type::Int : Type::Float;
    }
    case BinaryOp::In: break;
  }
  return Type::Unknown;
}

Type ExprChecker::CheckIn(Expr& e, Scope scope) {
  Expr& l = *e.children[0];
  Expr& r = *e.children[1];
  Type lt = Check(l, scope);
  if (r.kind != ExprKind::ListLit) {
    Check(r, scope);
    cx_.Error(DiagKind::InvalidList, r.range,
              "the right side of `in` must be a list literal such as `[\"SE\", \"NO\"]`");
    return Type::Bool;
  }
  Type elem = Type::Unknown;
  for (auto& x : r.children) {
    Type t = Check(*x, scope);
    if (t == Type::Unknown) continue;
    if (elem == Type::Unknown) {
      elem = t;
    } else if (!Comparable(elem, t)) {
      cx_.Error(DiagKind::InvalidList, x->range,
                "list elements must share one type: found " + TypeQ(elem) + " and " + TypeQ(t));
    } else if (t == Type::Float) {
      elem = Type::Float;
    }
  }
  r.type = Type::List;
  r.elem_type = elem;
  if (lt != Type::Unknown && elem != Type::Unknown && !Comparable(lt, elem))
    cx_.Error(DiagKind::TypeMismatch, l.range,
              "cannot look up " + TypeQ(lt) + " in a list of " + TypeQ(elem));
  return Type::Bool;
}

Type ExprChecker::CheckCall(Expr& e, Scope scope) {
  const std::string& fn = e.name.text;
  if (scope == Scope::Label) {
    cx_.Error(DiagKind::InvalidLabelExpr, e.range,
              "a policy condition uses only label names with `and`, `or`, `not` and parentheses");
    return Type::Unknown;
  }
  const stdlib::BuiltinInfo* b = stdlib::FindBuiltin(fn);
  if (!b) {
    const Symbol* s = cx_.module.Find(fn);
    auto& d = cx_.Error(DiagKind::UnknownFunction, e.name.range,
                        s ? Q(fn) + " is " + WithArticle(s->kind) + ", not a function"
                          : "unknown function " + Q(fn));
    if (!s) Context::AddSuggestion(d, fn, BuiltinNames());
    return Type::Unknown;
  }
  int n = static_cast<int>(e.args.size());
  if (n < b->min_args || (b->max_args >= 0 && n > b->max_args)) {
    std::string expect =
        b->max_args < 0 ? "at least " + PluralArgs(b->min_args) : PluralArgs(b->min_args);
    if (b->form == stdlib::BuiltinForm::Sequence) {
      cx_.Error(DiagKind::SequenceTooShort, e.range,
                "a sequence needs at least two steps; for one step use `did(...)`");
    } else {
      cx_.Error(DiagKind::WrongArgCount, e.range,
                Q(fn) + " takes " + expect + ", found " + std::to_string(n));
    }
    return Type::Unknown;
  }
  if (scope == Scope::Where && b->form != stdlib::BuiltinForm::Scalar) {
    cx_.Error(DiagKind::MisplacedClause, e.range,
              Q(fn) + " cannot be used inside `where`, which filters single events");
    return Type::Unknown;
  }
  switch (b->form) {
    case stdlib::BuiltinForm::EventAggregate:
    case stdlib::BuiltinForm::PropertyAggregate: return CheckAggregate(e, *b);
    case stdlib::BuiltinForm::Sequence: return CheckSequence(e);
    case stdlib::BuiltinForm::Scalar: break;
  }
  // Plain functions: no `where`, no window; typed arguments.
  std::vector<Type> ts;
  for (auto& a : e.args) {
    if (a.where)
      cx_.Error(DiagKind::MisplacedClause, a.where->range,
                "`where` is only allowed in an aggregate or a sequence step");
    if (a.window)
      cx_.Error(DiagKind::MisplacedClause, a.window->range,
                "a window is only allowed in an aggregate or a sequence step");
    ts.push_back(Check(*a.value, scope));
  }
  // The registry row types the arguments and the result.
  for (size_t i = 0; i < ts.size() && i < b->params.size(); ++i) {
    if (ts[i] == Type::Unknown || Accepts(b->params[i], ts[i])) continue;
    cx_.Error(DiagKind::TypeMismatch, e.args[i].value->range,
              Q(fn) + " takes " + ParamQ(b->params[i]) + ", found " + TypeQ(ts[i]));
  }
  return CheckedType(b->result);
}

const ast::EventDecl* ExprChecker::ResolveEvent(Expr& e) {
  const std::string& n = e.name.text;
  const Symbol* s = cx_.module.Find(n);
  if (!s) {
    auto& d = cx_.Error(DiagKind::UnknownEvent, e.name.range, "unknown event " + Q(n));
    Context::AddSuggestion(d, n, NamesOfKind(cx_.module, SymbolKind::Event));
    return nullptr;
  }
  if (s->kind != SymbolKind::Event) {
    auto& d = cx_.Error(DiagKind::WrongKind, e.name.range,
                        Q(n) + " is " + WithArticle(s->kind) + ", not an event");
    Context::AddDeclaredHere(d, *s);
    return nullptr;
  }
  const auto* ev = std::get_if<ast::EventDecl>(&s->decl->node);
  Depend(n);
  return ev;
}

void ExprChecker::CheckWindow(const ast::Window& w) {
  if (w.kind == ast::Window::Within && w.within.millis <= 0) {
    cx_.Error(DiagKind::InvalidWindow, w.range, "a `within` window must be longer than zero");
  } else if (w.kind == ast::Window::Between && w.from.millis >= w.to.millis) {
    cx_.Error(DiagKind::InvalidWindow, w.range,
              "`between` needs its start before its end: @" + w.from.text + " is not before @" +
                  w.to.text);
  }
}

void ExprChecker::CheckWhere(ast::CallArg& arg, const ast::EventDecl* ev) {
  if (!arg.where) return;
  const ast::EventDecl* saved = event_;
  event_ = ev;
  CheckBool(*arg.where, Scope::Where, "`where`");
  event_ = saved;
}

Type ExprChecker::CheckAggregate(Expr& call, const stdlib::BuiltinInfo& b) {
  const std::string& fn = call.name.text;
  ast::CallArg& arg = call.args[0];
  Expr& v = *arg.value;
  const ast::EventDecl* ev = nullptr;
  Type result = Type::Unknown;
  if (b.form == stdlib::BuiltinForm::EventAggregate) {
    if (v.kind == ExprKind::NameRef) {
      ev = ResolveEvent(v);
      if (ev) {
        v.ref = RefKind::Event;
        v.decl = ev;
      }
    } else if (v.kind == ExprKind::Member) {
      cx_.Error(DiagKind::InvalidAggregateArg, v.range,
                Q(fn) + " takes an event, not a property; write `" + fn + "(" + v.name.text +
                    ")` and filter with `where`");
    } else {
      cx_.Error(DiagKind::InvalidAggregateArg, v.range,
                Q(fn) + " takes an event name, e.g. `" + fn + "(order_completed)`");
    }
    result = b.id == stdlib::Builtin::Count ? Type::Int : Type::Bool;
  } else {
    if (v.kind == ExprKind::Member && v.name.text != "profile") {
      ast::Expr ev_name(ExprKind::NameRef, v.name.range);
      ev_name.name = v.name;
      ev = ResolveEvent(ev_name);
      if (ev) {
        const std::string& p = v.member.text;
        Type pt = Type::Unknown;
        if (p == "timestamp") {
          pt = Type::Timestamp;
        } else if (const ast::PropDecl* pd = FindProp(*ev, p)) {
          pt = FieldType(pd->type.text);
          v.decl = pd;
        } else {
          auto& d = cx_.Error(DiagKind::UnknownProperty, v.member.range,
                              "event " + Q(ev->name.text) + " has no property " + Q(p));
          Context::AddSuggestion(d, p, PropNames(*ev));
        }
        if (pt != Type::Unknown) {
          v.ref = RefKind::Property;
          v.type = pt;
          using stdlib::Builtin;
          bool numeric_only = b.id == Builtin::Sum || b.id == Builtin::Avg;
          bool orderable = IsNumeric(pt) || pt == Type::Timestamp || pt == Type::String;
          if (numeric_only && !IsNumeric(pt)) {
            cx_.Error(DiagKind::NonNumericAggregate, v.range,
                      Q(fn) + " needs a numeric property; " + Q(v.name.text + "." + p) + " is " +
                          TypeQ(pt));
          } else if ((b.id == Builtin::Min || b.id == Builtin::Max) && !orderable) {
            cx_.Error(DiagKind::NonNumericAggregate, v.range,
                      Q(fn) + " needs a property that can be ordered; " + Q(v.name.text + "." + p) +
                          " is " + TypeQ(pt));
          } else {
            result = b.id == Builtin::Avg ? Type::Float : pt;
          }
        }
      }
    } else {
      std::string hint = fn + "(order_completed.revenue)";
      if (v.kind == ExprKind::NameRef) {
        const Symbol* s = cx_.module.Find(v.name.text);
        if (s && s->kind == SymbolKind::Event) {
          const auto* e = std::get_if<ast::EventDecl>(&s->decl->node);
          std::string prop = "timestamp";
          for (const auto& pd : e->props)
            if (FieldType(pd.type.text) == Type::Float || FieldType(pd.type.text) == Type::Int) {
              prop = pd.name.text;
              break;
            }
          hint = fn + "(" + v.name.text + "." + prop + ")";
        }
      }
      cx_.Error(DiagKind::InvalidAggregateArg, v.range,
                Q(fn) + " takes an event property, e.g. `" + hint + "`");
    }
  }
  CheckWhere(arg, ev);
  if (arg.window) CheckWindow(*arg.window);
  return result;
}

Type ExprChecker::CheckSequence(Expr& call) {
  size_t n = call.args.size();
  bool prev_not = false;
  for (size_t i = 0; i < n; ++i) {
    ast::CallArg& arg = call.args[i];
    Expr* v = arg.value.get();
    bool negated = v->kind == ExprKind::Unary && v->unary_op == ast::UnaryOp::Not;
    if (negated) v = v->children[0].get();
    const ast::EventDecl* ev = nullptr;
    if (v->kind == ExprKind::NameRef) {
      ev = ResolveEvent(*v);
      if (ev) {
        v->ref = RefKind::Event;
        v->decl = ev;
      }
    } else {
      cx_.Error(DiagKind::InvalidAggregateArg, arg.value->range,
                "a sequence step is an event name, optionally with `not`, `where` and a window");
    }
    CheckWhere(arg, ev);
    if (arg.window) CheckWindow(*arg.window);
    bool last = i + 1 == n;
    if (negated && i == 0) {
      cx_.Error(DiagKind::SequenceFirstNot, arg.value->range,
                "the first step of a sequence cannot be a `not` step");
    } else if (negated && prev_not) {
      cx_.Error(DiagKind::SequenceAdjacentNot, arg.value->range,
                "two `not` steps cannot be adjacent; put a positive step between them");
    } else if (negated && last) {
      if (!arg.window || arg.window->kind != ast::Window::Within)
        cx_.Error(DiagKind::SequenceLastNotWindow, arg.range,
                  "a last `not` step needs `within D`: how long the absence must last");
    } else if (negated && arg.window) {
      cx_.Error(DiagKind::SequenceStepWindow, arg.window->range,
                "a `not` step between two steps takes no window");
    } else if (!negated && i > 0 && arg.window && arg.window->kind == ast::Window::Between) {
      cx_.Error(DiagKind::SequenceStepWindow, arg.window->range,
                "only the first step takes `between`; a later step takes `within D`, the most "
                "time since the previous step");
    }
    prev_not = negated;
  }
  return Type::Bool;
}

}  // namespace aud::check
