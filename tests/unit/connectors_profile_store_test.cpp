// The profile store (runtime/connectors/profile_store.cpp): membership status
// transitions (realized -> existing -> exited -> realized), qualification and
// exit times from applied_at, identities replaced per namespace (and moved
// between profiles), traits replaced, audience labels, drop, identical rows
// after a re-sent batch, the reader API, the PostgreSQL refusal, and the
// output of `aud profile show` (run when the aud binary has been built).

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "runtime/connectors/connector.h"
#include "runtime/connectors/profile_store.h"

namespace aud::connectors {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kT1 = 1772600767890;
constexpr int64_t kT2 = kT1 + 86400000;
constexpr int64_t kT3 = kT2 + 86400000;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "aud-ps-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Value Str(std::string s) {
  Value v;
  v.kind = Value::String;
  v.s = std::move(s);
  return v;
}
Value Num(double f) {
  Value v;
  v.kind = Value::Float;
  v.f = f;
  return v;
}

Row Member(std::string key, std::vector<std::string> emails, double ltv,
           std::vector<Field> traits = {}) {
  Row r;
  r.key = key;
  r.profile = key;
  r.identities = {{"email", false, std::move(emails)}, {"user_id", false, {key}}};
  r.fields = {{"ltv", Num(ltv)}};
  r.traits = std::move(traits);
  return r;
}

Publication Pub(int64_t at, std::string audience = "vip") {
  Publication p;
  p.audience = std::move(audience);
  p.audience_description = "big spenders";
  p.destination = "profile_store";
  p.labels = {"C1", "I1"};
  p.field_names = {"ltv"};
  p.applied_at = at;
  return p;
}

class ProfileStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Connector> Make() {
    Context ctx;
    ctx.project_dir = tmp_.path();
    std::string error;
    auto c = MakeProfileStore(nullptr, ctx, &error);
    EXPECT_TRUE(c) << error;
    return c;
  }
  void Send(Connector& c, const Publication& pub, const Batch& b) {
    ASSERT_EQ(c.Begin(pub), "");
    BatchResult r = c.Apply(pub, b);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_TRUE(r.rejected.empty());
  }
  std::unique_ptr<ProfileStoreReader> Reader() {
    std::string error;
    auto r = ProfileStoreReader::Open(tmp_.path(), &error);
    EXPECT_TRUE(r) << error;
    return r;
  }
  StoredMembership Membership(const std::string& key, const std::string& audience) {
    std::string error;
    auto p = Reader()->GetProfile(key, &error);
    EXPECT_TRUE(p) << key << error;
    if (p)
      for (const auto& m : p->memberships)
        if (m.audience == audience) return m;
    ADD_FAILURE() << "no membership of " << key << " in " << audience;
    return {};
  }
  std::string Dump() {
    std::string error;
    std::string d = Reader()->Dump(&error);
    EXPECT_EQ(error, "");
    return d;
  }

  TempDir tmp_;
};

TEST_F(ProfileStoreTest, CreatesTheStoreInWalMode) {
  auto c = Make();
  EXPECT_EQ(c->limits().batch_size, 1000u);
  EXPECT_EQ(c->limits().concurrency, 1u);
  std::string path = ProfileStorePath(tmp_.path());
  ASSERT_TRUE(fs::exists(path));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "wal");
  sqlite3_finalize(s);
  sqlite3_close(db);
}

TEST_F(ProfileStoreTest, StatusTransitions) {
  auto c = Make();
  Batch b1;
  b1.upserts = {Member("u1", {"a@x.se"}, 10), Member("u2", {"b@x.se"}, 20)};
  Send(*c, Pub(kT1), b1);
  StoredMembership m = Membership("u1", "vip");
  EXPECT_EQ(m.status, "realized");
  EXPECT_EQ(m.qualified_at, kT1);
  EXPECT_FALSE(m.exited_at);
  EXPECT_EQ(m.updated_at, kT1);
  EXPECT_EQ(m.attributes_json, "{\"ltv\":10}");
  EXPECT_EQ(m.labels, (std::vector<std::string>{"C1", "I1"}));
  EXPECT_EQ(m.description, "big spenders");

  // Updated -> existing (qualified_at kept); removed -> exited.
  Batch b2;
  Row u1 = Member("u1", {"a@x.se"}, 15);
  u1.op = Row::Update;
  b2.upserts = {u1};
  b2.removes = {"u2"};
  Send(*c, Pub(kT2), b2);
  m = Membership("u1", "vip");
  EXPECT_EQ(m.status, "existing");
  EXPECT_EQ(m.qualified_at, kT1);
  EXPECT_EQ(m.updated_at, kT2);
  EXPECT_EQ(m.attributes_json, "{\"ltv\":15}");
  m = Membership("u2", "vip");
  EXPECT_EQ(m.status, "exited");
  EXPECT_EQ(m.exited_at, kT2);
  EXPECT_EQ(m.qualified_at, kT1);
  std::string error;
  EXPECT_EQ(Reader()->CurrentMembers("vip", &error), (std::vector<std::string>{"u1"}));

  // Re-entering -> realized again, qualified now, no exit time.
  Batch b3;
  b3.upserts = {Member("u2", {"b@x.se"}, 30)};
  Send(*c, Pub(kT3), b3);
  m = Membership("u2", "vip");
  EXPECT_EQ(m.status, "realized");
  EXPECT_EQ(m.qualified_at, kT3);
  EXPECT_FALSE(m.exited_at);
  EXPECT_EQ(Reader()->CurrentMembers("vip", &error), (std::vector<std::string>{"u1", "u2"}));
  // A member left untouched keeps its status.
  EXPECT_EQ(Membership("u1", "vip").status, "existing");
}

TEST_F(ProfileStoreTest, IdentitiesAndTraitsAreReplaced) {
  auto c = Make();
  Batch b1;
  b1.upserts = {Member("u1", {"a@x.se", "old@x.se"}, 1, {{"plan", Str("pro")}, {"age", Num(30)}})};
  Row anon;
  anon.key = "anon-7";
  anon.identities = {{"anonymous_id", true, {"anon-7"}}};
  b1.upserts.push_back(anon);
  Send(*c, Pub(kT1), b1);
  // Another audience with other identities does not erase the email ones.
  Batch other;
  Row o = Member("u1", {}, 1, {{"plan", Str("pro")}, {"age", Num(30)}});
  o.identities = {{"phone", false, {"+46700000000"}}};
  other.upserts = {o};
  Send(*c, Pub(kT1, "other"), other);

  Batch b2;
  Row u1 = Member("u1", {"a@x.se"}, 1, {{"plan", Str("basic")}, {"age", Value{}}});
  u1.identities.push_back({"anonymous_id", true, {"anon-7"}});  // stitched into u1 now
  b2.upserts = {u1};
  Send(*c, Pub(kT2), b2);

  std::string error;
  auto reader = Reader();
  auto p = reader->GetProfile("u1", &error);
  ASSERT_TRUE(p) << error;
  std::vector<std::string> ids;
  for (const auto& i : p->identities)
    ids.push_back(i.ns + ":" + i.value + (i.visitor ? ":visitor" : ":declared"));
  EXPECT_EQ(ids, (std::vector<std::string>{"anonymous_id:anon-7:visitor", "email:a@x.se:declared",
                                           "phone:+46700000000:declared", "user_id:u1:declared"}));
  ASSERT_EQ(p->traits.size(), 1u);
  EXPECT_EQ(p->traits[0].name, "plan");
  EXPECT_EQ(p->traits[0].value_json, "\"basic\"");
  EXPECT_EQ(p->updated_at, kT2);
  // The identity moved: the old anonymous profile no longer has it.
  auto anon_p = reader->GetProfile("anon-7", &error);
  ASSERT_TRUE(anon_p);
  EXPECT_TRUE(anon_p->identities.empty());
  // Lookup by key first, then by any identity value.
  EXPECT_EQ(reader->FindProfiles("anon-7", &error), (std::vector<std::string>{"anon-7", "u1"}));
  EXPECT_EQ(reader->FindProfiles("u1", &error), (std::vector<std::string>{"u1"}));
  EXPECT_EQ(reader->FindProfiles("a@x.se", &error), (std::vector<std::string>{"u1"}));
  EXPECT_EQ(reader->FindProfiles("+46700000000", &error), (std::vector<std::string>{"u1"}));
  EXPECT_TRUE(reader->FindProfiles("old@x.se", &error).empty());
  EXPECT_FALSE(reader->GetProfile("nobody", &error));
  EXPECT_EQ(error, "");
}

TEST_F(ProfileStoreTest, ResentBatchLeavesIdenticalRows) {
  auto c = Make();
  Batch b1;
  b1.upserts = {Member("u1", {"a@x.se"}, 10), Member("u2", {"b@x.se"}, 20)};
  Send(*c, Pub(kT1), b1);
  std::string after_first = Dump();
  Send(*c, Pub(kT1), b1);
  EXPECT_EQ(Dump(), after_first);
  EXPECT_NE(after_first.find("memberships|vip|u1|realized|1772600767890|NULL|1772600767890|"
                             "{\"ltv\":10}\n"),
            std::string::npos)
      << after_first;

  Batch b2;
  Row u1 = Member("u1", {"a2@x.se"}, 11);
  u1.op = Row::Update;
  b2.upserts = {u1, Member("u3", {"c@x.se"}, 5)};
  b2.removes = {"u2"};
  Send(*c, Pub(kT2), b2);
  std::string after_second = Dump();
  Send(*c, Pub(kT2), b2);
  EXPECT_EQ(Dump(), after_second);
  // A new connection (a new process after a crash) gives the same answer.
  c.reset();
  auto c2 = Make();
  Send(*c2, Pub(kT2), b2);
  EXPECT_EQ(Dump(), after_second);
}

TEST_F(ProfileStoreTest, DropRemovesTheAudience) {
  auto c = Make();
  Batch b;
  b.upserts = {Member("u1", {"a@x.se"}, 1), Member("u2", {"b@x.se"}, 2)};
  Send(*c, Pub(kT1), b);
  Batch keep;
  keep.upserts = {Member("u1", {"a@x.se"}, 1)};
  Send(*c, Pub(kT1, "other"), keep);

  Batch drop;
  drop.removes = {"u1", "u2"};
  drop.drop = true;
  drop.last = true;
  BatchResult r = c->Apply(Pub(kT2), drop);
  ASSERT_TRUE(r.ok()) << r.error;
  std::string error;
  auto reader = Reader();
  auto audiences = reader->Audiences(&error);
  ASSERT_EQ(audiences.size(), 1u);
  EXPECT_EQ(audiences[0].name, "other");
  EXPECT_TRUE(reader->CurrentMembers("vip", &error).empty());
  auto p = reader->GetProfile("u1", &error);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->memberships.size(), 1u);
  EXPECT_EQ(p->memberships[0].audience, "other");
  // u2 was only in the dropped audience: nothing of it remains.
  EXPECT_FALSE(reader->GetProfile("u2", &error));
  EXPECT_TRUE(reader->FindProfiles("b@x.se", &error).empty());
  std::string dump = Dump();
  EXPECT_EQ(dump.find("vip"), std::string::npos) << dump;
  // Re-sent: unchanged.
  ASSERT_TRUE(c->Apply(Pub(kT2), drop).ok());
  EXPECT_EQ(Dump(), dump);
}

TEST_F(ProfileStoreTest, AudienceRowCarriesLabels) {
  auto c = Make();
  auto pub = Pub(kT1);
  ASSERT_EQ(c->Begin(pub), "");
  std::string error;
  auto audiences = Reader()->Audiences(&error);
  ASSERT_EQ(audiences.size(), 1u);
  EXPECT_EQ(audiences[0].labels, (std::vector<std::string>{"C1", "I1"}));
  EXPECT_EQ(audiences[0].description, "big spenders");
  EXPECT_EQ(audiences[0].updated_at, kT1);
  pub.labels = {"C2"};
  pub.applied_at = kT2;
  ASSERT_EQ(c->Begin(pub), "");
  audiences = Reader()->Audiences(&error);
  EXPECT_EQ(audiences[0].labels, (std::vector<std::string>{"C2"}));
}

TEST_F(ProfileStoreTest, EmptyKeyIsRejected) {
  auto c = Make();
  Batch b;
  b.upserts = {Member("", {}, 1), Member("u1", {}, 1)};
  BatchResult r = c->Apply(Pub(kT1), b);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].reason, "empty profile key");
  std::string error;
  EXPECT_EQ(Reader()->CurrentMembers("vip", &error), (std::vector<std::string>{"u1"}));
}

TEST_F(ProfileStoreTest, PostgresErrorsNameTheConnectionNeverTheDsn) {
  // With a `dsn` the store is in PostgreSQL (tests/plan/profile_store_postgres_test.cpp
  // runs it against a real server); here nothing listens on the port.
  config::Connection conn;
  conn.name = "profile_store";
  conn.type = "profile_store";
  conn.values["dsn"] = config::SecretRef{"PROFILE_DSN"};
  Context ctx;
  ctx.project_dir = tmp_.path();
  ctx.getenv = [](const std::string&, std::string* v) {
    *v = "postgres://user:canary-secret@127.0.0.1:1/db";
    return true;
  };
  std::string error;
  auto store = MakeProfileStore(&conn, ctx, &error);
  ASSERT_TRUE(store) << error;
  Publication pub;
  pub.audience = "vip";
  pub.destination = "profile_store";
  error = store->Begin(pub);
  EXPECT_NE(error.find("connection `profile_store`: cannot reach the PostgreSQL server"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("`PROFILE_DSN`"), std::string::npos) << error;
  EXPECT_EQ(error.find("canary"), std::string::npos);
  EXPECT_EQ(error.find("127.0.0.1"), std::string::npos);
  EXPECT_FALSE(fs::exists(ProfileStorePath(tmp_.path())));
}

TEST_F(ProfileStoreTest, ReaderErrors) {
  std::string error;
  EXPECT_FALSE(ProfileStoreReader::Open(tmp_.path(), &error));
  EXPECT_NE(error.find("no profile store at"), std::string::npos) << error;
  fs::create_directories(fs::path(tmp_.path()) / ".aud");
  std::ofstream(ProfileStorePath(tmp_.path())) << "this is not a database, just text......";
  EXPECT_FALSE(ProfileStoreReader::Open(tmp_.path(), &error));
  EXPECT_NE(error.find("not a profile store"), std::string::npos) << error;
  // The connector refuses it too, without crashing.
  Context ctx;
  ctx.project_dir = tmp_.path();
  EXPECT_FALSE(MakeProfileStore(nullptr, ctx, &error));
  EXPECT_EQ(error.rfind("profile store: ", 0), 0u) << error;
}

// The aud binary: $AUD_BIN, else <build>/cli/aud next to this test's
// <build>/tests/ folder. Empty when it is not built.
std::string AudBinary() {
  if (const char* env = std::getenv("AUD_BIN")) return env;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  fs::path aud = self.parent_path().parent_path() / "cli" / "aud";
  return fs::exists(aud, ec) ? aud.string() : "";
}

// Runs `aud -C dir profile show key`; returns the exit code, stdout in `out`
// and stderr in `err`.
int RunProfileShow(const std::string& aud, const std::string& dir, const std::string& key,
                   std::string* out, std::string* err) {
  std::string err_file = dir + "/stderr.txt";
  std::string cmd =
      "'" + aud + "' -C '" + dir + "' profile show '" + key + "' 2>'" + err_file + "'";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return -1;
  out->clear();
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  int status = ::pclose(p);
  std::ifstream in(err_file);
  err->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(ProfileStoreTest, AudProfileShow) {
  std::string aud = AudBinary();
  if (aud.empty()) GTEST_SKIP() << "the aud binary is not built";
  std::string out, err;
  EXPECT_EQ(RunProfileShow(aud, tmp_.path(), "u1", &out, &err), 1);
  EXPECT_EQ(err, "error: no profile store at " + ProfileStorePath(tmp_.path()) +
                     " (nothing has been applied to `profile_store`)\n");
  EXPECT_EQ(out, "");

  auto c = Make();
  Batch b1;
  Row u1 = Member("u1", {"a@x.se"}, 310.5, {{"plan", Str("pro")}, {"age", Num(41)}});
  u1.identities.push_back({"anonymous_id", true, {"anon-1"}});
  b1.upserts = {u1, Member("u2", {"b@x.se"}, 1)};
  Send(*c, Pub(kT1), b1);
  Batch b2;
  b2.removes = {"u1"};
  auto churn = Pub(kT1, "churn");
  churn.labels = {};
  Send(*c, churn, b1);
  churn.applied_at = kT2;
  Send(*c, churn, b2);
  c.reset();

  const std::string expected =
      "profile u1  (updated 2026-03-04T05:06:07.890Z)\n"
      "\n"
      "identities:\n"
      "  anonymous_id  anon-1  visitor\n"
      "  email         a@x.se  declared\n"
      "  user_id       u1      declared\n"
      "\n"
      "traits:\n"
      "  age   41\n"
      "  plan  \"pro\"\n"
      "\n"
      "audiences:\n"
      "  churn  exited    qualified 2026-03-04T05:06:07.890Z  exited 2026-03-05T05:06:07.890Z\n"
      "         labels: (none)\n"
      "         attributes: {\"ltv\":310.5}\n"
      "  vip    realized  qualified 2026-03-04T05:06:07.890Z\n"
      "         labels: C1, I1\n"
      "         attributes: {\"ltv\":310.5}\n";
  EXPECT_EQ(RunProfileShow(aud, tmp_.path(), "u1", &out, &err), 0) << err;
  EXPECT_EQ(out, expected);
  // By an identity value.
  EXPECT_EQ(RunProfileShow(aud, tmp_.path(), "anon-1", &out, &err), 0) << err;
  EXPECT_EQ(out, expected);
  EXPECT_EQ(RunProfileShow(aud, tmp_.path(), "nobody", &out, &err), 1);
  EXPECT_EQ(err,
            "error: no profile `nobody` in the profile store (neither a profile key nor an "
            "identity value)\n");
}

}  // namespace
}  // namespace aud::connectors
