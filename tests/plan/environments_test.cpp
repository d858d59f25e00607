// Environments (issue 13, item 4 and acceptance 5): `--env staging` plans
// against its own state, exports and profile store; a plan saved for `prod`
// refuses to apply with `--env staging` (and sends nothing); every plan,
// text and JSON, names its environment; AUD_ENV selects one too; the default
// environment keeps `.aud/state.db`.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/plan/apply_harness_test.h"

namespace aud::applytest {
namespace {

const char* kEnvToml = R"([project]
name = "apply_test"

[sources.web]
path = "data/events/*.jsonl"
format = "segment"

[connections.files]
type = "file"
format = "csv"
dir = "exports"

[env.prod.connections.files]
dir = "exports/prod"

[env.staging.connections.files]
dir = "exports/staging"

[env.staging.sources.web]
path = "data/staging/*.jsonl"
)";

constexpr int kUsers = 40;

class Environments : public ::testing::Test {
 protected:
  void SetUp() override {
    d_.Write("aud.toml", kEnvToml);
    d_.Write("main.aud", kMain);
    d_.Write("data/events/events.jsonl", Events(kUsers, 0));
    d_.Write("data/staging/events.jsonl", Events(kUsers, 1));
  }
  RunResult Aud(const std::vector<std::string>& args,
                const std::map<std::string, std::string>& env = {}) {
    return RunAud(d_.path(), args, env);
  }
  // key -> points of a CSV snapshot.
  std::map<std::string, int64_t> Csv(const std::string& path) {
    std::map<std::string, int64_t> m;
    std::istringstream in(d_.Read(path));
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      std::vector<std::string> cols;
      std::stringstream ls(line);
      std::string c;
      while (std::getline(ls, c, ',')) cols.push_back(c);
      if (cols.size() == 4) m[cols[0]] = std::stoll(cols[3]);
    }
    return m;
  }
  std::map<std::string, int64_t> Profiles(const std::string& db) {
    std::map<std::string, int64_t> m;
    for (auto& r : Query(d_.path() + "/" + db,
                         "SELECT profile, json_extract(attributes, '$.points') FROM memberships "
                         "WHERE audience = 'gold' AND status != 'exited'"))
      m[r[0]] = std::stoll(r[1]);
    return m;
  }
  TempDir d_{"aud-env"};
};

TEST_F(Environments, EachEnvironmentHasItsOwnStateExportsAndProfileStore) {
  RunResult r = Aud({"--env", "prod", "apply", "--as-of", kAsOf, "--auto-approve"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("environment: prod"), std::string::npos) << r.out;
  // (With PostgreSQL state, `pg.environments_test`, the state is rows keyed
  // by project and environment, and no state file is written at all.)
  EXPECT_EQ(d_.Exists(".aud/env/prod/state.db"), !aud::testing::PostgresStateTests());
  EXPECT_FALSE(d_.Exists(".aud/state.db"));
  EXPECT_EQ(Csv("exports/prod/gold.csv"), Desired(kUsers, 0));
  EXPECT_EQ(Profiles(".aud/env/prod/profiles.db"), Desired(kUsers, 0));
  const std::string prod_csv = d_.Read("exports/prod/gold.csv");

  // Staging, selected by AUD_ENV: its own (empty) state, so everything
  // enters; its own data, exports and profile store.
  r = Aud({"plan", "--as-of", kAsOf, "--json"}, {{"AUD_ENV", "staging"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["environment"], "staging");
  EXPECT_EQ(j["serial"], 0);
  r = Aud({"apply", "--as-of", kAsOf, "--auto-approve"}, {{"AUD_ENV", "staging"}});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Csv("exports/staging/gold.csv"), Desired(kUsers, 1));
  EXPECT_EQ(Profiles(".aud/env/staging/profiles.db"), Desired(kUsers, 1));
  // Prod untouched.
  EXPECT_EQ(d_.Read("exports/prod/gold.csv"), prod_csv);
  EXPECT_EQ(Profiles(".aud/env/prod/profiles.db"), Desired(kUsers, 0));
  r = Aud({"--env", "prod", "plan", "--as-of", kAsOf, "--detailed-exitcode"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = Aud({"--env", "staging", "plan", "--as-of", kAsOf, "--detailed-exitcode"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  // The default environment: `.aud/state.db`, `exports/`, and it says so.
  r = Aud({"plan", "--as-of", kAsOf});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("environment: default"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("+ gold -> files_out"), std::string::npos) << r.out;
  r = Aud({"profile", "show", "u00001", "--env", "prod"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("gold"), std::string::npos) << r.out;
}

TEST_F(Environments, APlanSavedForProdRefusesToApplyInStaging) {
  d_.Write("data/events/events.jsonl", Events(kUsers, 1));
  RunResult r = Aud({"--env", "prod", "plan", "--as-of", kAsOf, "--out", "prod.plan"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Aud({"--env", "prod", "show", "prod.plan", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["environment"], "prod");

  r = Aud({"--env", "staging", "apply", "prod.plan"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("`prod.plan` was made for environment `prod`, not `staging`; apply it "
                       "with `--env prod`"),
            std::string::npos)
      << r.err;
  r = Aud({"apply", "prod.plan"});  // nor in the default environment
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not `default`"), std::string::npos) << r.err;
  EXPECT_FALSE(d_.Exists("exports/staging/gold.csv"));
  EXPECT_FALSE(d_.Exists("exports/gold.csv"));
  EXPECT_FALSE(d_.Exists(".aud/env/staging/profiles.db"));

  r = Aud({"--env", "prod", "apply", "prod.plan"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Csv("exports/prod/gold.csv"), Desired(kUsers, 1));
}

TEST_F(Environments, UnknownEnvironmentIsAnErrorListingTheDeclaredOnes) {
  RunResult r = Aud({"--env", "stagin", "plan", "--as-of", kAsOf});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown environment `stagin`: aud.toml declares `prod`, `staging`"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("did you mean `staging`?"), std::string::npos) << r.err;
  EXPECT_FALSE(d_.Exists(".aud/env/stagin"));
}

}  // namespace
}  // namespace aud::applytest
