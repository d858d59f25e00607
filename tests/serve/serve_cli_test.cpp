// `aud serve` as a process (tests/serve/README.md): the Tracking API's
// replies and limits over raw HTTP, hostile clients, the counters of
// /metrics, the collected log (modes, deduplication, torn-tail recovery),
// SIGTERM, streaming publication compared with `aud apply` on the same
// events, a time-driven exit, and SIGKILL under load.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/run_aud.h"
#include "tests/support/test_server.h"

namespace {

using aud::testing::RunAud;
using aud::testing::RunResult;
using aud::testing::SpawnAud;
using aud::testing::TempDir;
using aud::testing::TestServer;

constexpr char kKey[] = "wk_test_5ecret_value";
const std::map<std::string, std::string> kEnv = {{"AUD_TEST_WRITE_KEY", kKey}};

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

struct Reply {
  int status = 0;  // 0: no (complete) reply
  std::string head, body;
};

// Reads one reply from `fd` (Content-Length bodies).
Reply ReadReply(int fd) {
  Reply r;
  std::string buf;
  char tmp[65536];
  for (;;) {
    size_t he = buf.find("\r\n\r\n");
    if (he != std::string::npos) {
      r.head = buf.substr(0, he);
      size_t cl = 0;
      std::string lower = r.head;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t p = lower.find("content-length:");
      if (p != std::string::npos) cl = std::stoul(lower.substr(p + 15));
      if (buf.size() >= he + 4 + cl) {
        r.body = buf.substr(he + 4, cl);
        r.status = std::stoi(r.head.substr(9, 3));
        return r;
      }
    }
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return r;
    buf.append(tmp, static_cast<size_t>(n));
  }
}

bool SendAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// One request on its own connection.
Reply Raw(int port, const std::string& request) {
  int fd = Connect(port);
  if (fd < 0) return {};
  Reply r = SendAll(fd, request) ? ReadReply(fd) : Reply{};
  ::close(fd);
  return r;
}

std::string Basic(const std::string& user) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string in = user + ":", out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int k = 3; k >= 0; --k) out.push_back(t[(v >> (6 * k)) & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += std::string{t[(v >> 18) & 63], t[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += std::string{t[(v >> 18) & 63], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
  }
  return "Basic " + out;
}

std::string PostRequest(const std::string& path, const std::string& body,
                        const std::string& key = kKey, const std::string& extra = "") {
  std::string r = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  if (!key.empty()) r += "Authorization: " + Basic(key) + "\r\n";
  r += extra;
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return r;
}

Reply Post(int port, const std::string& path, const std::string& body,
           const std::string& key = kKey) {
  return Raw(port, PostRequest(path, body, key));
}

Reply Get(int port, const std::string& path) {
  return Raw(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
}

// The value of a metric line `name value` (or `name{labels} value`), -1 when absent.
double Metric(int port, const std::string& name) {
  Reply r = Get(port, "/metrics");
  std::istringstream in(r.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

bool WaitHealthy(int port, double seconds = 30) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (Get(port, "/healthz").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// Every line of the collected log, in order.
std::vector<std::string> LogLines(const std::string& dir) {
  std::vector<std::string> out;
  std::vector<std::string> files;
  for (auto& e : std::filesystem::directory_iterator(dir + "/.aud/collected"))
    files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  for (auto& f : files) {
    std::ifstream in(f);
    std::string line;
    while (std::getline(in, line))
      if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::string IdOf(const std::string& line) {
  const std::string p = "{\"messageId\":\"";
  if (line.rfind(p, 0) != 0) return "";
  return line.substr(p.size(), line.find('"', p.size()) - p.size());
}

std::string NowIso(int64_t offset_ms = 0) {
  auto t = std::chrono::system_clock::now() + std::chrono::milliseconds(offset_ms);
  std::time_t s = std::chrono::system_clock::to_time_t(t);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() %
            1000;
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", std::gmtime(&s));
  char out[80];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
  return out;
}

const char* kProgram = R"(import "std/ecommerce"
import "std/governance"

identity user_id: declared from userId

segment buyers = count(order_completed) >= 2
segment recent = did(order_completed where revenue > 1000 within 6s)

audience repeat_buyers {
  members buyers
  identities user_id
  attributes { orders = count(order_completed) }
  refresh streaming
}

audience recent_big {
  members recent
  identities user_id
  attributes { orders = count(order_completed) }
  refresh streaming
}

destination hook "Webhook" {
  connection hook
  actions analytics
  key user_id
  map orders -> "orders"
}

publish repeat_buyers to hook
publish recent_big to hook
)";

void WriteProject(const TempDir& d, int hook_port, bool with_serve = true,
                  const std::string& sources = "") {
  std::string toml = "[project]\nname = \"serve_test\"\n\n";
  toml += sources;
  toml += "[connections.hook]\ntype = \"http\"\nurl = \"http://127.0.0.1:" +
          std::to_string(hook_port) + "/hook\"\nbatch_size = 100\n\n";
  if (with_serve) toml += "[serve]\nwrite_key = { env = \"AUD_TEST_WRITE_KEY\" }\n";
  d.Write("aud.toml", toml);
  d.Write("main.aud", kProgram);
}

// A running `aud serve`, SIGKILLed by the destructor when still running.
struct Serving {
  pid_t pid = -1;
  int port = 0;
  Serving(const std::string& dir, const std::vector<std::string>& extra = {}) {
    port = FreePort();
    std::vector<std::string> args = {"serve", "--listen", "127.0.0.1:" + std::to_string(port)};
    args.insert(args.end(), extra.begin(), extra.end());
    pid = SpawnAud(dir, args, kEnv);
  }
  RunResult Term() {
    ::kill(pid, SIGTERM);
    RunResult r = aud::testing::Wait(pid);
    pid = -1;
    return r;
  }
  void Kill() {
    ::kill(pid, SIGKILL);
    aud::testing::Wait(pid);
    pid = -1;
  }
  ~Serving() {
    if (pid > 0) Kill();
  }
};

std::string Track(const std::string& user, double revenue, const std::string& id = "",
                  const std::string& ts = "") {
  std::string m = "{\"type\":\"track\",\"userId\":\"" + user +
                  "\",\"event\":\"Order Completed\",\"properties\":{\"revenue\":" +
                  std::to_string(revenue) + "}";
  if (!id.empty()) m += ",\"messageId\":\"" + id + "\"";
  if (!ts.empty()) m += ",\"timestamp\":\"" + ts + "\"";
  return m + "}";
}

std::string Gzip(const std::string& s) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, s.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
  z.avail_in = static_cast<uInt>(s.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST(Serve, TrackingApiRepliesLimitsAndCounters) {
  TempDir d("aud-serve");
  TestServer hook({});
  WriteProject(d, hook.port());
  Serving s(d.path(), {"--publish", "false"});
  ASSERT_TRUE(WaitHealthy(s.port));

  Reply ok = Post(s.port, "/v1/track", Track("u1", 5, "m-1"));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "{\"success\":true}");
  // Wrong or missing write key: 401, nothing logged.
  EXPECT_EQ(Post(s.port, "/v1/track", Track("u1", 5, "m-x"), "not-the-key").status, 401);
  EXPECT_EQ(Post(s.port, "/v1/track", Track("u1", 5, "m-y"), "").status, 401);
  // Malformed JSON, a message without ids, a wrong type in a batch: 400 with the error shape.
  Reply bad = Post(s.port, "/v1/track", "{\"userId\": ");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("\"success\":false"), std::string::npos) << bad.body;
  EXPECT_NE(bad.body.find("\"code\":\"invalid_json\""), std::string::npos) << bad.body;
  Reply noid = Post(s.port, "/v1/track", "{\"event\":\"Order Completed\"}");
  EXPECT_EQ(noid.status, 400);
  EXPECT_NE(noid.body.find("missing_id"), std::string::npos) << noid.body;
  EXPECT_EQ(Post(s.port, "/v1/batch", "{\"batch\":[{\"type\":\"nope\",\"userId\":\"a\"}]}").status,
            400);
  // Segment's size limits: 32 KB per message, 500 KB per batch.
  std::string big = "{\"userId\":\"u2\",\"event\":\"x\",\"properties\":{\"pad\":\"" +
                    std::string(33 * 1024, 'a') + "\"}}";
  Reply too_big = Post(s.port, "/v1/track", big);
  EXPECT_EQ(too_big.status, 400);
  EXPECT_NE(too_big.body.find("message_too_large"), std::string::npos);
  std::string huge = "{\"batch\":[";
  for (int i = 0; i < 20; ++i)
    huge += (i ? "," : "") + std::string("{\"type\":\"track\",\"userId\":\"u\",\"event\":\"x\",") +
            "\"properties\":{\"p\":\"" + std::string(30 * 1024, 'b') + "\"}}";
  huge += "]}";
  EXPECT_EQ(Post(s.port, "/v1/batch", huge).status, 400);
  // A batch: every message logged; a messageId seen before is not logged again.
  std::string batch = "{\"batch\":[" + Track("u2", 7, "m-2") + "," + Track("u3", 9, "m-3") +
                      ",{\"type\":\"identify\",\"userId\":\"u2\",\"traits\":{\"email\":\"a@b.c\"}," +
                      "\"messageId\":\"m-4\",\"writeKey\":\"" + kKey + "\"}," +
                      Track("u1", 5, "m-1") + "]}";
  EXPECT_EQ(Post(s.port, "/v1/batch", batch).status, 200);
  // gzip bodies (Segment's libraries may compress) and the key in the body.
  std::string gz = Gzip(Track("u4", 1, "m-5"));
  EXPECT_EQ(Raw(s.port, PostRequest("/v1/track", gz, kKey, "Content-Encoding: gzip\r\n")).status,
            200);
  EXPECT_EQ(Post(s.port, "/v1/identify",
                 std::string("{\"userId\":\"u5\",\"messageId\":\"m-6\",\"writeKey\":\"") + kKey +
                     "\"}",
                 "")
                .status,
            200);
  // Other paths and methods.
  EXPECT_EQ(Post(s.port, "/v1/nothing", "{}").status, 404);
  EXPECT_EQ(Get(s.port, "/v1/track").status, 405);

  std::vector<std::string> lines = LogLines(d.path());
  std::vector<std::string> ids;
  for (auto& l : lines) ids.push_back(IdOf(l));
  EXPECT_EQ(ids, (std::vector<std::string>{"m-1", "m-2", "m-3", "m-4", "m-5", "m-6"}));
  for (auto& l : lines) {
    EXPECT_EQ(l.find(kKey), std::string::npos) << "the write key is never stored: " << l;
    EXPECT_NE(l.find("\"receivedAt\":"), std::string::npos) << l;
  }
  struct stat st {};
  ASSERT_EQ(::stat((d.path() + "/.aud/collected").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((d.path() + "/.aud/collected/00000001.jsonl").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  EXPECT_EQ(Metric(s.port, "aud_serve_accepted_total"), 6);
  EXPECT_EQ(Metric(s.port, "aud_serve_duplicates_total"), 1);
  EXPECT_EQ(Metric(s.port, "aud_serve_rejected_total{reason=\"unauthorized\"}"), 2);
  EXPECT_EQ(Metric(s.port, "aud_serve_rejected_total{reason=\"invalid_json\"}"), 1);
  EXPECT_EQ(Metric(s.port, "aud_serve_rejected_total{reason=\"message_too_large\"}"), 1);
  EXPECT_EQ(Metric(s.port, "aud_serve_rejected_total{reason=\"batch_too_large\"}"), 1);
  EXPECT_EQ(Metric(s.port, "aud_serve_log_messages"), 6);
  EXPECT_EQ(s.Term().exit_code, 0);

  // Collected messages are data for every command, server running or not.
  RunResult eval = RunAud(d.path(), {"eval", "repeat_buyers", "--format", "jsonl"});
  EXPECT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_EQ(eval.out, "") << "nobody has two orders yet";
  RunResult eval2 = RunAud(d.path(), {"eval", "recent_big", "--format", "jsonl"});
  EXPECT_EQ(eval2.exit_code, 0) << eval2.err;
}

TEST(Serve, HostileClientsNeverStopIt) {
  TempDir d("aud-serve");
  TestServer hook({});
  WriteProject(d, hook.port());
  Serving s(d.path(), {"--publish", "false"});
  ASSERT_TRUE(WaitHealthy(s.port));
  // Headers over 16 KB, chunked bodies, a bad Content-Length, garbage, an
  // unknown encoding, a declared length far over the limit.
  EXPECT_EQ(Raw(s.port, "GET /healthz HTTP/1.1\r\nX: " + std::string(20000, 'h') + "\r\n\r\n").status,
            431);
  EXPECT_EQ(Raw(s.port, "POST /v1/track HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                .status,
            411);
  EXPECT_EQ(Raw(s.port, "POST /v1/track HTTP/1.1\r\nContent-Length: -5\r\n\r\n").status, 400);
  EXPECT_EQ(Raw(s.port, "\x16\x03\x01 garbage\r\n\r\n").status, 400);
  EXPECT_EQ(Raw(s.port, PostRequest("/v1/track", "x", kKey, "Content-Encoding: br\r\n")).status,
            415);
  EXPECT_EQ(Raw(s.port, "POST /v1/batch HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n").status,
            400);
  EXPECT_EQ(Raw(s.port, PostRequest("/v1/track", "\x1f\x8b garbage", kKey,
                                    "Content-Encoding: gzip\r\n"))
                .status,
            400);
  // A gzip bomb: small on the wire, over the limit inflated.
  EXPECT_EQ(Raw(s.port, PostRequest("/v1/track", Gzip(std::string(10 << 20, ' ')), kKey,
                                    "Content-Encoding: gzip\r\n"))
                .status,
            400);
  // Pipelined requests on one connection are answered in order.
  {
    int fd = Connect(s.port);
    std::string two = PostRequest("/v1/track", Track("p1", 1, "p-1")) +
                      PostRequest("/v1/track", Track("p2", 1, "p-2"));
    ASSERT_TRUE(SendAll(fd, two));
    EXPECT_EQ(ReadReply(fd).status, 200);
    EXPECT_EQ(ReadReply(fd).status, 200);
    ::close(fd);
  }
  // Many idle connections and half-sent requests: over the bound they are
  // refused, and the server keeps answering.
  std::vector<int> fds;
  for (int i = 0; i < 300; ++i) {
    int fd = Connect(s.port);
    if (fd < 0) break;
    SendAll(fd, "POST /v1/track HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"a");
    fds.push_back(fd);
  }
  for (int fd : fds) ::close(fd);
  ASSERT_TRUE(WaitHealthy(s.port, 10));
  EXPECT_EQ(Post(s.port, "/v1/track", Track("p3", 1, "p-3")).status, 200);
  EXPECT_GT(Metric(s.port, "aud_serve_rejected_total{reason=\"too_many_connections\"}"), 0);
  EXPECT_EQ(LogLines(d.path()).size(), 3u);
  EXPECT_EQ(s.Term().exit_code, 0);
}

TEST(Serve, RecoversATornLogAndHoldsTheStateLock) {
  TempDir d("aud-serve");
  TestServer hook({});
  WriteProject(d, hook.port());
  {
    Serving s(d.path(), {"--publish", "false"});
    ASSERT_TRUE(WaitHealthy(s.port));
    EXPECT_EQ(Post(s.port, "/v1/track", Track("u1", 5, "t-1")).status, 200);
    // The state lock is held while serving: apply is refused.
    RunResult apply = RunAud(d.path(), {"apply", "--auto-approve"}, kEnv);
    EXPECT_EQ(apply.exit_code, 1);
    EXPECT_NE(apply.err.find("`serve`"), std::string::npos) << apply.err;
    RunResult term = s.Term();
    EXPECT_EQ(term.exit_code, 0);
  }
  RunResult list = RunAud(d.path(), {"state", "list"});
  EXPECT_EQ(list.out.find("locked by"), std::string::npos) << "released on SIGTERM: " << list.out;
  // A crash in the middle of a write leaves a torn last line.
  {
    std::ofstream f(d.path() + "/.aud/collected/00000001.jsonl", std::ios::app);
    f << "{\"messageId\":\"torn\",\"type\":\"tra";
  }
  Serving s(d.path(), {"--publish", "false"});
  ASSERT_TRUE(WaitHealthy(s.port));
  EXPECT_EQ(Post(s.port, "/v1/track", Track("u1", 5, "t-1")).status, 200);  // a retry: deduplicated
  EXPECT_EQ(Post(s.port, "/v1/track", Track("u1", 5, "t-2")).status, 200);
  EXPECT_EQ(Metric(s.port, "aud_serve_duplicates_total"), 1);
  std::vector<std::string> lines = LogLines(d.path());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(IdOf(lines[0]), "t-1");
  EXPECT_EQ(IdOf(lines[1]), "t-2");
  EXPECT_EQ(s.Term().exit_code, 0);
  // Without the write key's variable, serve refuses to start.
  RunResult nokey = RunAud(d.path(), {"serve"}, {{"AUD_TEST_WRITE_KEY", "\x01unset"}});
  EXPECT_EQ(nokey.exit_code, 1);
  EXPECT_NE(nokey.err.find("AUD_TEST_WRITE_KEY"), std::string::npos) << nokey.err;
}

// Members of one audience at the webhook: key -> orders.
std::map<std::string, std::string> Members(const TestServer& hook, const std::string& audience) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : hook.WebhookMembers())
    if (k.first == audience) out[k.second] = v.dump();
  return out;
}

// Waits until the serving process published everything collected: no lag
// and a cycle finished after the last commit.
bool WaitCaughtUp(int port, double seconds = 60) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    double lag = Metric(port, "aud_serve_evaluation_lag_seconds");
    double queue = Metric(port, "aud_serve_queue_depth{publication=\"repeat_buyers -> hook\"}");
    double c0 = Metric(port, "aud_serve_cycles_total");
    if (lag == 0 && queue == 0) {
      // One more cycle after this observation, to be sure.
      while (std::chrono::steady_clock::now() < until &&
             Metric(port, "aud_serve_cycles_total") < c0 + 2)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (Metric(port, "aud_serve_evaluation_lag_seconds") == 0) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// What `aud apply` publishes on the same events: the collected log copied
// into a fresh project as a source.
std::map<std::string, std::string> Reference(const std::string& served_dir,
                                             const std::string& engine) {
  TempDir ref("aud-serve-ref");
  TestServer hook({});
  WriteProject(ref, hook.port(), false,
               "[sources.events]\npath = \"data/*.jsonl\"\nformat = \"segment\"\n\n");
  std::string all;
  for (auto& l : LogLines(served_dir)) all += l + "\n";
  ref.Write("data/collected.jsonl", all);
  RunResult r = RunAud(ref.path(), {"apply", "--auto-approve", "--engine", engine});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  return Members(hook, "repeat_buyers");
}

TEST(Serve, StreamingPublishesWhatApplyWouldAndTimeDrivenExits) {
  TempDir d("aud-serve");
  TestServer hook({});
  WriteProject(d, hook.port());
  Serving s(d.path(), {"--engine", "interp"});
  ASSERT_TRUE(WaitHealthy(s.port));
  // A generated stream: 300 users, 1500 orders in batches of 100.
  std::mt19937_64 rng(7);
  int n = 0;
  for (int b = 0; b < 15; ++b) {
    std::string batch = "{\"batch\":[";
    for (int i = 0; i < 100; ++i, ++n) {
      std::string user = "u" + std::to_string(rng() % 300);
      batch += (i ? "," : "") + Track(user, static_cast<double>(rng() % 900), "g-" + std::to_string(n));
    }
    batch += "]}";
    ASSERT_EQ(Post(s.port, "/v1/batch", batch).status, 200);
  }
  ASSERT_TRUE(WaitCaughtUp(s.port));
  std::map<std::string, std::string> served = Members(hook, "repeat_buyers");
  EXPECT_GT(served.size(), 100u);
  EXPECT_EQ(served, Reference(d.path(), "jit"));
  EXPECT_EQ(hook.Stats().duplicate_applications, 0);

  // Time-driven: a big order enters `recent_big`, which it leaves 6 s after
  // the order with no new message (within the recheck bound).
  const auto sent = std::chrono::steady_clock::now();
  ASSERT_EQ(Post(s.port, "/v1/track", Track("vip", 5000, "big-1", NowIso())).status, 200);
  auto seen = [&] { return Members(hook, "recent_big").count("vip") == 1; };
  while (!seen() && std::chrono::steady_clock::now() - sent < std::chrono::seconds(5))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const double entered =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
  ASSERT_TRUE(seen()) << "entered within 5 s";
  EXPECT_LT(entered, 2.0);
  while (seen() && std::chrono::steady_clock::now() - sent < std::chrono::seconds(15))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const double exited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
  EXPECT_FALSE(seen()) << "exited without a new message";
  EXPECT_GE(exited, 5.9);
  EXPECT_LT(exited, 6.0 + 2.5) << "the latency bound: --recheck (1 s) + one cycle";
  EXPECT_EQ(s.Term().exit_code, 0);
}

TEST(Serve, SigkillUnderLoadLosesNoAcknowledgedMessage) {
  TempDir d("aud-serve");
  TestServer hook({});
  WriteProject(d, hook.port());
  std::mt19937_64 rng(11);
  std::set<std::string> acked;
  int next_id = 0;
  for (int round = 0; round < 20; ++round) {
    Serving s(d.path(), {"--engine", "interp"});
    ASSERT_TRUE(WaitHealthy(s.port)) << "round " << round;
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::vector<std::thread> loaders;
    for (int t = 0; t < 3; ++t) {
      loaders.emplace_back([&, t] {
        int fd = Connect(s.port);
        std::mt19937_64 local(static_cast<uint64_t>(round * 10 + t));
        while (!stop && fd >= 0) {
          std::vector<std::string> ids;
          std::string batch = "{\"batch\":[";
          for (int i = 0; i < 20; ++i) {
            std::string id;
            {
              std::lock_guard<std::mutex> l(mu);
              id = "k-" + std::to_string(next_id++);
            }
            ids.push_back(id);
            batch += (i ? "," : "") + Track("u" + std::to_string(local() % 200), 10, id);
          }
          batch += "]}";
          if (!SendAll(fd, PostRequest("/v1/batch", batch))) break;
          Reply r = ReadReply(fd);
          if (r.status != 200) break;
          std::lock_guard<std::mutex> l(mu);
          acked.insert(ids.begin(), ids.end());
        }
        if (fd >= 0) ::close(fd);
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 500));
    s.Kill();
    stop = true;
    for (auto& th : loaders) th.join();
  }
  EXPECT_GT(acked.size(), 1000u);
  // Every acknowledged message is in the log exactly once; no message twice.
  Serving s(d.path(), {"--engine", "interp"});
  ASSERT_TRUE(WaitHealthy(s.port));
  std::map<std::string, int> count;
  for (auto& l : LogLines(d.path())) ++count[IdOf(l)];
  for (const auto& id : acked) EXPECT_EQ(count[id], 1) << id;
  for (const auto& [id, c] : count) EXPECT_EQ(c, 1) << id;
  // The destination converges on what apply publishes from the same log.
  ASSERT_TRUE(WaitCaughtUp(s.port));
  EXPECT_EQ(Members(hook, "repeat_buyers"), Reference(d.path(), "interp"));
  EXPECT_EQ(hook.Stats().duplicate_applications, 0) << "each change applied once per key";
  EXPECT_EQ(s.Term().exit_code, 0);
}

}  // namespace
