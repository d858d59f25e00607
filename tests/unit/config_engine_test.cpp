// `[engine.postgres] dsn = { env = "VAR" }` (docs/sql-engine.md): read as a
// secret reference; a plain string, a missing `dsn`, an unknown key or an
// unknown engine are errors that never echo a value.

#include <gtest/gtest.h>

#include <string>

#include "compiler/config/config.h"

namespace aud::config {
namespace {

struct Parsed {
  base::SourceManager sm;
  base::Diagnostics diags{sm};
  std::optional<ProjectConfig> cfg;
  explicit Parsed(std::string text) {
    cfg = ParseConfig(sm.Add("aud.toml", std::move(text)), diags);
  }
};

const std::string kBase = "[project]\nname = \"shop\"\n";

TEST(ConfigEngine, DsnIsASecretReference) {
  Parsed p(kBase + "[engine.postgres]\ndsn = { env = \"AUD_ENGINE_DSN\" }\n");
  ASSERT_TRUE(p.cfg) << p.diags.Render();
  ASSERT_TRUE(p.cfg->engine_postgres_dsn);
  EXPECT_EQ(p.cfg->engine_postgres_dsn->env, "AUD_ENGINE_DSN");
}

TEST(ConfigEngine, ShardsAreSecretReferences) {
  Parsed p(
      kBase +
      "[engine.postgres]\ndsn = { env = \"C\" }\nshards = [{ env = \"S1\" }, { env = \"S2\" }]\n");
  ASSERT_TRUE(p.cfg) << p.diags.Render();
  ASSERT_EQ(p.cfg->engine_postgres_shards.size(), 2u);
  EXPECT_EQ(p.cfg->engine_postgres_shards[0].env, "S1");
  EXPECT_EQ(p.cfg->engine_postgres_shards[1].env, "S2");
  Parsed plain(
      kBase +
      "[engine.postgres]\ndsn = { env = \"C\" }\nshards = [\"postgres://u:hunter2@db/x\"]\n");
  EXPECT_FALSE(plain.cfg);
  EXPECT_NE(plain.diags.Render().find("credentials never go in aud.toml"), std::string::npos)
      << plain.diags.Render();
  EXPECT_EQ(plain.diags.Render().find("hunter2"), std::string::npos) << plain.diags.Render();
  Parsed empty(kBase + "[engine.postgres]\ndsn = { env = \"C\" }\nshards = []\n");
  EXPECT_FALSE(empty.cfg);
  EXPECT_NE(empty.diags.Render().find("non-empty array"), std::string::npos)
      << empty.diags.Render();
}

TEST(ConfigEngine, AbsentByDefault) {
  Parsed p(kBase);
  ASSERT_TRUE(p.cfg) << p.diags.Render();
  EXPECT_FALSE(p.cfg->engine_postgres_dsn);
}

TEST(ConfigEngine, PlainStringDsnIsRefusedWithoutEchoingIt) {
  Parsed p(kBase + "[engine.postgres]\ndsn = \"postgres://u:hunter2@db/x\"\n");
  EXPECT_FALSE(p.cfg);
  const std::string all = p.diags.Render();
  EXPECT_NE(all.find("credentials never go in aud.toml"), std::string::npos) << all;
  EXPECT_EQ(all.find("hunter2"), std::string::npos) << all;
}

TEST(ConfigEngine, MissingDsnUnknownKeyAndUnknownEngine) {
  Parsed missing(kBase + "[engine.postgres]\n");
  EXPECT_FALSE(missing.cfg);
  EXPECT_NE(missing.diags.Render().find("`[engine.postgres]` needs `dsn`"), std::string::npos)
      << missing.diags.Render();
  Parsed unknown(kBase + "[engine.postgres]\ndsn = { env = \"X\" }\ntimeout = 3\n");
  EXPECT_FALSE(unknown.cfg);
  EXPECT_NE(unknown.diags.Render().find("unknown key `timeout` in `[engine.postgres]`"),
            std::string::npos)
      << unknown.diags.Render();
  Parsed other(kBase + "[engine.bigquery]\ndsn = { env = \"X\" }\n");
  EXPECT_FALSE(other.cfg);
  EXPECT_NE(other.diags.Render().find("unknown key `bigquery` in `[engine]`"), std::string::npos)
      << other.diags.Render();
}

}  // namespace
}  // namespace aud::config
