// aud.toml (compiler/config): the §9 example parses to the right structure;
// every diagnostic kind states its exact message and line:column; secrets are
// never echoed; arbitrary bytes never crash the reader.

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "compiler/config/config.h"

namespace aud::config {
namespace {

// One parse of one aud.toml text.
struct Parsed {
  base::SourceManager sm;
  base::Diagnostics diags{sm};
  base::FileId id = 0;
  std::optional<ProjectConfig> cfg;

  explicit Parsed(std::string text) {
    id = sm.Add("aud.toml", std::move(text));
    cfg = ParseConfig(id, diags);
  }
  // "line:col" of a diagnostic, or "-" when it has no location.
  std::string Where(const base::Diagnostic& d) const {
    if (!d.range.valid()) return "-";
    base::LineCol lc = sm.Position(d.range.file, d.range.begin);
    return std::to_string(lc.line) + ":" + std::to_string(lc.col);
  }
  std::string Text(const base::Diagnostic& d) const { return std::string(sm.Text(d.range)); }
};

// The single diagnostic of `p` (fails the test when there is not exactly one).
const base::Diagnostic& Only(const Parsed& p) {
  EXPECT_EQ(p.diags.all().size(), 1u) << p.diags.Render();
  EXPECT_FALSE(p.cfg.has_value());
  return p.diags.all().front();
}

const char kFullExample[] = R"([project]
name = "shop"
stdlib = true                       # `import "std/..."` available (default true)

[sources.web]                       # one or more event sources
path = "data/events/*.jsonl"        # glob, relative to the project root; .gz accepted
format = "segment"                  # Segment-spec JSON lines (the default)

[state]
backend = "sqlite"                  # embedded default: .aud/state.db; or "postgres"
# dsn = { env = "AUD_STATE_DSN" }

[connections.autopilot_prod]
type = "autopilot"
endpoint = "http://127.0.0.1:8089"
api_key = { env = "AUTOPILOT_API_KEY" }
batch_size = 100
rate_limit_per_sec = 10

[connections.crm_files]
type = "file"
format = "csv"                       # csv | jsonl
dir = "exports/crm"

[connections.hook]
type = "http"
url = "https://example.com/audiences"
token = { env = "HOOK_TOKEN" }       # sent as `Authorization: Bearer …`
batch_size = 500
rate_limit_per_sec = 20
timeout_s = 30

[connections.warehouse]
type = "postgres"
dsn = { env = "WAREHOUSE_DSN" }
table = "audience_members"
)";

template <typename T>
T Get(const Connection& c, const std::string& key) {
  auto it = c.values.find(key);
  EXPECT_NE(it, c.values.end()) << "no `" << key << "` in " << c.name;
  if (it == c.values.end()) return T{};
  const T* v = std::get_if<T>(&it->second);
  EXPECT_NE(v, nullptr) << "`" << key << "` of " << c.name << " has another type";
  return v ? *v : T{};
}

TEST(ConfigParse, FullExampleParses) {
  Parsed p(kFullExample);
  ASSERT_TRUE(p.cfg.has_value()) << p.diags.Render();
  EXPECT_TRUE(p.diags.all().empty()) << p.diags.Render();
  const ProjectConfig& cfg = *p.cfg;
  EXPECT_EQ(cfg.name, "shop");
  EXPECT_TRUE(cfg.stdlib);
  ASSERT_EQ(cfg.sources.size(), 1u);
  EXPECT_EQ(cfg.sources[0].name, "web");
  EXPECT_EQ(cfg.sources[0].path, "data/events/*.jsonl");
  EXPECT_EQ(cfg.sources[0].format, "segment");
  EXPECT_EQ(p.sm.Text(cfg.sources[0].range), "[sources.web]");
  EXPECT_EQ(cfg.state_backend, "sqlite");
  EXPECT_FALSE(cfg.state_dsn.has_value());
  ASSERT_EQ(cfg.connections.size(), 4u);

  const Connection& ap = cfg.connections.at("autopilot_prod");
  EXPECT_EQ(ap.name, "autopilot_prod");
  EXPECT_EQ(ap.type, "autopilot");
  EXPECT_EQ(p.sm.Text(ap.range), "[connections.autopilot_prod]");
  EXPECT_EQ(Get<std::string>(ap, "endpoint"), "http://127.0.0.1:8089");
  EXPECT_EQ(Get<SecretRef>(ap, "api_key").env, "AUTOPILOT_API_KEY");
  EXPECT_EQ(Get<int64_t>(ap, "batch_size"), 100);
  EXPECT_EQ(Get<double>(ap, "rate_limit_per_sec"), 10.0);  // numbers are doubles
  EXPECT_EQ(Get<int64_t>(ap, "concurrency"), 1);           // documented defaults
  EXPECT_EQ(Get<double>(ap, "timeout_s"), 30.0);
  EXPECT_EQ(ap.values.count("type"), 0u);

  const Connection& crm = cfg.connections.at("crm_files");
  EXPECT_EQ(crm.type, "file");
  EXPECT_EQ(Get<std::string>(crm, "format"), "csv");
  EXPECT_EQ(Get<std::string>(crm, "dir"), "exports/crm");
  EXPECT_EQ(crm.values.size(), 2u);

  const Connection& hook = cfg.connections.at("hook");
  EXPECT_EQ(hook.type, "http");
  EXPECT_EQ(Get<std::string>(hook, "url"), "https://example.com/audiences");
  EXPECT_EQ(Get<SecretRef>(hook, "token").env, "HOOK_TOKEN");
  EXPECT_EQ(Get<int64_t>(hook, "batch_size"), 500);
  EXPECT_EQ(Get<double>(hook, "rate_limit_per_sec"), 20.0);
  EXPECT_EQ(Get<double>(hook, "timeout_s"), 30.0);

  const Connection& wh = cfg.connections.at("warehouse");
  EXPECT_EQ(wh.type, "postgres");
  EXPECT_EQ(Get<SecretRef>(wh, "dsn").env, "WAREHOUSE_DSN");
  EXPECT_EQ(Get<std::string>(wh, "table"), "audience_members");
}

TEST(ConfigParse, DefaultsAndMinimalFile) {
  Parsed empty("");
  ASSERT_TRUE(empty.cfg.has_value()) << empty.diags.Render();
  EXPECT_EQ(empty.cfg->name, "");
  EXPECT_TRUE(empty.cfg->stdlib);
  EXPECT_EQ(empty.cfg->state_backend, "sqlite");
  EXPECT_TRUE(empty.cfg->sources.empty());

  Parsed p(
      "[project]\nname = \"x\"\nstdlib = false\n"
      "[sources.a]\npath = \"a/*.jsonl\"\n"
      "[sources.b]\npath = \"b/*.jsonl.gz\"\n"
      "[state]\nbackend = \"postgres\"\ndsn = { env = \"AUD_STATE_DSN\" }\n"
      "[connections.ap]\ntype = \"autopilot\"\napi_key = { env = \"K\" }\n"
      "[connections.profile_store]\ntype = \"profile_store\"\n");
  ASSERT_TRUE(p.cfg.has_value()) << p.diags.Render();
  EXPECT_FALSE(p.cfg->stdlib);
  ASSERT_EQ(p.cfg->sources.size(), 2u);  // in document order
  EXPECT_EQ(p.cfg->sources[0].name, "a");
  EXPECT_EQ(p.cfg->sources[1].path, "b/*.jsonl.gz");
  EXPECT_EQ(p.cfg->sources[1].format, "segment");
  EXPECT_EQ(p.cfg->state_backend, "postgres");
  EXPECT_EQ(p.cfg->state_schema, "aud");  // the default
  ASSERT_TRUE(p.cfg->state_dsn.has_value());
  EXPECT_EQ(p.cfg->state_dsn->env, "AUD_STATE_DSN");
  const Connection& ap = p.cfg->connections.at("ap");
  EXPECT_EQ(Get<std::string>(ap, "endpoint"), "https://api2.autopilothq.com");
  EXPECT_EQ(Get<int64_t>(ap, "batch_size"), 100);
  EXPECT_TRUE(p.cfg->connections.at("profile_store").values.empty());

  // Inline and dotted tables are the same TOML.
  Parsed inl("connections.f = { type = \"file\", format = \"jsonl\", dir = \"out\" }\n");
  ASSERT_TRUE(inl.cfg.has_value()) << inl.diags.Render();
  EXPECT_EQ(Get<std::string>(inl.cfg->connections.at("f"), "format"), "jsonl");
}

TEST(ConfigParse, ConnectionTypes) {
  EXPECT_EQ(ConnectionTypes(),
            (std::vector<std::string>{"profile_store", "file", "http", "autopilot", "postgres"}));
}

// --- config-syntax ---------------------------------------------------------------

TEST(ConfigDiagnostics, Syntax) {
  Parsed p("[project]\nname = \n");
  const auto& d = Only(p);
  EXPECT_EQ(d.kind, base::DiagKind::ConfigSyntax);
  EXPECT_EQ(d.message, "invalid key-value pair: expected value, saw '\\n'");
  EXPECT_EQ(p.Where(d), "2:8");

  Parsed header("[project\nname = \"t\"\n");
  EXPECT_EQ(Only(header).kind, base::DiagKind::ConfigSyntax);
  EXPECT_EQ(header.Where(Only(header)), "1:9");

  Parsed dup("[x]\n[x]\n");
  EXPECT_EQ(Only(dup).message, "invalid table header: cannot redefine existing table 'x'");
  EXPECT_EQ(dup.Where(Only(dup)), "2:1");
}

TEST(ConfigDiagnostics, SyntaxColumnsCountBytes) {
  // TOML++ counts code points; our columns count bytes: "é" is two bytes.
  Parsed p("[project]\nname = \"h\xC3\xA9llo\" x\n");
  const auto& d = Only(p);
  EXPECT_EQ(d.message, "invalid key-value pair: expected a comment or whitespace, saw 'x'");
  EXPECT_EQ(p.Where(d), "2:17");
  EXPECT_EQ(p.Text(d), "x");

  // A UTF-8 byte order mark is skipped by TOML++ but counts in our offsets.
  Parsed bom(
      "\xEF\xBB\xBF"
      "a = 1 x\n");
  EXPECT_EQ(bom.Text(Only(bom)), "x");
}

TEST(ConfigDiagnostics, SyntaxOnASecretLineHidesTheLine) {
  Parsed p("[connections.ap]\ntype = \"autopilot\"\napi_key = sk-live-CANARY\n");
  const auto& d = Only(p);
  EXPECT_EQ(d.kind, base::DiagKind::ConfigSyntax);
  EXPECT_EQ(p.Where(d), "3:11");
  EXPECT_TRUE(d.hide_source);
  EXPECT_EQ(d.message, "invalid value: could not determine value type");
  EXPECT_EQ(p.diags.Render().find("CANARY"), std::string::npos) << p.diags.Render();
  // Misspelled or unknown keys are hidden too: only known plain keys show.
  Parsed q("[connections.ap]\ntype = \"autopilot\"\ntokne = sk-live-CANARY\n");
  EXPECT_EQ(q.diags.Render().find("CANARY"), std::string::npos) << q.diags.Render();
  Parsed plain("[project]\nname = x\n");
  EXPECT_NE(plain.diags.Render().find("name = x"), std::string::npos) << plain.diags.Render();
}

// --- config-unknown-key ------------------------------------------------------------

TEST(ConfigDiagnostics, UnknownKeyWithSuggestion) {
  Parsed p(
      "[connections.crm]\ntype = \"file\"\nformt = \"csv\"\nformat = \"csv\"\ndir = \"out\"\n");
  const auto& d = Only(p);
  EXPECT_EQ(d.kind, base::DiagKind::ConfigUnknownKey);
  EXPECT_EQ(d.message, "unknown key `formt` in `[connections.crm]`");
  EXPECT_EQ(p.Where(d), "3:1");
  EXPECT_EQ(p.Text(d), "formt");
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(d.notes[0].message, "did you mean `format`?");
}

TEST(ConfigDiagnostics, UnknownKeyOfAnotherType) {
  Parsed p("[connections.crm]\ntype = \"file\"\nformat = \"csv\"\ndir = \"out\"\nurl = \"x\"\n");
  const auto& d = Only(p);
  EXPECT_EQ(d.message, "unknown key `url` in `[connections.crm]`");
  EXPECT_EQ(p.Where(d), "5:1");
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(d.notes[0].message,
            "a `file` connection takes `type`, `format`, `dir`, `csv_formula_escape`");
}

TEST(ConfigDiagnostics, UnknownKeysElsewhere) {
  Parsed project("[project]\nnam = \"x\"\n");
  EXPECT_EQ(Only(project).message, "unknown key `nam` in `[project]`");
  EXPECT_EQ(project.Where(Only(project)), "2:1");
  EXPECT_EQ(Only(project).notes.at(0).message, "did you mean `name`?");

  Parsed source("[sources.web]\npath = \"x\"\nglob = \"y\"\n");
  EXPECT_EQ(Only(source).message, "unknown key `glob` in `[sources.web]`");
  EXPECT_EQ(source.Where(Only(source)), "3:1");

  Parsed state("[state]\nbackend = \"sqlite\"\npath = \"x\"\n");
  EXPECT_EQ(Only(state).message, "unknown key `path` in `[state]`");

  Parsed table("[project]\nname = \"x\"\n\n[sourcse.web]\npath = \"x\"\n");
  EXPECT_EQ(Only(table).message, "unknown table `[sourcse]`");
  EXPECT_EQ(table.Where(Only(table)), "4:2");
  EXPECT_EQ(Only(table).notes.at(0).message, "did you mean `sources`?");

  Parsed top("name = \"x\"\n");
  EXPECT_EQ(Only(top).message, "unknown key `name` at the top level");
  EXPECT_EQ(top.Where(Only(top)), "1:1");

  // An unknown key that may hold a credential is reported without its line.
  Parsed secret(
      "[connections.f]\ntype = \"file\"\nformat = \"csv\"\ndir = \"d\"\n"
      "password = \"hunter2-CANARY\"\n");
  EXPECT_EQ(Only(secret).message, "unknown key `password` in `[connections.f]`");
  EXPECT_EQ(secret.Where(Only(secret)), "5:1");
  EXPECT_EQ(secret.diags.Render().find("CANARY"), std::string::npos);
}

// Issue 11 finding 10: a misspelled secret key (`tokne`, `api_kye`, `dns`,
// `bearer`, ... known or not) never prints its value, in any diagnostic; the
// key is named with its position and the right key suggested.
TEST(ConfigDiagnostics, MisspelledSecretKeysNeverShowTheirValue) {
  struct Case {
    std::string table;  // the connection table's body before the bad key
    std::string key;
    std::string suggestion;  // "" when none is close
  };
  const std::string http = "type = \"http\"\nurl = \"https://x\"\n";
  const std::string ap = "type = \"autopilot\"\napi_key = { env = \"K\" }\n";
  const std::string pg = "type = \"postgres\"\ndsn = { env = \"D\" }\ntable = \"t\"\n";
  const std::vector<Case> cases = {
      {http, "tokne", "token"},    {ap, "api_kye", "api_key"}, {pg, "dns", "dsn"},
      {http, "bearer", ""},        {http, "passwd", ""},       {http, "secret_key", ""},
      {http, "authorisation", ""}, {http, "x_api_secret", ""}, {http, "tokens", "token"},
      {http, "Token", "token"},    {ap, "apikey", "api_key"},  {http, "webhook_signing", ""},
  };
  for (const Case& c : cases) {
    for (const std::string& value :
         {std::string("\"sk-live-CANARY-1\""), std::string("{ value = \"CANARY-2\" }"),
          std::string("[\"CANARY-3\"]"), std::string("CANARY-4")}) {
      std::string text = "[connections.c]\n" + c.table + c.key + " = " + value + "\n";
      Parsed p(text);
      std::string out = p.diags.Render();
      SCOPED_TRACE(text);
      EXPECT_EQ(out.find("CANARY"), std::string::npos) << out;
      ASSERT_FALSE(p.diags.all().empty());
      if (value == "CANARY-4") continue;  // a syntax error: the line is withheld
      const auto& d = p.diags.all().front();
      EXPECT_EQ(d.kind, base::DiagKind::ConfigUnknownKey) << out;
      EXPECT_NE(d.message.find("`" + c.key + "`"), std::string::npos) << out;
      if (!c.suggestion.empty()) {
        EXPECT_NE(out.find("did you mean `" + c.suggestion + "`?"), std::string::npos) << out;
      }
    }
  }
  // Elsewhere too: at the top level, in `[state]`, `[project]`, a source.
  for (const std::string& text :
       {std::string("tokne = \"CANARY\"\n"), std::string("[state]\ndns = \"CANARY\"\n"),
        std::string("[project]\npasswd = \"CANARY\"\n"),
        std::string("[sources.web]\npath = \"x\"\napi_kye = \"CANARY\"\n"),
        std::string("[connections]\nhook = \"https://u:CANARY@x\"\n"),
        std::string("[connections.h]\ntype = \"http\"\nurl = \"ftp://u:CANARY@x\"\n"),
        // Found by fuzz_config: `needs url` at an inline table on the secret's line.
        std::string("[connections]\nx = { type = \"http\", zrl = \"https://x\", token = "
                    "\"CANARY\" }\n")}) {
    Parsed p(text);
    EXPECT_TRUE(p.diags.HasErrors()) << text;
    EXPECT_EQ(p.diags.Render().find("CANARY"), std::string::npos) << p.diags.Render();
  }
}

// --- config-wrong-type ---------------------------------------------------------------

TEST(ConfigDiagnostics, WrongType) {
  Parsed p("[connections.hook]\ntype = \"http\"\nurl = \"https://x\"\nbatch_size = \"100\"\n");
  const auto& d = Only(p);
  EXPECT_EQ(d.kind, base::DiagKind::ConfigWrongType);
  EXPECT_EQ(d.message, "`batch_size` must be an integer, not a string");
  EXPECT_EQ(p.Where(d), "4:14");
  EXPECT_EQ(p.Text(d), "\"100\"");

  Parsed b("[project]\nstdlib = \"yes\"\n");
  EXPECT_EQ(Only(b).message, "`stdlib` must be a boolean, not a string");
  EXPECT_EQ(b.Where(Only(b)), "2:10");

  Parsed f("[connections.hook]\ntype = \"http\"\nurl = \"https://x\"\nconcurrency = 2.5\n");
  EXPECT_EQ(Only(f).message, "`concurrency` must be an integer, not a float");

  Parsed n("[connections.hook]\ntype = \"http\"\nurl = \"https://x\"\ntimeout_s = \"30s\"\n");
  EXPECT_EQ(Only(n).message, "`timeout_s` must be a number, not a string");

  Parsed t("project = 3\n");
  EXPECT_EQ(Only(t).message, "`project` must be a table, not an integer");
  EXPECT_EQ(t.Where(Only(t)), "1:11");

  Parsed arr("[[sources]]\npath = \"x\"\n");
  EXPECT_EQ(Only(arr).message,
            "`sources` must be a table of `[sources.NAME]` tables, not an array");

  Parsed conn("[connections]\ncrm = \"file\"\n");
  EXPECT_EQ(Only(conn).message, "`connections.crm` must be a table, not a string");
  EXPECT_EQ(conn.Where(Only(conn)), "2:7");

  Parsed type("[connections.crm]\ntype = 5\n");
  EXPECT_EQ(Only(type).message, "`type` must be a string, not an integer");
}

TEST(ConfigDiagnostics, SecretAsPlainStringIsRejectedWithoutItsValue) {
  const std::string canary = "sk-live-CANARY-never-printed";
  Parsed p(
      "[project]\nname = \"t\"\n\n[connections.autopilot_prod]\ntype = \"autopilot\"\n"
      "api_key = \"" +
      canary + "\"\n");
  const auto& d = Only(p);
  EXPECT_EQ(d.kind, base::DiagKind::ConfigWrongType);
  EXPECT_EQ(d.message,
            "`api_key` on line 6 must be `{ env = \"VAR\" }`, not a string: credentials never go "
            "in aud.toml");
  // Reported at the table header: the renderer prints the reported line, and
  // the secret's own line holds the credential.
  EXPECT_EQ(p.Where(d), "4:1");
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(d.notes[0].message,
            "put the secret in an environment variable and write `api_key = { env = "
            "\"AUTOPILOT_PROD_API_KEY\" }`");
  EXPECT_EQ(d.message.find(canary), std::string::npos);
  EXPECT_EQ(p.diags.Render().find("CANARY"), std::string::npos) << p.diags.Render();
}

TEST(ConfigDiagnostics, EverySecretKeyNeedsEnv) {
  struct Case {
    std::string table;
    std::string key;
  };
  for (const Case& c :
       std::vector<Case>{{"[state]\nbackend = \"postgres\"\n", "dsn"},
                         {"[connections.p]\ntype = \"postgres\"\ntable = \"t\"\n", "dsn"},
                         {"[connections.p]\ntype = \"profile_store\"\n", "dsn"},
                         {"[connections.h]\ntype = \"http\"\nurl = \"http://h\"\n", "token"},
                         {"[connections.a]\ntype = \"autopilot\"\n", "api_key"}}) {
    Parsed p(c.table + c.key + " = \"CANARY-123\"\n");
    const auto& d = Only(p);
    EXPECT_EQ(d.kind, base::DiagKind::ConfigWrongType) << c.table;
    EXPECT_NE(d.message.find("credentials never go in aud.toml"), std::string::npos);
    EXPECT_EQ(p.diags.Render().find("CANARY"), std::string::npos) << p.diags.Render();
    EXPECT_EQ(p.Where(d), "1:1");
  }
}

TEST(ConfigDiagnostics, MalformedSecretTables) {
  std::string head = "[connections.a]\ntype = \"autopilot\"\n";
  Parsed num(head + "api_key = { env = 5 }\n");
  EXPECT_EQ(Only(num).kind, base::DiagKind::ConfigWrongType);
  EXPECT_EQ(Only(num).message, "`env` of `api_key` on line 3 must be a string, not an integer");
  EXPECT_EQ(num.Where(Only(num)), "1:1");

  Parsed other(head + "api_key = { value = \"CANARY\" }\n");
  EXPECT_EQ(Only(other).kind, base::DiagKind::ConfigUnknownKey);
  EXPECT_EQ(Only(other).message, "unknown key `value` in secret `api_key` on line 3");
  EXPECT_EQ(other.diags.Render().find("CANARY"), std::string::npos);

  // A credential pasted as the variable's name is not echoed either.
  Parsed pasted(head + "api_key = { env = \"sk-live CANARY\" }\n");
  EXPECT_EQ(Only(pasted).kind, base::DiagKind::ConfigInvalidValue);
  EXPECT_EQ(Only(pasted).message,
            "`env` of `api_key` on line 3 must be the name of an environment variable (letters, "
            "digits and `_`, not starting with a digit)");
  EXPECT_EQ(pasted.diags.Render().find("CANARY"), std::string::npos);

  Parsed empty(head + "api_key = {}\n");
  EXPECT_EQ(Only(empty).kind, base::DiagKind::ConfigMissingKey);
  EXPECT_EQ(Only(empty).message, "secret `api_key` on line 3 needs `env`");

  // An inline connection table shares the secret's line: no location at all.
  Parsed inl("connections.a = { type = \"autopilot\", api_key = \"CANARY\" }\n");
  EXPECT_FALSE(Only(inl).range.valid());
  EXPECT_EQ(inl.diags.Render().find("CANARY"), std::string::npos);
}

// --- config-missing-key ---------------------------------------------------------------

TEST(ConfigDiagnostics, MissingKey) {
  Parsed p("[project]\nname = \"t\"\n[connections.crm]\ntype = \"file\"\nformat = \"csv\"\n");
  const auto& d = Only(p);
  EXPECT_EQ(d.kind, base::DiagKind::ConfigMissingKey);
  EXPECT_EQ(d.message, "`[connections.crm]` of type `file` needs `dir`");
  EXPECT_EQ(p.Where(d), "3:1");
  EXPECT_EQ(p.Text(d), "[connections.crm]");

  Parsed type("[connections.crm]\nformat = \"csv\"\n");
  EXPECT_EQ(Only(type).message, "`[connections.crm]` needs `type`");
  EXPECT_EQ(Only(type).notes.at(0).message,
            "connection types are `profile_store`, `file`, `http`, `autopilot` and `postgres`");

  Parsed path("[sources.web]\nformat = \"segment\"\n");
  EXPECT_EQ(Only(path).message, "`[sources.web]` needs `path`");
  EXPECT_EQ(path.Where(Only(path)), "1:1");

  Parsed pg("[state]\nbackend = \"postgres\"\n");
  EXPECT_EQ(Only(pg).message, "`[state]` with backend `postgres` needs `dsn`");

  Parsed several("[connections.w]\ntype = \"postgres\"\n");
  ASSERT_EQ(several.diags.all().size(), 2u);
  EXPECT_EQ(several.diags.all()[0].message, "`[connections.w]` of type `postgres` needs `dsn`");
  EXPECT_EQ(several.diags.all()[1].message, "`[connections.w]` of type `postgres` needs `table`");

  Parsed ap("[connections.a]\ntype = \"autopilot\"\n");
  EXPECT_EQ(Only(ap).message, "`[connections.a]` of type `autopilot` needs `api_key`");

  Parsed http("[connections.h]\ntype = \"http\"\n");
  EXPECT_EQ(Only(http).message, "`[connections.h]` of type `http` needs `url`");
}

// --- config-invalid-value --------------------------------------------------------------

TEST(ConfigDiagnostics, StateSchema) {
  Parsed ok("[state]\nbackend = \"postgres\"\ndsn = { env = \"D\" }\nschema = \"team_a\"\n");
  ASSERT_TRUE(ok.cfg.has_value()) << ok.diags.Render();
  EXPECT_EQ(ok.cfg->state_schema, "team_a");
  Parsed bad("[state]\nbackend = \"postgres\"\ndsn = { env = \"D\" }\nschema = \"Team-A\"\n");
  const auto& d = Only(bad);
  EXPECT_EQ(d.kind, base::DiagKind::ConfigInvalidValue);
  EXPECT_NE(d.message.find("`schema` must be a lower-case PostgreSQL name"), std::string::npos)
      << d.message;
}

TEST(ConfigDiagnostics, InvalidValue) {
  Parsed type("[connections.crm]\ntype = \"flie\"\n");
  const auto& d = Only(type);
  EXPECT_EQ(d.kind, base::DiagKind::ConfigInvalidValue);
  EXPECT_EQ(d.message, "unknown connection type `flie`");
  EXPECT_EQ(type.Where(d), "2:8");
  EXPECT_EQ(type.Text(d), "\"flie\"");

  Parsed near("[connections.crm]\ntype = \"htp\"\n");
  EXPECT_EQ(Only(near).notes.at(0).message, "did you mean `http`?");

  Parsed format("[connections.crm]\ntype = \"file\"\nformat = \"xml\"\ndir = \"d\"\n");
  EXPECT_EQ(Only(format).message, "`format` must be `csv` or `jsonl`, not `xml`");
  EXPECT_EQ(format.Where(Only(format)), "3:10");

  Parsed zero("[connections.h]\ntype = \"http\"\nurl = \"http://h\"\nbatch_size = 0\n");
  EXPECT_EQ(Only(zero).message, "`batch_size` must be at least 1, not 0");
  EXPECT_EQ(zero.Where(Only(zero)), "4:14");

  Parsed big(
      "[connections.a]\ntype = \"autopilot\"\napi_key = { env = \"K\" }\nbatch_size = 500\n");
  EXPECT_EQ(Only(big).message,
            "`batch_size` of an `autopilot` connection must be at most 100, not 500");
  EXPECT_EQ(big.Where(Only(big)), "4:14");

  Parsed backend("[state]\nbackend = \"mysql\"\n");
  EXPECT_EQ(Only(backend).message, "`backend` must be `sqlite` or `postgres`, not `mysql`");
  EXPECT_EQ(backend.Where(Only(backend)), "2:11");

  Parsed near_backend("[state]\nbackend = \"postgre\"\n");
  EXPECT_EQ(Only(near_backend).notes.at(0).message, "did you mean `postgres`?");

  Parsed sqlite_dsn("[state]\nbackend = \"sqlite\"\ndsn = { env = \"X\" }\n");
  EXPECT_EQ(Only(sqlite_dsn).message,
            "`dsn` only applies to backend `postgres` (the sqlite state is always "
            "`.aud/state.db`)");

  Parsed source("[sources.web]\npath = \"x\"\nformat = \"json\"\n");
  EXPECT_EQ(Only(source).message, "`format` of a source must be `segment`, not `json`");

  Parsed url("[connections.h]\ntype = \"http\"\nurl = \"ftp://user:pw@host\"\n");
  EXPECT_EQ(Only(url).message, "`url` must be an `http://` or `https://` URL");

  Parsed rate("[connections.h]\ntype = \"http\"\nurl = \"http://h\"\nrate_limit_per_sec = -2.5\n");
  EXPECT_EQ(Only(rate).message, "`rate_limit_per_sec` must be a positive number");

  Parsed inf("[connections.h]\ntype = \"http\"\nurl = \"http://h\"\ntimeout_s = inf\n");
  EXPECT_EQ(Only(inf).message, "`timeout_s` must be a positive number");

  Parsed table(
      "[connections.w]\ntype = \"postgres\"\ndsn = { env = \"D\" }\ntable = \"a; drop\"\n");
  EXPECT_EQ(Only(table).message,
            "`table` must be a plain SQL name (`name` or `schema.name`: letters, digits and `_`)");

  Parsed store("[connections.profile_store]\ntype = \"file\"\nformat = \"csv\"\ndir = \"d\"\n");
  EXPECT_EQ(Only(store).message,
            "`[connections.profile_store]` configures the built-in profile store: its `type` "
            "must be `profile_store`, not `file`");

  // Quoted values are tamed: no control characters, at most 40 bytes.
  Parsed odd("[state]\nbackend = \"a\\nb" + std::string(50, 'x') + "\"\n");
  EXPECT_EQ(Only(odd).message,
            "`backend` must be `sqlite` or `postgres`, not `a?b" + std::string(37, 'x') + "...`");

  Parsed empty("[sources.web]\npath = \"\"\n");
  EXPECT_EQ(Only(empty).message, "`path` must not be empty");
}

TEST(ConfigDiagnostics, ReportsEveryProblemInDocumentOrder) {
  Parsed p(
      "[project]\nstdlib = 1\nzzz = 2\naaa = 3\n[connections.x]\ntype = \"file\"\ndir = \"d\"\n");
  std::vector<std::string> where;
  for (const auto& d : p.diags.all()) where.push_back(p.Where(d));
  EXPECT_EQ(where, (std::vector<std::string>{"2:10", "3:1", "4:1", "5:1"}));
  EXPECT_FALSE(p.cfg.has_value());
}

// --- robustness -------------------------------------------------------------------------

// Every reported range lies inside the file.
void ExpectSaneRanges(const Parsed& p) {
  size_t size = p.sm.file(p.id).text.size();
  for (const auto& d : p.diags.all()) {
    if (!d.range.valid()) continue;
    ASSERT_EQ(d.range.file, p.id);
    ASSERT_LE(d.range.begin, d.range.end);
    ASSERT_LE(d.range.end, size);
  }
}

TEST(ConfigRobustness, RandomBytesNeverCrash) {
  std::mt19937 rng(20260101);
  const std::vector<std::string> pieces = {"[project]\n",
                                           "[connections.a]\n",
                                           "[sources.s]\n",
                                           "[state]\n",
                                           "type = \"file\"\n",
                                           "type = \"autopilot\"\n",
                                           "api_key = { env = \"K\" }\n",
                                           "api_key = \"x\"\n",
                                           "format = \"csv\"\n",
                                           "dir = \"d\"\n",
                                           "batch_size = 500\n",
                                           "path = \"p\"\n",
                                           "= ",
                                           "\"",
                                           "[[",
                                           "]]",
                                           "{",
                                           "}",
                                           "\xC3\xA9",
                                           "\xEF\xBB\xBF",
                                           "\xFF",
                                           "\n",
                                           "\r\n",
                                           "\t",
                                           "#",
                                           "'''",
                                           "\"\"\"",
                                           "1979-05-27T07:32:00Z",
                                           "inf",
                                           "nan",
                                           "0x1F",
                                           "1e999",
                                           ".",
                                           ",",
                                           "\\u0000"};
  for (int iter = 0; iter < 4000; ++iter) {
    std::string text;
    int n = static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      if (rng() % 2) {
        text += pieces[rng() % pieces.size()];
      } else {
        text += static_cast<char>(rng() % 256);
      }
    }
    Parsed p(text);
    ExpectSaneRanges(p);
    EXPECT_EQ(p.cfg.has_value(), !p.diags.HasErrors());
    (void)p.diags.Render();
  }
}

TEST(ConfigRobustness, MutatedExampleNeverCrashes) {
  // Byte flips, deletions and insertions in a valid file reach the semantic
  // checks far more often than random bytes do.
  std::mt19937 rng(7);
  const std::string base = kFullExample;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string text = base;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0: text[at] = static_cast<char>(rng() % 256); break;
        case 1: text.erase(at, 1 + rng() % 8); break;
        default: text.insert(at, 1, "=\"[]{}.,\n#x0"[rng() % 12]); break;
      }
    }
    Parsed p(text);
    ExpectSaneRanges(p);
    EXPECT_EQ(p.cfg.has_value(), !p.diags.HasErrors());
    (void)p.diags.Render();
  }
}

TEST(ConfigRobustness, DeepNestingAndLongInput) {
  Parsed deep(std::string(5000, '[') + "\n");
  EXPECT_TRUE(deep.diags.HasErrors());
  ExpectSaneRanges(deep);
  Parsed arrays("a = " + std::string(5000, '[') + std::string(5000, ']') + "\n");
  EXPECT_TRUE(arrays.diags.HasErrors());
  ExpectSaneRanges(arrays);
  std::string many;
  for (int i = 0; i < 2000; ++i) many += "[connections.c" + std::to_string(i) + "]\ntype = \"x\"\n";
  Parsed wide(many);
  EXPECT_EQ(wide.diags.error_count(), 2000u);
}

}  // namespace
}  // namespace aud::config
