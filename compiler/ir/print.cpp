// The stable IR printer (`aud explain NAME --ir`). Its text is also the
// structural key that deduplicates slots, so it must show everything that
// distinguishes two slots: types of properties, literals (3 vs 3.0),
// conversions, windows.

#include <charconv>
#include <cmath>
#include <cstdio>

#include "compiler/base/civil_time.h"
#include "compiler/ir/ir.h"

namespace aud::ir {

const char* TypeName(Type t) {
  switch (t) {
    case Type::Bool: return "bool";
    case Type::Int: return "int";
    case Type::Float: return "float";
    case Type::String: return "string";
    case Type::Timestamp: return "timestamp";
    case Type::Duration: return "duration";
  }
  return "?";
}

const char* AggName(Agg a) {
  switch (a) {
    case Agg::Count: return "count";
    case Agg::Sum: return "sum";
    case Agg::Min: return "min";
    case Agg::Max: return "max";
    case Agg::Avg: return "avg";
    case Agg::First: return "first";
    case Agg::Last: return "last";
    case Agg::Sequence: return "sequence";
  }
  return "?";
}

const char* FormulaKindName(FormulaKind k) {
  switch (k) {
    case FormulaKind::Segment: return "segment";
    case FormulaKind::Audience: return "audience";
    case FormulaKind::Consent: return "consent";
    case FormulaKind::Attribute: return "attribute";
  }
  return "?";
}

namespace {

std::string WindowText(const ir::Window& w) {
  switch (w.kind) {
    case Window::All: return "";
    case Window::Within: return " within " + FormatDuration(w.within);
    case Window::Between: return " between @" + FormatTime(w.from) + " and @" + FormatTime(w.to);
  }
  return "";
}

std::string Quote(const std::string& s) { return ast::QuoteString(s); }

void Print(const Program& p, uint32_t node, std::string& out) {
  const Node& n = p.nodes[node];
  switch (n.op) {
    case Op::Const:
      switch (n.type) {
        case Type::Bool: out += n.b ? "true" : "false"; break;
        case Type::Int: out += std::to_string(n.i); break;
        case Type::Float: {
          std::string f = FormatFloat(n.f);
          if (f.find_first_of(".einf") == std::string::npos) f += ".0";
          out += f;
          break;
        }
        case Type::String: out += Quote(n.s); break;
        case Type::Timestamp:
          out += '@';
          out += FormatTime(n.i);
          break;
        case Type::Duration: out += FormatDuration(n.i); break;
      }
      return;
    case Op::Prop:
      out += "event." + p.props[n.index].name + ":" + TypeName(p.props[n.index].type);
      return;
    case Op::EventTime: out += "event.timestamp"; return;
    case Op::Trait:
      out += "profile." + p.traits[n.index].name + ":" + TypeName(p.traits[n.index].type);
      return;
    case Op::Slot:
      out += 's';
      out += std::to_string(n.index);
      return;
    case Op::Formula: {
      const Formula& f = p.formulas[n.index];
      out += std::string(FormulaKindName(f.kind)) + "(" + f.name + ")";
      return;
    }
    case Op::Import: {
      const Import& im = p.imports[n.index];
      out += "imported(" + Quote(im.path) + " key " + p.identities[im.identity].name + ")";
      return;
    }
    default: break;
  }
  // Every other operation prints as its ops.def row says.
  const OpInfo& info = Info(n.op);
  auto arg = [&](size_t k) {
    if (k < n.args.size()) Print(p, n.args[k], out);
  };
  switch (info.print) {
    case OpPrint::Leaf: out += info.text; return;
    case OpPrint::Prefix:
      out += info.text;
      out += ' ';
      arg(0);
      return;
    case OpPrint::Paren:
      out += '(';
      out += info.text;
      arg(0);
      out += ')';
      return;
    case OpPrint::Infix:
      out += '(';
      arg(0);
      out += ' ';
      out += info.text;
      out += ' ';
      arg(1);
      out += ')';
      return;
    case OpPrint::In:
      out += '(';
      arg(0);
      out += ' ';
      out += info.text;
      out += " [";
      for (size_t i = 1; i < n.args.size(); ++i) {
        if (i > 1) out += ", ";
        Print(p, n.args[i], out);
      }
      out += "])";
      return;
    case OpPrint::Call:
      out += info.text;
      out += '(';
      for (size_t i = 0; i < n.args.size(); ++i) {
        if (i) out += ", ";
        Print(p, n.args[i], out);
      }
      out += ')';
      return;
  }
}

void PrintFormula(const Program& p, uint32_t fi, std::string& out) {
  const Formula& f = p.formulas[fi];
  out += FormulaKindName(f.kind);
  out += " ";
  out += f.name;
  out += ": ";
  out += TypeName(f.type);
  out += " = ";
  Print(p, f.root, out);
  out += "\n";
  if (f.kind != FormulaKind::Audience) return;
  const Audience* a = p.FindAudience(f.name);
  if (!a) return;
  out += "  identities";
  for (size_t i = 0; i < a->identities.size(); ++i)
    out += (i ? ", " : " ") + p.identities[a->identities[i]].name;
  out += "\n";
  for (uint32_t attr : a->attributes) {
    const Formula& af = p.formulas[attr];
    out += "  attribute " + af.name + ": " + TypeName(af.type) + " = ";
    Print(p, af.root, out);
    out += "\n";
  }
}

void PrintTables(const Program& p, const Uses& u, std::string& out) {
  std::vector<bool> events(p.events.size(), false);
  for (size_t i = 0; i < p.slots.size(); ++i) {
    if (!u.slots[i]) continue;
    const Slot& s = p.slots[i];
    if (s.agg == Agg::Sequence) {
      for (const Step& st : s.steps) events[st.event] = true;
    } else {
      events[s.event] = true;
    }
  }
  for (size_t i = 0; i < p.events.size(); ++i)
    if (events[i]) out += "event " + p.events[i].name + " = " + Quote(p.events[i].store_key) + "\n";
  for (size_t i = 0; i < p.traits.size(); ++i)
    if (u.traits[i]) out += "trait " + p.traits[i].name + ": " + TypeName(p.traits[i].type) + "\n";
  for (size_t i = 0; i < p.imports.size(); ++i) {
    if (!u.imports[i]) continue;
    const Identity& id = p.identities[p.imports[i].identity];
    out += "import " + Quote(p.imports[i].path) + " key " + id.name +
           (id.normalize.empty() ? "" : " normalize " + id.normalize) + "\n";
  }
  for (size_t i = 0; i < p.slots.size(); ++i) {
    if (!u.slots[i]) continue;
    out += "slot s" + std::to_string(i) + ": " + TypeName(p.slots[i].type) + " = " +
           p.slots[i].key + "\n";
  }
}

}  // namespace

std::string FormatTime(int64_t millis) { return base::FormatRfc3339(millis); }

std::string FormatFloat(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string FormatDuration(int64_t ms) {
  static const struct {
    int64_t size;
    const char* unit;
  } kUnits[] = {{86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
  if (ms != 0)
    for (const auto& u : kUnits)
      if (ms % u.size == 0) return std::to_string(ms / u.size) + u.unit;
  return std::to_string(ms) + "ms";
}

std::string PrintNode(const Program& p, uint32_t node) {
  std::string out;
  Print(p, node, out);
  return out;
}

std::string PrintSlot(const Program& p, const Slot& s) {
  auto where = [&](int32_t w) {
    return w == kNone ? std::string() : " where " + PrintNode(p, static_cast<uint32_t>(w));
  };
  std::string out = AggName(s.agg);
  out += "(";
  if (s.agg == Agg::Sequence) {
    for (size_t i = 0; i < s.steps.size(); ++i) {
      const Step& st = s.steps[i];
      if (i) out += ", ";
      if (st.kind != Step::Positive) out += "not ";
      out += p.events[st.event].name + where(st.where) + WindowText(st.window);
    }
  } else {
    out += p.events[s.event].name;
    if (s.value != kNone) {
      const Node& v = p.nodes[s.value];
      out += v.op == Op::EventTime ? ".timestamp"
                                   : "." + p.props[v.index].name + ":" + TypeName(v.type);
    }
    out += where(s.where) + WindowText(s.window);
  }
  out += ")";
  return out;
}

std::string PrintFor(const Program& p, const std::string& name) {
  int32_t f = p.FindFormula(name);
  if (f == kNone) return "";
  Uses u = UsesOf(p, name);
  std::string out =
      "; ir of " + std::string(FormulaKindName(p.formulas[f].kind)) + " " + name + "\n";
  PrintTables(p, u, out);
  for (size_t i = 0; i < p.formulas.size(); ++i) {
    const Formula& fm = p.formulas[i];
    if (!u.formulas[i] || fm.kind == FormulaKind::Attribute) continue;
    PrintFormula(p, static_cast<uint32_t>(i), out);
  }
  return out;
}

std::string PrintProgram(const Program& p) {
  Uses all;
  all.formulas.assign(p.formulas.size(), true);
  all.slots.assign(p.slots.size(), true);
  all.traits.assign(p.traits.size(), true);
  all.imports.assign(p.imports.size(), true);
  std::string out = "; ir of the project\n";
  PrintTables(p, all, out);
  for (const Identity& id : p.identities) {
    out += "identity " + id.name + ": " + (id.visitor ? "visitor" : "declared") + " from ";
    out += id.from == Identity::UserId        ? "userId"
           : id.from == Identity::AnonymousId ? "anonymousId"
                                              : "trait " + p.traits[id.trait].name;
    if (!id.normalize.empty()) out += " normalize " + id.normalize;
    out += "\n";
  }
  for (size_t i = 0; i < p.formulas.size(); ++i)
    if (p.formulas[i].kind != FormulaKind::Attribute)
      PrintFormula(p, static_cast<uint32_t>(i), out);
  return out;
}

}  // namespace aud::ir
