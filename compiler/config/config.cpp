#include "compiler/config/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <string_view>

#include "compiler/config/connector_schema.h"

namespace aud::config {

using base::DiagKind;
using base::SourceRange;

const std::vector<std::string>& ConnectionTypes() {
  static const std::vector<std::string> types = [] {
    std::vector<std::string> out;
    for (const ConnectorSpec& c : kConnectors) out.emplace_back(c.type);
    return out;
  }();
  return types;
}

namespace {

// How a key of a connection table is typed and checked (connector_schema.h).
using KeyKind = SettingKind;

// "connection types are `profile_store`, `file`, ... and `postgres`".
std::string TypesListing() {
  std::string out = "connection types are ";
  const auto& types = ConnectionTypes();
  for (size_t i = 0; i < types.size(); ++i) {
    if (i) out += i + 1 == types.size() ? " and " : ", ";
    out += "`" + types[i] + "`";
  }
  return out;
}

// Defaults filled into Connection::values when a key is absent (docs/config.md).
void FillDefaults(Connection& c) {
  for (const SettingSpec& s : kSettings) {
    if (s.type != c.type || !s.has_default()) continue;
    if (s.default_int != kNoInt)
      c.values.emplace(std::string(s.key), s.default_int);
    else if (s.default_num != kNoNum)
      c.values.emplace(std::string(s.key), s.default_num);
    else
      c.values.emplace(std::string(s.key), std::string(s.default_str));
  }
}

// "a string", "an integer", ... for messages.
std::string_view Article(toml::node_type t) {
  switch (t) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

bool IsBareKey(std::string_view k) {
  if (k.empty()) return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// A key as it would be written in TOML (quoted when it is not a bare key).
std::string ShowKey(std::string_view k) {
  if (IsBareKey(k)) return std::string(k);
  std::string out = "\"";
  for (char c : k) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += '?';
      continue;
    }
    out += c;
  }
  return out + "\"";
}

// A user's value quoted in a message: control characters would break the
// rendered line, and a long value is cut short.
std::string Shown(std::string_view s) {
  size_t n = std::min<size_t>(s.size(), 40);
  // Never cut a UTF-8 sequence in half.
  while (n < s.size() && n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  std::string out;
  for (char c : s.substr(0, n)) out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
  if (n < s.size()) out += "...";
  return out;
}

bool IsEnvName(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool IsSqlName(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool IsSqlTable(std::string_view s) {
  size_t dot = s.find('.');
  if (dot == std::string_view::npos) return IsSqlName(s);
  return IsSqlName(s.substr(0, dot)) && IsSqlName(s.substr(dot + 1));
}

// Key names that may hold a credential: diagnostics about them never show
// their line.
bool LooksSecret(std::string_view key) {
  std::string k;
  for (char c : key) k += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  for (std::string_view w :
       {"key", "token", "dsn", "password", "passwd", "pwd", "secret", "credential", "auth"}) {
    if (k.find(w) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

bool ShowableLine(std::string_view line) {
  size_t b = line.find_first_not_of(" \t");
  if (b == std::string_view::npos) return true;
  line.remove_prefix(b);
  if (line[0] == '#' || line[0] == '[') return true;
  size_t eq = line.find('=');
  if (eq == std::string_view::npos) return false;
  std::string_view key = line.substr(0, eq);
  while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.remove_suffix(1);
  // `connections.crm.dir = ...`: the last part of a dotted key names it.
  if (size_t dot = key.rfind('.'); dot != std::string_view::npos) {
    key.remove_prefix(dot + 1);
    while (!key.empty() && (key.front() == ' ' || key.front() == '\t')) key.remove_prefix(1);
  }
  // Plain keys outside connections, then every connection setting marked
  // plain in connectors.def.
  for (std::string_view k : {"name", "stdlib", "path", "format", "backend", "type",
                             "max_exit_fraction", "schema", "listen"}) {
    if (key == k) return !LooksSecret(line);
  }
  for (const SettingSpec& s : kSettings)
    if (s.plain && key == s.key) return !LooksSecret(line);
  return false;
}

namespace {

std::string Upper(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c >= 'a' && c <= 'z') {
      out += static_cast<char>(c - 'a' + 'A');
    } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      out += c;
    } else {
      out += '_';
    }
  }
  return out;
}

// Reads one aud.toml: converts TOML++ positions to byte ranges and reports.
class Reader {
 public:
  Reader(base::FileId id, base::Diagnostics& diags, std::string environment)
      : id_(id), diags_(diags), file_(diags.sources().file(id)), env_(std::move(environment)) {
    bom_ = file_.text.size() >= 3 && file_.text.compare(0, 3, "\xEF\xBB\xBF") == 0;
  }

  std::optional<ProjectConfig> Run() {
    size_t errors_before = diags_.error_count();
    toml::table root;
#if TOML_EXCEPTIONS
    try {
      root = toml::parse(std::string_view(file_.text), std::string_view(file_.path));
    } catch (const toml::parse_error& e) {
      SyntaxError(e);
      return std::nullopt;
    } catch (const std::exception& e) {
      // Anything else TOML++ (or the allocator) throws is still a syntax-level failure
      // of this file; no exception escapes the compiler core.
      diags_.Report(DiagKind::ConfigSyntax, SourceRange{id_, 0, 0},
                    "cannot read aud.toml: " + std::string(e.what()));
      return std::nullopt;
    }
#else
    toml::parse_result result =
        toml::parse(std::string_view(file_.text), std::string_view(file_.path));
    if (!result) {
      SyntaxError(result.error());
      return std::nullopt;
    }
    root = std::move(result).table();
#endif
    ProjectConfig cfg;
    cfg.environment = env_;
    ReadEnvironments(root, cfg);
    ReadRoot(root, cfg);
    if (diags_.error_count() > errors_before) return std::nullopt;
    return cfg;
  }

 private:
  // --- positions -------------------------------------------------------------

  uint32_t Offset(const toml::source_position& p) const {
    const std::string& text = file_.text;
    if (p.line == 0) return 0;
    if (p.line > file_.line_starts.size()) return static_cast<uint32_t>(text.size());
    uint32_t i = file_.line_starts[p.line - 1];
    // TOML++ skips a UTF-8 byte order mark without counting it.
    if (p.line == 1 && bom_) i = 3;
    // TOML++ columns count code points; ours count bytes.
    for (uint32_t col = 1; col < p.column; ++col) {
      if (i >= text.size() || text[i] == '\n') break;
      ++i;
      while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
    }
    return std::min<uint32_t>(i, static_cast<uint32_t>(text.size()));
  }

  SourceRange Range(const toml::source_region& r) const {
    uint32_t b = Offset(r.begin);
    uint32_t e = Offset(r.end);
    if (e <= b) e = std::min<uint32_t>(b + 1, static_cast<uint32_t>(file_.text.size()));
    if (e < b) e = b;
    return SourceRange{id_, b, e};
  }
  SourceRange Range(const toml::node& n) const { return Range(n.source()); }
  SourceRange Range(const toml::key& k) const { return Range(k.source()); }

  // --- reporting ---------------------------------------------------------------

  void SyntaxError(const toml::parse_error& e) {
    std::string msg(e.description());
    // TOML++ says "Error while parsing key-value pair: expected value"; we say
    // "invalid key-value pair: expected value".
    constexpr std::string_view kPrefix = "Error while parsing ";
    if (msg.compare(0, kPrefix.size(), kPrefix) == 0) msg = "invalid " + msg.substr(kPrefix.size());
    if (!msg.empty() && msg[0] >= 'A' && msg[0] <= 'Z')
      msg[0] = static_cast<char>(msg[0] - 'A' + 'a');
    while (!msg.empty() && (msg.back() == '.' || msg.back() == ' ')) msg.pop_back();
    if (msg.empty()) msg = "invalid TOML";
    uint32_t b = Offset(e.source().begin);
    uint32_t end = std::min<uint32_t>(b + 1, static_cast<uint32_t>(file_.text.size()));
    SourceRange r{id_, b, end};
    base::LineCol lc = diags_.sources().Position(id_, b);
    // `api_key = sk-live-...` is a syntax error whose line is the credential:
    // the line is shown only when it is a table header, a comment or a key
    // aud knows to be plain; otherwise only its position.
    auto& d = diags_.Report(DiagKind::ConfigSyntax, r, msg);
    d.hide_source = !ShowableLine(diags_.sources().Line(id_, lc.line));
    return;
  }

  // `otherwise` is a note shown when there is no close candidate.
  void UnknownKey(const toml::key& k, const std::string& where,
                  const std::vector<std::string>& candidates, std::string otherwise = "") {
    std::string msg = "unknown key `" + ShowKey(k.str()) + "` in " + where;
    // An unknown key may be a misspelled credential (`tokne`, `api_kye`,
    // `dns`): its line is never shown, whatever its name.
    auto& d = diags_.Report(DiagKind::ConfigUnknownKey, Range(k), msg);
    d.hide_source = true;
    std::string s = base::Suggest(k.str(), candidates);
    if (!s.empty()) {
      d.notes.push_back({SourceRange{}, "did you mean `" + s + "`?"});
    } else if (!otherwise.empty()) {
      d.notes.push_back({SourceRange{}, std::move(otherwise)});
    }
  }

  void WrongType(const toml::key& k, const toml::node& v, std::string_view expected) {
    diags_.Report(DiagKind::ConfigWrongType, Range(v),
                  "`" + ShowKey(k.str()) + "` must be " + std::string(expected) + ", not " +
                      std::string(Article(v.type())));
  }

  base::Diagnostic& Invalid(SourceRange r, std::string msg) {
    return diags_.Report(DiagKind::ConfigInvalidValue, r, std::move(msg));
  }

  // Entries of a table in document order (TOML++ keeps them sorted by name).
  static std::vector<std::pair<const toml::key*, const toml::node*>> Entries(const toml::table& t) {
    std::vector<std::pair<const toml::key*, const toml::node*>> out;
    for (auto&& [k, v] : t) out.emplace_back(&k, &v);
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      const auto& pa = a.first->source().begin;
      const auto& pb = b.first->source().begin;
      return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
    });
    return out;
  }

  // The entries of `base` with those of the selected environment's `ov`
  // (may be null) replacing keys of the same name; keys only `ov` has
  // follow (only `[state]` allows them).
  static std::vector<std::pair<const toml::key*, const toml::node*>> Merged(const toml::table& base,
                                                                            const toml::table* ov) {
    auto out = Entries(base);
    if (!ov) return out;
    for (auto [k, v] : Entries(*ov)) {
      bool replaced = false;
      for (auto& e : out) {
        if (e.first->str() == k->str()) {
          e = {k, v};
          replaced = true;
        }
      }
      if (!replaced) out.emplace_back(k, v);
    }
    return out;
  }

  const toml::table* Override(const std::string& group, const std::string& name) const {
    auto g = overrides_.find(group);
    if (g == overrides_.end()) return nullptr;
    auto it = g->second.find(name);
    return it == g->second.end() ? nullptr : it->second;
  }

  // --- environments ------------------------------------------------------------

  // Checks every `[env.NAME]` table and keeps the selected one's overrides.
  void ReadEnvironments(const toml::table& root, ProjectConfig& cfg) {
    const toml::node* envs = root.get("env");
    bool found = false;
    if (envs) {
      const toml::key* envs_key = nullptr;
      for (auto&& [k, v] : root)
        if (k.str() == "env") envs_key = &k;
      const auto* et = AsTable(*envs_key, *envs, "a table of `[env.NAME]` tables");
      for (auto [k, v] : et ? Entries(*et) : decltype(Entries(root)){}) {
        std::string name(k->str());
        std::string where = "`[env." + ShowKey(name) + "]`";
        if (!IsBareKey(name) || name == "default") {
          Invalid(Range(*k), "environment name `" + Shown(name) +
                                 "` must be letters, digits, `_` or `-`, and not `default` (the "
                                 "environment without `--env`)");
          continue;
        }
        const auto* t = v->as_table();
        if (!t) {
          WrongType(*k, *v, "a table");
          continue;
        }
        cfg.environments.push_back(name);
        const bool selected = name == env_;
        found = found || selected;
        for (auto [gk, gv] : Entries(*t)) {
          std::string group(gk->str());
          if (group == "state") {
            if (const auto* st = AsTable(*gk, *gv); st && selected) state_override_ = st;
            continue;
          }
          if (group != "sources" && group != "connections") {
            UnknownKey(*gk, where, {"sources", "connections", "state"},
                       "an environment overrides keys of `[sources.*]`, `[connections.*]` and "
                       "`[state]`");
            continue;
          }
          const auto* gt = AsTable(*gk, *gv);
          if (!gt) continue;
          const toml::table* base_group = root.get(group) ? root.get(group)->as_table() : nullptr;
          for (auto [nk, nv] : Entries(*gt)) {
            std::string item(nk->str());
            std::string owner = "`[" + group + "." + ShowKey(item) + "]`";
            const auto* ot = nv->as_table();
            if (!ot) {
              diags_
                  .Report(DiagKind::ConfigWrongType, Range(*nv),
                          "`env." + name + "." + group + "." + ShowKey(item) +
                              "` must be a table, not " + std::string(Article(nv->type())))
                  .hide_source = true;
              continue;
            }
            const toml::node* bn = base_group ? base_group->get(item) : nullptr;
            const toml::table* bt = bn ? bn->as_table() : nullptr;
            if (!bt) {
              std::vector<std::string> names;
              if (base_group)
                for (auto&& [bk, _] : *base_group) names.emplace_back(bk.str());
              auto& d =
                  diags_.Report(DiagKind::ConfigUnknownKey, Range(*nk),
                                "`[env." + ShowKey(name) + "." + group + "." + ShowKey(item) +
                                    "]` overrides " + owner + ", which aud.toml does not declare");
              std::string sug = base::Suggest(item, names);
              d.notes.push_back({SourceRange{}, sug.empty()
                                                    ? "an environment changes keys of tables "
                                                      "the project declares; declare " +
                                                          owner + " first"
                                                    : "did you mean `" + sug + "`?"});
              continue;
            }
            bool ok = true;
            for (auto [ok_key, ok_value] : Entries(*ot)) {
              (void)ok_value;
              if (bt->contains(ok_key->str())) continue;
              ok = false;
              std::vector<std::string> keys;
              for (auto&& [bk, _] : *bt) keys.emplace_back(bk.str());
              auto& d = diags_.Report(DiagKind::ConfigUnknownKey, Range(*ok_key),
                                      "`[env." + ShowKey(name) + "." + group + "." + ShowKey(item) +
                                          "]` overrides `" + ShowKey(ok_key->str()) + "`, which " +
                                          owner + " does not set");
              d.hide_source = true;  // the value may be a credential
              std::string sug = base::Suggest(ok_key->str(), keys);
              d.notes.push_back({SourceRange{},
                                 sug.empty() ? "an environment only changes keys the base "
                                               "table sets; set `" +
                                                   ShowKey(ok_key->str()) + "` in " + owner + " too"
                                             : "did you mean `" + sug + "`?"});
            }
            if (ok && selected) overrides_[group][item] = ot;
          }
        }
      }
    }
    if (env_.empty() || found) return;
    std::string declared;
    for (const auto& n : cfg.environments) declared += (declared.empty() ? "`" : ", `") + n + "`";
    auto& d = diags_.Report(DiagKind::ConfigInvalidValue, SourceRange{},
                            "unknown environment `" + Shown(env_) + "`: " +
                                (declared.empty() ? std::string("aud.toml declares no environments")
                                                  : "aud.toml declares " + declared));
    std::string sug = base::Suggest(env_, cfg.environments);
    d.notes.push_back({SourceRange{}, sug.empty() ? "add an `[env." + Shown(env_) +
                                                        "]` table to aud.toml, or drop `--env` "
                                                        "/ `AUD_ENV`"
                                                  : "did you mean `" + sug + "`?"});
  }

  // --- typed readers (report and return nullopt on error) ------------------------

  std::optional<std::string> String(const toml::key& k, const toml::node& v, bool non_empty) {
    const auto* s = v.as_string();
    if (!s) {
      WrongType(k, v, "a string");
      return std::nullopt;
    }
    if (non_empty && s->get().empty()) {
      Invalid(Range(v), "`" + ShowKey(k.str()) + "` must not be empty");
      return std::nullopt;
    }
    return s->get();
  }

  // Where a problem with a secret is reported: never on the secret's own line,
  // because the renderer prints that line and it may hold the credential. The
  // owning table's header when it is on another line, else no location (the
  // message names the line either way).
  SourceRange SecretRange(const toml::key& k, SourceRange owner) const {
    if (owner.valid() &&
        diags_.sources().Position(owner.file, owner.begin).line != k.source().begin.line) {
      return owner;
    }
    return SourceRange{};
  }

  // `{ env = "VAR" }`. `owner` names the table for the suggested variable name;
  // `owner_range` is its header. Nothing of the value is ever echoed.
  std::optional<SecretRef> Secret(const toml::key& k, const toml::node& v, const std::string& owner,
                                  SourceRange owner_range) {
    std::string key = ShowKey(k.str());
    std::string at = "`" + key + "` on line " + std::to_string(k.source().begin.line);
    SourceRange where = SecretRange(k, owner_range);
    const auto* t = v.as_table();
    if (!t) {
      auto& d =
          diags_.Report(DiagKind::ConfigWrongType, where,
                        at + " must be `{ env = \"VAR\" }`, not " + std::string(Article(v.type())) +
                            ": credentials never go in aud.toml");
      d.notes.push_back({SourceRange{}, "put the secret in an environment variable and write `" +
                                            key + " = { env = \"" +
                                            Upper(owner + "_" + std::string(k.str())) + "\" }`"});
      return std::nullopt;
    }
    std::optional<SecretRef> out;
    bool seen_env = false;
    bool unknown = false;
    for (auto [ek, ev] : Entries(*t)) {
      if (ek->str() != "env") {
        unknown = true;
        auto& d = diags_.Report(DiagKind::ConfigUnknownKey, where,
                                "unknown key `" + ShowKey(ek->str()) + "` in secret " + at);
        d.notes.push_back({SourceRange{}, "a secret is `{ env = \"VAR\" }`"});
        continue;
      }
      seen_env = true;
      const auto* s = ev->as_string();
      if (!s) {
        diags_.Report(
            DiagKind::ConfigWrongType, where,
            "`env` of " + at + " must be a string, not " + std::string(Article(ev->type())));
        continue;
      }
      if (!IsEnvName(s->get())) {
        diags_.Report(DiagKind::ConfigInvalidValue, where,
                      "`env` of " + at +
                          " must be the name of an environment variable (letters, digits and "
                          "`_`, not starting with a digit)");
        continue;
      }
      out = SecretRef{s->get()};
    }
    if (!seen_env) {
      // `{ value = "..." }` was already reported as an unknown key.
      if (!unknown)
        diags_.Report(DiagKind::ConfigMissingKey, where, "secret " + at + " needs `env`");
      return std::nullopt;
    }
    return out;
  }

  // --- tables ------------------------------------------------------------------

  void ReadRoot(const toml::table& root, ProjectConfig& cfg) {
    static const std::vector<std::string> kTop = {"project",     "sources", "state", "serve",
                                                  "connections", "env",     "engine"};
    bool has_state = false;
    for (auto [k, v] : Entries(root)) {
      std::string name(k->str());
      if (name == "env") continue;  // ReadEnvironments
      if (name == "project") {
        if (const auto* t = AsTable(*k, *v)) ReadProject(*t, cfg);
      } else if (name == "sources") {
        if (const auto* t = AsTable(*k, *v, "a table of `[sources.NAME]` tables"))
          ReadNamed(*t, "sources",
                    [&](const toml::key& nk, const toml::table& nt) { ReadSource(nk, nt, cfg); });
      } else if (name == "state") {
        has_state = true;
        if (const auto* t = AsTable(*k, *v)) ReadState(*t, cfg, state_override_, Range(*t));
      } else if (name == "engine") {
        if (const auto* t = AsTable(*k, *v, "a table of `[engine.NAME]` tables"))
          ReadEngine(*t, cfg);
      } else if (name == "serve") {
        if (const auto* t = AsTable(*k, *v)) ReadServe(*t, cfg, Range(*t));
      } else if (name == "connections") {
        if (const auto* t = AsTable(*k, *v, "a table of `[connections.NAME]` tables"))
          ReadNamed(*t, "connections", [&](const toml::key& nk, const toml::table& nt) {
            ReadConnection(nk, nt, cfg);
          });
      } else {
        std::string msg = v->is_table() ? "unknown table `[" + ShowKey(name) + "]`"
                                        : "unknown key `" + ShowKey(name) + "` at the top level";
        auto& d = diags_.Report(DiagKind::ConfigUnknownKey, Range(*k), msg);
        // A value's line may hold a credential (see UnknownKey).
        d.hide_source = !v->is_table();
        std::string s = base::Suggest(name, kTop);
        if (!s.empty()) d.notes.push_back({SourceRange{}, "did you mean `" + s + "`?"});
      }
    }
    // An environment may give the state keys the project leaves at their
    // defaults (no `[state]` table).
    if (!has_state && state_override_) {
      static const toml::table kEmpty;
      ReadState(kEmpty, cfg, state_override_, Range(*state_override_));
    }
  }

  const toml::table* AsTable(const toml::key& k, const toml::node& v,
                             std::string_view expected = "a table") {
    const auto* t = v.as_table();
    if (!t) WrongType(k, v, expected);
    return t;
  }

  template <typename F>
  void ReadNamed(const toml::table& t, std::string_view group, F&& read) {
    for (auto [k, v] : Entries(t)) {
      const auto* nt = v->as_table();
      if (!nt) {
        diags_
            .Report(DiagKind::ConfigWrongType, Range(*v),
                    "`" + std::string(group) + "." + ShowKey(k->str()) + "` must be a table, not " +
                        std::string(Article(v->type())))
            .hide_source = true;  // the value may be a credential
        continue;
      }
      read(*k, *nt);
    }
  }

  void ReadProject(const toml::table& t, ProjectConfig& cfg) {
    static const std::vector<std::string> kKeys = {"name", "stdlib"};
    for (auto [k, v] : Entries(t)) {
      if (k->str() == "name") {
        if (auto s = String(*k, *v, true)) cfg.name = *s;
      } else if (k->str() == "stdlib") {
        if (const auto* b = v->as_boolean()) {
          cfg.stdlib = b->get();
        } else {
          WrongType(*k, *v, "a boolean");
        }
      } else {
        UnknownKey(*k, "`[project]`", kKeys);
      }
    }
  }

  void ReadSource(const toml::key& name, const toml::table& t, ProjectConfig& cfg) {
    static const std::vector<std::string> kKeys = {"type", "path", "format", "dsn", "schema"};
    static const std::vector<std::string> kTypes = {"files", "postgres"};
    Source src;
    src.name = name.str();
    src.range = Range(t);
    std::string where = "`[sources." + ShowKey(src.name) + "]`";
    const auto entries = Merged(t, Override("sources", src.name));
    // The type first: it decides which keys apply.
    bool type_ok = true;
    for (auto [k, v] : entries) {
      if (k->str() != "type") continue;
      auto s = String(*k, *v, false);
      if (!s) {
        type_ok = false;
      } else if (*s != "files" && *s != "postgres") {
        type_ok = false;
        auto& d = diags_.Report(DiagKind::ConfigInvalidValue, Range(*v),
                                "`type` of a source must be `files` (Segment JSON lines) or "
                                "`postgres` (Segment's warehouse layout), not `" +
                                    Shown(*s) + "`");
        std::string sug = base::Suggest(*s, kTypes);
        if (!sug.empty()) d.notes.push_back({SourceRange{}, "did you mean `" + sug + "`?"});
      } else {
        src.type = *s;
      }
    }
    const bool warehouse = src.warehouse();
    src.format = warehouse ? "segment-warehouse" : "segment";
    bool has_path = false, has_dsn = false, has_schema = false;
    // A key of the other kind of source: an error at the key.
    auto not_for = [&](const toml::key& k, const std::string& why) {
      Invalid(Range(k), "`" + ShowKey(k.str()) + "` " + why);
    };
    for (auto [k, v] : entries) {
      const std::string_view key = k->str();
      if (key == "type") continue;
      if (key == "path") {
        has_path = true;
        if (warehouse) {
          not_for(*k,
                  "does not apply to a `postgres` source (it reads the tables of `schema`); "
                  "remove it");
        } else if (auto s = String(*k, *v, true)) {
          src.path = *s;
        }
      } else if (key == "format") {
        if (auto s = String(*k, *v, false)) {
          if (!warehouse && *s != "segment") {
            Invalid(Range(*v), "`format` of a source must be `segment`, not `" + Shown(*s) + "`" +
                                   (*s == "segment-warehouse"
                                        ? " (`segment-warehouse` needs `type = \"postgres\"`)"
                                        : ""));
          } else if (warehouse && *s != "segment-warehouse") {
            Invalid(Range(*v),
                    "`format` of a `postgres` source must be `segment-warehouse`, not `" +
                        Shown(*s) + "`");
          }
        }
      } else if (key == "dsn") {
        has_dsn = true;
        if (!warehouse) {
          // (never echo the line: it may hold a credential)
          auto& d = diags_.Report(DiagKind::ConfigInvalidValue, SecretRange(*k, src.range),
                                  "`dsn` on line " + std::to_string(k->source().begin.line) +
                                      " only applies to a source with `type = \"postgres\"`");
          d.notes.push_back({SourceRange{}, "add `type = \"postgres\"` or remove `dsn`"});
        } else if (auto s = Secret(*k, *v, "source_" + src.name, src.range)) {
          src.dsn = *s;
        }
      } else if (key == "schema") {
        has_schema = true;
        auto s = String(*k, *v, false);
        if (!warehouse) {
          not_for(*k, "only applies to a source with `type = \"postgres\"`");
        } else if (s && !SchemaName(*s)) {
          Invalid(Range(*v),
                  "`schema` must be a lower-case PostgreSQL name (letters, digits, "
                  "`_`, at most 63), not `" +
                      Shown(*s) + "`");
        } else if (s) {
          src.schema = *s;
        }
      } else {
        UnknownKey(*k, where, kKeys);
      }
    }
    if (type_ok && warehouse) {
      if (!has_dsn)
        diags_
            .Report(DiagKind::ConfigMissingKey, src.range,
                    where + " with `type = \"postgres\"` needs `dsn`")
            .notes.push_back({SourceRange{}, "write `dsn = { env = \"" +
                                                 Upper("source_" + src.name + "_dsn") +
                                                 "\" }` and set that variable"});
      if (!has_schema)
        diags_.Report(DiagKind::ConfigMissingKey, src.range,
                      where +
                          " with `type = \"postgres\"` needs `schema` (the schema Segment "
                          "loads the source into)");
    } else if (type_ok && !has_path) {
      diags_.Report(DiagKind::ConfigMissingKey, src.range, where + " needs `path`");
    }
    cfg.sources.push_back(std::move(src));
  }

  static bool SchemaName(const std::string& s) {
    if (s.empty() || s.size() > 63 || !(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z'))) return false;
    for (char c : s)
      if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
    return true;
  }

  // `[engine.postgres] dsn = { env = "VAR" }` (docs/sql-engine.md): where
  // `--engine postgres` evaluates; `shards = [{ env = "VAR" }, …]` the shards
  // of `--engine postgres-sharded` (docs/scale.md).
  void ReadEngine(const toml::table& t, ProjectConfig& cfg) {
    for (auto [k, v] : Entries(t)) {
      if (k->str() != "postgres") {
        UnknownKey(*k, "`[engine]`", {"postgres"});
        continue;
      }
      const auto* et = AsTable(*k, *v);
      if (!et) continue;
      bool has_dsn = false;
      for (auto [ek, ev] : Entries(*et)) {
        if (ek->str() == "dsn") {
          has_dsn = true;
          if (auto sec = Secret(*ek, *ev, "aud_engine", Range(*et))) cfg.engine_postgres_dsn = *sec;
        } else if (ek->str() == "shards") {
          const auto* arr = ev->as_array();
          if (!arr || arr->empty()) {
            diags_.Report(DiagKind::ConfigWrongType, Range(*et),
                          "`shards` in `[engine.postgres]` must be a non-empty array of "
                          "`{ env = \"VAR\" }`");
            continue;
          }
          for (const toml::node& el : *arr)
            if (auto sec = Secret(*ek, el, "aud_shard", Range(*et)))
              cfg.engine_postgres_shards.push_back(*sec);
        } else {
          UnknownKey(*ek, "`[engine.postgres]`", {"dsn", "shards"});
        }
      }
      if (!has_dsn)
        diags_.Report(DiagKind::ConfigMissingKey, Range(*et), "`[engine.postgres]` needs `dsn`");
    }
  }

  void ReadState(const toml::table& t, ProjectConfig& cfg, const toml::table* ov,
                 SourceRange range) {
    static const std::vector<std::string> kKeys = {"backend", "dsn", "schema"};
    static const std::vector<std::string> kBackends = {"sqlite", "postgres"};
    const toml::node* dsn_node = nullptr;
    const toml::key* dsn_key = nullptr;
    bool backend_ok = true;
    for (auto [k, v] : Merged(t, ov)) {
      if (k->str() == "backend") {
        auto s = String(*k, *v, false);
        if (!s) {
          backend_ok = false;
        } else if (*s != "sqlite" && *s != "postgres") {
          backend_ok = false;
          auto& d =
              diags_.Report(DiagKind::ConfigInvalidValue, Range(*v),
                            "`backend` must be `sqlite` or `postgres`, not `" + Shown(*s) + "`");
          std::string sug = base::Suggest(*s, kBackends);
          if (!sug.empty()) d.notes.push_back({SourceRange{}, "did you mean `" + sug + "`?"});
        } else {
          cfg.state_backend = *s;
        }
      } else if (k->str() == "dsn") {
        dsn_key = k;
        dsn_node = v;
        if (auto s = Secret(*k, *v, "aud_state", range)) cfg.state_dsn = *s;
      } else if (k->str() == "schema") {
        auto s = String(*k, *v, false);
        if (s && !SchemaName(*s)) {
          Invalid(Range(*v),
                  "`schema` must be a lower-case PostgreSQL name (letters, digits, "
                  "`_`, at most 63), not `" +
                      Shown(*s) + "`");
        } else if (s) {
          cfg.state_schema = *s;
        }
      } else {
        UnknownKey(*k, "`[state]`", kKeys);
      }
    }
    if (!backend_ok) return;
    if (cfg.state_backend == "postgres" && !dsn_node) {
      diags_.Report(DiagKind::ConfigMissingKey, range,
                    "`[state]` with backend `postgres` needs `dsn`");
    } else if (cfg.state_backend == "sqlite" && dsn_node && cfg.state_dsn) {
      Invalid(Range(*dsn_key),
              "`dsn` only applies to backend `postgres` (the sqlite state is "
              "always `.aud/state.db`)");
    }
  }

  // `[serve]`: `write_key = { env = "VAR" }`, `listen = "127.0.0.1:PORT"`.
  void ReadServe(const toml::table& t, ProjectConfig& cfg, SourceRange range) {
    static const std::vector<std::string> kKeys = {"write_key", "listen"};
    for (auto [k, v] : Entries(t)) {
      if (k->str() == "write_key") {
        if (auto s = Secret(*k, *v, "aud_serve", range)) cfg.serve_write_key = *s;
      } else if (k->str() == "listen") {
        auto s = String(*k, *v, false);
        if (!s) continue;
        const size_t colon = s->rfind(':');
        const std::string port = colon == std::string::npos ? "" : s->substr(colon + 1);
        const bool digits =
            !port.empty() && port.size() <= 5 &&
            std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
            std::stoi(port) <= 65535;
        if (!digits || colon == 0) {
          Invalid(Range(*v),
                  "`listen` must be `HOST:PORT` (e.g. `127.0.0.1:8088`), not `" + Shown(*s) + "`");
        } else {
          cfg.serve_listen = *s;
        }
      } else {
        UnknownKey(*k, "`[serve]`", kKeys);
      }
    }
  }

  void ReadConnection(const toml::key& name, const toml::table& t, ProjectConfig& cfg) {
    Connection c;
    c.name = name.str();
    c.range = Range(t);
    std::string where = "`[connections." + ShowKey(c.name) + "]`";

    const auto entries = Merged(t, Override("connections", c.name));
    const toml::node* type_node = nullptr;
    const toml::key* type_key = nullptr;
    for (auto [k, v] : entries) {
      if (k->str() != "type") continue;
      type_key = k;
      type_node = v;
    }
    if (!type_node) {
      auto& d = diags_.Report(DiagKind::ConfigMissingKey, c.range, where + " needs `type`");
      d.notes.push_back({SourceRange{}, TypesListing()});
      return;
    }
    auto type = String(*type_key, *type_node, false);
    if (!type) return;
    const ConnectorSpec* spec = FindConnector(*type);
    if (!spec) {
      auto& d = diags_.Report(DiagKind::ConfigInvalidValue, Range(*type_node),
                              "unknown connection type `" + Shown(*type) + "`");
      std::string sug = base::Suggest(*type, ConnectionTypes());
      if (!sug.empty()) {
        d.notes.push_back({SourceRange{}, "did you mean `" + sug + "`?"});
      } else {
        d.notes.push_back({SourceRange{}, TypesListing()});
      }
      return;
    }
    c.type = *type;
    if (c.name == "profile_store" && c.type != "profile_store") {
      Invalid(Range(*type_node),
              "`[connections.profile_store]` configures the built-in profile store: its `type` "
              "must be `profile_store`, not `" +
                  c.type + "`");
    }

    std::vector<std::string> candidates = {"type"};
    std::string listing = "a `" + c.type + "` connection takes `type`";
    for (const SettingSpec& ks : kSettings) {
      if (ks.type != c.type) continue;
      candidates.emplace_back(ks.key);
      listing += ", `" + std::string(ks.key) + "`";
    }

    for (auto [k, v] : entries) {
      std::string key(k->str());
      if (key == "type") continue;
      const SettingSpec* ks = FindSetting(c.type, key);
      if (!ks) {
        UnknownKey(*k, where, candidates, listing);
        continue;
      }
      if (auto val = ReadValue(*ks, *k, *v, c)) c.values[key] = std::move(*val);
    }
    for (const SettingSpec& ks : kSettings) {
      if (ks.type == c.type && ks.required && !t.contains(std::string(ks.key))) {
        diags_.Report(DiagKind::ConfigMissingKey, c.range,
                      where + " of type `" + c.type + "` needs `" + std::string(ks.key) + "`");
      }
    }
    FillDefaults(c);
    std::string key = c.name;
    cfg.connections.emplace(std::move(key), std::move(c));
  }

  std::optional<Value> ReadValue(const SettingSpec& ks, const toml::key& k, const toml::node& v,
                                 const Connection& c) {
    std::string key = ShowKey(k.str());
    switch (ks.kind) {
      case KeyKind::String: {
        auto s = String(k, v, true);
        if (!s) return std::nullopt;
        return Value(*s);
      }
      case KeyKind::Url: {
        auto s = String(k, v, true);
        if (!s) return std::nullopt;
        if (s->rfind("http://", 0) != 0 && s->rfind("https://", 0) != 0) {
          // A URL may carry credentials (`https://user:pass@...`): no line.
          Invalid(Range(v), "`" + key + "` must be an `http://` or `https://` URL").hide_source =
              true;
          return std::nullopt;
        }
        return Value(*s);
      }
      case KeyKind::Secret: {
        auto s = Secret(k, v, c.name, c.range);
        if (!s) return std::nullopt;
        return Value(*s);
      }
      case KeyKind::Count: {
        const auto* i = v.as_integer();
        if (!i) {
          WrongType(k, v, "an integer");
          return std::nullopt;
        }
        int64_t n = i->get();
        if (n <= 0) {
          Invalid(Range(v), "`" + key + "` must be at least 1, not " + std::to_string(n));
          return std::nullopt;
        }
        const ConnectorSpec* cs = FindConnector(c.type);
        if (key == "batch_size" && cs && cs->max_batch_size > 0 && n > cs->max_batch_size) {
          Invalid(Range(v), "`batch_size` of an `" + c.type + "` connection must be at most " +
                                std::to_string(cs->max_batch_size) + ", not " + std::to_string(n));
          return std::nullopt;
        }
        return Value(n);
      }
      case KeyKind::Number: {
        double d = 0;
        if (const auto* i = v.as_integer()) {
          d = static_cast<double>(i->get());
        } else if (const auto* f = v.as_floating_point()) {
          d = f->get();
        } else {
          WrongType(k, v, "a number");
          return std::nullopt;
        }
        if (!(d > 0) || !std::isfinite(d)) {
          Invalid(Range(v), "`" + key + "` must be a positive number");
          return std::nullopt;
        }
        return Value(d);
      }
      case KeyKind::Format: {
        auto s = String(k, v, false);
        if (!s) return std::nullopt;
        if (*s != "csv" && *s != "jsonl") {
          auto& d = diags_.Report(DiagKind::ConfigInvalidValue, Range(v),
                                  "`format` must be `csv` or `jsonl`, not `" + Shown(*s) + "`");
          std::string sug = base::Suggest(*s, {"csv", "jsonl"});
          if (!sug.empty()) d.notes.push_back({SourceRange{}, "did you mean `" + sug + "`?"});
          return std::nullopt;
        }
        return Value(*s);
      }
      case KeyKind::Bool: {
        const auto* b = v.as_boolean();
        if (!b) {
          WrongType(k, v, "a boolean");
          return std::nullopt;
        }
        return Value(b->get());
      }
      case KeyKind::SqlTable: {
        auto s = String(k, v, true);
        if (!s) return std::nullopt;
        if (!IsSqlTable(*s)) {
          Invalid(Range(v),
                  "`table` must be a plain SQL name (`name` or `schema.name`: letters, "
                  "digits and `_`)");
          return std::nullopt;
        }
        return Value(*s);
      }
    }
    return std::nullopt;
  }

  base::FileId id_;
  base::Diagnostics& diags_;
  const base::SourceFile& file_;
  bool bom_ = false;
  std::string env_;  // the selected environment ("" the default)
  // The selected environment's tables: group -> name -> table, and [state].
  std::map<std::string, std::map<std::string, const toml::table*>> overrides_;
  const toml::table* state_override_ = nullptr;
};

}  // namespace

std::optional<ProjectConfig> ParseConfig(base::FileId id, base::Diagnostics& diags,
                                         const std::string& environment) {
  size_t before = diags.all().size();
  std::optional<ProjectConfig> cfg = Reader(id, diags, environment).Run();
  // Whatever reported it, a line of aud.toml that may hold a credential is
  // never printed: the diagnostic keeps its file:line:col only.
  for (size_t i = before; i < diags.all().size(); ++i) {
    base::Diagnostic& d = diags.at(i);
    if (!d.range.valid() || d.range.file != id) continue;
    uint32_t line = diags.sources().Position(id, d.range.begin).line;
    if (!ShowableLine(diags.sources().Line(id, line))) d.hide_source = true;
  }
  return cfg;
}

}  // namespace aud::config
