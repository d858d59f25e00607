// `aud serve` receiving events from Segment's official Node library,
// `@segment/analytics-node` (tests/serve/node, installed by the
// `serve_node_setup` fixture with `npm ci`), its `host` option pointed at
// the server: every message logged once, the library's context kept, a
// wrong write key refused (the library reports a delivery failure), and the
// streaming audience published from them.

#include <cstdio>
#include <set>

#include "tests/serve/serve_support.h"

namespace {

using namespace aud::serve_test;

// Runs the sender; its one JSON line of output.
std::string SendWithNode(int port, const std::string& key, int users) {
  const std::string cmd = "node " + std::string(AUD_SOURCE_DIR) + "/tests/serve/node/send.mjs " +
                          "http://127.0.0.1:" + std::to_string(port) + " " + key + " " +
                          std::to_string(users) + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return "";
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

TEST(SegmentNode, OfficialLibraryDeliversToServe) {
  TempDir d("aud-serve-node");
  TestServer hook({});
  WriteProject(d, hook.port());
  Serving s(d.path(), {"--engine", "interp"});
  ASSERT_TRUE(WaitHealthy(s.port));

  const std::string out = SendWithNode(s.port, kKey, 40);
  EXPECT_NE(out.find("\"sent\":124,\"errors\":[]"), std::string::npos) << out;
  std::vector<std::string> lines = LogLines(d.path());
  ASSERT_EQ(lines.size(), 124u);
  std::set<std::string> ids;
  std::set<std::string> types;
  for (const auto& l : lines) {
    ids.insert(IdOf(l));
    EXPECT_NE(l.find("\"receivedAt\":"), std::string::npos) << l;
    size_t t = l.find("\"type\":\"");
    types.insert(l.substr(t + 8, l.find('"', t + 8) - t - 8));
  }
  EXPECT_EQ(ids.size(), 124u) << "the library's messageIds, each once";
  EXPECT_EQ(types,
            (std::set<std::string>{"alias", "group", "identify", "page", "screen", "track"}));
  EXPECT_NE(lines[0].find("\"library\":{\"name\":\"@segment/analytics-node\""), std::string::npos)
      << lines[0];
  EXPECT_EQ(Metric(s.port, "aud_serve_accepted_total"), 124);

  // A wrong write key: 401, the library reports the failure, nothing logged.
  const std::string bad = SendWithNode(s.port, "not-the-key", 1);
  EXPECT_NE(bad.find("delivery_failure"), std::string::npos) << bad;
  EXPECT_EQ(LogLines(d.path()).size(), 124u);
  EXPECT_GE(Metric(s.port, "aud_serve_rejected_total{reason=\"unauthorized\"}"), 1);

  // Every user ordered twice: all 40 are published by the streaming audience.
  ASSERT_TRUE(WaitCaughtUp(s.port));
  std::map<std::string, std::string> members = Members(hook, "repeat_buyers");
  EXPECT_EQ(members.size(), 40u);
  EXPECT_EQ(members, Reference(d.path(), "jit"));
  EXPECT_EQ(s.Term().exit_code, 0);
}

}  // namespace
