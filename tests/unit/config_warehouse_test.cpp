// aud.toml warehouse sources (`[sources.X] type = "postgres"`): the settings
// parse; each bad setting is one diagnostic at its line:column with its exact
// message; a DSN written in the file is refused without echoing it.

#include <gtest/gtest.h>

#include <string>

#include "compiler/config/config.h"

namespace aud::config {
namespace {

struct Parsed {
  base::SourceManager sm;
  base::Diagnostics diags{sm};
  base::FileId id = 0;
  std::optional<ProjectConfig> cfg;

  explicit Parsed(std::string text, const std::string& environment = "") {
    id = sm.Add("aud.toml", std::move(text));
    cfg = ParseConfig(id, diags, environment);
  }
  std::string Where(const base::Diagnostic& d) const {
    if (!d.range.valid()) return "-";
    base::LineCol lc = sm.Position(d.range.file, d.range.begin);
    return std::to_string(lc.line) + ":" + std::to_string(lc.col);
  }
};

const base::Diagnostic& Only(const Parsed& p) {
  EXPECT_EQ(p.diags.all().size(), 1u) << p.diags.Render();
  EXPECT_FALSE(p.cfg.has_value());
  return p.diags.all().front();
}

TEST(ConfigWarehouse, ParsesAPostgresSource) {
  Parsed p(R"([sources.web]
type = "postgres"
dsn = { env = "WAREHOUSE_DSN" }
schema = "segment_web"
format = "segment-warehouse"

[sources.files]
path = "data/*.jsonl"
)");
  ASSERT_TRUE(p.cfg.has_value()) << p.diags.Render();
  ASSERT_EQ(p.cfg->sources.size(), 2u);
  const Source& w = p.cfg->sources[0];
  EXPECT_TRUE(w.warehouse());
  EXPECT_EQ(w.type, "postgres");
  ASSERT_TRUE(w.dsn.has_value());
  EXPECT_EQ(w.dsn->env, "WAREHOUSE_DSN");
  EXPECT_EQ(w.schema, "segment_web");
  EXPECT_EQ(w.format, "segment-warehouse");
  EXPECT_TRUE(w.path.empty());
  EXPECT_FALSE(p.cfg->sources[1].warehouse());
  EXPECT_EQ(p.cfg->sources[1].format, "segment");
  // `format` may be left out: a postgres source reads the warehouse layout.
  Parsed q("[sources.web]\ntype = \"postgres\"\ndsn = { env = \"D\" }\nschema = \"web\"\n");
  ASSERT_TRUE(q.cfg.has_value()) << q.diags.Render();
  EXPECT_EQ(q.cfg->sources[0].format, "segment-warehouse");
}

TEST(ConfigWarehouse, EachBadSettingIsOneDiagnosticAtItsPlace) {
  struct Case {
    const char* toml;
    const char* where;
    const char* message;
  };
  const Case cases[] = {
      {"[sources.web]\ntype = \"postgress\"\n", "2:8",
       "`type` of a source must be `files` (Segment JSON lines) or `postgres` (Segment's "
       "warehouse layout), not `postgress`"},
      {"[sources.web]\ntype = \"postgres\"\nschema = \"web\"\n", "1:1",
       "`[sources.web]` with `type = \"postgres\"` needs `dsn`"},
      {"[sources.web]\ntype = \"postgres\"\ndsn = { env = \"D\" }\n", "1:1",
       "`[sources.web]` with `type = \"postgres\"` needs `schema` (the schema Segment loads "
       "the source into)"},
      {"[sources.web]\ntype = \"postgres\"\ndsn = { env = \"D\" }\nschema = \"Web-1\"\n", "4:10",
       "`schema` must be a lower-case PostgreSQL name (letters, digits, `_`, at most 63), not "
       "`Web-1`"},
      {"[sources.web]\ntype = \"postgres\"\ndsn = { env = \"D\" }\nschema = \"web\"\n"
       "format = \"segment\"\n",
       "5:10", "`format` of a `postgres` source must be `segment-warehouse`, not `segment`"},
      {"[sources.web]\npath = \"a/*.jsonl\"\nformat = \"segment-warehouse\"\n", "3:10",
       "`format` of a source must be `segment`, not `segment-warehouse` "
       "(`segment-warehouse` needs `type = \"postgres\"`)"},
      {"[sources.web]\ntype = \"postgres\"\ndsn = { env = \"D\" }\nschema = \"web\"\n"
       "path = \"a/*.jsonl\"\n",
       "5:1",
       "`path` does not apply to a `postgres` source (it reads the tables of `schema`); remove "
       "it"},
      {"[sources.web]\npath = \"a/*.jsonl\"\nschema = \"web\"\n", "3:1",
       "`schema` only applies to a source with `type = \"postgres\"`"},
      {"[sources.web]\npath = \"a/*.jsonl\"\ndsn = { env = \"D\" }\n", "1:1",
       "`dsn` on line 3 only applies to a source with `type = \"postgres\"`"},
      {"[sources.web]\ntype = \"postgres\"\ndsn = { env = \"D\" }\nschema = \"web\"\ntabel = 1\n",
       "5:1", "unknown key `tabel` in `[sources.web]`"},
  };
  for (const Case& c : cases) {
    Parsed p(c.toml);
    const base::Diagnostic& d = Only(p);
    EXPECT_EQ(p.Where(d), c.where) << c.toml;
    EXPECT_EQ(d.message, c.message) << c.toml;
  }
}

TEST(ConfigWarehouse, ADsnInTheFileIsRefusedWithoutEchoingIt) {
  Parsed p(
      "[sources.web]\ntype = \"postgres\"\ndsn = \"postgresql://u:hunter2secret@db/x\"\n"
      "schema = \"web\"\n");
  const base::Diagnostic& d = Only(p);
  EXPECT_NE(d.message.find("credentials never go in aud.toml"), std::string::npos) << d.message;
  const std::string rendered = p.diags.Render();
  EXPECT_EQ(rendered.find("hunter2secret"), std::string::npos) << rendered;
  ASSERT_FALSE(d.notes.empty());
  EXPECT_NE(d.notes[0].message.find("SOURCE_WEB_DSN"), std::string::npos) << d.notes[0].message;
}

TEST(ConfigWarehouse, AnEnvironmentOverridesSchemaAndDsn) {
  const char toml[] = R"([sources.web]
type = "postgres"
dsn = { env = "PROD_WAREHOUSE_DSN" }
schema = "web"

[env.staging.sources.web]
dsn = { env = "STAGING_WAREHOUSE_DSN" }
schema = "web_staging"
)";
  Parsed base(toml);
  ASSERT_TRUE(base.cfg.has_value()) << base.diags.Render();
  EXPECT_EQ(base.cfg->sources[0].schema, "web");
  EXPECT_EQ(base.cfg->sources[0].dsn->env, "PROD_WAREHOUSE_DSN");
  Parsed staging(toml, "staging");
  ASSERT_TRUE(staging.cfg.has_value()) << staging.diags.Render();
  EXPECT_EQ(staging.cfg->sources[0].schema, "web_staging");
  EXPECT_EQ(staging.cfg->sources[0].dsn->env, "STAGING_WAREHOUSE_DSN");
  EXPECT_TRUE(staging.cfg->sources[0].warehouse());
}

}  // namespace
}  // namespace aud::config
