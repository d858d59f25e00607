// Warehouse sources (docs/sources/segment-warehouse.md) against a real
// PostgreSQL 15 started by the test: the same generated data as JSON lines
// and loaded into Segment's warehouse layout gives the same plan and the
// same members and attributes; adding rows and planning again reads only
// the new rows (asserted by the counters of `aud plan --json`); bad input
// (NULL ids, a missing event table, a column of the wrong type, an
// unreachable server) is counted or refused with a message naming the
// table or source, never the DSN.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/pg_server.h"
#include "tests/support/run_aud.h"
#include "tests/support/state_backend.h"
#include "tests/support/warehouse_loader.h"

namespace aud::testing {
namespace {

using json = nlohmann::json;

constexpr const char* kAsOf = "2026-11-01";
constexpr int64_t kLoadBase = 1'790'000'000'000;  // received_at of the first load, ms

// Declared track events with properties, a page event with declared
// `context.*` paths (read from `context_*` columns), traits, identities,
// undeclared `screen` calls (still linking ids), aliases and duplicates.
const char kMain[] = R"(import "std/ecommerce"

trait email: string
trait country: string

identity user_id: declared from userId
identity email: declared from trait email normalize email

event visit page { name: string  url: string  context.locale: string  context.library.name: string }

segment buyers "an order in 90 days" = count(order_completed within 90d) >= 1
segment page_fans "3+ pages in 30 days" = count(visit within 30d) >= 3
segment web_swedes "a Swedish web visit" =
    did(visit where `context.locale` == "sv-SE" and `context.library.name` == "analytics.js")

audience buyers_aud "Buyers" {
  members buyers
  identities email, user_id
  attributes {
    revenue_90d = sum(order_completed.revenue within 90d)
    last_order_at = last(order_completed.timestamp)
    views = count(product_viewed within 90d)
  }
  refresh every 1d
}

audience fans "Page fans" {
  members (page_fans and country in ["SE", "NO", "DK", "FI", "US", "DE", "GB"]) or web_swedes
  identities user_id
  attributes {
    pages = count(visit within 30d)
    non_us_pages = count(visit where `context.locale` != "en-US" within 90d)
  }
  refresh every 1d
}

publish buyers_aud to profile_store
publish fans to profile_store
)";

const char kFilesToml[] = R"([project]
name = "wh_test"

[sources.web]
path = "data/events/*.jsonl"
format = "segment"
)";

const char kWarehouseToml[] = R"([project]
name = "wh_test"

[sources.web]
type = "postgres"
dsn = { env = "WH_TEST_DSN" }
schema = "web"
format = "segment-warehouse"
)";

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(line);
  return out;
}

std::string Join(const std::vector<std::string>& lines, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i) out += lines[i] + "\n";
  return out;
}

// Every file under `dir` holding `needle` (the DSN's password must be in none).
std::vector<std::string> FilesContaining(const std::string& dir, const std::string& needle) {
  std::vector<std::string> hits;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (ss.str().find(needle) != std::string::npos) hits.push_back(e.path().string());
  }
  return hits;
}

class Warehouse : public ::testing::Test {
 protected:
  void SetUp() override {
    if (PostgresStateTests()) GTEST_SKIP() << "runs once, in the default mode";
    std::string error;
    pg_ = PgServer::Start(&error);
    ASSERT_TRUE(pg_) << error;
    ASSERT_TRUE(pg_->CreateDatabase("wh", &error)) << error;
    dsn_ = pg_->Dsn("aud_admin", "", "wh");
    env_ = {{"WH_TEST_DSN", dsn_}};
    files_.Write("aud.toml", kFilesToml);
    files_.Write("main.aud", kMain);
    wh_.Write("aud.toml", kWarehouseToml);
    wh_.Write("main.aud", kMain);
  }

  // Generated data (time-ordered JSON lines, duplicates included).
  std::vector<std::string> Generate(int profiles, int events) {
    TempDir gen("aud-wh-gen");
    RunResult r = RunAud(gen.path(),
                         {"gen-events", "--profiles", std::to_string(profiles), "--events",
                          std::to_string(events), "--seed", "7", "--out", gen.path() + "/g.jsonl"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Lines(gen.Read("g.jsonl"));
  }

  // Loads `jsonl` into the warehouse; the number of calls loaded.
  uint64_t Load(const std::string& jsonl, int64_t received_base) {
    WarehouseLoad load = WarehouseSql(jsonl, "web", received_base);
    std::string error;
    EXPECT_TRUE(pg_->Exec(load.sql, &error, "wh")) << error;
    EXPECT_EQ(load.skipped, 0u);
    return load.messages;
  }

  void Sql(const std::string& sql) {
    std::string error;
    ASSERT_TRUE(pg_->Exec(sql, &error, "wh")) << error << "\n" << sql;
  }

  // `aud plan --json --detail` of a project (must succeed).
  json Plan(const TempDir& dir, RunResult* out = nullptr) {
    RunResult r = RunAud(dir.path(), {"plan", "--as-of", kAsOf, "--json", "--detail"}, env_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.find(pg_->admin_password()), std::string::npos);
    EXPECT_EQ(r.err.find(pg_->admin_password()), std::string::npos);
    if (out) *out = r;
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
  }

  // What must agree between the two projects: every publication (members
  // entering, with keys), the summary and the ingest counts.
  static json Comparable(const json& plan) {
    json c;
    c["publications"] = plan["publications"];
    c["summary"] = plan["summary"];
    for (const char* k : {"events", "identifies", "aliases", "duplicates", "bad", "profiles"})
      c["ingest"][k] = plan["ingest"][k];
    return c;
  }

  // `aud eval NAME --format jsonl`: members with identities and attributes.
  std::string Eval(const TempDir& dir, const std::string& name) {
    RunResult r = RunAud(dir.path(), {"eval", name, "--as-of", kAsOf, "--format", "jsonl"}, env_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  // The warehouse counters must add up: read = accepted + quarantined + duplicates.
  static void ExpectBalanced(const json& w) {
    EXPECT_EQ(w["rows_read"].get<uint64_t>(), w["accepted"].get<uint64_t>() +
                                                  w["quarantined"].get<uint64_t>() +
                                                  w["duplicates"].get<uint64_t>())
        << w.dump();
    for (const auto& [table, t] : w["tables"].items())
      EXPECT_EQ(t["rows_read"].get<uint64_t>(), t["accepted"].get<uint64_t>() +
                                                    t["quarantined"].get<uint64_t>() +
                                                    t["duplicates"].get<uint64_t>())
          << table;
  }

  std::unique_ptr<PgServer> pg_;
  std::string dsn_;
  std::map<std::string, std::string> env_;
  TempDir files_{"aud-wh-files"};
  TempDir wh_{"aud-wh-pg"};
};

TEST_F(Warehouse, SamePlanAsJsonLinesAndARefreshReadsOnlyNewRows) {
  const std::vector<std::string> lines = Generate(300, 5000);
  ASSERT_GT(lines.size(), 4000u);
  const size_t cut = lines.size() * 4 / 5;

  // The first load: the same lines as a file and in the warehouse.
  files_.Write("data/events/a.jsonl", Join(lines, 0, cut));
  const uint64_t first = Load(Join(lines, 0, cut), kLoadBase);
  ASSERT_EQ(first, cut);

  json a = Plan(files_), b = Plan(wh_);
  ASSERT_TRUE(b.contains("warehouse")) << b.dump();
  EXPECT_EQ(Comparable(a), Comparable(b));
  EXPECT_GT(a["publications"][0]["desired"].get<int>(), 0);  // members to compare
  EXPECT_GT(a["ingest"]["duplicates"].get<int>(), 0);
  const json& w1 = b["warehouse"];
  EXPECT_TRUE(w1["full_reload"].get<bool>());
  EXPECT_EQ(w1["rows_read"].get<uint64_t>(), first);  // one row per call
  EXPECT_EQ(w1["rows_cached"].get<uint64_t>(), 0u);
  EXPECT_EQ(w1["duplicates"], a["ingest"]["duplicates"]);
  ExpectBalanced(w1);
  EXPECT_FALSE(Eval(files_, "buyers_aud").empty());
  EXPECT_NE(Eval(files_, "fans").find("\"non_us_pages\":"), std::string::npos);
  for (const char* aud : {"buyers_aud", "fans"})
    EXPECT_EQ(Eval(files_, aud), Eval(wh_, aud)) << aud;

  // Nothing new: nothing read, everything from the segments.
  json again = Plan(wh_);
  EXPECT_EQ(again["warehouse"]["rows_read"].get<uint64_t>(), 0u) << again["warehouse"].dump();
  EXPECT_FALSE(again["warehouse"]["full_reload"].get<bool>());
  EXPECT_EQ(again["warehouse"]["rows_cached"], w1["accepted"]);
  EXPECT_EQ(Comparable(again), Comparable(b));

  // New rows (received later): only they are read, and the plan still agrees.
  files_.Write("data/events/b.jsonl", Join(lines, cut, lines.size()));
  const uint64_t second = Load(Join(lines, cut, lines.size()), kLoadBase + 1'000'000);
  ASSERT_EQ(second, lines.size() - cut);
  json a2 = Plan(files_), b2 = Plan(wh_);
  const json& w2 = b2["warehouse"];
  EXPECT_EQ(w2["rows_read"].get<uint64_t>(), second) << w2.dump();
  EXPECT_EQ(w2["rows_cached"], w1["accepted"]);
  EXPECT_FALSE(w2["full_reload"].get<bool>());
  ExpectBalanced(w2);
  EXPECT_EQ(Comparable(a2), Comparable(b2));
  EXPECT_NE(Comparable(a2), Comparable(a));  // the new rows changed something
  for (const char* aud : {"buyers_aud", "fans"}) EXPECT_EQ(Eval(files_, aud), Eval(wh_, aud));

  // The DSN is in no file aud wrote (cache, state, profile store).
  EXPECT_TRUE(FilesContaining(wh_.path(), pg_->admin_password()).empty());
}

TEST_F(Warehouse, NullIdsAreQuarantinedAndCounted) {
  const std::vector<std::string> lines = Generate(100, 1500);
  const uint64_t loaded = Load(Join(lines, 0, lines.size()), kLoadBase);
  json before = Plan(wh_);
  ASSERT_EQ(before["warehouse"]["rows_read"].get<uint64_t>(), loaded);
  const uint64_t bad_before = before["ingest"]["bad"].get<uint64_t>();

  // Three rows no one can own, one fine row, received after the rest.
  Sql("INSERT INTO web.order_completed (id, user_id, anonymous_id, timestamp, received_at, "
      "revenue) VALUES "
      "(NULL, 'u1', NULL, '2026-10-30T10:00:00Z', '2027-01-01T00:00:00Z', 5),"
      "('null-user', NULL, NULL, '2026-10-30T10:00:00Z', '2027-01-01T00:00:01Z', 5),"
      "('ok-row', 'u1', NULL, '2026-10-30T10:00:00Z', '2027-01-01T00:00:02Z', 5);"
      "INSERT INTO web.aliases (id, previous_id, user_id, timestamp, received_at) VALUES "
      "('alias-no-prev', NULL, 'u2', '2026-10-30T10:00:00Z', '2027-01-01T00:00:03Z');");
  RunResult r;
  json after = Plan(wh_, &r);
  const json& w = after["warehouse"];
  EXPECT_EQ(w["rows_read"].get<uint64_t>(), 4u) << w.dump();
  EXPECT_EQ(w["accepted"].get<uint64_t>(), 1u);
  EXPECT_EQ(w["quarantined"].get<uint64_t>(), 3u);
  EXPECT_EQ(w["quarantined_by_reason"]["missing-message-id"].get<uint64_t>(), 1u);
  EXPECT_EQ(w["quarantined_by_reason"]["missing-id"].get<uint64_t>(), 2u);
  ExpectBalanced(w);
  EXPECT_EQ(after["ingest"]["bad"].get<uint64_t>(), bad_before + 3);
  EXPECT_NE(r.err.find("3 quarantined"), std::string::npos) << r.err;

  // Quarantined rows stay counted on the next run without being read again.
  json third = Plan(wh_);
  EXPECT_EQ(third["warehouse"]["rows_read"].get<uint64_t>(), 0u);
  EXPECT_EQ(third["ingest"]["bad"].get<uint64_t>(), bad_before + 3);

  // --strict refuses them.
  RunResult strict = RunAud(wh_.path(), {"plan", "--as-of", kAsOf, "--strict"}, env_);
  EXPECT_EQ(strict.exit_code, 1);
  EXPECT_NE(strict.err.find("missing-id 2"), std::string::npos) << strict.err;
}

TEST_F(Warehouse, MissingTableWrongTypeAndLostServerAreClearErrors) {
  const std::vector<std::string> lines = Generate(100, 1500);
  Load(Join(lines, 0, lines.size()), kLoadBase);

  // A declared event without its table: a warning naming it; its calls come
  // from `tracks` (without properties).
  const json before = Plan(wh_);
  Sql("DROP TABLE web.product_viewed");
  RunResult r;
  json plan = Plan(wh_, &r);
  // Which declared tables exist is part of the cache's fingerprint: a full
  // read, with the event's calls now from `tracks` (the same count).
  EXPECT_TRUE(plan["warehouse"]["full_reload"].get<bool>()) << plan["warehouse"].dump();
  EXPECT_EQ(plan["ingest"]["events"], before["ingest"]["events"]);
  EXPECT_NE(r.err.find("`web.product_viewed`"), std::string::npos) << r.err;
  ASSERT_TRUE(plan["warehouse"]["missing_tables"].is_array());
  bool named = false;
  for (const auto& t : plan["warehouse"]["missing_tables"])
    named = named || t == "web.product_viewed";
  EXPECT_TRUE(named) << plan["warehouse"].dump();

  // A property column of the wrong type: refused, naming schema.table.column.
  Sql("ALTER TABLE web.order_completed ALTER COLUMN revenue TYPE text");
  RunResult bad = RunAud(wh_.path(), {"plan", "--as-of", kAsOf}, env_);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("source `web`: column `web.order_completed.revenue` is `text` but "
                         "`revenue` is declared `float`"),
            std::string::npos)
      << bad.err;
  EXPECT_EQ(bad.out, "");
  EXPECT_EQ(bad.err.find(pg_->admin_password()), std::string::npos);

  // A missing schema.
  wh_.Write("aud.toml", std::string(kWarehouseToml)
                            .replace(std::string(kWarehouseToml).find("schema = \"web\""), 14,
                                     "schema = \"mobile\""));
  RunResult noschema = RunAud(wh_.path(), {"plan", "--as-of", kAsOf}, env_);
  EXPECT_EQ(noschema.exit_code, 1);
  EXPECT_NE(noschema.err.find("schema `mobile` does not exist"), std::string::npos) << noschema.err;

  // The DSN's variable unset.
  RunResult unset = RunAud(wh_.path(), {"plan", "--as-of", kAsOf}, {{"WH_TEST_DSN", "\x01unset"}});
  EXPECT_EQ(unset.exit_code, 1);
  EXPECT_NE(unset.err.find("`WH_TEST_DSN`"), std::string::npos) << unset.err;

  // The server gone: an error naming the source, never the DSN; nothing planned.
  wh_.Write("aud.toml", kWarehouseToml);
  std::string error;
  ASSERT_TRUE(pg_->Stop(&error)) << error;
  RunResult gone = RunAud(wh_.path(), {"plan", "--as-of", kAsOf, "--json"}, env_);
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.err.find("source `web`: cannot reach the PostgreSQL server"), std::string::npos)
      << gone.err;
  EXPECT_EQ(gone.out, "");
  EXPECT_EQ(gone.err.find(pg_->admin_password()), std::string::npos);
  EXPECT_EQ(gone.err.find(std::to_string(pg_->port())), std::string::npos) << gone.err;
  ASSERT_TRUE(pg_->Restart(&error)) << error;
}

// No file order in a warehouse: ties in `timestamp` are broken by
// `received_at`, then by `id` (latest-wins traits and `last` see that order).
TEST_F(Warehouse, TiesInTimestampAreBrokenByReceivedAtThenId) {
  wh_.Write("main.aud", R"(import "std/ecommerce"

trait country: string

identity user_id: declared from userId

segment in_us "country US" = country == "US"

audience us_aud "US" {
  members in_us
  identities user_id
  attributes { last_revenue = last(order_completed.revenue) }
  refresh every 1d
}
)");
  Sql("CREATE SCHEMA web;"
      "CREATE TABLE web.identifies (id text, user_id text, anonymous_id text, "
      "timestamp timestamptz, received_at timestamptz, country text);"
      "CREATE TABLE web.order_completed (id text, user_id text, anonymous_id text, "
      "timestamp timestamptz, received_at timestamptz, revenue double precision);"
      // u1: received later wins over the smaller id.
      "INSERT INTO web.identifies VALUES "
      "('z-first', 'u1', NULL, '2026-10-01T00:00:00Z', '2026-10-01T00:00:01Z', 'SE'),"
      "('a-second', 'u1', NULL, '2026-10-01T00:00:00Z', '2026-10-01T00:00:02Z', 'US'),"
      // u2, u3: the same received_at: the larger id is the later call.
      "('a', 'u2', NULL, '2026-10-01T00:00:00Z', '2026-10-01T00:00:01Z', 'SE'),"
      "('b', 'u2', NULL, '2026-10-01T00:00:00Z', '2026-10-01T00:00:01Z', 'US'),"
      "('a3', 'u3', NULL, '2026-10-01T00:00:00Z', '2026-10-01T00:00:01Z', 'US'),"
      "('b3', 'u3', NULL, '2026-10-01T00:00:00Z', '2026-10-01T00:00:01Z', 'SE');"
      "INSERT INTO web.order_completed VALUES "
      "('o-z', 'u1', NULL, '2026-10-02T00:00:00Z', '2026-10-02T00:00:01Z', 10),"
      "('o-a', 'u1', NULL, '2026-10-02T00:00:00Z', '2026-10-02T00:00:02Z', 20),"
      "('o-1', 'u2', NULL, '2026-10-02T00:00:00Z', '2026-10-02T00:00:01Z', 30),"
      "('o-2', 'u2', NULL, '2026-10-02T00:00:00Z', '2026-10-02T00:00:01Z', 40);");
  EXPECT_EQ(Eval(wh_, "us_aud"),
            "{\"profile\":\"u1\",\"identities\":{\"user_id\":[\"u1\"]},\"attributes\":"
            "{\"last_revenue\":20}}\n"
            "{\"profile\":\"u2\",\"identities\":{\"user_id\":[\"u2\"]},\"attributes\":"
            "{\"last_revenue\":40}}\n");

  // Applied to the profile store like any plan.
  wh_.Write("main.aud", wh_.Read("main.aud") + "\npublish us_aud to profile_store\n");
  RunResult applied = RunAud(wh_.path(), {"apply", "--as-of", kAsOf, "--auto-approve"}, env_);
  EXPECT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_EQ(applied.err.find(pg_->admin_password()), std::string::npos);
  json after = Plan(wh_);
  EXPECT_FALSE(after["changes"].get<bool>()) << after.dump();
}

// The connection lost in the middle of the read (the server ends the
// session while the cursor is being fetched): an error naming the source,
// never the DSN; nothing planned; the cache left as it was, so the next run
// reads the rows the failed one did not keep.
TEST_F(Warehouse, ConnectionLostDuringTheReadIsAnErrorNamingTheSource) {
  const std::vector<std::string> lines = Generate(100, 1500);
  const uint64_t loaded = Load(Join(lines, 0, lines.size()), kLoadBase);
  json first = Plan(wh_);
  ASSERT_EQ(first["warehouse"]["rows_read"].get<uint64_t>(), loaded);
  const std::string manifest = wh_.Read(".aud/cache/warehouse/web/manifest");
  ASSERT_FALSE(manifest.empty());

  // `order_completed` becomes a view whose `revenue` ends the session on a
  // row added after the first read.
  Sql("ALTER TABLE web.order_completed RENAME TO order_completed_raw;"
      "CREATE FUNCTION web.end_session(x double precision) RETURNS double precision AS $$ "
      "BEGIN IF x > 1000000 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF; "
      "RETURN x; END $$ LANGUAGE plpgsql;"
      "CREATE VIEW web.order_completed AS SELECT id, user_id, anonymous_id, timestamp, "
      "received_at, web.end_session(revenue) AS revenue FROM web.order_completed_raw;"
      "INSERT INTO web.order_completed_raw (id, user_id, timestamp, received_at, revenue) "
      "VALUES ('big', 'u1', '2026-10-30T10:00:00Z', '2027-01-01T00:00:00Z', 2e6),"
      "('after', 'u1', '2026-10-30T10:00:00Z', '2027-01-01T00:00:01Z', 5);");
  RunResult lost = RunAud(wh_.path(), {"plan", "--as-of", kAsOf, "--json"}, env_);
  EXPECT_EQ(lost.exit_code, 1);
  EXPECT_NE(lost.err.find("source `web`: lost the connection to PostgreSQL"), std::string::npos)
      << lost.err;
  EXPECT_EQ(lost.out, "");
  EXPECT_EQ(lost.err.find(pg_->admin_password()), std::string::npos);
  EXPECT_EQ(wh_.Read(".aud/cache/warehouse/web/manifest"), manifest);

  // Fixed in the warehouse: the next run reads the two new rows.
  Sql("UPDATE web.order_completed_raw SET revenue = 7 WHERE id = 'big'");
  json fixed = Plan(wh_);
  EXPECT_EQ(fixed["warehouse"]["rows_read"].get<uint64_t>(), 2u) << fixed["warehouse"].dump();
  EXPECT_EQ(fixed["warehouse"]["accepted"].get<uint64_t>(), 2u);
}

// Rows cached from one database are never reused for another one behind
// the same variable (a DSN changed, or `--env` pointing elsewhere).
TEST_F(Warehouse, AnotherDatabaseBehindTheVariableMeansAFullRead) {
  const std::vector<std::string> lines = Generate(50, 600);
  const uint64_t loaded = Load(Join(lines, 0, lines.size()), kLoadBase);
  ASSERT_TRUE(Plan(wh_)["warehouse"]["full_reload"].get<bool>());
  ASSERT_FALSE(Plan(wh_)["warehouse"]["full_reload"].get<bool>());
  std::string error;
  ASSERT_TRUE(pg_->CreateDatabase("wh2", &error)) << error;
  // The same rows (same tables, same watermarks): only the database differs.
  WarehouseLoad load = WarehouseSql(Join(lines, 0, lines.size()), "web", kLoadBase);
  ASSERT_TRUE(pg_->Exec(load.sql, &error, "wh2")) << error;
  env_["WH_TEST_DSN"] = pg_->Dsn("aud_admin", "", "wh2");
  json other = Plan(wh_);
  EXPECT_TRUE(other["warehouse"]["full_reload"].get<bool>()) << other["warehouse"].dump();
  EXPECT_EQ(other["warehouse"]["rows_cached"].get<uint64_t>(), 0u);
  EXPECT_EQ(other["warehouse"]["rows_read"].get<uint64_t>(), loaded);
}

}  // namespace
}  // namespace aud::testing
