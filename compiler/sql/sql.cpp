// The SQL generator (sql.h). Every IR operation and slot kind is written out
// in an exhaustive switch (no `default`), so a new row of compiler/ir/ops.def
// or ir::Agg fails the build here (-Werror=switch) until it has its SQL.
// Shape of the query (docs/sql-engine.md):
//   ev      the events at or before as_of;
//   tr      one row per profile, one column per trait read (latest wins);
//   s<k>    one CTE per aggregate slot (grouped by profile), and for a
//           sequence slot q<k>_<step> per step (the events completing it);
//   ids     identity values (when an import is used);
//   base    one row per profile with every trait, slot and import value;
//   l<n>    one layer per formula depth (a formula reads earlier ones).

#include "compiler/sql/sql.h"

#include <algorithm>
#include <map>
#include <set>

#include "compiler/ir/analysis.h"
#include "compiler/ir/builtin_ops.h"

namespace aud::sql {

namespace {

using ir::Op;
using ir::Type;

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string Int(int64_t v) { return "CAST(" + std::to_string(v) + " AS BIGINT)"; }

// Where an expression is evaluated: inside a `where` (event row `e`, trait
// row `tr`) or over a profile row of the formula layers.
enum class Scope { Event, Profile };

class Generator {
 public:
  Generator(const ir::Program& p, const ir::Uses& uses, const Dialect& d, int64_t as_of)
      : p_(p), uses_(uses), d_(d), as_of_(as_of) {}

  Query Run() {
    Query q;
    for (uint32_t f = 0; f < p_.formulas.size(); ++f)
      if (uses_.formulas[f]) q.formulas.push_back(f);
    // Traits read by used nodes (formulas, `where`s) and by the identities
    // an import needs.
    for (uint32_t t = 0; t < p_.traits.size(); ++t)
      if (uses_.traits[t]) traits_.insert(t);
    for (uint32_t i = 0; i < p_.imports.size(); ++i) {
      if (!uses_.imports[i]) continue;
      q.used_imports.push_back(i);
      const ir::Identity& id = p_.identities[p_.imports[i].identity];
      if (id.from == ir::Identity::FromTrait && id.trait != ir::kNone)
        traits_.insert(static_cast<uint32_t>(id.trait));
    }
    std::string ctes =
        "ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events "
        "WHERE ts <= " +
        Int(as_of_) + ")";
    ctes += ",\ntr AS (" + TraitRows(traits_) + ")";
    for (uint32_t s = 0; s < p_.slots.size(); ++s) {
      if (!uses_.slots[s]) continue;
      const ir::Slot& slot = p_.slots[s];
      ctes += slot.agg == ir::Agg::Sequence ? SequenceCtes(s) : AggregateCte(s);
    }
    if (!q.used_imports.empty()) ctes += ",\nids AS (" + IdentityRows(traits_) + ")";
    // base: one row per profile.
    std::string base = "SELECT p.pid";
    std::string joins = " FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid";
    for (uint32_t t : traits_) base += ", tr.t" + std::to_string(t);
    for (uint32_t s = 0; s < p_.slots.size(); ++s) {
      if (!uses_.slots[s]) continue;
      const ir::Slot& slot = p_.slots[s];
      const std::string n = std::to_string(s);
      joins += " LEFT JOIN s" + n + " ON s" + n + ".pid = p.pid";
      switch (slot.agg) {
        case ir::Agg::Count: base += ", COALESCE(s" + n + ".v, CAST(0 AS BIGINT)) AS s" + n; break;
        case ir::Agg::Sum:
          base += ", COALESCE(s" + n + ".v, " +
                  (slot.type == Type::Float ? d_.FloatLiteral(0) : Int(0)) + ") AS s" + n;
          break;
        case ir::Agg::Sequence: base += ", (s" + n + ".pid IS NOT NULL) AS s" + n; break;
        case ir::Agg::Min:
        case ir::Agg::Max:
        case ir::Agg::Avg:
        case ir::Agg::First:
        case ir::Agg::Last: base += ", s" + n + ".v AS s" + n; break;
      }
    }
    for (uint32_t i : q.used_imports) {
      const std::string n = std::to_string(i);
      base +=
          ", EXISTS (SELECT 1 FROM ids JOIN aud_imports m ON m.value = ids.value WHERE "
          "m.import = " +
          n + " AND ids.pid = p.pid AND ids.identity = " + std::to_string(p_.imports[i].identity) +
          ") AS i" + n;
    }
    ctes += ",\nbase AS (" + base + joins + ")";
    // Formula layers: a formula sits one layer above the deepest formula it reads.
    std::vector<int> depth(p_.formulas.size(), 0);
    int max_depth = 0;
    for (uint32_t f : q.formulas) {
      depth[f] = 1 + FormulaDepth(p_.formulas[f].root, depth);
      max_depth = std::max(max_depth, depth[f]);
    }
    std::string prev = "base";
    for (int layer = 1; layer <= max_depth; ++layer) {
      std::string sel = "SELECT *";
      for (uint32_t f : q.formulas) {
        if (depth[f] != layer) continue;
        const ir::Formula& fm = p_.formulas[f];
        std::string e = Expr(fm.root, Scope::Profile);
        if (fm.kind != ir::FormulaKind::Attribute) e = "COALESCE(" + e + ", FALSE)";
        sel += ", " + e + " AS f" + std::to_string(f);
      }
      const std::string name = "l" + std::to_string(layer);
      ctes += ",\n" + name + " AS (" + sel + " FROM " + prev + ")";
      prev = name;
    }
    std::string out = "SELECT pid";
    for (uint32_t f : q.formulas) out += ", f" + std::to_string(f);
    q.members = "WITH " + ctes + "\n" + out + " FROM " + prev + " ORDER BY pid";
    if (!error_.empty()) {
      q.error = error_;
      return q;
    }
    // Identities of every profile: every trait an identity reads.
    std::set<uint32_t> id_traits;
    for (const ir::Identity& id : p_.identities)
      if (id.from == ir::Identity::FromTrait && id.trait != ir::kNone)
        id_traits.insert(static_cast<uint32_t>(id.trait));
    q.identities = "WITH tr AS (" + TraitRows(id_traits) + ")\nSELECT pid, identity, value FROM (" +
                   IdentityRows(id_traits) + ") x";
    if (!q.used_imports.empty()) {
      std::set<uint32_t> imp_traits;
      for (uint32_t i : q.used_imports) {
        const ir::Identity& id = p_.identities[p_.imports[i].identity];
        if (id.from == ir::Identity::FromTrait && id.trait != ir::kNone)
          imp_traits.insert(static_cast<uint32_t>(id.trait));
      }
      std::string sel;
      for (uint32_t i : q.used_imports) {
        const std::string n = std::to_string(i);
        if (!sel.empty()) sel += "\nUNION ALL ";
        sel += "SELECT " + n +
               " AS import, COUNT(*) AS entries, COUNT(*) FILTER (WHERE EXISTS "
               "(SELECT 1 FROM ids WHERE ids.identity = " +
               std::to_string(p_.imports[i].identity) +
               " AND ids.value = m.value)) AS matched FROM aud_imports m WHERE m.import = " + n;
      }
      q.imports = "WITH tr AS (" + TraitRows(imp_traits) + "),\nids AS (" +
                  IdentityRows(imp_traits) + ")\n" + sel;
    }
    return q;
  }

 private:
  // The deepest formula layer `node` reads (0: none).
  int FormulaDepth(uint32_t node, const std::vector<int>& depth) const {
    const ir::Node& n = p_.nodes[node];
    int d = n.op == Op::Formula ? depth[n.index] : 0;
    for (uint32_t a : n.args) d = std::max(d, FormulaDepth(a, depth));
    return d;
  }

  // One row per profile with a trait: pid, t<k> (latest record at or before
  // as_of whose kind fits the declared type; ties: the later input).
  std::string TraitRows(const std::set<uint32_t>& traits) const {
    std::string sel = "SELECT p.pid", joins = " FROM aud_profiles p";
    for (uint32_t t : traits) {
      const ir::Trait& tr = p_.traits[t];
      std::string fits, value;
      switch (tr.type) {
        case Type::Int:
          fits = "kind = 'i'";
          value = "i";
          break;
        case Type::Float:
          fits = "kind IN ('i', 'f')";
          value = "CASE WHEN kind = 'i' THEN CAST(i AS " + d_.TypeOf(Type::Float) + ") ELSE f END";
          break;
        case Type::Bool:
          fits = "kind = 'b'";
          value = "b";
          break;
        case Type::String:
          fits = "kind = 's'";
          value = "s";
          break;
        case Type::Timestamp:
          fits = "kind = 's' AND t IS NOT NULL";
          value = "t";
          break;
        case Type::Duration:
          fits = "FALSE";
          value = "i";
          break;
      }
      const std::string n = "t" + std::to_string(t);
      sel += ", " + n + ".v AS " + n;
      joins += " LEFT JOIN (SELECT pid, v FROM (SELECT pid, " + value +
               " AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM "
               "aud_traits WHERE name = " +
               Quote(tr.name) + " AND ts <= " + Int(as_of_) + " AND " + fits +
               ") x WHERE rn = 1) " + n + " ON " + n + ".pid = p.pid";
    }
    return sel + joins;
  }

  // An identity normalizer applied to `v`.
  std::string Normalize(const std::string& v, const std::string& how) const {
    if (how == "email") return LowerAscii(d_.TrimAscii(v));
    if (how == "lower") return LowerAscii(v);
    if (how == "trim") return d_.TrimAscii(v);
    return v;
  }

  static std::string LowerAscii(const std::string& s) {
    return "translate(" + s + ", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')";
  }
  static std::string UpperAscii(const std::string& s) {
    return "translate(" + s + ", 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')";
  }

  // Rows (pid, identity, value) of every identity of every profile, normalized
  // and non-empty, reading `tr` for identities from traits.
  std::string IdentityRows(const std::set<uint32_t>& traits) const {
    std::string out;
    for (uint32_t i = 0; i < p_.identities.size(); ++i) {
      const ir::Identity& id = p_.identities[i];
      std::string sel;
      switch (id.from) {
        case ir::Identity::UserId:
        case ir::Identity::AnonymousId: {
          std::string v = Normalize("value", id.normalize);
          sel = "SELECT pid, " + std::to_string(i) + " AS identity, " + v +
                " AS value FROM aud_ids WHERE ns = " +
                (id.from == ir::Identity::UserId ? "'userId'" : "'anonymousId'") + " AND " + v +
                " <> ''";
          break;
        }
        case ir::Identity::FromTrait: {
          if (id.trait == ir::kNone || !traits.count(static_cast<uint32_t>(id.trait))) continue;
          std::string v = Normalize("t" + std::to_string(id.trait), id.normalize);
          sel = "SELECT pid, " + std::to_string(i) + " AS identity, " + v +
                " AS value FROM tr WHERE " + v + " <> ''";
          break;
        }
      }
      if (!out.empty()) out += " UNION ALL ";
      out += sel;
    }
    if (out.empty()) out = "SELECT pid, 0 AS identity, key AS value FROM aud_profiles WHERE FALSE";
    return out;
  }

  // The events of program event `event` in scope `e` (with `tr` joined) that
  // pass `where`.
  std::string Matching(uint32_t event, int32_t where) const {
    std::string s = "e.type = " + Quote(p_.events[event].store_key);
    if (where != ir::kNone)
      s += " AND COALESCE(" + Expr(static_cast<uint32_t>(where), Scope::Event) + ", FALSE)";
    return s;
  }

  // The condition that `ts` lies in window `w` (ts <= as_of holds in `ev`).
  std::string InWindow(const ir::Window& w, const std::string& ts) const {
    switch (w.kind) {
      case ir::Window::All: return "TRUE";
      case ir::Window::Within: {
        __int128 lower = __int128(as_of_) - __int128(w.within);
        if (lower < __int128(INT64_MIN)) return "TRUE";
        return ts + " > " + Int(static_cast<int64_t>(lower));
      }
      case ir::Window::Between: return ts + " >= " + Int(w.from) + " AND " + ts + " < " + Int(w.to);
    }
    return "TRUE";
  }

  std::string AggregateCte(uint32_t s) {
    const ir::Slot& slot = p_.slots[s];
    const std::string n = std::to_string(s);
    const std::string filter =
        Matching(slot.event, slot.where) + " AND " + InWindow(slot.window, "e.ts");
    std::string inner = "SELECT e.pid, e.pos";
    std::string agg;
    const Type vt = slot.value != ir::kNone ? p_.nodes[slot.value].type : Type::Int;
    if (slot.value != ir::kNone)
      inner += ", " + Expr(static_cast<uint32_t>(slot.value), Scope::Event) + " AS v";
    switch (slot.agg) {
      case ir::Agg::Count: agg = "COUNT(*)"; break;
      case ir::Agg::Sum:
        if (vt == Type::Float)
          agg = d_.OrderedFloatSum("x.v", "x.pos");
        else
          agg = WrapInt("COALESCE(SUM(CAST(x.v AS " + d_.WideInt() + ")), 0)");
        break;
      case ir::Agg::Avg: {
        std::string dv = vt == Type::Float ? "x.v" : "CAST(x.v AS " + d_.TypeOf(Type::Float) + ")";
        agg = "CASE WHEN COUNT(x.v) > 0 THEN " + d_.OrderedFloatSum(dv, "x.pos") +
              " / COUNT(x.v) END";
        break;
      }
      case ir::Agg::Min:
      case ir::Agg::Max: {
        // The first extreme in event order wins ties (ranked below).
        agg = Pick(vt, "x.r = 1");
        break;
      }
      case ir::Agg::First:
      case ir::Agg::Last:
        inner += std::string(", ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos ") +
                 (slot.agg == ir::Agg::First ? "ASC" : "DESC") + ") AS r";
        agg = Pick(vt, "x.r = 1");
        break;
      case ir::Agg::Sequence: break;
    }
    // The value column must be named before ROW_NUMBER reads it.
    if (slot.agg == ir::Agg::Min || slot.agg == ir::Agg::Max) {
      inner = "SELECT y.*, ROW_NUMBER() OVER (PARTITION BY y.pid ORDER BY (y.v IS NULL), " +
              (vt == Type::String ? d_.ByteOrder("y.v") : std::string("y.v")) +
              (slot.agg == ir::Agg::Min ? " ASC" : " DESC") +
              ", y.pos) AS r FROM (SELECT e.pid, e.pos, " +
              Expr(static_cast<uint32_t>(slot.value), Scope::Event) + " AS v FROM ev e LEFT JOIN " +
              "tr ON tr.pid = e.pid WHERE " + filter + ") y";
      return ",\ns" + n + " AS (SELECT x.pid, " + agg + " AS v FROM (" + inner +
             ") x GROUP BY x.pid)";
    }
    return ",\ns" + n + " AS (SELECT x.pid, " + agg + " AS v FROM (" + inner +
           " FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE " + filter + ") x GROUP BY x.pid)";
  }

  // The value of the one row where `cond` holds (NULL when that value is).
  std::string Pick(Type t, const std::string& cond) const {
    if (t == Type::Bool) return "bool_or(CASE WHEN " + cond + " THEN x.v END)";
    return "MAX(CASE WHEN " + cond + " THEN x.v END)";
  }

  // A wide integer expression wrapped to int64 (two's complement).
  std::string WrapInt(const std::string& wide) const {
    const std::string w = d_.WideInt();
    return "CAST(((((" + wide + ") % CAST('18446744073709551616' AS " + w +
           ")) + CAST('18446744073709551616' AS " + w + ") + CAST('9223372036854775808' AS " + w +
           ")) % CAST('18446744073709551616' AS " + w + ")) - CAST('9223372036854775808' AS " + w +
           ") AS BIGINT)";
  }

  // A sequence slot (docs/reference/language.md §6): per positive step k,
  // q<s>_<k> holds the events completing steps 1..k (some earlier completion
  // of step k-1, the gap within D, no middle `not` match strictly between);
  // the slot holds when the last positive step completes (and, with a last
  // `not E within D`, some completion's window has passed without a match).
  std::string SequenceCtes(uint32_t s) {
    const ir::Slot& slot = p_.slots[s];
    const ir::SequencePlan plan = ir::PlanSequence(slot);
    const std::string n = std::to_string(s);
    std::string out;
    auto name = [&](size_t k) { return "q" + n + "_" + std::to_string(k); };
    for (size_t k = 0; k < plan.positive.size(); ++k) {
      const ir::Step& step = slot.steps[plan.positive[k]];
      std::string own =
          "SELECT e.pid, e.pos, e.ts FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE " +
          Matching(step.event, step.where);
      if (k == 0) {
        out += ",\n" + name(k) + " AS (" + own + " AND " + InWindow(step.window, "e.ts") + ")";
        continue;
      }
      // `o`: this step's candidate event; `c`: a completion of the steps before.
      std::string prev =
          "SELECT 1 FROM " + name(k - 1) + " c WHERE c.pid = o.pid AND c.pos < o.pos";
      if (step.window.kind == ir::Window::Within)
        prev += " AND o.ts - c.ts <= " + Int(step.window.within);
      if (plan.not_after[k - 1] != ir::kNone) {
        const ir::Step& nt = slot.steps[static_cast<size_t>(plan.not_after[k - 1])];
        prev += " AND NOT EXISTS (SELECT 1 FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE " +
                Matching(nt.event, nt.where) +
                " AND e.pid = c.pid AND e.pos > c.pos AND e.pos < o.pos)";
      }
      out += ",\n" + name(k) + " AS (SELECT o.pid, o.pos, o.ts FROM (" + own +
             ") o WHERE EXISTS (" + prev + "))";
    }
    const std::string last = name(plan.positive.size() - 1);
    std::string holds;
    if (plan.last_not == ir::kNone) {
      holds = "SELECT DISTINCT pid FROM " + last;
    } else {
      const ir::Step& nt = slot.steps[static_cast<size_t>(plan.last_not)];
      __int128 latest = __int128(as_of_) - __int128(nt.window.within);
      std::string passed =
          latest < __int128(INT64_MIN) ? "FALSE" : "c.ts <= " + Int(static_cast<int64_t>(latest));
      holds = "SELECT DISTINCT c.pid FROM " + last + " c WHERE " + passed +
              " AND NOT EXISTS (SELECT 1 FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE " +
              Matching(nt.event, nt.where) +
              " AND e.pid = c.pid AND e.pos > c.pos AND e.ts - c.ts <= " + Int(nt.window.within) +
              ")";
    }
    out += ",\ns" + n + " AS (" + holds + ")";
    return out;
  }

  // A property of the event in scope, typed as docs/sql-engine.md stores it.
  std::string Prop(const ir::Node& n) const {
    const std::string& name = p_.props[n.index].name;
    const std::string dbl = d_.TypeOf(Type::Float);
    switch (n.type) {
      case Type::Int: return "CAST(" + d_.JsonText("e.pi", name) + " AS BIGINT)";
      case Type::Float:
        return "COALESCE(CAST(" + d_.JsonText("e.pf", name) + " AS " + dbl + "), CAST(CAST(" +
               d_.JsonText("e.pi", name) + " AS BIGINT) AS " + dbl + "))";
      case Type::Bool: return "CAST(" + d_.JsonText("e.pb", name) + " AS BOOLEAN)";
      case Type::String: return d_.JsonText("e.ps", name);
      case Type::Timestamp: return "CAST(" + d_.JsonText("e.pt", name) + " AS BIGINT)";
      case Type::Duration: break;
    }
    return "NULL";
  }

  std::string Const(const ir::Node& n) const {
    switch (n.type) {
      case Type::Bool: return n.b ? "TRUE" : "FALSE";
      case Type::Int:
      case Type::Timestamp:
      case Type::Duration: return Int(n.i);
      case Type::Float: return d_.FloatLiteral(n.f);
      case Type::String: return "CAST(" + Quote(n.s) + " AS " + d_.TypeOf(Type::String) + ")";
    }
    return "NULL";
  }

  static std::string Cond(const std::string& e) { return "COALESCE(" + e + ", FALSE)"; }

  // The SQL of node `node`: NULL is ⊥.
  std::string Expr(uint32_t node, Scope scope) const {
    const ir::Node& n = p_.nodes[node];
    auto arg = [&](size_t k) { return Expr(n.args[k], scope); };
    const Type at = n.args.empty() ? n.type : p_.nodes[n.args[0]].type;
    const bool event = scope == Scope::Event;
    switch (n.op) {
      case Op::Const: return Const(n);
      case Op::Prop: return Prop(n);
      case Op::EventTime: return "e.ts";
      case Op::Trait: return (event ? "tr.t" : "t") + std::to_string(n.index);
      case Op::Slot: return "s" + std::to_string(n.index);
      case Op::Formula: return "f" + std::to_string(n.index);
      case Op::Import: return "i" + std::to_string(n.index);
      case Op::ToFloat: return "CAST(" + arg(0) + " AS " + d_.TypeOf(Type::Float) + ")";
      case Op::Not: return "(NOT " + Cond(arg(0)) + ")";
      case Op::And: return "(" + Cond(arg(0)) + " AND " + Cond(arg(1)) + ")";
      case Op::Or: return "(" + Cond(arg(0)) + " OR " + Cond(arg(1)) + ")";
      case Op::Eq: return Cond("(" + arg(0) + " = " + arg(1) + ")");
      case Op::Ne: return Cond("(" + arg(0) + " <> " + arg(1) + ")");
      case Op::Lt:
      case Op::Le:
      case Op::Gt:
      case Op::Ge: {
        const char* op = n.op == Op::Lt   ? " < "
                         : n.op == Op::Le ? " <= "
                         : n.op == Op::Gt ? " > "
                                          : " >= ";
        std::string a = arg(0), b = arg(1);
        if (at == Type::String) {
          a = d_.ByteOrder(a);
          b = d_.ByteOrder(b);
        }
        return Cond("(" + a + op + b + ")");
      }
      case Op::In: {
        std::string list;
        for (size_t k = 1; k < n.args.size(); ++k) list += (k > 1 ? ", " : "") + arg(k);
        return Cond("(" + arg(0) + " IN (" + list + "))");
      }
      case Op::Neg:
        if (n.type == Type::Float) return "(-" + arg(0) + ")";
        return WrapInt("-CAST(" + arg(0) + " AS " + d_.WideInt() + ")");
      case Op::Add:
      case Op::Sub:
      case Op::Mul: {
        const char* op = n.op == Op::Add ? " + " : n.op == Op::Sub ? " - " : " * ";
        if (n.type == Type::Float) return "(" + arg(0) + op + arg(1) + ")";
        const std::string w = d_.WideInt();
        return WrapInt("CAST(" + arg(0) + " AS " + w + ")" + op + "CAST(" + arg(1) + " AS " + w +
                       ")");
      }
      case Op::Div: {
        std::string b = arg(1);
        return "CASE WHEN " + b + " = 0 THEN NULL ELSE " + arg(0) + " / " + b + " END";
      }
      case Op::Exists: return "(" + arg(0) + " IS NOT NULL)";
      case Op::Lower:
      case Op::Upper:
      case Op::Trim:
      case Op::Contains:
      case Op::StartsWith:
      case Op::EndsWith:
      case Op::DaysSince:
      case Op::Round: return Builtin(*ir::BuiltinOf(n.op), n, scope);
    }
    return "NULL";
  }

  // A scalar builtin of stdlib/builtins.def (its row's missing rule: NULL in
  // gives NULL, or false for a test).
  std::string Builtin(const stdlib::BuiltinInfo& info, const ir::Node& n, Scope scope) const {
    auto arg = [&](size_t k) { return Expr(n.args[k], scope); };
    using stdlib::Builtin;
    switch (info.id) {
      case Builtin::Lower: return LowerAscii(arg(0));
      case Builtin::Upper: return UpperAscii(arg(0));
      case Builtin::Trim: return d_.TrimAscii(arg(0));
      case Builtin::Contains:
      case Builtin::StartsWith:
      case Builtin::EndsWith: {
        // A test: false when an operand is missing (the row's rule).
        std::string a = arg(0), t = arg(1), test;
        if (info.id == Builtin::Contains)
          test = "(" + t + " = '' OR strpos(" + a + ", " + t + ") > 0)";
        else if (info.id == Builtin::StartsWith)
          test = "(substr(" + a + ", 1, length(" + t + ")) = " + t + ")";
        else
          test = "(length(" + a + ") >= length(" + t + ") AND right(" + a + ", length(" + t +
                 ")) = " + t + ")";
        return "CASE WHEN " + a + " IS NULL OR " + t + " IS NULL THEN FALSE ELSE " + Cond(test) +
               " END";
      }
      case Builtin::DaysSince:
        return "(CAST(" + Int(as_of_) + " - " + arg(0) + " AS " + d_.TypeOf(Type::Float) +
               ") / CAST(86400000 AS " + d_.TypeOf(Type::Float) + "))";
      case Builtin::Round: {
        // LEAST and GREATEST skip NULLs: a missing digits is tested first.
        std::string digits = arg(1);
        return "CASE WHEN " + digits + " IS NULL THEN NULL ELSE " +
               d_.Round(arg(0),
                        "GREATEST(LEAST(" + digits + ", " + Int(1000) + "), " + Int(-1000) + ")") +
               " END";
      }
      // Not scalar helper rows: lowered to slots, or written out in Expr.
      case Builtin::Count:
      case Builtin::Did:
      case Builtin::Sum:
      case Builtin::Min:
      case Builtin::Max:
      case Builtin::Avg:
      case Builtin::First:
      case Builtin::Last:
      case Builtin::Sequence:
      case Builtin::Exists: break;
    }
    return "NULL";
  }

  const ir::Program& p_;
  const ir::Uses& uses_;
  const Dialect& d_;
  int64_t as_of_;
  std::set<uint32_t> traits_;
  std::string error_;
};

}  // namespace

Query Generate(const ir::Program& program, const ir::Uses& uses, const Dialect& dialect,
               int64_t as_of) {
  return Generator(program, uses, dialect, as_of).Run();
}

std::string Explain(const ir::Program& program, const std::string& name, const Dialect& dialect,
                    int64_t as_of) {
  const ir::Uses uses = ir::UsesOf(program, name);
  Query q = Generate(program, uses, dialect, as_of);
  std::string out = "-- aud explain " + name + " --sql --dialect " + dialect.Name() + " (as_of " +
                    ir::FormatTime(as_of) +
                    ")\n-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, "
                    "aud_imports (docs/sql-engine.md)\n";
  if (q.members.find("aud_round(") != std::string::npos)
    out += "-- helpers, once per session\n" + dialect.Prelude();
  out += "-- members: one row per profile, ordered by pid; columns";
  for (uint32_t f : q.formulas) {
    const ir::Formula& fm = program.formulas[f];
    out += " f" + std::to_string(f) + "=" +
           (fm.kind == ir::FormulaKind::Attribute ? fm.owner + "." : "") + fm.name;
  }
  out += "\n" + q.members + ";\n-- identities: (pid, identity, value)\n" + q.identities + ";\n";
  if (!q.imports.empty())
    out += "-- imported lists: (import, entries, matched)\n" + q.imports + ";\n";
  return out;
}

}  // namespace aud::sql
