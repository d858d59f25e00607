// The http and autopilot connectors against the local test server: the fault
// matrix (each fault x batch sizes {1, 7, 100} x concurrency {1, 4}), a
// control run without idempotency keys, auth errors, row rejections and the
// secret canary. Every run ends with the server's contents compared to the
// desired members and with each idempotency key applied at most once.
#include "runtime/connectors/connector.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "runtime/connectors/autopilot.h"
#include "runtime/connectors/http_client.h"
#include "tests/support/test_server.h"

namespace aud::connectors {
namespace {

using testing::Fault;
using testing::TestServer;

constexpr char kToken[] = "tok-3f9a";
constexpr char kAudience[] = "vip_buyers";
// The matrix runs as an Autopilot account with a raised limit (both the
// server and the connector at 100 requests/s); the acceptance tests below
// use Autopilot's default of 5 requests/s.
constexpr double kRaisedRate = 100;

TestServer::Options ServerOptions(const std::string& secret = kToken, double rate = kRaisedRate) {
  TestServer::Options o;
  o.token = secret;
  o.api_key = secret;
  o.rate_limit_per_sec = rate;
  return o;
}

struct RunSetup {
  bool autopilot = false;
  uint32_t batch_size = 100;
  uint32_t concurrency = 1;
  double timeout_s = 0.25;
  std::string secret = kToken;  // what the connector sends
  double rate = kRaisedRate;    // autopilot: `rate_limit_per_sec`
};

config::Connection MakeConnection(const TestServer& server, const RunSetup& s) {
  config::Connection c;
  c.name = s.autopilot ? "ap_test" : "hook_test";
  c.type = s.autopilot ? "autopilot" : "http";
  if (s.autopilot) {
    c.values["endpoint"] = server.Url();
    c.values["api_key"] = config::SecretRef{"AP_KEY"};
    c.values["rate_limit_per_sec"] = s.rate;
  } else {
    c.values["url"] = server.Url("/hook");
    c.values["token"] = config::SecretRef{"HOOK_TOKEN"};
  }
  c.values["batch_size"] = int64_t{s.batch_size};
  c.values["concurrency"] = int64_t{s.concurrency};
  c.values["timeout_s"] = s.timeout_s;
  return c;
}

std::unique_ptr<Connector> Connect(const TestServer& server, const RunSetup& s,
                                   std::string* error) {
  Context ctx;
  std::string secret = s.secret;
  ctx.getenv = [secret](const std::string& name, std::string* value) {
    if (name != "AP_KEY" && name != "HOOK_TOKEN") return false;
    *value = secret;
    return true;
  };
  ctx.batch_deadline_s = 10;
  config::Connection connection = MakeConnection(server, s);
  return Make(&connection, ctx, error);
}

Publication Pub() {
  Publication p;
  p.audience = kAudience;
  p.destination = "dest";
  p.field_names = {"FirstName", "LastName", "plan"};
  p.field_types = {"string", "string", "string"};
  p.key_namespace = "email";
  p.applied_at = 1700000000000;
  return p;
}

Row MakeRow(int i, Row::Op op, const std::string& plan) {
  Row r;
  r.op = op;
  r.key = "user" + std::to_string(i) + "@example.com";
  r.identities = {{"email", false, {r.key}}};
  auto str = [](std::string s) {
    Value v;
    v.kind = Value::String;
    v.s = std::move(s);
    return v;
  };
  r.fields = {{"FirstName", str("First" + std::to_string(i))},
              {"LastName", str("Last" + std::to_string(i))},
              {"plan", str(plan)}};
  r.payload_hash = Sha256Hex(r.key + plan, 32);
  return r;
}

// What the apply stage does: cut into batches of limits().batch_size, send
// up to limits().concurrency at once, re-send a failed batch with the same
// key until it is confirmed (bounded). Returns rejected keys -> reason.
std::map<std::string, std::string> Deliver(Connector& c, const std::vector<Row>& upserts,
                                           const std::vector<std::string>& removes,
                                           const std::string& phase, bool keys, int* unconfirmed,
                                           const Publication& pub = Pub()) {
  for (int i = 0; i < 10 && !c.Begin(pub).empty(); ++i) {
  }
  Limits limits = c.limits();
  size_t size = limits.batch_size ? limits.batch_size : 1000000;
  std::vector<Batch> batches;
  size_t total = upserts.size() + removes.size();
  for (size_t start = 0; start < total; start += size) {
    Batch b;
    b.index = static_cast<uint32_t>(batches.size());
    for (size_t i = start; i < std::min(total, start + size); ++i) {
      if (i < upserts.size())
        b.upserts.push_back(upserts[i]);
      else
        b.removes.push_back(removes[i - upserts.size()]);
    }
    b.idempotency_key = keys ? Sha256Hex(phase + ":" + std::to_string(b.index), 32) : "";
    batches.push_back(std::move(b));
  }
  if (!batches.empty()) batches.back().last = true;
  std::mutex mu;
  std::map<std::string, std::string> rejected;
  std::atomic<size_t> next{0};
  std::atomic<int> failed{0};
  auto worker = [&] {
    for (size_t i = next++; i < batches.size(); i = next++) {
      bool done = false;
      for (int attempt = 0; attempt < 15 && !done; ++attempt) {
        BatchResult r = c.Apply(pub, batches[i]);
        if (!r.ok()) continue;
        done = true;
        std::lock_guard<std::mutex> lock(mu);
        for (const Rejection& x : r.rejected) rejected[x.key] = x.reason;
      }
      if (!done) ++failed;
    }
  };
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < std::max<uint32_t>(1, limits.concurrency); ++t)
    threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  *unconfirmed = failed;
  return rejected;
}

// The server holds exactly `desired` (key -> plan) for the audience.
void ExpectContents(const TestServer& server, bool autopilot,
                    const std::map<std::string, std::string>& desired) {
  if (!autopilot) {
    std::map<std::string, std::string> got;
    for (const auto& [k, v] : server.WebhookMembers()) {
      EXPECT_EQ(k.first, kAudience);
      got[k.second] = v["fields"].value("plan", "");
      EXPECT_EQ(v["identities"]["email"], nlohmann::json::array({k.second}));
    }
    EXPECT_EQ(got, desired);
    return;
  }
  auto lists = server.Lists();
  ASSERT_EQ(lists.size(), 1u) << "exactly one list per audience";
  EXPECT_EQ(lists.begin()->second, kAudience);
  auto members = server.ListMembers()[lists.begin()->first];
  auto contacts = server.Contacts();
  std::map<std::string, std::string> got;
  for (const std::string& email : members) {
    ASSERT_TRUE(contacts.count(email)) << email;
    got[email] = contacts[email]["custom"].value("string--plan", "");
    EXPECT_TRUE(contacts[email]["FirstName"].is_string());
  }
  EXPECT_EQ(got, desired);
}

struct Case {
  Fault::Kind kind;
  uint32_t batch;
  uint32_t concurrency;
  bool autopilot;
};

std::string KindName(Fault::Kind k) {
  switch (k) {
    case Fault::TooManyRequests: return "429";
    case Fault::ServerError: return "500";
    case Fault::Unavailable: return "503";
    case Fault::Delay: return "Delay";
    case Fault::Reset: return "Reset";
    case Fault::ReplyLost: return "ReplyLost";
    case Fault::Status: return "Status";
    case Fault::Hang: return "Hang";
  }
  return "?";
}

Fault MakeFault(Fault::Kind kind, int next) {
  Fault f;
  f.kind = kind;
  f.next = next;
  f.retry_after_s = kind == Fault::TooManyRequests ? 1 : 0;
  f.delay_s = 0.5;  // past the 0.25 s client timeout
  return f;
}

// Runs the two-phase scenario: 60 members enter; then 15 update, 15 exit and
// 10 more enter, with faults injected at the start of each phase.
void RunScenario(TestServer& server, const RunSetup& setup, Fault::Kind kind, bool keys) {
  std::string error;
  auto c = Connect(server, setup, &error);
  ASSERT_TRUE(c) << error;
  std::map<std::string, std::string> desired;
  std::vector<Row> enter;
  for (int i = 0; i < 60; ++i) {
    enter.push_back(MakeRow(i, Row::Enter, "gold"));
    desired[enter.back().key] = "gold";
  }
  // 429 costs a whole Retry-After second per hit: one per run keeps the suite fast.
  server.AddFault(MakeFault(kind, kind == Fault::TooManyRequests ? 1 : 2));
  int unconfirmed = 0;
  auto rejected = Deliver(*c, enter, {}, "p1", keys, &unconfirmed);
  EXPECT_EQ(unconfirmed, 0);
  EXPECT_TRUE(rejected.empty());

  std::vector<Row> change;
  std::vector<std::string> removes;
  for (int i = 0; i < 15; ++i) {
    change.push_back(MakeRow(i, Row::Update, "silver"));
    desired[change.back().key] = "silver";
  }
  for (int i = 60; i < 70; ++i) {
    change.push_back(MakeRow(i, Row::Enter, "bronze"));
    desired[change.back().key] = "bronze";
  }
  for (int i = 15; i < 30; ++i) {
    removes.push_back(MakeRow(i, Row::Enter, "").key);
    desired.erase(removes.back());
  }
  if (kind != Fault::TooManyRequests) server.AddFault(MakeFault(kind, 2));
  rejected = Deliver(*c, change, removes, "p2", keys, &unconfirmed);
  EXPECT_EQ(unconfirmed, 0);
  EXPECT_TRUE(rejected.empty());
  ExpectContents(server, setup.autopilot, desired);
}

class FaultMatrix : public ::testing::TestWithParam<Case> {};

TEST_P(FaultMatrix, ConvergesWithoutDuplicates) {
  const Case& p = GetParam();
  TestServer server(ServerOptions());
  RunSetup setup;
  setup.autopilot = p.autopilot;
  setup.batch_size = p.batch;
  setup.concurrency = p.concurrency;
  RunScenario(server, setup, p.kind, /*keys=*/true);
  testing::ServerStats stats = server.Stats();
  EXPECT_GT(stats.faults_injected, 0) << "the fault was never injected";
  EXPECT_EQ(stats.duplicate_applications, 0);
  EXPECT_LE(stats.max_applications_per_key, 1) << "an idempotency key was applied twice";
  EXPECT_EQ(stats.retry_after_violations, 0);
  if (p.kind == Fault::TooManyRequests) {
    EXPECT_GE(stats.retry_after_checks, 1);
  }
  // A committed change whose reply was lost is retried and answered from the store.
  if (p.kind == Fault::ReplyLost || p.kind == Fault::Delay) {
    EXPECT_GT(stats.dedup_hits, 0);
  }
}

std::vector<Case> AllCases() {
  std::vector<Case> out;
  for (bool autopilot : {false, true})
    for (Fault::Kind kind : {Fault::TooManyRequests, Fault::ServerError, Fault::Unavailable,
                             Fault::Delay, Fault::Reset, Fault::ReplyLost})
      for (uint32_t batch : {1u, 7u, 100u})
        for (uint32_t conc : {1u, 4u}) out.push_back({kind, batch, conc, autopilot});
  return out;
}

INSTANTIATE_TEST_SUITE_P(All, FaultMatrix, ::testing::ValuesIn(AllCases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           const Case& c = info.param;
                           return std::string(c.autopilot ? "Autopilot" : "Webhook") + "_" +
                                  KindName(c.kind) + "_batch" + std::to_string(c.batch) + "_conc" +
                                  std::to_string(c.concurrency);
                         });

// The control run: without idempotency keys the same faults duplicate
// changes, so the matrix's duplicate check can fail.
TEST(ControlRun, WithoutKeysReplyLostDuplicates) {
  for (bool autopilot : {false, true}) {
    TestServer server(ServerOptions());
    RunSetup setup;
    setup.autopilot = autopilot;
    setup.batch_size = 7;
    RunScenario(server, setup, Fault::ReplyLost, /*keys=*/false);
    EXPECT_GT(server.Stats().duplicate_applications, 0) << (autopilot ? "autopilot" : "webhook");
    EXPECT_EQ(server.Stats().dedup_hits, 0);
  }
}

Batch OneBatch(const std::vector<int>& ids, const std::string& key = "k1") {
  Batch b;
  for (int i : ids) b.upserts.push_back(MakeRow(i, Row::Enter, "gold"));
  b.idempotency_key = Sha256Hex(key, 32);
  b.last = true;
  return b;
}

TEST(Auth, WrongTokenIsAnAuthErrorNamingTheConnection) {
  TestServer server(ServerOptions());
  for (bool autopilot : {false, true}) {
    RunSetup setup;
    setup.autopilot = autopilot;
    setup.secret = "wrong-secret-123";
    std::string error;
    auto c = Connect(server, setup, &error);
    ASSERT_TRUE(c) << error;
    std::string name = autopilot ? "`ap_test`" : "`hook_test`";
    if (autopilot) {
      std::string begin = c->Begin(Pub());
      EXPECT_NE(begin.find(name), std::string::npos) << begin;
      EXPECT_EQ(begin.find("wrong-secret-123"), std::string::npos);
    }
    BatchResult r = c->Apply(Pub(), OneBatch({1, 2}));
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(r.auth_error);
    EXPECT_NE(r.error.find(name), std::string::npos) << r.error;
    EXPECT_EQ(r.error.find("wrong-secret-123"), std::string::npos) << r.error;
    EXPECT_EQ(r.attempts, 1u) << "auth errors are not retried";
  }
  EXPECT_TRUE(server.WebhookMembers().empty());
  EXPECT_TRUE(server.Contacts().empty());
}

TEST(Auth, MissingVariableNamesIt) {
  TestServer server(ServerOptions());
  RunSetup setup;
  setup.autopilot = true;
  config::Connection c = MakeConnection(server, setup);
  Context ctx;
  ctx.getenv = [](const std::string&, std::string*) { return false; };
  std::string error;
  EXPECT_FALSE(Make(&c, ctx, &error));
  EXPECT_NE(error.find("`AP_KEY`"), std::string::npos) << error;
  EXPECT_NE(error.find("`ap_test`"), std::string::npos) << error;
}

TEST(Rejections, WebhookRowsRefusedWithReasons) {
  TestServer server(ServerOptions());
  server.RejectKeys({"user2@example.com"});
  std::string error;
  auto c = Connect(server, RunSetup{}, &error);
  ASSERT_TRUE(c) << error;
  BatchResult r = c->Apply(Pub(), OneBatch({1, 2, 3}));
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].key, "user2@example.com");
  EXPECT_NE(r.rejected[0].reason.find("refused"), std::string::npos) << r.rejected[0].reason;
  EXPECT_EQ(server.WebhookMembers().size(), 2u);
}

TEST(Rejections, WholeRequest4xxRejectsEveryRowWithTheReason) {
  TestServer server(ServerOptions());
  Fault f;
  f.kind = Fault::Status;
  f.status = 422;
  f.next = 1;
  server.AddFault(f);
  std::string error;
  auto c = Connect(server, RunSetup{}, &error);
  ASSERT_TRUE(c) << error;
  BatchResult r = c->Apply(Pub(), OneBatch({1, 2}));
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.rejected.size(), 2u);
  EXPECT_NE(r.rejected[0].reason.find("HTTP 422: injected status"), std::string::npos)
      << r.rejected[0].reason;
  EXPECT_EQ(r.attempts, 1u) << "4xx is not retried";
}

TEST(Rejections, AutopilotBadEmailRejectedOthersDelivered) {
  TestServer server(ServerOptions());
  server.RejectKeys({"user2@example.com"});
  RunSetup setup;
  setup.autopilot = true;
  std::string error;
  auto c = Connect(server, setup, &error);
  ASSERT_TRUE(c) << error;
  ASSERT_EQ(c->Begin(Pub()), "");
  BatchResult r = c->Apply(Pub(), OneBatch({1, 2, 3}));
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].key, "user2@example.com");
  EXPECT_NE(r.rejected[0].reason.find("invalid email"), std::string::npos) << r.rejected[0].reason;
  auto members = server.ListMembers().begin()->second;
  EXPECT_EQ(members, (std::set<std::string>{"user1@example.com", "user3@example.com"}));
}

TEST(Autopilot, RemovingAbsentMemberCountsAsDone) {
  TestServer server(ServerOptions());
  RunSetup setup;
  setup.autopilot = true;
  std::string error;
  auto c = Connect(server, setup, &error);
  ASSERT_TRUE(c) << error;
  Batch b;
  b.removes = {"nobody@example.com"};
  b.idempotency_key = "abc";
  BatchResult r = c->Apply(Pub(), b);
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(r.rejected.empty());
}

TEST(Autopilot, ExistingListIsReusedAndBigBatchesAreChunked) {
  TestServer server(ServerOptions());
  RunSetup setup;
  setup.autopilot = true;
  std::string error;
  {
    auto c = Connect(server, setup, &error);
    ASSERT_EQ(c->Begin(Pub()), "");
  }
  auto c = Connect(server, setup, &error);
  ASSERT_EQ(c->Begin(Pub()), "");
  EXPECT_EQ(server.Lists().size(), 1u);
  std::vector<int> ids;
  for (int i = 0; i < 250; ++i) ids.push_back(i);
  BatchResult r = c->Apply(Pub(), OneBatch(ids));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(server.Stats().requests["POST /v1/contacts"], 3);  // 100 + 100 + 50
  EXPECT_EQ(server.ListMembers().begin()->second.size(), 250u);
}

TEST(Retries, GivesUpAtTheBatchDeadline) {
  TestServer server(ServerOptions());
  Fault f;
  f.kind = Fault::ServerError;
  f.probability = 1;
  server.AddFault(f);
  RunSetup setup;
  Context ctx;
  ctx.getenv = [](const std::string&, std::string* v) {
    *v = kToken;
    return true;
  };
  ctx.batch_deadline_s = 0.5;
  config::Connection conn = MakeConnection(server, setup);
  std::string error;
  auto c = Make(&conn, ctx, &error);
  ASSERT_TRUE(c) << error;
  BatchResult r = c->Apply(Pub(), OneBatch({1}));
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.auth_error);
  EXPECT_GT(r.attempts, 1u);
  EXPECT_NE(r.error.find("HTTP 500"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("`hook_test`"), std::string::npos) << r.error;
}

TEST(Retries, RateLimitSpacesRequests) {
  TestServer server(ServerOptions());
  RunSetup setup;
  config::Connection conn = MakeConnection(server, setup);
  conn.values["rate_limit_per_sec"] = 20.0;
  Context ctx;
  ctx.getenv = [](const std::string&, std::string* v) {
    *v = kToken;
    return true;
  };
  std::string error;
  auto c = Make(&conn, ctx, &error);
  ASSERT_TRUE(c) << error;
  auto start = std::chrono::steady_clock::now();
  // Requests are spaced 1/20 s apart: 30 of them take at least 29/20 s.
  for (int i = 0; i < 30; ++i) {
    std::string key = std::to_string(i);
    key.insert(0, "r");  // (not "r" + ...: GCC 12 -Wrestrict false positive)
    ASSERT_TRUE(c->Apply(Pub(), OneBatch({i}, key)).ok());
  }
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(took, 1.4);  // a lower bound only: it cannot be faster
}

TEST(RetryAfter, ParsesSecondsAndDates) {
  auto now = std::chrono::system_clock::from_time_t(1445412480);  // Wed, 21 Oct 2015 07:28:00 GMT
  EXPECT_EQ(ParseRetryAfter("3", now), 3);
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:10 GMT", now), 10);
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now), 0);
  EXPECT_LT(ParseRetryAfter("soon", now), 0);
  EXPECT_LT(ParseRetryAfter("", now), 0);
  EXPECT_LT(ParseRetryAfter("99999999999999", now), 0);
}

TEST(Secrets, ScrubRemovesRawEncodedAndJsonForms) {
  HttpClientOptions o;
  o.secrets = {"a+b/c\"d"};
  HttpClient client(o);
  EXPECT_EQ(client.Scrub("x a+b/c\"d y"), "x *** y");
  EXPECT_EQ(client.Scrub("x a%2Bb%2Fc%22d y"), "x *** y");
  EXPECT_EQ(client.Scrub(R"({"h":"a+b/c\"d"})"), R"({"h":"***"})");
}

std::string Canary() {
  std::random_device rd;
  std::mt19937_64 rng(rd());
  return "canary" + std::to_string(rng()) + "x" + std::to_string(rng());
}

// The key or token never appears in errors or reasons, even when the server
// echoes every request header back in its error bodies.
TEST(Secrets, CanaryNeverInErrorsOrReasons) {
  std::string canary = Canary();
  for (bool autopilot : {false, true}) {
    TestServer server(ServerOptions(canary));
    server.EchoHeaders(true);
    RunSetup setup;
    setup.autopilot = autopilot;
    setup.secret = canary;
    std::string error;
    auto c = Connect(server, setup, &error);
    ASSERT_TRUE(c) << error;
    std::vector<std::string> texts;
    auto collect = [&](const BatchResult& r) {
      texts.push_back(r.error);
      for (const auto& x : r.rejected) texts.push_back(x.reason);
    };
    // Row rejections echo the headers.
    server.RejectKeys({"user1@example.com"});
    collect(c->Apply(Pub(), OneBatch({1, 2}, "c1")));
    server.RejectKeys({});
    // A whole-request 4xx echoes the headers.
    Fault f;
    f.kind = Fault::Status;
    f.next = 1;
    server.AddFault(f);
    collect(c->Apply(Pub(), OneBatch({3}, "c2")));
    // Retries exhausted on 500s whose bodies echo the headers.
    server.ClearFaults();
    f.kind = Fault::ServerError;
    f.next = 0;
    f.probability = 1;
    server.AddFault(f);
    Context ctx;
    ctx.getenv = [canary](const std::string&, std::string* v) {
      *v = canary;
      return true;
    };
    ctx.batch_deadline_s = 0.3;
    config::Connection conn = MakeConnection(server, setup);
    auto quick = Make(&conn, ctx, &error);
    collect(quick->Apply(Pub(), OneBatch({4}, "c3")));
    texts.push_back(quick->Begin(Pub()));
    server.ClearFaults();
    bool echoed = false;
    for (const std::string& t : texts) {
      EXPECT_EQ(t.find(canary), std::string::npos) << t;
      echoed = echoed || t.find("***") != std::string::npos;
    }
    EXPECT_TRUE(echoed) << "the server did not echo the secret: the test proves nothing";
  }
}

// Issue 11 finding 10: a secret echoed back in another encoding — percent
// encoding in either case, `+` for a space, JSON escapes — is still found.
TEST(Secrets, ScrubDecodesPercentAndJsonVariants) {
  HttpClientOptions o;
  o.secrets = {"a+b/c\"d e"};
  HttpClient client(o);
  EXPECT_EQ(client.Scrub("x a%2bb%2fc%22d%20e y"), "x *** y");            // lower-case hex
  EXPECT_EQ(client.Scrub("x a%2Bb%2Fc%22d+e y"), "x *** y");              // form encoding
  EXPECT_EQ(client.Scrub("x %61%2b%62%2F%63%22%64%20%65 y"), "x *** y");  // every byte
  EXPECT_EQ(client.Scrub(R"({"h":"a+b\/c\"d e"})"), R"({"h":"***"})");    // \/
  EXPECT_EQ(client.Scrub(R"({"h":"\u0061\u002b\u0062\u002F\u0063\u0022\u0064\u0020\u0065"})"),
            R"({"h":"***"})");
  EXPECT_EQ(client.Scrub(R"(a+b/c\u0022d e)"), "***");  // mixed
  EXPECT_EQ(client.Scrub("nothing here"), "nothing here");
  EXPECT_EQ(client.Scrub("a%2Bb"), "a%2Bb");  // a part is not the secret
  HttpClientOptions u;
  u.secrets = {"k\xC3\xA9y\xF0\x9F\x94\x91"};  // non-ASCII: \u escapes, a surrogate pair
  HttpClient unicode(u);
  EXPECT_EQ(unicode.Scrub(R"(["k\u00e9y\ud83d\udd11"])"), R"(["***"])");
  EXPECT_EQ(unicode.Scrub("k%C3%A9y%f0%9f%94%91!"), "***!");
}

// The same, end to end: the server echoes the credential it received in each
// variant encoding inside its JSON error body (raw escapes), and no reason or
// error holds it in clear or in that encoding — before or after JSON decoding.
TEST(Secrets, CanaryEchoedInVariantEncodingsNeverInReasons) {
  std::random_device rd;
  std::string canary = "cn" + std::to_string(rd() % 100000000) + "+/ =x";
  const auto variants = TestServer::EncodedVariants(canary);
  for (bool autopilot : {false, true}) {
    for (int variant = 0; variant < 4; ++variant) {
      SCOPED_TRACE(std::string(autopilot ? "autopilot" : "http") + " variant " +
                   std::to_string(variant));
      TestServer server({canary, canary});
      server.EchoVariants(variant);
      RunSetup setup;
      setup.autopilot = autopilot;
      setup.secret = canary;
      std::string error;
      auto c = Connect(server, setup, &error);
      ASSERT_TRUE(c) << error;
      ASSERT_EQ(c->Begin(Pub()), "");
      Fault f;
      f.kind = Fault::Status;
      f.status = 400;
      f.next = 100;
      f.route = autopilot ? "/v1/contact" : "/hook";
      server.AddFault(f);
      BatchResult r = c->Apply(Pub(), OneBatch({1}, "v" + std::to_string(variant)));
      ASSERT_TRUE(r.ok()) << r.error;
      ASSERT_EQ(r.rejected.size(), 1u);
      const std::string& reason = r.rejected[0].reason;
      EXPECT_EQ(reason.find(canary), std::string::npos) << reason;
      for (const std::string& v : variants) EXPECT_EQ(reason.find(v), std::string::npos) << reason;
      // The echo happened and was scrubbed (else the test proves nothing).
      EXPECT_NE(reason.find("credential echoed: ***"), std::string::npos) << reason;
    }
  }
}

// Issue 11 finding 13: a server that never answers holds a batch for the
// connection's `deadline_s` (else 3 x timeout_s + 5), not a fixed 120 s.
TEST(Retries, HangingServerHonoursTimeoutAndDeadline) {
  TestServer server({kToken, kToken});
  Fault f;
  f.kind = Fault::Hang;
  f.probability = 1;
  f.delay_s = 300;
  server.AddFault(f);
  Context ctx;  // no test override of the deadline
  ctx.getenv = [](const std::string&, std::string* v) {
    *v = kToken;
    return true;
  };
  for (bool explicit_deadline : {false, true}) {
    SCOPED_TRACE(explicit_deadline ? "deadline_s = 2" : "default deadline");
    RunSetup setup;
    setup.timeout_s = 1;
    config::Connection conn = MakeConnection(server, setup);
    if (explicit_deadline) conn.values["deadline_s"] = 2.0;
    std::string error;
    auto c = Make(&conn, ctx, &error);
    ASSERT_TRUE(c) << error;
    auto start = std::chrono::steady_clock::now();
    BatchResult r = c->Apply(Pub(), OneBatch({1}, explicit_deadline ? "h2" : "h1"));
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.error.find("timed out"), std::string::npos) << r.error;
    // Each attempt ends at timeout_s; the batch ends by its deadline (8 s by
    // default here, 2 s when set) — generous bounds, not a benchmark.
    EXPECT_GE(r.attempts, explicit_deadline ? 2u : 3u);
    EXPECT_LT(took, explicit_deadline ? 4.5 : 12.0);
    EXPECT_GE(took, 0.9);  // at least one whole timeout_s
  }
}

// ---- Autopilot as the real API behaves (typed custom fields, membership in
// the bulk call, 5 requests/s, confirmed contacts).

// A publication with two custom attributes besides the standard names.
Publication CustomPub() {
  Publication p = Pub();
  p.field_names = {"FirstName", "Lifetime Value", "orders"};
  p.field_types = {"string", "float", "int"};
  return p;
}

Row CustomRow(int i, Row::Op op) {
  Row r;
  r.op = op;
  r.key = "user" + std::to_string(i) + "@example.com";
  r.identities = {{"email", false, {r.key}}};
  Value first, ltv, orders;
  first.kind = Value::String;
  first.s = "First" + std::to_string(i);
  ltv.kind = Value::Float;
  ltv.f = 10.5 * i;
  orders.kind = Value::Int;
  orders.i = i % 7;
  r.fields = {{"FirstName", first}, {"Lifetime Value", ltv}, {"orders", orders}};
  r.payload_hash = Sha256Hex(r.key + std::to_string(static_cast<int>(op)), 32);
  return r;
}

// A connection as a user writes it: no batch size, rate or concurrency.
std::unique_ptr<Connector> ConnectDefaults(const TestServer& server, std::string* error) {
  config::Connection c;
  c.name = "ap_test";
  c.type = "autopilot";
  c.values["endpoint"] = server.Url();
  c.values["api_key"] = config::SecretRef{"AP_KEY"};
  Context ctx;
  ctx.getenv = [](const std::string&, std::string* v) {
    *v = kToken;
    return true;
  };
  ctx.batch_deadline_s = 30;
  return Make(&c, ctx, error);
}

// Acceptance 2: 600 entering contacts with two custom attributes take at
// most 10 requests, every custom key typed, never more than 5 requests in any
// second (Autopilot's default limit, enforced by the server with 429).
TEST(AutopilotApi, SixHundredEntersTakeAtMostTenRequestsAtFivePerSecond) {
  TestServer server(ServerOptions(kToken, 5));
  std::string error;
  auto c = ConnectDefaults(server, &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->limits().batch_size, 100u);
  EXPECT_EQ(c->limits().concurrency, 1u);
  std::vector<Row> enter;
  for (int i = 0; i < 600; ++i) enter.push_back(CustomRow(i, Row::Enter));
  int unconfirmed = 0;
  auto rejected = Deliver(*c, enter, {}, "enter600", true, &unconfirmed, CustomPub());
  EXPECT_EQ(unconfirmed, 0);
  EXPECT_TRUE(rejected.empty());

  testing::ServerStats stats = server.Stats();
  EXPECT_LE(stats.total(), 10) << stats.ToJson().dump();
  EXPECT_EQ(stats.requests["POST /v1/contacts"], 6) << stats.ToJson().dump();
  EXPECT_EQ(stats.rate_limited, 0) << "a request went over 5/s";
  EXPECT_EQ(stats.bad_requests, 0);
  EXPECT_LE(stats.max_bulk_contacts, 100);
  // Never more than 5 requests in any second, from the arrival times.
  auto log = server.RequestLog();
  for (size_t i = 0; i + 5 < log.size(); ++i)
    EXPECT_GE(log[i + 5].at_s - log[i].at_s, 1.0)
        << "requests " << i << ".." << i + 5 << " arrived within one second";
  // Every contact on the list, with typed custom keys only.
  auto lists = server.Lists();
  ASSERT_EQ(lists.size(), 1u);
  EXPECT_EQ(server.ListMembers()[lists.begin()->first].size(), 600u);
  auto contacts = server.Contacts();
  ASSERT_EQ(contacts.size(), 600u);
  for (const auto& [email, contact] : contacts) {
    ASSERT_TRUE(contact.contains("custom")) << email;
    for (auto it = contact["custom"].begin(); it != contact["custom"].end(); ++it)
      EXPECT_TRUE(it.key() == "float--Lifetime--Value" || it.key() == "integer--orders")
          << email << ": " << it.key();
    EXPECT_TRUE(contact["custom"]["integer--orders"].is_number_integer()) << email;
    EXPECT_FALSE(contact.contains("_autopilot_list")) << "membership is not a contact field";
  }
  EXPECT_EQ(contacts["user3@example.com"]["custom"]["float--Lifetime--Value"], 31.5);
  EXPECT_EQ(server.CustomFieldTypes(), (std::map<std::string, std::string>{
                                           {"Lifetime--Value", "float"}, {"orders", "integer"}}));

  // Updates: one bulk call, no membership requests.
  std::vector<Row> update;
  for (int i = 0; i < 10; ++i) update.push_back(CustomRow(i, Row::Update));
  int before = server.Stats().total();
  rejected = Deliver(*c, update, {}, "update10", true, &unconfirmed, CustomPub());
  EXPECT_TRUE(rejected.empty());
  EXPECT_EQ(server.Stats().total() - before, 1);
}

// Acceptance 3: a contact the server leaves out of `email_contact_map` is a
// rejected row (not confirmed) and is saved when sent again.
TEST(AutopilotApi, ContactMissingFromEmailContactMapIsRejected) {
  TestServer server(ServerOptions());
  server.OmitFromContactMap({"user2@example.com"});
  RunSetup setup;
  setup.autopilot = true;
  std::string error;
  auto c = Connect(server, setup, &error);
  ASSERT_TRUE(c) << error;
  BatchResult r = c->Apply(Pub(), OneBatch({1, 2, 3}, "first-apply"));
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].key, "user2@example.com");
  EXPECT_NE(r.rejected[0].reason.find("email_contact_map"), std::string::npos)
      << r.rejected[0].reason;
  auto lists = server.Lists();
  ASSERT_EQ(lists.size(), 1u);
  EXPECT_EQ(server.ListMembers()[lists.begin()->first],
            (std::set<std::string>{"user1@example.com", "user3@example.com"}));
  // The next apply sends the rejected row again (a new batch key).
  server.OmitFromContactMap({});
  r = c->Apply(Pub(), OneBatch({2}, "next-apply"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(r.rejected.empty());
  EXPECT_EQ(server.ListMembers()[lists.begin()->first].size(), 3u);
}

// Item 4: a batch over 100 rows (even one the apply stage would never cut)
// goes out in calls of at most 100, so the server's 400 cannot happen.
TEST(AutopilotApi, NoBulkCallOverOneHundred) {
  TestServer server(ServerOptions());
  RunSetup setup;
  setup.autopilot = true;
  setup.batch_size = 5000;
  std::string error;
  auto c = Connect(server, setup, &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->limits().batch_size, 100u) << "batch_size is capped at 100";
  std::vector<int> ids;
  for (int i = 0; i < 301; ++i) ids.push_back(i);
  BatchResult r = c->Apply(Pub(), OneBatch(ids));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(r.rejected.empty());
  testing::ServerStats stats = server.Stats();
  EXPECT_EQ(stats.requests["POST /v1/contacts"], 4);  // 100 + 100 + 100 + 1
  EXPECT_EQ(stats.max_bulk_contacts, 100);
  EXPECT_EQ(stats.bad_requests, 0);
  EXPECT_EQ(server.ListMembers().begin()->second.size(), 301u);
}

TEST(AutopilotApi, CustomKeysAreTypedAsAutopilotNamesThem) {
  EXPECT_EQ(AutopilotCustomKey("Lifetime Value", "float"), "float--Lifetime--Value");
  EXPECT_EQ(AutopilotCustomKey("orders", "int"), "integer--orders");
  EXPECT_EQ(AutopilotCustomKey("vip", "bool"), "boolean--vip");
  EXPECT_EQ(AutopilotCustomKey("last_order_at", "timestamp"), "date--last_order_at");
  EXPECT_EQ(AutopilotCustomKey("plan", "string"), "string--plan");
  EXPECT_EQ(AutopilotCustomKey("float--Score", "float"), "float--Score");
  EXPECT_EQ(AutopilotCustomKey("integer--Score", "float"), "integer--Score") << "used as is";
  EXPECT_EQ(AutopilotTypePrefix("date--Signup--Date"), "date");
  EXPECT_EQ(AutopilotTypePrefix("my--field"), "");
  EXPECT_EQ(AutopilotTypePrefix("string--"), "");
}

// The server refuses what Autopilot refuses, so a client that breaks a rule fails.
TEST(AutopilotApi, ServerIsAsStrictAsTheApi) {
  TestServer server(ServerOptions(kToken, 5));
  HttpClientOptions o;
  o.connection = "raw";
  HttpClient client(o);
  auto send = [&](const std::string& path, const nlohmann::json& body) {
    HttpRequest r;
    r.url = server.Url(path);
    r.body = body.dump();
    r.headers = {{"autopilotapikey", kToken}};
    return client.Send(r, DeadlineIn(5));
  };
  auto contact = [](const std::string& email, const nlohmann::json& custom) {
    return nlohmann::json{{"Email", email}, {"custom", custom}};
  };
  HttpResponse a =
      send("/v1/contacts", {{"contacts", {contact("a@x.com", {{"Lifetime Value", 1.5}})}}});
  EXPECT_EQ(a.status, 400) << "untyped custom key";
  EXPECT_NE(a.body.find("<type>--<Name>"), std::string::npos) << a.body;
  a = send("/v1/contacts", {{"contacts", {contact("a@x.com", {{"float--LTV", 1.5}})}}});
  EXPECT_EQ(a.status, 200) << a.body;
  auto answer = nlohmann::json::parse(a.body);
  EXPECT_EQ(answer["email_contact_map"]["a@x.com"], answer["contact_ids"][0]);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  a = send("/v1/contacts", {{"contacts", {contact("b@x.com", {{"string--LTV", "high"}})}}});
  EXPECT_EQ(a.status, 400) << "a field's type is fixed once created";
  a = send("/v1/contacts", {{"contacts", {contact("b@x.com", {{"integer--n", 1.5}})}}});
  EXPECT_EQ(a.status, 400) << "a float under an integer key";
  a = send("/v1/contacts", {{"contacts", {{{"Email", "b@x.com"}, {"plan", "gold"}}}}});
  EXPECT_EQ(a.status, 400) << "a custom field at top level";
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  nlohmann::json many = nlohmann::json::array();
  for (int i = 0; i < 101; ++i) many.push_back({{"Email", "m" + std::to_string(i) + "@x.com"}});
  a = send("/v1/contacts", {{"contacts", many}});
  EXPECT_EQ(a.status, 400) << "101 contacts in one call";
  EXPECT_TRUE(server.Contacts().count("a@x.com"));
  EXPECT_FALSE(server.Contacts().count("m0@x.com")) << "a refused call changes nothing";
  // Six requests at once: the sixth within the second is answered 429.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  int refused = 0;
  for (int i = 0; i < 6; ++i) {
    HttpRequest r;
    r.method = "GET";
    r.url = server.Url("/v1/lists");
    r.headers = {{"autopilotapikey", kToken}};
    // A deadline too short for the 1 s Retry-After: the 429 is the final answer.
    HttpResponse g = client.Send(r, DeadlineIn(0.5));
    if (g.status == 429) {
      ++refused;
      EXPECT_NE(g.body.find("Too Many Requests"), std::string::npos) << g.body;
    }
  }
  EXPECT_EQ(refused, 1);
  EXPECT_EQ(server.Stats().rate_limited, 1);
}

TEST(AutopilotApi, RateAndConcurrencyOverridable) {
  TestServer server(ServerOptions(kToken, 0));
  RunSetup setup;
  setup.autopilot = true;
  setup.rate = 0;  // unlimited: an account without the limit
  setup.concurrency = 3;
  std::string error;
  auto c = Connect(server, setup, &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->limits().concurrency, 3u);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 12; ++i) {
    std::string key = std::to_string(i);
    key.insert(0, "o");
    ASSERT_TRUE(c->Apply(Pub(), OneBatch({i}, key)).ok());
  }
  // 14 requests at the default 5/s would take over 2.5 s.
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(took, 2.0);
}

// Item 5: the list recorded in state is used even after its title changed
// (no second list); without a recorded id, the list is found by title.
TEST(AutopilotApi, RecordedListIdSurvivesARename) {
  TestServer server(ServerOptions());
  RunSetup setup;
  setup.autopilot = true;
  std::string error;
  std::string id;
  {
    auto c = Connect(server, setup, &error);
    ASSERT_EQ(c->Begin(Pub()), "");
    id = c->RemoteId(Pub());
    ASSERT_FALSE(id.empty());
    ASSERT_TRUE(c->Apply(Pub(), OneBatch({1}, "r1")).ok());
  }
  server.RenameList(id, "VIP buyers (renamed in Autopilot)");
  Publication pub = Pub();
  pub.remote_id = id;
  auto c = Connect(server, setup, &error);
  ASSERT_EQ(c->Begin(pub), "");
  EXPECT_EQ(c->RemoteId(pub), id);
  ASSERT_TRUE(c->Apply(pub, OneBatch({2}, "r2")).ok());
  EXPECT_EQ(server.Lists().size(), 1u) << "no second list";
  EXPECT_EQ(server.ListMembers()[id].size(), 2u);
  EXPECT_EQ(server.Stats().requests["POST /v1/list"], 1);
}

}  // namespace
}  // namespace aud::connectors
