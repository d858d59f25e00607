// The IR verifier (verify.h): the operation table's arity and typing rules,
// index ranges, scope and order rules, checked on every node, slot, formula
// and table of a Program.

#include "compiler/ir/verify.h"

#include <cstdlib>

namespace aud::ir {

namespace {

// Whether type `t` fits operand letter `c` (ops.def); `first` is argument 0's type.
bool Fits(char c, Type t, Type first) {
  switch (c) {
    case 'b': return t == Type::Bool;
    case 'i': return t == Type::Int;
    case 'f': return t == Type::Float;
    case 's': return t == Type::String;
    case 't': return t == Type::Timestamp;
    case 'd': return t == Type::Duration;
    case 'n': return t == Type::Int || t == Type::Float;
    case 'N': return t == Type::Int || t == Type::Float || t == Type::Duration;
    case '*': return true;
    case '=': return t == first;
    default: return false;
  }
}

bool LetterType(char c, Type* out) {
  switch (c) {
    case 'b': *out = Type::Bool; return true;
    case 'i': *out = Type::Int; return true;
    case 'f': *out = Type::Float; return true;
    case 's': *out = Type::String; return true;
    case 't': *out = Type::Timestamp; return true;
    case 'd': *out = Type::Duration; return true;
    default: return false;
  }
}

std::string NodeName(uint32_t i) { return "node " + std::to_string(i); }

class Verifier {
 public:
  explicit Verifier(const Program& p) : p_(p) {}

  std::string Run() {
    for (size_t i = 0; i < p_.props.size() && ok(); ++i)
      if (p_.props[i].event >= p_.events.size())
        Fail("property " + std::to_string(i) + " names no event");
    for (size_t i = 0; i < p_.identities.size() && ok(); ++i) {
      const Identity& id = p_.identities[i];
      if (id.from == Identity::FromTrait &&
          (id.trait < 0 || static_cast<size_t>(id.trait) >= p_.traits.size()))
        Fail("identity `" + id.name + "` reads no trait");
    }
    for (size_t i = 0; i < p_.imports.size() && ok(); ++i)
      if (p_.imports[i].identity >= p_.identities.size())
        Fail("import " + std::to_string(i) + " names no identity");
    for (uint32_t i = 0; i < p_.nodes.size() && ok(); ++i) CheckNode(i);
    for (size_t i = 0; i < p_.slots.size() && ok(); ++i) CheckSlot(i);
    for (size_t i = 0; i < p_.formulas.size() && ok(); ++i) CheckFormula(i);
    for (size_t i = 0; i < p_.audiences.size() && ok(); ++i) CheckAudience(p_.audiences[i]);
    return error_;
  }

 private:
  bool ok() const { return error_.empty(); }
  void Fail(const std::string& why) {
    if (error_.empty()) error_ = why;
  }

  void CheckNode(uint32_t i) {
    const Node& n = p_.nodes[i];
    if (static_cast<size_t>(n.op) >= kOpCount) return Fail(NodeName(i) + " has no operation");
    const OpInfo& info = Info(n.op);
    for (uint32_t a : n.args)
      if (a >= i) return Fail(NodeName(i) + " (" + info.name + ") reads a later node");
    auto index_ok = [&](size_t size) { return n.index < size; };
    auto leaf_type = [&](Type want, const char* what) {
      if (n.type != want)
        Fail(NodeName(i) + " (" + info.name + ") has type " + TypeName(n.type) + ", its " + what +
             " has " + TypeName(want));
    };
    switch (n.op) {
      case Op::Const:
      case Op::EventTime: break;
      case Op::Prop:
        if (!index_ok(p_.props.size())) return Fail(NodeName(i) + " reads no property");
        return leaf_type(p_.props[n.index].type, "property");
      case Op::Trait:
        if (!index_ok(p_.traits.size())) return Fail(NodeName(i) + " reads no trait");
        return leaf_type(p_.traits[n.index].type, "trait");
      case Op::Slot:
        if (!index_ok(p_.slots.size())) return Fail(NodeName(i) + " reads no slot");
        return leaf_type(p_.slots[n.index].type, "slot");
      case Op::Formula:
        if (!index_ok(p_.formulas.size())) return Fail(NodeName(i) + " reads no formula");
        if (p_.formulas[n.index].kind == FormulaKind::Attribute)
          return Fail(NodeName(i) + " reads an attribute as a formula");
        break;
      case Op::Import:
        if (!index_ok(p_.imports.size())) return Fail(NodeName(i) + " reads no import");
        break;
      default: break;
    }
    if (std::string(info.result) == ".") {
      if (!n.args.empty()) Fail(NodeName(i) + " (" + info.name + ") is a leaf with arguments");
      return;
    }
    std::vector<Type> types;
    for (uint32_t a : n.args) types.push_back(p_.nodes[a].type);
    Type t = Type::Bool;
    std::string why;
    if (!OpResultType(n.op, types, &t, &why)) return Fail(NodeName(i) + ": " + why);
    if (t != n.type)
      Fail(NodeName(i) + " (" + info.name + ") has type " + TypeName(n.type) + ", ops.def says " +
           TypeName(t));
  }

  // Walks the tree at `root`: `event` is the event in scope (kNone: none),
  // `formula` the formula it belongs to (kNone: a slot's).
  void Walk(uint32_t root, int32_t event, int32_t formula) {
    std::vector<uint32_t> stack{root};
    while (!stack.empty() && ok()) {
      uint32_t i = stack.back();
      stack.pop_back();
      const Node& n = p_.nodes[i];
      if (Info(n.op).reads == OpReads::Event) {
        if (event == kNone)
          return Fail(NodeName(i) + " reads an event outside a `where` or a slot's value");
        if (n.op == Op::Prop && p_.props[n.index].event != static_cast<uint32_t>(event))
          return Fail(NodeName(i) + " reads a property of another event");
      }
      if (n.op == Op::Formula && formula != kNone && n.index >= static_cast<uint32_t>(formula))
        return Fail("formula `" + p_.formulas[static_cast<size_t>(formula)].name +
                    "` reads a formula that does not precede it");
      for (uint32_t a : n.args) stack.push_back(a);
    }
  }

  bool NodeOk(int32_t n, bool optional) const {
    if (n == kNone) return optional;
    return n >= 0 && static_cast<size_t>(n) < p_.nodes.size();
  }

  void CheckWhere(int32_t where, uint32_t event, const std::string& what) {
    if (!NodeOk(where, true)) return Fail(what + " has a bad `where` node");
    if (where == kNone) return;
    if (p_.nodes[static_cast<size_t>(where)].type != Type::Bool)
      return Fail(what + " has a `where` that is not a bool");
    Walk(static_cast<uint32_t>(where), static_cast<int32_t>(event), kNone);
  }

  void CheckSlot(size_t i) {
    const Slot& s = p_.slots[i];
    const std::string what = "slot s" + std::to_string(i);
    if (s.agg == Agg::Sequence) {
      if (s.type != Type::Bool) return Fail(what + " (a sequence) is not a bool");
      if (s.steps.empty() || s.steps.front().kind != Step::Positive)
        return Fail(what + " does not start with a positive step");
      for (size_t k = 0; k < s.steps.size() && ok(); ++k) {
        const Step& st = s.steps[k];
        if (st.event >= p_.events.size()) return Fail(what + " has a step of no event");
        if (st.kind == Step::LastNot && k + 1 != s.steps.size())
          return Fail(what + " has a last `not` step before its end");
        if (st.kind == Step::LastNot && st.window.kind != Window::Within)
          return Fail(what + " has a last `not` step without `within`");
        CheckWhere(st.where, st.event, what);
      }
      return;
    }
    if (s.event >= p_.events.size()) return Fail(what + " reads no event");
    if (!s.steps.empty()) return Fail(what + " is an aggregate with steps");
    CheckWhere(s.where, s.event, what);
    if (!ok()) return;
    if (s.agg == Agg::Count) {
      if (s.value != kNone) return Fail(what + " counts with a value");
      if (s.type != Type::Int) return Fail(what + " (count) is not an int");
      return;
    }
    if (!NodeOk(s.value, false)) return Fail(what + " has no value node");
    const Node& v = p_.nodes[static_cast<size_t>(s.value)];
    if (Info(v.op).reads != OpReads::Event) return Fail(what + " has a value that is no property");
    Walk(static_cast<uint32_t>(s.value), static_cast<int32_t>(s.event), kNone);
    Type want = s.agg == Agg::Avg ? Type::Float : v.type;
    if (s.type != want)
      Fail(what + " has type " + TypeName(s.type) + ", its aggregate gives " + TypeName(want));
    if ((s.agg == Agg::Sum || s.agg == Agg::Avg) && v.type != Type::Int && v.type != Type::Float)
      Fail(what + " adds values that are not numbers");
  }

  void CheckFormula(size_t i) {
    const Formula& f = p_.formulas[i];
    if (!NodeOk(static_cast<int32_t>(f.root), false))
      return Fail("formula `" + f.name + "` has a bad root");
    if (p_.nodes[f.root].type != f.type)
      return Fail("formula `" + f.name + "` has type " + TypeName(f.type) + ", its root " +
                  TypeName(p_.nodes[f.root].type));
    if (f.kind != FormulaKind::Attribute && f.type != Type::Bool)
      return Fail("formula `" + f.name + "` is a condition that is not a bool");
    Walk(f.root, kNone, static_cast<int32_t>(i));
  }

  void CheckAudience(const Audience& a) {
    if (a.formula >= p_.formulas.size() || p_.formulas[a.formula].kind != FormulaKind::Audience ||
        p_.formulas[a.formula].name != a.name)
      return Fail("audience `" + a.name + "` has no formula");
    for (uint32_t id : a.identities)
      if (id >= p_.identities.size()) return Fail("audience `" + a.name + "` names no identity");
    for (uint32_t f : a.attributes)
      if (f >= p_.formulas.size() || p_.formulas[f].kind != FormulaKind::Attribute ||
          p_.formulas[f].owner != a.name)
        return Fail("audience `" + a.name + "` has a bad attribute");
  }

  const Program& p_;
  std::string error_;
};

}  // namespace

bool OpResultType(Op op, const std::vector<Type>& args, Type* out, std::string* why) {
  const OpInfo& info = Info(op);
  const std::string name = info.name;
  const std::string operands = info.operands;
  if (info.arity >= 0 ? args.size() != static_cast<size_t>(info.arity) : args.empty()) {
    *why = name + " takes " + (info.arity >= 0 ? std::to_string(info.arity) : "1 or more") +
           " arguments, not " + std::to_string(args.size());
    return false;
  }
  for (size_t k = 0; k < args.size(); ++k) {
    char c = operands.empty() ? '*' : operands[std::min(k, operands.size() - 1)];
    if (!Fits(c, args[k], args[0])) {
      *why = name + " argument " + std::to_string(k) + " has type " + TypeName(args[k]) +
             ", ops.def wants `" + c + "`";
      return false;
    }
  }
  const char r = info.result[0];
  if (r == '0') {
    *out = args.empty() ? Type::Bool : args[0];
    return !args.empty();
  }
  if (!LetterType(r, out)) {
    *why = name + " is a leaf: its type is its table's";
    return false;
  }
  return true;
}

std::string Verify(const Program& p) { return Verifier(p).Run(); }

bool VerifyEnabled() {
#ifndef NDEBUG
  return true;
#else
  const char* v = std::getenv("AUD_VERIFY_IR");
  return v && *v && std::string(v) != "0";
#endif
}

}  // namespace aud::ir
