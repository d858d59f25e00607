// The reference evaluator (see reference.h). Every rule below cites the
// paragraph of docs/reference/language.md it implements; when in doubt it does the most
// literal thing, never the fast thing.

#include "tests/eval/reference/reference.h"

#include <glob.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>

#include "stdlib/builtins.h"

namespace aud::evaltest {

using nlohmann::json;

namespace {

// ---------------------------------------------------------------- time

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool LeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool ParseDate(std::string_view s, int64_t* days) {
  int y, m, d;
  if (s.size() < 10 || !Digits(s, 0, 4, &y) || s[4] != '-' || !Digits(s, 5, 2, &m) || s[7] != '-' ||
      !Digits(s, 8, 2, &d))
    return false;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  int dim = kDays[m - 1] + (m == 2 && LeapYear(y) ? 1 : 0);
  if (d > dim) return false;
  *days = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  return true;
}

}  // namespace

bool ParseDateTime(std::string_view s, int64_t* millis) {
  int64_t days;
  if (!ParseDate(s, &days)) return false;
  if (s.size() < 19 || (s[10] != 'T' && s[10] != 't')) return false;
  int hh, mm, ss;
  if (!Digits(s, 11, 2, &hh) || s[13] != ':' || !Digits(s, 14, 2, &mm) || s[16] != ':' ||
      !Digits(s, 17, 2, &ss))
    return false;
  if (hh > 23 || mm > 59 || ss > 59) return false;
  size_t pos = 19;
  int64_t ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    int64_t scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      ms += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return false;
  }
  if (pos >= s.size()) return false;
  int64_t offset_min = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59)
      return false;
    offset_min = (int64_t{oh} * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return false;
  }
  if (pos != s.size()) return false;
  *millis = ((days * 24 + hh) * 60 + mm) * 60000 + int64_t{ss} * 1000 + ms - offset_min * 60000;
  return true;
}

bool ParseAsOf(std::string_view s, int64_t* millis) {
  if (!s.empty() && s[0] == '@') s.remove_prefix(1);
  if (s.size() == 10) {
    int64_t days;
    if (!ParseDate(s, &days)) return false;
    *millis = days * 86400000;
    return true;
  }
  return ParseDateTime(s, millis);
}

std::string FormatTimestamp(int64_t millis) {
  int64_t days = millis >= 0 ? millis / 86400000 : -((-millis + 86399999) / 86400000);
  int64_t rest = millis - days * 86400000;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[64];
  int64_t ms = rest % 1000, s = rest / 1000;
  if (ms != 0) {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                  static_cast<long long>(y), m, d, static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60),
                  static_cast<long long>(ms));
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                  static_cast<long long>(y), m, d, static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  }
  return buf;
}

std::string FormatFloat(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

namespace {

// JSON string literal: `"` `\` and control characters escaped, the rest as is.
std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// ---------------------------------------------------------------- values

// A value of §3, or missing.
struct Val {
  enum Kind { Missing, Bool, Int, Float, Str, Time } k = Missing;
  bool b = false;
  int64_t i = 0;  // Int and Time (milliseconds)
  double f = 0;
  std::string s;

  static Val B(bool v) {
    Val x;
    x.k = Bool;
    x.b = v;
    return x;
  }
  static Val I(int64_t v) {
    Val x;
    x.k = Int;
    x.i = v;
    return x;
  }
  static Val F(double v) {
    Val x;
    x.k = Float;
    x.f = v;
    return x;
  }
  static Val S(std::string v) {
    Val x;
    x.k = Str;
    x.s = std::move(v);
    return x;
  }
  static Val T(int64_t v) {
    Val x;
    x.k = Time;
    x.i = v;
    return x;
  }
  bool missing() const { return k == Missing; }
  bool numeric() const { return k == Int || k == Float; }
  double num() const { return k == Int ? static_cast<double>(i) : f; }
};

// §3: a JSON value as a declared type; a wrong JSON type is missing.
Val FromJson(const json* j, ast::Type t) {
  if (!j || j->is_null()) return {};
  switch (t) {
    case ast::Type::Bool: return j->is_boolean() ? Val::B(j->get<bool>()) : Val{};
    case ast::Type::Int:
      if (j->is_number_integer()) {
        if (j->is_number_unsigned() && j->get<uint64_t>() > uint64_t(INT64_MAX)) return {};
        return Val::I(j->get<int64_t>());
      }
      return {};
    case ast::Type::Float:
      if (j->is_number_float()) return Val::F(j->get<double>());
      if (j->is_number_unsigned()) return Val::F(static_cast<double>(j->get<uint64_t>()));
      if (j->is_number_integer()) return Val::F(static_cast<double>(j->get<int64_t>()));
      return {};
    case ast::Type::String: return j->is_string() ? Val::S(j->get<std::string>()) : Val{};
    case ast::Type::Timestamp: {
      if (!j->is_string()) return {};
      int64_t ms;
      return ParseDateTime(j->get_ref<const std::string&>(), &ms) ? Val::T(ms) : Val{};
    }
    default: return {};
  }
}

ast::Type DeclaredType(const std::string& t) {
  if (t == "bool") return ast::Type::Bool;
  if (t == "int") return ast::Type::Int;
  if (t == "float") return ast::Type::Float;
  if (t == "string") return ast::Type::String;
  if (t == "timestamp") return ast::Type::Timestamp;
  return ast::Type::Unknown;
}

std::string ValJson(const Val& v) {
  switch (v.k) {
    case Val::Missing: return "null";
    case Val::Bool: return v.b ? "true" : "false";
    case Val::Int: return std::to_string(v.i);
    case Val::Float: return FormatFloat(v.f);
    case Val::Str: return JsonString(v.s);
    case Val::Time: return JsonString(FormatTimestamp(v.i));
  }
  return "null";
}

// ---------------------------------------------------------------- data model (§5)

enum class Ns { User, Anon };

// One accepted input line at or before as_of.
// NOLINTNEXTLINE(bugprone-exception-escape): json's destructor may throw in theory; a test tool
struct Line {
  json j;
  std::string type;  // track identify page screen alias group
  int64_t ts = 0;
  size_t order = 0;  // input order: file, then line
  std::string user_id, anonymous_id, previous_id;
  bool has_user = false, has_anon = false;
};

// An event of a declared type, in a profile.
struct Event {
  const Line* line;
  const ast::EventDecl* decl;
};

struct Profile {
  std::string key;
  std::set<std::string> user_ids, anonymous_ids;
  std::vector<Event> events;          // event order
  std::map<std::string, Val> traits;  // declared traits that have a value
};

struct UnionFind {
  std::vector<size_t> parent;
  size_t Add() {
    parent.push_back(parent.size());
    return parent.size() - 1;
  }
  size_t Find(size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  void Union(size_t a, size_t b) { parent[Find(a)] = Find(b); }
};

// §4.1 `round(x, digits)`, written from the text and independently of
// runtime/builtins: the shortest `%.*e` that reads back as x is the decimal
// aud prints for x; its digits are rounded half away from zero at `digits`
// places and the result read back with strtod.
double RoundHalfAway(double x, int64_t digits) {
  if (std::isnan(x) || std::isinf(x) || x == 0) return x;
  const double ax = std::fabs(x);
  char buf[64];
  for (int prec = 0; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*e", prec, ax);
    if (std::strtod(buf, nullptr) == ax) break;
  }
  std::string text = buf;
  size_t e = text.find('e');
  std::string n;  // the significant digits; |x| = n * 10^-scale
  for (size_t i = 0; i < e; ++i)
    if (text[i] != '.') n += text[i];
  const int64_t scale = static_cast<int64_t>(n.size()) - 1 - std::stoll(text.substr(e + 1));
  if (digits >= scale) return x;        // no more decimals than asked for
  const int64_t drop = scale - digits;  // trailing digits of n to drop
  if (drop > static_cast<int64_t>(n.size())) return std::copysign(0.0, x);
  std::string kept = n.substr(0, n.size() - static_cast<size_t>(drop));
  bool up = n[n.size() - static_cast<size_t>(drop)] >= '5';  // half or more of the last kept place
  // kept + up, as decimal text.
  std::string sum;
  int carry = up ? 1 : 0;
  for (size_t i = kept.size(); i-- > 0;) {
    int v = (kept[i] - '0') + carry;
    carry = v / 10;
    sum.insert(sum.begin(), static_cast<char>('0' + v % 10));
  }
  if (carry) sum.insert(sum.begin(), '1');
  if (sum.find_first_not_of('0') == std::string::npos) return std::copysign(0.0, x);
  std::string decimal = sum + "e" + std::to_string(-digits);
  return std::copysign(std::strtod(decimal.c_str(), nullptr), x);
}

std::string Normalize(std::string v, const std::optional<ast::Name>& how) {
  if (!how) return v;
  const std::string& n = how->text;
  if (n == "email" || n == "trim") {
    size_t b = v.find_first_not_of(" \t\n\r\f\v");
    size_t e = v.find_last_not_of(" \t\n\r\f\v");
    v = b == std::string::npos ? "" : v.substr(b, e - b + 1);
  }
  if (n == "email" || n == "lower")
    for (char& c : v)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return v;
}

}  // namespace

// ---------------------------------------------------------------- evaluator

struct Reference::Impl {
  const check::Project& project;
  const check::Module& module;
  int64_t as_of;
  std::vector<std::unique_ptr<Line>> lines;
  std::vector<Profile> profiles;  // sorted by key

  // Per-profile memo of memberships (segment/audience/consent decl -> value).
  std::map<const void*, bool> memo;
  std::set<const void*> in_progress;

  Impl(const check::Project& p, const std::vector<std::string>& files, int64_t as_of_ms)
      : project(p), module(p.module), as_of(as_of_ms) {
    ReadLines(files);
    BuildProfiles();
  }

  // §5: accept a line or drop it as bad input; keep only ts <= as_of.
  void ReadLines(const std::vector<std::string>& files) {
    size_t order = 0;
    std::set<std::string> message_ids;
    for (const std::string& text : files) {
      std::istringstream in(text);
      std::string raw;
      while (std::getline(in, raw)) {
        size_t my_order = order++;
        if (!raw.empty() && raw.back() == '\r') raw.pop_back();
        if (raw.find_first_not_of(" \t") == std::string::npos) continue;
        // A byte order mark is not JSON (RFC 8259 lets a parser refuse it; aud does).
        if (raw.rfind("\xEF\xBB\xBF", 0) == 0) continue;
        json j = json::parse(raw, nullptr, /*allow_exceptions=*/false);
        if (j.is_discarded() || !j.is_object()) continue;
        auto line = std::make_unique<Line>();
        line->order = my_order;
        auto str = [&](const char* k, std::string* out) {
          auto it = j.find(k);
          if (it == j.end() || !it->is_string()) return false;
          *out = it->get<std::string>();
          return true;
        };
        // A field of the wrong JSON type makes the line bad (null is absent):
        // ids and messageId must be strings, `event` a non-empty string,
        // `properties`/`traits` objects.
        auto wrong = [&](const char* k, bool (json::*is)() const noexcept) {
          auto it = j.find(k);
          return it != j.end() && !it->is_null() && !((*it).*is)();
        };
        if (!str("type", &line->type)) continue;
        static const std::set<std::string> kTypes = {"track",  "identify", "page",
                                                     "screen", "alias",    "group"};
        if (!kTypes.count(line->type)) continue;
        // §5: `timestamp` when present (not null); else Segment's rule
        // (segment.com/docs/connections/spec/common/): receivedAt − (sentAt −
        // originalTimestamp) when all three are valid, else originalTimestamp,
        // else receivedAt, else sentAt. Invalid ones are left out.
        auto ts_field = j.find("timestamp");
        if (ts_field != j.end() && !ts_field->is_null()) {
          std::string ts;
          if (!str("timestamp", &ts) || !ParseDateTime(ts, &line->ts)) continue;
        } else {
          auto valid = [&](const char* k, int64_t* out) {
            std::string v;
            return str(k, &v) && ParseDateTime(v, out);
          };
          int64_t original, sent, received;
          const bool has_o = valid("originalTimestamp", &original);
          const bool has_s = valid("sentAt", &sent);
          const bool has_r = valid("receivedAt", &received);
          if (has_o && has_s && has_r) {
            line->ts = received - (sent - original);
            int64_t lo, hi;
            ParseDateTime("0000-01-01T00:00:00Z", &lo);
            ParseDateTime("9999-12-31T23:59:59.999Z", &hi);
            if (line->ts < lo || line->ts > hi) continue;
          } else if (has_o) {
            line->ts = original;
          } else if (has_r) {
            line->ts = received;
          } else if (has_s) {
            line->ts = sent;
          } else {
            continue;
          }
        }
        if (wrong("userId", &json::is_string) || wrong("anonymousId", &json::is_string) ||
            wrong("previousId", &json::is_string) || wrong("messageId", &json::is_string))
          continue;
        bool is_event = line->type == "track" || line->type == "page" || line->type == "screen";
        const bool has_traits = line->type == "identify" || line->type == "group";
        if ((is_event && wrong("properties", &json::is_object)) ||
            (has_traits && wrong("traits", &json::is_object)) ||
            (line->type == "group" && wrong("groupId", &json::is_string)))
          continue;
        std::string event_name;
        if (line->type == "track" && (!str("event", &event_name) || event_name.empty())) continue;
        // An empty id is no id.
        line->has_user = str("userId", &line->user_id) && !line->user_id.empty();
        line->has_anon = str("anonymousId", &line->anonymous_id) && !line->anonymous_id.empty();
        if (line->type == "alias") {
          if (!str("previousId", &line->previous_id) || line->previous_id.empty() ||
              !line->has_user)
            continue;
        } else if (!line->has_user && !line->has_anon) {
          continue;
        }
        std::string group_id;
        if (line->type == "group" && (!str("groupId", &group_id) || group_id.empty())) continue;
        std::string mid;
        if (str("messageId", &mid) && !mid.empty() && !message_ids.insert(mid).second) continue;
        if (line->ts > as_of) continue;  // §5: events after as_of do not exist
        line->j = std::move(j);
        lines.push_back(std::move(line));
      }
    }
  }

  const ast::EventDecl* DeclOf(const Line& l) const {
    for (const auto& [name, sym] : module.symbols) {
      if (sym.kind != check::SymbolKind::Event) continue;
      const auto* ev = std::get_if<ast::EventDecl>(&sym.decl->node);
      if (!ev) continue;
      if (l.type == "track" && ev->source == ast::EventDecl::Track) {
        auto it = l.j.find("event");
        if (it != l.j.end() && it->is_string() && it->get<std::string>() == ev->track_name.value)
          return ev;
      } else if (l.type == "page" && ev->source == ast::EventDecl::Page) {
        return ev;
      } else if (l.type == "screen" && ev->source == ast::EventDecl::Screen) {
        return ev;
      }
    }
    return nullptr;
  }

  // §5: profiles are the connected components of the id links.
  void BuildProfiles() {
    UnionFind uf;
    std::map<std::pair<Ns, std::string>, size_t> node;
    auto Node = [&](Ns ns, const std::string& v) {
      auto [it, added] = node.emplace(std::make_pair(ns, v), 0);
      if (added) it->second = uf.Add();
      return it->second;
    };
    std::set<std::string> known_user_ids;
    for (const auto& l : lines)
      if (l->has_user) known_user_ids.insert(l->user_id);
    for (const auto& l : lines) {
      if (l->type == "alias") {
        Ns prev_ns = known_user_ids.count(l->previous_id) ? Ns::User : Ns::Anon;
        uf.Union(Node(prev_ns, l->previous_id), Node(Ns::User, l->user_id));
        continue;
      }
      size_t u = l->has_user ? Node(Ns::User, l->user_id) : 0;
      size_t a = l->has_anon ? Node(Ns::Anon, l->anonymous_id) : 0;
      if (l->has_user && l->has_anon) uf.Union(u, a);
    }
    std::map<size_t, Profile> by_root;
    for (const auto& [id, n] : node) {
      Profile& p = by_root[uf.Find(n)];
      (id.first == Ns::User ? p.user_ids : p.anonymous_ids).insert(id.second);
    }
    std::map<size_t, std::vector<const Line*>> identifies;
    for (const auto& l : lines) {
      if (l->type == "alias") continue;
      size_t n =
          l->has_user ? node.at({Ns::User, l->user_id}) : node.at({Ns::Anon, l->anonymous_id});
      Profile& p = by_root[uf.Find(n)];
      if (l->type == "identify") {
        identifies[uf.Find(n)].push_back(l.get());
      } else if (const ast::EventDecl* d = DeclOf(*l)) {
        p.events.push_back({l.get(), d});
      }
    }
    for (auto& [root, p] : by_root) {
      p.key = !p.user_ids.empty() ? *p.user_ids.begin() : *p.anonymous_ids.begin();
      // Event order: timestamp, ties by input order.
      std::sort(p.events.begin(), p.events.end(), [](const Event& a, const Event& b) {
        return a.line->ts != b.line->ts ? a.line->ts < b.line->ts : a.line->order < b.line->order;
      });
      // Traits: latest identify (ties: later line) with a present value of the right type.
      for (const auto& [name, sym] : module.symbols) {
        if (sym.kind != check::SymbolKind::Trait) continue;
        const auto* td = std::get_if<ast::TraitDecl>(&sym.decl->node);
        ast::Type t = DeclaredType(td->type.text);
        const Line* best = nullptr;
        Val best_v;
        for (const Line* l : identifies[root]) {
          auto tr = l->j.find("traits");
          if (tr == l->j.end() || !tr->is_object()) continue;
          auto it = tr->find(name);
          if (it == tr->end()) continue;
          Val v = FromJson(&*it, t);
          if (v.missing()) continue;
          if (!best || l->ts > best->ts || (l->ts == best->ts && l->order > best->order)) {
            best = l;
            best_v = v;
          }
        }
        if (best) p.traits[name] = best_v;
      }
      profiles.push_back(std::move(p));
    }
    // Keys can tie (a userId of one profile is the smallest anonymousId of an
    // anonymous one); §10 leaves that order open, the reference puts the
    // userId-keyed profile first and the property test accepts either order.
    std::sort(profiles.begin(), profiles.end(), [](const Profile& a, const Profile& b) {
      if (a.key != b.key) return a.key < b.key;
      return !a.user_ids.empty() && b.user_ids.empty();
    });
  }

  // ------------------------------------------------------------ expressions

  struct Ctx {
    const Profile* p;
    const Event* ev = nullptr;  // inside `where`
  };

  static Val Prop(const Event& e, const ast::PropDecl* pd) {
    if (!pd) return Val::T(e.line->ts);  // `timestamp`
    const json& j = e.line->j;
    ast::Type t = DeclaredType(pd->type.text);
    // `context.a.b`: the leaf at that path of the message's `context` object
    // (docs/language.md); a `properties` key spelled so is never read.
    if (pd->name.text.rfind("context.", 0) == 0) {
      const json* at = &j;
      std::string path = pd->name.text;
      size_t from = 0;
      while (true) {
        size_t dot = path.find('.', from);
        std::string key =
            path.substr(from, dot == std::string::npos ? std::string::npos : dot - from);
        if (!at->is_object()) return {};
        auto it = at->find(key);
        if (it == at->end()) return {};
        at = &*it;
        if (dot == std::string::npos) break;
        from = dot + 1;
      }
      return FromJson(at, t);
    }
    // Page/screen `name` is the call's top-level field (§5).
    if (pd->name.text == "name" && e.decl->source != ast::EventDecl::Track) {
      auto it = j.find("name");
      if (it != j.end()) return FromJson(&*it, t);
    }
    auto props = j.find("properties");
    if (props == j.end() || !props->is_object()) return {};
    auto it = props->find(pd->name.text);
    return it == props->end() ? Val{} : FromJson(&*it, t);
  }

  static bool InWindow(const std::optional<ast::Window>& w, int64_t ts, int64_t as_of) {
    if (ts > as_of) return false;
    if (!w) return true;
    if (w->kind == ast::Window::Within) return as_of - w->within.millis < ts;
    return w->from.millis <= ts && ts < w->to.millis;
  }

  bool Truthy(const ast::Expr& e, Ctx c) {
    Val v = Eval(e, c);
    return v.k == Val::Bool && v.b;
  }

  bool Matches(const Event& ev, const ast::EventDecl* decl, const ast::Expr* where, Ctx c) {
    if (ev.decl != decl) return false;
    if (!where) return true;
    Ctx w = c;
    w.ev = &ev;
    return Truthy(*where, w);
  }

  // The events of `arg` (type, where, window) in event order.
  std::vector<const Event*> Selected(const ast::EventDecl* decl, const ast::CallArg& arg, Ctx c) {
    std::vector<const Event*> out;
    for (const Event& ev : c.p->events)
      if (InWindow(arg.window, ev.line->ts, as_of) && Matches(ev, decl, arg.where.get(), c))
        out.push_back(&ev);
    return out;
  }

  bool Member(const void* decl, Ctx c) {
    auto it = memo.find(decl);
    if (it != memo.end()) return it->second;
    const ast::Expr* body = nullptr;
    const auto* d = static_cast<const ast::Decl*>(decl);
    if (const auto* s = std::get_if<ast::SegmentDecl>(&d->node)) body = s->expr.get();
    if (const auto* s = std::get_if<ast::ConsentDecl>(&d->node)) body = s->expr.get();
    if (const auto* a = std::get_if<ast::AudienceDecl>(&d->node))
      for (const auto& item : a->items)
        if (item.kind == ast::AudienceItem::Members) body = item.members.get();
    bool r = body && Truthy(*body, Ctx{c.p, nullptr});
    memo[decl] = r;
    return r;
  }

  static int Compare(const Val& a, const Val& b) {
    if (a.k == Val::Str) return a.s < b.s ? -1 : a.s > b.s ? 1 : 0;
    if (a.k == Val::Int && b.k == Val::Int) return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
    if (a.k == Val::Time) return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
    if (a.k == Val::Bool) return a.b == b.b ? 0 : a.b ? 1 : -1;
    double x = a.num(), y = b.num();
    return x < y ? -1 : x > y ? 1 : 0;
  }

  Val Eval(const ast::Expr& e, Ctx c) {
    using K = ast::ExprKind;
    switch (e.kind) {
      case K::BoolLit: return Val::B(e.bool_value);
      case K::IntLit: return Val::I(e.int_value);
      case K::FloatLit: return Val::F(e.float_value);
      case K::StringLit: return Val::S(e.string_value);
      case K::TimeLit: return Val::T(e.time.millis);
      case K::DurationLit:
      case K::ListLit: return {};
      case K::Paren: return Eval(*e.children[0], c);
      case K::NameRef:
      case K::Member: return EvalName(e, c);
      case K::Unary: {
        Val x = Eval(*e.children[0], c);
        if (e.unary_op == ast::UnaryOp::Not) return Val::B(!(x.k == Val::Bool && x.b));
        if (x.k == Val::Int) return Val::I(static_cast<int64_t>(0 - static_cast<uint64_t>(x.i)));
        if (x.k == Val::Float) return Val::F(-x.f);
        return {};
      }
      case K::Binary: return EvalBinary(e, c);
      case K::Call: return EvalCall(e, c);
    }
    return {};
  }

  Val EvalName(const ast::Expr& e, Ctx c) {
    switch (e.ref) {
      case ast::RefKind::Trait: {
        const auto* td = static_cast<const ast::TraitDecl*>(e.decl);
        auto it = c.p->traits.find(td->name.text);
        return it == c.p->traits.end() ? Val{} : it->second;
      }
      case ast::RefKind::Property:
        if (!c.ev) return {};
        return Prop(*c.ev, static_cast<const ast::PropDecl*>(e.decl));
      case ast::RefKind::Segment:
      case ast::RefKind::Audience:
      case ast::RefKind::Consent: {
        // Memberships are per profile; evaluate outside any `where`.
        return Val::B(Member(e.decl, c));
      }
      default: return {};
    }
  }

  Val EvalBinary(const ast::Expr& e, Ctx c) {
    using Op = ast::BinaryOp;
    Op op = e.binary_op;
    if (op == Op::And) return Val::B(Truthy(*e.children[0], c) && Truthy(*e.children[1], c));
    if (op == Op::Or) return Val::B(Truthy(*e.children[0], c) || Truthy(*e.children[1], c));
    Val l = Eval(*e.children[0], c);
    if (op == Op::In) {
      if (l.missing()) return Val::B(false);
      for (const auto& x : e.children[1]->children) {
        Val r = Eval(*x, c);
        if (!r.missing() && Compare(l, r) == 0) return Val::B(true);
      }
      return Val::B(false);
    }
    Val r = Eval(*e.children[1], c);
    switch (op) {
      case Op::Eq:
      case Op::Ne:
      case Op::Lt:
      case Op::Le:
      case Op::Gt:
      case Op::Ge: {
        // §3: any comparison with a missing operand is false.
        if (l.missing() || r.missing()) return Val::B(false);
        int cmp = Compare(l, r);
        bool v = op == Op::Eq   ? cmp == 0
                 : op == Op::Ne ? cmp != 0
                 : op == Op::Lt ? cmp < 0
                 : op == Op::Le ? cmp <= 0
                 : op == Op::Gt ? cmp > 0
                                : cmp >= 0;
        return Val::B(v);
      }
      case Op::Add:
      case Op::Sub:
      case Op::Mul:
      case Op::Div: {
        if (l.missing() || r.missing()) return {};
        if (op == Op::Div) {
          if (r.num() == 0) return {};  // §3: division by zero is missing
          return Val::F(l.num() / r.num());
        }
        if (l.k == Val::Int && r.k == Val::Int) {
          uint64_t a = static_cast<uint64_t>(l.i), b = static_cast<uint64_t>(r.i);
          uint64_t v = op == Op::Add ? a + b : op == Op::Sub ? a - b : a * b;
          return Val::I(static_cast<int64_t>(v));
        }
        double a = l.num(), b = r.num();
        return Val::F(op == Op::Add ? a + b : op == Op::Sub ? a - b : a * b);
      }
      default: return {};
    }
  }

  const ast::EventDecl* EventOf(const ast::Expr& v) const {
    const ast::Expr* x = &v;
    if (x->kind == ast::ExprKind::Unary) x = x->children[0].get();
    if (x->kind == ast::ExprKind::NameRef && x->ref == ast::RefKind::Event)
      return static_cast<const ast::EventDecl*>(x->decl);
    return module.Get<ast::EventDecl>(x->name.text);  // E.p of a property aggregate
  }

  Val EvalCall(const ast::Expr& e, Ctx c) {
    using B = stdlib::Builtin;
    const stdlib::BuiltinInfo* b = stdlib::FindBuiltin(e.name.text);
    if (!b) return {};
    switch (b->id) {
      case B::Count:
      case B::Did: {
        auto sel = Selected(EventOf(*e.args[0].value), e.args[0], c);
        if (b->id == B::Did) return Val::B(!sel.empty());
        return Val::I(static_cast<int64_t>(sel.size()));
      }
      case B::Sum:
      case B::Min:
      case B::Max:
      case B::Avg:
      case B::First:
      case B::Last: {
        const ast::CallArg& arg = e.args[0];
        const ast::EventDecl* ev = EventOf(*arg.value);
        const auto* pd = static_cast<const ast::PropDecl*>(arg.value->decl);
        auto sel = Selected(ev, arg, c);
        if (b->id == B::First || b->id == B::Last) {
          if (sel.empty()) return {};
          return Prop(b->id == B::First ? *sel.front() : *sel.back(), pd);
        }
        std::vector<Val> vals;
        for (const Event* x : sel) {
          Val v = Prop(*x, pd);
          if (!v.missing()) vals.push_back(v);
        }
        ast::Type pt = arg.value->type;
        if (b->id == B::Sum) {
          if (pt == ast::Type::Int) {
            uint64_t s = 0;
            for (const Val& v : vals) s += static_cast<uint64_t>(v.i);
            return Val::I(static_cast<int64_t>(s));
          }
          double s = 0;
          for (const Val& v : vals) s += v.f;
          return Val::F(s);
        }
        if (vals.empty()) return {};
        if (b->id == B::Avg) {
          double s = 0;
          for (const Val& v : vals) s += v.num();
          return Val::F(s / static_cast<double>(vals.size()));
        }
        Val best = vals[0];
        for (const Val& v : vals) {
          int cmp = Compare(v, best);
          if (b->id == B::Min ? cmp < 0 : cmp > 0) best = v;
        }
        return best;
      }
      case B::Sequence: return Val::B(Sequence(e, c));
      case B::Exists: return Val::B(!Eval(*e.args[0].value, c).missing());
      case B::Lower:
      case B::Upper:
      case B::Trim: {
        Val s = Eval(*e.args[0].value, c);
        if (s.missing()) return {};
        if (b->id == B::Trim) {
          size_t from = s.s.find_first_not_of(" \t\n\r\f\v");
          size_t to = s.s.find_last_not_of(" \t\n\r\f\v");
          return Val::S(from == std::string::npos ? "" : s.s.substr(from, to - from + 1));
        }
        for (char& ch : s.s) {
          if (b->id == B::Lower && ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
          if (b->id == B::Upper && ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
        }
        return s;
      }
      case B::Contains:
      case B::StartsWith:
      case B::EndsWith: {
        Val s = Eval(*e.args[0].value, c), t = Eval(*e.args[1].value, c);
        if (s.missing() || t.missing()) return Val::B(false);
        if (b->id == B::Contains) return Val::B(s.s.find(t.s) != std::string::npos);
        if (t.s.size() > s.s.size()) return Val::B(false);
        if (b->id == B::StartsWith) return Val::B(s.s.compare(0, t.s.size(), t.s) == 0);
        return Val::B(s.s.compare(s.s.size() - t.s.size(), t.s.size(), t.s) == 0);
      }
      case B::DaysSince: {
        Val t = Eval(*e.args[0].value, c);
        if (t.missing()) return {};
        return Val::F(static_cast<double>(as_of - t.i) / 86400000.0);
      }
      case B::Round: {
        Val x = Eval(*e.args[0].value, c), d = Eval(*e.args[1].value, c);
        if (x.missing() || d.missing()) return {};
        return Val::F(RoundHalfAway(x.num(), d.i));
      }
    }
    return {};
  }

  // ------------------------------------------------------------ sequences (§6)

  struct Step {
    bool negated;
    const ast::EventDecl* decl;
    const ast::Expr* where;
    const std::optional<ast::Window>* window;
  };

  // §6, literally: is there an increasing choice of positions for the positive
  // steps that meets rules 1–4? Depth-first over all positions; each rule is
  // checked as soon as the positions it mentions are chosen.
  bool Sequence(const ast::Expr& call, Ctx c) {
    std::vector<Step> steps;
    for (const ast::CallArg& a : call.args) {
      bool neg = a.value->kind == ast::ExprKind::Unary && a.value->unary_op == ast::UnaryOp::Not;
      steps.push_back({neg, EventOf(*a.value), a.where.get(), &a.window});
    }
    const std::vector<Event>& evs = c.p->events;
    const size_t n = evs.size();
    auto matches = [&](const Step& s, size_t i) { return Matches(evs[i], s.decl, s.where, c); };
    auto ts = [&](size_t i) { return evs[i].line->ts; };

    std::function<bool(size_t, size_t)> place = [&](size_t si, size_t prev) -> bool {
      if (si == steps.size()) return true;
      const Step& st = steps[si];
      if (st.negated) {  // rule 4: a last `not E within D`
        int64_t end = ts(prev) + (*st.window)->within.millis;
        if (end > as_of) return false;
        for (size_t j = prev + 1; j < n; ++j)
          if (ts(j) <= end && matches(st, j)) return false;
        return true;
      }
      const Step* middle_not = si > 0 && steps[si - 1].negated ? &steps[si - 1] : nullptr;
      for (size_t i = si == 0 ? 0 : prev + 1; i < n; ++i) {
        if (!matches(st, i)) continue;  // rule 1
        if (si == 0) {
          if (!InWindow(*st.window, ts(i), as_of)) continue;  // rule 1: first step's window
        } else if (*st.window) {
          if (ts(i) - ts(prev) > (*st.window)->within.millis) continue;  // rule 2
        }
        if (middle_not) {  // rule 3
          bool seen = false;
          for (size_t j = prev + 1; j < i && !seen; ++j) seen = matches(*middle_not, j);
          if (seen) continue;
        }
        size_t next = si + 1;
        if (next + 1 < steps.size() && steps[next].negated) ++next;  // a middle `not`
        if (place(next, i)) return true;
      }
      return false;
    };
    return place(0, 0);
  }

  // ------------------------------------------------------------ output (§10)

  bool Output(const std::string& name, std::string* out, std::string* error) {
    const check::Symbol* sym = module.Find(name);
    if (!sym ||
        (sym->kind != check::SymbolKind::Segment && sym->kind != check::SymbolKind::Audience)) {
      *error = "`" + name + "` is not a segment or audience";
      return false;
    }
    std::vector<std::string> ids;  // identity names, in output order
    const std::vector<ast::Attribute>* attrs = nullptr;
    bool listed = false;
    if (const auto* a = std::get_if<ast::AudienceDecl>(&sym->decl->node)) {
      for (const auto& item : a->items) {
        if (item.kind == ast::AudienceItem::Identities) {
          listed = true;
          for (const auto& n : item.identities) ids.push_back(n.text);
        }
        if (item.kind == ast::AudienceItem::Attributes) attrs = &item.attributes;
        if (item.kind == ast::AudienceItem::Import) {
          *error = "imported audiences are not supported by the reference";
          return false;
        }
      }
    }
    if (!listed)
      for (const auto& [n, d] : module.identities) ids.push_back(n);

    out->clear();
    for (const Profile& p : profiles) {
      memo.clear();
      Ctx c{&p, nullptr};
      if (!Member(sym->decl, c)) continue;
      std::string line = "{\"profile\":" + JsonString(p.key) + ",\"identities\":{";
      for (size_t k = 0; k < ids.size(); ++k) {
        const ast::IdentityDecl* id = module.identities.at(ids[k]);
        std::set<std::string> vals;
        // An empty (normalized) value identifies nothing: it is left out
        // (aud's decision; docs/reference/language.md is silent, see docs/testing.md).
        if (id->from == ast::IdentityDecl::Trait) {
          auto it = p.traits.find(id->source.text);
          if (it != p.traits.end() && it->second.k == Val::Str)
            vals.insert(Normalize(it->second.s, id->normalize));
        } else {
          for (const auto& v : id->from == ast::IdentityDecl::UserId ? p.user_ids : p.anonymous_ids)
            vals.insert(Normalize(v, id->normalize));
        }
        if (k) line += ",";
        line += JsonString(ids[k]);
        line += ":[";
        vals.erase("");
        size_t m = 0;
        for (const auto& v : vals) {
          if (m++) line += ",";
          line += JsonString(v);
        }
        line += "]";
      }
      line += "},\"attributes\":{";
      if (attrs)
        for (size_t k = 0; k < attrs->size(); ++k) {
          const ast::Attribute& at = (*attrs)[k];
          if (k) line += ",";
          line += JsonString(at.name.text);
          line += ":";
          line += ValJson(Eval(*at.expr, c));
        }
      line += "}}\n";
      *out += line;
    }
    return true;
  }
};

Reference::Reference(const check::Project& project, const std::vector<std::string>& event_files,
                     int64_t as_of)
    : impl_(std::make_unique<Impl>(project, event_files, as_of)) {}

Reference::~Reference() = default;

bool Reference::Eval(const std::string& name, std::string* out, std::string* error) {
  return impl_->Output(name, out, error);
}

size_t Reference::NumProfiles() const { return impl_->profiles.size(); }

bool EvalProjectDir(const std::string& dir, const std::string& name, int64_t as_of,
                    std::string* out, std::string* error) {
  check::SourceTree tree = check::ReadSourceTree(dir);
  auto project = check::Check(tree);
  if (!project->ok()) {
    *error = project->diags.Render();
    return false;
  }
  std::vector<std::string> files;
  if (project->config)
    for (const auto& src : project->config->sources) {
      glob_t g{};
      if (glob((dir + "/" + src.path).c_str(), 0, nullptr, &g) == 0)
        for (size_t i = 0; i < g.gl_pathc; ++i) {  // glob() sorts the paths
          std::ifstream in(g.gl_pathv[i], std::ios::binary);
          std::stringstream buf;
          buf << in.rdbuf();
          files.push_back(buf.str());
        }
      globfree(&g);
    }
  Reference ref(*project, files, as_of);
  return ref.Eval(name, out, error);
}

}  // namespace aud::evaltest
