// Random (program, data) pairs for the property-based test (generator.h).
// Everything is drawn from one SplitMix64 stream, so a pair is a pure
// function of its seed on every platform (no std distributions).

#include "tests/eval/generator.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "tests/eval/reference/reference.h"

namespace aud::evaltest {

namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n).
  int Below(int n) { return static_cast<int>(Next() % static_cast<uint64_t>(n)); }
  // True with probability pct/100.
  bool Chance(int pct) { return Below(100) < pct; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(Below(static_cast<int>(v.size())))];
  }

 private:
  uint64_t s_;
};

constexpr int64_t kSec = 1000, kMin = 60 * kSec, kHour = 60 * kMin, kDay = 24 * kHour;

enum class T { Bool, Int, Float, Str, Time };

struct Prop {
  std::string name;
  T type;
};

struct EventType {
  std::string name;     // declaration name
  std::string segment;  // Segment `event` ("" for page)
  bool page = false;
  std::vector<Prop> props;
};

const std::vector<EventType>& Events() {
  static const std::vector<EventType> kEvents = {
      {"alpha",
       "Alpha",
       false,
       {{"n", T::Int}, {"v", T::Float}, {"s", T::Str}, {"t", T::Time}, {"f", T::Bool}}},
      {"beta", "Beta", false, {{"n", T::Int}, {"v", T::Float}, {"country", T::Str}}},
      {"gamma", "Gamma", false, {{"s", T::Str}}},
      {"pv", "", true, {{"name", T::Str}, {"v", T::Float}}},
  };
  return kEvents;
}

const char* kSchema =
    "event alpha \"Alpha\" { n: int  v: float  s: string  t: timestamp  f: bool }\n"
    "event beta \"Beta\" { n: int  v: float  country: string }\n"
    "event gamma \"Gamma\" { s: string }\n"
    "event pv page { name: string  v: float }\n"
    "trait country: string\n"
    "trait age: int\n"
    "trait score: float\n"
    "trait vip: bool\n"
    "trait since: timestamp\n"
    "trait email: string\n"
    "identity ecid: visitor from anonymousId\n"
    "identity email: declared from trait email normalize email\n"
    "identity user_id: declared from userId\n";

struct Trait {
  std::string name;
  T type;
};

const std::vector<Trait>& Traits() {
  static const std::vector<Trait> kTraits = {{"country", T::Str}, {"age", T::Int},
                                             {"score", T::Float}, {"vip", T::Bool},
                                             {"since", T::Time},  {"email", T::Str}};
  return kTraits;
}

const std::vector<std::string> kStrings = {"", "a", "B", "ab", "SE", "se", "x y", " SE "};
const std::vector<std::string> kFloatLits = {"0.0", "0.5", "1.5", "2.0", "2.25", "10.0", "0.1"};
const std::vector<std::string> kDurations = {"90s", "30m", "1h",  "12h", "1d",
                                             "2d",  "7d",  "30d", "1w"};

int64_t DurationMs(const std::string& d) {
  int64_t n = std::stoll(d.substr(0, d.size() - 1));
  switch (d.back()) {
    case 's': return n * kSec;
    case 'm': return n * kMin;
    case 'h': return n * kHour;
    case 'd': return n * kDay;
    case 'w': return n * 7 * kDay;
  }
  return 0;
}

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

class Gen {
 public:
  Gen(uint64_t seed) : r_(seed), seed_(seed) {}

  GeneratedPair Run() {
    GeneratedPair p;
    p.seed = seed_;
    // as_of: usually midnight, sometimes an odd instant with milliseconds.
    int64_t base;
    ParseDateTime("2026-03-01T00:00:00Z", &base);
    as_of_ = base;
    if (r_.Chance(30)) as_of_ += r_.Below(24) * kHour + r_.Below(60) * kMin + r_.Below(1000);
    p.as_of = FormatTimestamp(as_of_);
    // Instants used by both program literals and data, so they meet exactly.
    // A few durations per pair, shared by windows, sequence gaps and the
    // data, so that boundaries are hit often.
    std::vector<std::string> all = kDurations;
    for (int k = 2 + r_.Below(2); k > 0; --k) {
      size_t at = static_cast<size_t>(r_.Below(static_cast<int>(all.size())));
      durs_.push_back(all[at]);
      all.erase(all.begin() + static_cast<long>(at));
    }
    for (const auto& d : durs_) grid_.push_back(as_of_ - DurationMs(d));
    for (int k : {0, 1, 3}) grid_.push_back(as_of_ - k * kDay);
    for (const auto& d : durs_) span_ = std::max(span_, DurationMs(d) * 3 / 2);
    std::sort(grid_.begin(), grid_.end());
    grid_.erase(std::unique(grid_.begin(), grid_.end()), grid_.end());

    std::string prog = kSchema;
    if (r_.Chance(50)) {
      prog += "consent c0 = " + BoolExpr(2, false) + "\n";
      has_consent_ = true;
    }
    int nseg = 2 + r_.Below(3);
    for (int i = 0; i < nseg; ++i) {
      std::string name = "s" + std::to_string(i);
      prog += "segment " + name + " = " + (r_.Chance(50) ? Atom() : BoolExpr(3, true)) + "\n";
      values_.push_back(name);
      p.names.push_back(name);
    }
    int naud = 1 + r_.Below(2);
    for (int i = 0; i < naud; ++i) {
      std::string name = "aud" + std::to_string(i);
      // Most audiences also take everyone with some event, so attributes get evaluated.
      std::string members = BoolExpr(3, true);
      if (r_.Chance(60)) members = "(" + members + " or did(" + AnyEvent().name + "))";
      prog += "audience " + name + " {\n  members " + members + "\n";
      if (r_.Chance(70)) {
        std::vector<std::string> ids;
        for (const char* id : {"ecid", "email", "user_id"})
          if (r_.Chance(50)) ids.push_back(id);
        if (ids.empty()) ids.push_back("user_id");
        prog += "  identities ";
        for (size_t k = 0; k < ids.size(); ++k) prog += (k ? ", " : "") + ids[k];
        prog += "\n";
      }
      int nattr = r_.Below(5);
      if (nattr > 0) {
        prog += "  attributes {\n";
        for (int k = 0; k < nattr; ++k)
          prog += "    at" + std::to_string(k) + " = " + AnyExpr(3) + "\n";
        prog += "  }\n";
      }
      prog += "}\n";
      values_.push_back(name);
      p.names.push_back(name);
    }
    p.program = prog;
    p.events = Events_();
    return p;
  }

 private:
  // ------------------------------------------------------------ program

  std::string TimeLit() { return "@" + FormatTimestamp(r_.Pick(grid_)); }
  std::string IntLit() { return std::to_string(r_.Below(7) - 1); }
  std::string StrLit() { return Quote(r_.Pick(kStrings)); }
  std::string NumLit() { return r_.Chance(50) ? IntLit() : r_.Pick(kFloatLits); }

  std::string Window(bool allow_between = true) {
    int k = r_.Below(10);
    if (k < 4) return "";
    if (k < 8 || !allow_between) return " within " + r_.Pick(durs_);
    int64_t a = r_.Pick(grid_), b = r_.Pick(grid_);
    if (a == b) b = a + kDay;
    if (a > b) std::swap(a, b);
    return " between @" + FormatTimestamp(a) + " and @" + FormatTimestamp(b);
  }

  const EventType& AnyEvent() { return r_.Pick(Events()); }

  // Props of `ev` of one of `types` (plus `timestamp` when Time is allowed).
  std::vector<std::string> PropsOf(const EventType& ev, std::initializer_list<T> types) {
    std::vector<std::string> out;
    for (const Prop& p : ev.props)
      for (T t : types)
        if (p.type == t) out.push_back(p.name);
    for (T t : types)
      if (t == T::Time) out.push_back("timestamp");
    return out;
  }

  // A `where` condition over the properties of `ev` (and traits).
  std::string Where(const EventType& ev, int depth) {
    int k = r_.Below(depth > 0 ? 12 : 9);
    auto pick = [&](std::initializer_list<T> ts) {
      auto v = PropsOf(ev, ts);
      if (v.empty()) return std::string();
      std::string p = r_.Pick(v);
      return r_.Chance(15) ? ev.name + "." + p : p;
    };
    std::string num = pick({T::Int, T::Float});
    std::string str = pick({T::Str});
    switch (k) {
      case 0:
        if (!num.empty()) return "(" + num + " " + CmpOp() + " " + NumLit() + ")";
        [[fallthrough]];
      case 1:
        if (!str.empty()) return "(" + str + " " + CmpOp() + " " + StrLit() + ")";
        [[fallthrough]];
      case 2: return "(" + pick({T::Time}) + " " + CmpOp() + " " + TimeLit() + ")";
      case 3: {
        auto all = PropsOf(ev, {T::Int, T::Float, T::Str, T::Time, T::Bool});
        return "exists(" + r_.Pick(all) + ")";
      }
      case 4:
        if (!str.empty())
          return std::string(
                     r_.Pick(std::vector<std::string>{"contains", "starts_with", "ends_with"})) +
                 "(" + (r_.Chance(20) ? "lower(" + str + ")" : str) + ", " + StrLit() + ")";
        [[fallthrough]];
      case 5:
        if (!num.empty())
          return "((" + num + " " + r_.Pick(std::vector<std::string>{"+", "-", "*", "/"}) + " " +
                 NumLit() + ") " + CmpOp() + " " + NumLit() + ")";
        [[fallthrough]];
      case 6:
        if (ev.name == "alpha")
          return "(f " + std::string(r_.Chance(50) ? "==" : "!=") + " " +
                 (r_.Chance(50) ? "true" : "false") + ")";
        [[fallthrough]];
      case 7:
        if (!str.empty()) return "(" + str + " in [" + StrLit() + ", " + StrLit() + "])";
        if (!num.empty()) return "(" + num + " in [" + NumLit() + ", " + NumLit() + "])";
        [[fallthrough]];
      case 8: return TraitCond();
      case 9: return "(" + Where(ev, depth - 1) + " and " + Where(ev, depth - 1) + ")";
      case 10: return "(" + Where(ev, depth - 1) + " or " + Where(ev, depth - 1) + ")";
      default: return "(not " + Where(ev, depth - 1) + ")";
    }
  }

  std::string TraitCond() {
    switch (r_.Below(5)) {
      case 0: return "(age " + CmpOp() + " " + IntLit() + ")";
      case 1: return "(profile.country " + CmpOp() + " " + StrLit() + ")";
      case 2: return "(vip == " + std::string(r_.Chance(50) ? "true" : "false") + ")";
      case 3: return "(score " + CmpOp() + " " + NumLit() + ")";
      default: return "(since " + CmpOp() + " " + TimeLit() + ")";
    }
  }

  std::string CmpOp() {
    return r_.Pick(std::vector<std::string>{"==", "!=", "<", "<=", ">", ">="});
  }

  // `E [where P] [W]` for an aggregate over `ev`.
  std::string AggTail(const EventType& ev) {
    std::string s;
    if (r_.Chance(50)) s += " where " + Where(ev, 2);
    return s + Window();
  }

  std::string EventAgg(const char* fn) {
    const EventType& ev = AnyEvent();
    return std::string(fn) + "(" + ev.name + AggTail(ev) + ")";
  }

  // fn(E.p ...) for a property of one of `types`; empty if `ev` has none.
  std::string PropAgg(const std::string& fn, std::initializer_list<T> types) {
    for (int tries = 0; tries < 8; ++tries) {
      const EventType& ev = AnyEvent();
      auto props = PropsOf(ev, types);
      if (props.empty()) continue;
      return fn + "(" + ev.name + "." + r_.Pick(props) + AggTail(ev) + ")";
    }
    return "";
  }

  std::string NumExpr(int depth) {
    int k = r_.Below(depth > 0 ? 12 : 8);
    std::string s;
    switch (k) {
      case 0: return NumLit();
      case 1: return r_.Chance(50) ? "age" : "score";
      case 2: return EventAgg("count");
      case 3: s = PropAgg("sum", {T::Int, T::Float}); break;
      case 4:
        s = PropAgg(r_.Pick(std::vector<std::string>{"min", "max", "avg"}), {T::Int, T::Float});
        break;
      case 5: s = PropAgg(r_.Chance(50) ? "first" : "last", {T::Int, T::Float}); break;
      case 6: return "days_since(" + TimeExpr(0) + ")";
      case 7: return EventAgg("count");
      case 8:
      case 9:
      case 10:
        return "(" + NumExpr(depth - 1) + " " +
               r_.Pick(std::vector<std::string>{"+", "-", "*", "/"}) + " " + NumExpr(depth - 1) +
               ")";
      default: return "(-" + NumExpr(depth - 1) + ")";
    }
    return s.empty() ? NumLit() : s;
  }

  std::string StrExpr(int depth) {
    int k = r_.Below(depth > 0 ? 8 : 5);
    std::string s;
    switch (k) {
      case 0: return StrLit();
      case 1: return r_.Pick(std::vector<std::string>{"country", "email", "profile.country"});
      case 2:
        s = PropAgg(r_.Pick(std::vector<std::string>{"first", "last", "min", "max"}), {T::Str});
        break;
      case 3: s = PropAgg("last", {T::Str}); break;
      case 4: return "country";
      default:
        return r_.Pick(std::vector<std::string>{"lower", "upper", "trim"}) + "(" +
               StrExpr(depth - 1) + ")";
    }
    return s.empty() ? "country" : s;
  }

  std::string TimeExpr(int depth) {
    switch (r_.Below(4)) {
      case 0: return "since";
      case 1: return TimeLit();
      default: {
        std::string s =
            PropAgg(r_.Pick(std::vector<std::string>{"first", "last", "min", "max"}), {T::Time});
        return s.empty() ? "since" : s;
      }
    }
  }

  // A sequence with 2–4 steps, both `not` forms possible.
  std::string Sequence() {
    int positives = 2 + r_.Below(2);
    std::vector<std::string> steps;
    const EventType& e1 = AnyEvent();
    const EventType& e2 = AnyEvent();
    auto two = [&]() -> const EventType& { return r_.Chance(50) ? e1 : e2; };
    std::vector<PlanStep> plan;
    auto step = [&](bool first) {
      const EventType& ev = two();
      std::string s = ev.name;
      if (r_.Chance(35)) s += " where " + Where(ev, 1);
      int64_t within = 0;
      if (first) {
        s += Window();
      } else if (r_.Chance(60)) {
        std::string d = r_.Pick(durs_);
        within = DurationMs(d);
        s += " within " + d;
      }
      plan.push_back({&ev, false, within});
      return s;
    };
    auto not_step = [&](bool last) {
      const EventType& ev = two();
      std::string s = "not " + ev.name;
      if (r_.Chance(35)) s += " where " + Where(ev, 1);
      int64_t within = 0;
      if (last) {
        std::string d = r_.Pick(durs_);
        within = DurationMs(d);
        s += " within " + d;
      }
      plan.push_back({&ev, true, within});
      return s;
    };
    for (int i = 0; i < positives; ++i) {
      steps.push_back(step(i == 0));
      if (i + 1 < positives && r_.Chance(30)) steps.push_back(not_step(false));
    }
    if (r_.Chance(40)) steps.push_back(not_step(true));
    plans_.push_back(plan);
    std::string s = "sequence(";
    for (size_t i = 0; i < steps.size(); ++i) s += (i ? ", " : "") + steps[i];
    return s + ")";
  }

  // One boundary-sensitive condition: a windowed aggregate or a sequence.
  std::string Atom() {
    switch (r_.Below(4)) {
      case 0: return EventAgg("did");
      case 1: return "(" + EventAgg("count") + " >= " + std::to_string(1 + r_.Below(2)) + ")";
      default: return Sequence();
    }
  }

  std::string BoolExpr(int depth, bool allow_refs) {
    int k = r_.Below(depth > 0 ? 17 : 13);
    switch (k) {
      case 0: return "(" + NumExpr(2) + " " + CmpOp() + " " + NumExpr(1) + ")";
      case 1: return "(" + NumExpr(1) + " " + CmpOp() + " " + NumLit() + ")";
      case 2: return "(" + StrExpr(1) + " " + CmpOp() + " " + StrLit() + ")";
      case 3: return "(" + TimeExpr(0) + " " + CmpOp() + " " + TimeExpr(0) + ")";
      case 4: return EventAgg("did");
      case 5: return "(" + EventAgg("count") + " " + CmpOp() + " " + IntLit() + ")";
      case 6:
      case 7: return Sequence();
      case 8: return "exists(" + AnyExpr(1) + ")";
      case 9:
        return r_.Pick(std::vector<std::string>{"contains", "starts_with", "ends_with"}) + "(" +
               StrExpr(1) + ", " + StrLit() + ")";
      case 10:
        return r_.Chance(50) ? "(" + StrExpr(1) + " in [" + StrLit() + ", " + StrLit() + "])"
                             : "(" + NumExpr(1) + " in [" + NumLit() + ", " + NumLit() + "])";
      case 11: return TraitCond();
      case 12:
        if (allow_refs && (!values_.empty() || has_consent_)) {
          std::vector<std::string> refs = values_;
          if (has_consent_) refs.push_back("c0");
          return r_.Pick(refs);
        }
        return EventAgg("did");
      case 13:
      case 14:
        return "(" + BoolExpr(depth - 1, allow_refs) + " and " + BoolExpr(depth - 1, allow_refs) +
               ")";
      case 15:
        return "(" + BoolExpr(depth - 1, allow_refs) + " or " + BoolExpr(depth - 1, allow_refs) +
               ")";
      default: return "(not " + BoolExpr(depth - 1, allow_refs) + ")";
    }
  }

  std::string AnyExpr(int depth) {
    switch (r_.Below(8)) {
      case 0:
      case 1:
      case 2: return NumExpr(depth);
      case 3:
      case 4: return StrExpr(depth);
      case 5: return TimeExpr(depth);
      case 6: {
        std::string s = PropAgg(r_.Chance(50) ? "first" : "last", {T::Bool});
        return s.empty() ? "vip" : s;
      }
      default: return BoolExpr(depth > 1 ? 1 : 0, false);
    }
  }

  // ------------------------------------------------------------ data

  std::string Ts(int64_t ms) {
    // Mostly UTC; sometimes an offset or explicit .000, same instant.
    int k = r_.Below(10);
    if (k == 0) {
      int64_t local = ms + kHour;  // +01:00
      std::string s = FormatTimestamp(local);
      return s.substr(0, s.size() - 1) + "+01:00";
    }
    if (k == 1 && ms % 1000 == 0) {
      std::string s = FormatTimestamp(ms);
      return s.substr(0, s.size() - 1) + ".000Z";
    }
    return FormatTimestamp(ms);
  }

  int64_t EventTime() {
    int k = r_.Below(100);
    if (k < 20 && !times_.empty()) return r_.Pick(times_);  // a tie
    if (k < 40 && !times_.empty()) {                        // D after another event: sequence gaps
      int64_t t = r_.Pick(times_) + DurationMs(r_.Pick(durs_));
      return r_.Chance(25) ? t + (r_.Chance(50) ? 1 : -1) : t;
    }
    if (k < 65) {  // on (or next to) a window boundary or as_of
      int64_t g = r_.Pick(grid_);
      return r_.Chance(20) ? g + (r_.Chance(50) ? 1 : -1) : g;
    }
    if (k < 70) return as_of_ + 1 + r_.Below(3) * kHour;  // after as_of
    return as_of_ - static_cast<int64_t>(r_.Next() % static_cast<uint64_t>(span_ / kSec)) * kSec;
  }

  std::string JsonValue(T t, bool trait) {
    int k = r_.Below(100);
    if (k < 8) return "null";
    if (k < 18) {  // wrong JSON type
      switch (t) {
        case T::Int: return r_.Chance(50) ? "2.0" : "\"3\"";
        case T::Float: return r_.Chance(50) ? "\"1.5\"" : "true";
        case T::Str: return r_.Chance(50) ? "5" : "[\"SE\"]";
        case T::Time: return r_.Chance(50) ? "\"yesterday\"" : "1772323200000";
        case T::Bool: return r_.Chance(50) ? "\"true\"" : "1";
      }
    }
    switch (t) {
      case T::Int: return std::to_string(r_.Below(7) - 1);
      case T::Float: {
        static const std::vector<std::string> kF = {"0.5", "1.5", "2.25", "10.0", "-1.5",
                                                    "0.1", "0.2", "3",    "0",    "2"};
        return r_.Pick(kF);
      }
      case T::Str:
        if (trait && r_.Chance(40))
          return Quote(r_.Pick(std::vector<std::string>{"Ann@X.se", " ann@x.se ", "bo@y.com"}));
        return Quote(r_.Pick(kStrings));
      case T::Time: return Quote(Ts(EventTime()));
      case T::Bool: return r_.Chance(50) ? "true" : "false";
    }
    return "null";
  }

  std::string Ids(int person, int nperson) {
    std::string s;
    int k = r_.Below(100);
    if (k < 40) return "\"userId\":" + Quote(user_[person]);
    if (k < 75) return "\"anonymousId\":" + Quote(anon_[person]);
    if (k < 93)
      return "\"userId\":" + Quote(user_[person]) + ",\"anonymousId\":" + Quote(anon_[person]);
    int other = r_.Below(nperson);
    return "\"userId\":" + Quote(user_[person]) + ",\"anonymousId\":" + Quote(anon_[other]);
  }

  // One track or page call of `ev` by `person` at `t`, with random properties.
  std::string EventLine(const EventType& ev, int person, int nperson, int64_t t, int serial,
                        std::vector<std::string>* with_message_id) {
    std::string ts = "\"timestamp\":" + Quote(Ts(t));
    std::string props;
    std::string name_field;
    for (const Prop& p : ev.props) {
      if (r_.Chance(15)) continue;        // absent
      if (ev.page && p.name == "name") {  // top-level, always a string (else a bad line)
        name_field = ",\"name\":" + Quote(r_.Pick(kStrings));
        continue;
      }
      props += (props.empty() ? "" : ",") + Quote(p.name) + ":" + JsonValue(p.type, false);
    }
    std::string head =
        ev.page ? "{\"type\":\"page\"" : "{\"type\":\"track\",\"event\":" + Quote(ev.segment);
    bool mid = r_.Chance(15);
    if (mid) head += ",\"messageId\":\"m" + std::to_string(serial) + "\"";
    std::string line = head + "," + Ids(person, nperson) + "," + ts + name_field +
                       (r_.Chance(90) ? ",\"properties\":{" + props + "}" : "") + "}\n";
    if (mid) with_message_id->push_back(line);
    return line;
  }

  std::string Events_() {
    int nperson = 1 + r_.Below(4);
    for (int i = 0; i < nperson; ++i) {
      user_.push_back("u" + std::to_string(i + 1));
      anon_.push_back("a" + std::to_string(i + 1));
    }
    // Sometimes one person's anonymousId is another's userId string.
    if (nperson >= 2 && r_.Chance(25)) anon_[0] = user_[1];
    int nevents = 8 + r_.Below(28);
    std::string out;
    std::vector<std::string> with_message_id;
    for (int i = 0; i < nevents; ++i) {
      if (!with_message_id.empty() && r_.Chance(4)) {  // a duplicate delivery
        out += r_.Pick(with_message_id);
        continue;
      }
      int person = r_.Below(nperson);
      int64_t t = EventTime();
      times_.push_back(t);
      std::string ts = "\"timestamp\":" + Quote(Ts(t));
      int k = r_.Below(100);
      if (k < 14) {  // identify; often at the instant of an earlier one (latest-wins ties)
        if (!identify_times_.empty() && r_.Chance(40)) t = r_.Pick(identify_times_);
        identify_times_.push_back(t);
        ts = "\"timestamp\":" + Quote(Ts(t));
        std::string traits;
        for (const Trait& tr : Traits())
          if (r_.Chance(45))
            traits += (traits.empty() ? "" : ",") + Quote(tr.name) + ":" + JsonValue(tr.type, true);
        out += "{\"type\":\"identify\"," + Ids(person, nperson) + "," + ts + ",\"traits\":{" +
               traits + "}}\n";
      } else if (k < 19) {  // alias
        std::string prev = r_.Chance(50) ? anon_[r_.Below(nperson)] : user_[r_.Below(nperson)];
        out += "{\"type\":\"alias\",\"previousId\":" + Quote(prev) +
               ",\"userId\":" + Quote(user_[person]) + "," + ts + "}\n";
      } else if (k < 22) {  // undeclared track event or screen call: links only
        out += std::string("{\"type\":") +
               (r_.Chance(50) ? "\"track\",\"event\":\"Zeta\"" : "\"screen\",\"name\":\"S\"") +
               "," + Ids(person, nperson) + "," + ts + "}\n";
      } else if (k < 24) {  // a bad line
        out += r_.Chance(50) ? "{\"type\":\"track\",\"event\":\"Alpha\",\"userId\":\"u1\"}\n"
                             : "{not json\n";
      } else {
        out += EventLine(r_.Pick(Events()), person, nperson, t, i, &with_message_id);
      }
    }
    // Near-witnesses of the sequences: chains of step events with gaps of
    // exactly D (or D ± 1ms), a last step exactly D_not before as_of, and
    // blockers on the boundaries. Merged into the lines, order kept.
    std::vector<std::string> lines;
    {
      size_t from = 0;
      for (size_t at; (at = out.find('\n', from)) != std::string::npos; from = at + 1)
        lines.push_back(out.substr(from, at - from + 1));
    }
    int serial = 1000;
    for (const auto& plan : plans_) {
      if (!r_.Chance(60)) continue;
      int person = r_.Below(nperson);
      std::vector<std::pair<int64_t, const PlanStep*>> chain;  // in line order
      // Positive steps, backwards from the last one.
      std::vector<const PlanStep*> pos;
      const PlanStep* last_not = nullptr;
      std::vector<const PlanStep*> middle_before;  // middle not before positive k (or null)
      const PlanStep* pending_not = nullptr;
      for (const PlanStep& st : plan) {
        if (!st.negated) {
          pos.push_back(&st);
          middle_before.push_back(pending_not);
          pending_not = nullptr;
        } else if (&st == &plan.back()) {
          last_not = &st;
        } else {
          pending_not = &st;
        }
      }
      auto jitter = [&](int64_t t) { return r_.Chance(25) ? t + (r_.Chance(50) ? 1 : -1) : t; };
      std::vector<int64_t> t(pos.size());
      t.back() = last_not ? jitter(as_of_ - last_not->within)
                          : as_of_ - static_cast<int64_t>(r_.Next() % static_cast<uint64_t>(span_));
      for (size_t k = pos.size() - 1; k > 0; --k) {
        int64_t gap = pos[k]->within && r_.Chance(75)
                          ? jitter(pos[k]->within)
                          : static_cast<int64_t>(r_.Next() % static_cast<uint64_t>(span_ / 2 + 1));
        t[k - 1] = t[k] - std::max<int64_t>(gap, 0);
      }
      for (size_t k = 0; k < pos.size(); ++k) {
        if (middle_before[k] && r_.Chance(50)) {
          // A middle `not` event tied with one end (line order decides) or between.
          int64_t when = r_.Chance(50) ? t[k - 1] : r_.Chance(50) ? t[k] : (t[k - 1] + t[k]) / 2;
          if (r_.Chance(50) && !chain.empty() && when == t[k - 1]) {
            chain.insert(chain.end() - 1, {when, middle_before[k]});
          } else {
            chain.push_back({when, middle_before[k]});
          }
        }
        chain.push_back({t[k], pos[k]});
      }
      if (last_not && r_.Chance(50)) {
        int64_t when = r_.Chance(60) ? jitter(t.back() + last_not->within) : t.back();
        if (when == t.back() && r_.Chance(50))
          chain.insert(chain.end() - 1, {when, last_not});
        else
          chain.push_back({when, last_not});
      }
      size_t at = static_cast<size_t>(r_.Below(static_cast<int>(lines.size()) + 1));
      for (const auto& [when, st] : chain) {
        times_.push_back(when);
        lines.insert(lines.begin() + static_cast<long>(at),
                     EventLine(*st->ev, person, nperson, when, serial++, &with_message_id));
        at += 1 + static_cast<size_t>(r_.Below(3));
        at = std::min(at, lines.size());
      }
    }
    out.clear();
    for (const auto& l : lines) out += l;
    return out;
  }

  Rng r_;
  uint64_t seed_;
  int64_t as_of_ = 0;
  std::vector<int64_t> grid_, times_, identify_times_;
  std::vector<std::string> durs_;  // the durations this pair uses
  // The steps of every generated sequence, to plant near-witnesses in the data.
  struct PlanStep {
    const EventType* ev;
    bool negated;
    int64_t within;  // 0: none
  };
  std::vector<std::vector<PlanStep>> plans_;
  int64_t span_ = kHour;             // how far before as_of random events go
  std::vector<std::string> values_;  // earlier segments/audiences
  bool has_consent_ = false;
  std::vector<std::string> user_, anon_;
};

}  // namespace

uint64_t PairSeed(uint64_t run_seed, uint64_t index) {
  Rng r(run_seed * 0x100000001B3ull + index);
  return r.Next();
}

GeneratedPair Generate(uint64_t seed) { return Gen(seed).Run(); }

}  // namespace aud::evaltest
