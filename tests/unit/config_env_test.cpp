// aud.toml environments (`[env.NAME]`, issue 13 item 4): the selected
// environment's keys replace the base tables' keys, with diagnostics at
// file:line:col for an override of a key the base does not set, an unknown
// table, an unknown environment (listing the declared ones) and a value of
// the wrong type in the selected environment.

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

  Parsed(std::string text, const std::string& env) {
    id = sm.Add("aud.toml", std::move(text));
    cfg = ParseConfig(id, diags, env);
  }
  std::string Where(const base::Diagnostic& d) const {
    if (!d.range.valid()) return "-";
    base::LineCol lc = sm.Position(d.range.file, d.range.begin);
    return std::to_string(lc.line) + ":" + std::to_string(lc.col);
  }
};

const char* kBase = R"([project]
name = "shop"

[sources.web]
path = "data/events/*.jsonl"

[connections.crm_files]
type = "file"
format = "csv"
dir = "exports/prod"

[connections.warehouse]
type = "postgres"
dsn = { env = "PROD_DSN" }
table = "members"

[env.staging.connections.crm_files]
dir = "exports/staging"

[env.staging.connections.warehouse]
dsn = { env = "STAGING_DSN" }

[env.staging.sources.web]
path = "data/staging/*.jsonl"

[env.staging.state]
backend = "sqlite"

[env.prod]
)";

std::string Str(const Connection& c, const char* key) {
  return std::get<std::string>(c.values.at(key));
}

TEST(ConfigEnv, DefaultKeepsTheBaseAndListsEnvironments) {
  Parsed p(kBase, "");
  ASSERT_TRUE(p.cfg) << p.diags.Render();
  EXPECT_EQ(p.cfg->environment, "");
  EXPECT_EQ(p.cfg->environments, (std::vector<std::string>{"staging", "prod"}));
  EXPECT_EQ(Str(p.cfg->connections.at("crm_files"), "dir"), "exports/prod");
  EXPECT_EQ(std::get<SecretRef>(p.cfg->connections.at("warehouse").values.at("dsn")).env,
            "PROD_DSN");
  EXPECT_EQ(p.cfg->sources.at(0).path, "data/events/*.jsonl");
}

TEST(ConfigEnv, SelectedEnvironmentOverridesKeys) {
  Parsed p(kBase, "staging");
  ASSERT_TRUE(p.cfg) << p.diags.Render();
  EXPECT_EQ(p.cfg->environment, "staging");
  EXPECT_EQ(Str(p.cfg->connections.at("crm_files"), "dir"), "exports/staging");
  EXPECT_EQ(Str(p.cfg->connections.at("crm_files"), "format"), "csv");  // kept
  EXPECT_EQ(std::get<SecretRef>(p.cfg->connections.at("warehouse").values.at("dsn")).env,
            "STAGING_DSN");
  EXPECT_EQ(Str(p.cfg->connections.at("warehouse"), "table"), "members");
  EXPECT_EQ(p.cfg->sources.at(0).path, "data/staging/*.jsonl");
  Parsed prod(kBase, "prod");  // an empty environment is the base
  ASSERT_TRUE(prod.cfg) << prod.diags.Render();
  EXPECT_EQ(Str(prod.cfg->connections.at("crm_files"), "dir"), "exports/prod");
}

TEST(ConfigEnv, UnknownEnvironmentListsTheDeclaredOnes) {
  Parsed p(kBase, "stagin");
  EXPECT_FALSE(p.cfg);
  ASSERT_EQ(p.diags.all().size(), 1u) << p.diags.Render();
  EXPECT_EQ(p.diags.all()[0].message,
            "unknown environment `stagin`: aud.toml declares `staging`, `prod`");
  EXPECT_NE(p.diags.Render().find("did you mean `staging`?"), std::string::npos);
  Parsed none("[project]\nname = \"x\"\n", "qa");
  ASSERT_EQ(none.diags.all().size(), 1u);
  EXPECT_EQ(none.diags.all()[0].message,
            "unknown environment `qa`: aud.toml declares no environments");
}

TEST(ConfigEnv, OverridingAKeyTheBaseDoesNotSetIsAnErrorAtItsPosition) {
  // Checked in every environment, whichever is selected.
  std::string text = std::string(kBase) + "\n[env.qa.connections.crm_files]\ndirr = \"x\"\n";
  for (const char* env : {"", "staging", "qa"}) {
    Parsed p(text, env);
    EXPECT_FALSE(p.cfg) << env;
    ASSERT_EQ(p.diags.all().size(), 1u) << p.diags.Render();
    const auto& d = p.diags.all()[0];
    EXPECT_EQ(d.message,
              "`[env.qa.connections.crm_files]` overrides `dirr`, which "
              "`[connections.crm_files]` does not set");
    EXPECT_EQ(p.Where(d), "32:1");
    EXPECT_NE(p.diags.Render().find("did you mean `dir`?"), std::string::npos);
  }
}

TEST(ConfigEnv, OverridingAnUndeclaredTableOrUnknownGroupIsAnError) {
  Parsed p(std::string(kBase) +
               "\n[env.qa.connections.crm_filez]\ndir = \"x\"\n"
               "\n[env.qa.destinations]\nx = 1\n",
           "");
  EXPECT_FALSE(p.cfg);
  ASSERT_EQ(p.diags.all().size(), 2u) << p.diags.Render();
  EXPECT_EQ(p.diags.all()[0].message,
            "`[env.qa.connections.crm_filez]` overrides `[connections.crm_filez]`, which aud.toml "
            "does not declare");
  EXPECT_EQ(p.Where(p.diags.all()[0]), "31:21");
  EXPECT_EQ(p.diags.all()[1].message, "unknown key `destinations` in `[env.qa]`");
}

TEST(ConfigEnv, SelectedOverridesAreValidatedLikeTheBase) {
  std::string text = std::string(kBase) + "\n[env.qa.connections.crm_files]\nformat = \"xml\"\n";
  Parsed qa(text, "qa");
  EXPECT_FALSE(qa.cfg);
  ASSERT_EQ(qa.diags.all().size(), 1u) << qa.diags.Render();
  EXPECT_EQ(qa.diags.all()[0].message, "`format` must be `csv` or `jsonl`, not `xml`");
  EXPECT_EQ(qa.Where(qa.diags.all()[0]), "32:10");
  Parsed staging(text, "staging");  // values are checked when their environment is used
  EXPECT_TRUE(staging.cfg) << staging.diags.Render();
}

TEST(ConfigEnv, StateKeysMayBeGivenWithoutABaseStateTable) {
  Parsed p(std::string(kBase) +
               "\n[env.shared.state]\nbackend = \"postgres\"\n"
               "dsn = { env = \"STATE_DSN\" }\n",
           "shared");
  ASSERT_TRUE(p.cfg) << p.diags.Render();
  EXPECT_EQ(p.cfg->state_backend, "postgres");
  EXPECT_EQ(p.cfg->state_dsn->env, "STATE_DSN");
  Parsed d(std::string(kBase) + "\n[env.shared.state]\nbackend = \"postgres\"\n", "shared");
  EXPECT_FALSE(d.cfg);
}

TEST(ConfigEnv, ReservedAndInvalidNames) {
  Parsed p("[env.default.connections]\n", "");
  EXPECT_FALSE(p.cfg);
  ASSERT_EQ(p.diags.all().size(), 1u) << p.diags.Render();
  EXPECT_NE(p.diags.all()[0].message.find("not `default`"), std::string::npos);
}

}  // namespace
}  // namespace aud::config
