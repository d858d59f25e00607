#pragma once
// Helpers of the `aud serve` tests (serve_cli_test.cpp, serve_node_test.cpp):
// a raw HTTP/1.1 client, the test project, a serving process, the collected
// log, and the reference `aud apply` on the same events.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/run_aud.h"
#include "tests/support/test_server.h"

namespace aud::serve_test {

using aud::testing::RunAud;
using aud::testing::RunResult;
using aud::testing::SpawnAud;
using aud::testing::TempDir;
using aud::testing::TestServer;

inline constexpr char kKey[] = "wk_test_5ecret_value";
inline const std::map<std::string, std::string> kEnv = {{"AUD_TEST_WRITE_KEY", kKey}};

inline int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    return 0;
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

inline int Connect(int port) {
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
inline Reply ReadReply(int fd) {
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

inline bool SendAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// One request on its own connection.
inline Reply Raw(int port, const std::string& request) {
  int fd = Connect(port);
  if (fd < 0) return {};
  // A refused body may be cut short by the server: the reply is read anyway.
  SendAll(fd, request);
  Reply r = ReadReply(fd);
  ::close(fd);
  return r;
}

inline std::string Basic(const std::string& user) {
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

inline std::string PostRequest(const std::string& path, const std::string& body,
                               const std::string& key = kKey, const std::string& extra = "") {
  std::string r =
      "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  if (!key.empty()) r += "Authorization: " + Basic(key) + "\r\n";
  r += extra;
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return r;
}

inline Reply Post(int port, const std::string& path, const std::string& body,
                  const std::string& key = kKey) {
  return Raw(port, PostRequest(path, body, key));
}

inline Reply Get(int port, const std::string& path) {
  return Raw(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
}

// The value of a metric line `name value` (or `name{labels} value`), -1 when absent.
inline double Metric(int port, const std::string& name) {
  Reply r = Get(port, "/metrics");
  std::istringstream in(r.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

inline bool WaitHealthy(int port, double seconds = 30) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (Get(port, "/healthz").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// Every line of the collected log, in order.
inline std::vector<std::string> LogLines(const std::string& dir) {
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

inline std::string IdOf(const std::string& line) {
  const std::string p = "{\"messageId\":\"";
  if (line.rfind(p, 0) != 0) return "";
  return line.substr(p.size(), line.find('"', p.size()) - p.size());
}

inline std::string NowIso(int64_t offset_ms = 0) {
  auto t = std::chrono::system_clock::now() + std::chrono::milliseconds(offset_ms);
  std::time_t s = std::chrono::system_clock::to_time_t(t);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", std::gmtime(&s));
  char out[80];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
  return out;
}

inline const char* kProgram = R"(import "std/ecommerce"
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

inline void WriteProject(const TempDir& d, int hook_port, bool with_serve = true,
                         const std::string& sources = "") {
  std::string toml = "[project]\nname = \"serve_test\"\n\n";
  toml += sources;
  toml +=
      "[connections.hook]\ntype = \"http\"\nurl = \"http://127.0.0.1:" + std::to_string(hook_port) +
      "/hook\"\nbatch_size = 100\n\n";
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

inline std::string Track(const std::string& user, double revenue, const std::string& id = "",
                         const std::string& ts = "") {
  std::string m =
      "{\"type\":\"track\",\"userId\":\"" + user +
      "\",\"event\":\"Order Completed\",\"properties\":{\"revenue\":" + std::to_string(revenue) +
      "}";
  if (!id.empty()) m += ",\"messageId\":\"" + id + "\"";
  if (!ts.empty()) m += ",\"timestamp\":\"" + ts + "\"";
  return m + "}";
}

inline std::string Gzip(const std::string& s) {
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

// Members of one audience at the webhook: key -> orders.
inline std::map<std::string, std::string> Members(const TestServer& hook,
                                                  const std::string& audience) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : hook.WebhookMembers())
    if (k.first == audience) out[k.second] = v.dump();
  return out;
}

// Waits until the serving process published everything collected: no lag
// and a cycle finished after the last commit.
inline bool WaitCaughtUp(int port, double seconds = 60) {
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
inline std::map<std::string, std::string> Reference(const std::string& served_dir,
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

}  // namespace aud::serve_test
