// Issue 10 item 1 (`hashed` means the cleartext never leaves) and issue 11
// finding 13 (a webhook that never answers) through the real `aud` binary
// against the local capture server: every request body and header, every
// export file and the state's bytes are searched for each cleartext value and
// for the SHA-256 of its normalized form.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/connectors/http_client.h"
#include "tests/support/run_aud.h"
#include "tests/support/test_server.h"

namespace {

using aud::testing::Fault;
using aud::testing::RunAud;
using aud::testing::RunResult;
using aud::testing::TempDir;
using aud::testing::TestServer;

constexpr char kAsOf[] = "2026-11-10";

const char* kHeader = R"(import "std/governance"

trait email: string
trait phone: string
trait first_name: string
trait note: string
trait opt_in: bool

identity email: declared from trait email normalize email
identity phone: declared from trait phone

consent ok = opt_in == true

segment known = opt_in == true

audience everyone "Everyone who opted in" {
  members known
  identities email, phone
}
)";

// The hashed key written out (`hook`) and implied by a hashed map of the key
// identity (`files`); a hashed identity and a hashed trait on both.
const char* kHookAndFiles = R"(
destination hook "Webhook" {
  connection hook
  actions email_targeting
  consent ok
  key email hashed
  map phone -> "phone_sha" hashed, note -> "note_sha" hashed, first_name -> "FirstName"
}

destination files "Files" {
  connection files
  actions email_targeting
  consent ok
  key email
  map email -> "email_sha" hashed, phone -> "phone_sha" hashed, note -> "note_sha" hashed
}

publish everyone to hook, files
)";

// Autopilot needs the address: its key stays clear, everything hashed does not.
const char* kAutopilot = R"(
destination ap "Autopilot" {
  connection ap
  actions email_targeting
  consent ok
  key email
  map first_name -> "FirstName", phone -> "phone_sha" hashed, note -> "note_sha" hashed
}

publish everyone to ap
)";

std::string Toml(int port, const std::string& extra = "") {
  std::string url = "http://127.0.0.1:" + std::to_string(port);
  return "[project]\nname = \"privacy\"\n\n[sources.web]\npath = \"data/*.jsonl\"\n\n"
         "[connections.hook]\ntype = \"http\"\nurl = \"" +
         url + "/hook\"\ntoken = { env = \"AUD_TEST_HOOK_TOKEN\" }\ntimeout_s = 2\n" + extra +
         "\n[connections.files]\ntype = \"file\"\nformat = \"csv\"\ndir = \"exports\"\n\n"
         "[connections.ap]\ntype = \"autopilot\"\nendpoint = \"" +
         url + "\"\napi_key = { env = \"AUD_TEST_AP_KEY\" }\ntimeout_s = 2\n";
}

struct Person {
  std::string email_raw, email, phone, first_name, note;
};

std::vector<Person> People() {
  std::vector<Person> out;
  for (int i = 1; i <= 3; ++i) {
    std::string n = std::to_string(i);
    Person p;
    p.email_raw = "  Person.N" + n + "@Example.COM ";
    p.email = "person.n" + n + "@example.com";
    p.phone = "+4670555000" + n;
    p.first_name = "Firstname" + n;
    p.note = "private-note-" + n + "-XYZ";
    out.push_back(p);
  }
  return out;
}

std::string Events() {
  std::string out;
  int i = 0;
  for (const Person& p : People()) {
    ++i;
    out += R"({"type":"identify","userId":"u)" + std::to_string(i) +
           R"(","timestamp":"2026-11-01T00:00:00Z","traits":{"email":")" + p.email_raw +
           R"(","phone":")" + p.phone + R"(","first_name":")" + p.first_name + R"(","note":")" +
           p.note + R"(","opt_in":true}})" + "\n";
  }
  return out;
}

// SHA-256 hex of the normalized text (trimmed, ASCII lower-case): what `hashed` sends.
std::string Hashed(const std::string& value) {
  std::string v = value;
  v.erase(0, v.find_first_not_of(" \t\r\n"));
  v.erase(v.find_last_not_of(" \t\r\n") + 1);
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return aud::connectors::Sha256Hex(v);
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Everything a destination received or was written: request lines, headers
// and bodies; every file under `dir` (when given).
std::string Received(const TestServer& server) {
  std::string out;
  for (const auto& r : server.Requests())
    out += r.method + " " + r.path + "\n" + r.headers + "\n" + r.body + "\n";
  return out;
}

std::string FilesUnder(const std::filesystem::path& dir) {
  std::string out;
  if (!std::filesystem::exists(dir)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out += ReadFile(e.path());
  return out;
}

// The state's bytes: the database and its WAL.
std::string StateBytes(const std::string& project) {
  std::string out;
  for (const char* f : {"state.db", "state.db-wal", "state.db-journal"}) {
    auto p = std::filesystem::path(project) / ".aud" / f;
    if (std::filesystem::exists(p)) out += ReadFile(p);
  }
  return out;
}

bool Has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

const std::map<std::string, std::string> kEnv = {{"AUD_TEST_HOOK_TOKEN", "hook-token-1"},
                                                 {"AUD_TEST_AP_KEY", "ap-key-1"}};

TEST(Privacy, HashedValuesNeverLeaveInClearHttpAndFile) {
  TestServer server({"hook-token-1", "ap-key-1"});
  TempDir dir("aud-privacy");
  dir.Write("aud.toml", Toml(server.port()));
  dir.Write("main.aud", std::string(kHeader) + kHookAndFiles);
  dir.Write("data/base.jsonl", Events());
  RunResult apply = RunAud(dir.path(), {"apply", "--auto-approve", "--as-of", kAsOf}, kEnv);
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;

  const std::string sent = Received(server);
  const std::string exports = FilesUnder(std::filesystem::path(dir.path()) / "exports");
  const std::string state = StateBytes(dir.path());
  ASSERT_FALSE(sent.empty());
  ASSERT_FALSE(exports.empty());
  ASSERT_FALSE(state.empty());
  for (const Person& p : People()) {
    SCOPED_TRACE(p.email);
    for (const std::string& clear : {p.email, p.email_raw, p.phone, p.note}) {
      EXPECT_FALSE(Has(sent, clear)) << "request carries " << clear << "\n" << sent;
      EXPECT_FALSE(Has(exports, clear)) << "export holds " << clear << "\n" << exports;
      EXPECT_FALSE(Has(state, clear)) << "state holds " << clear;
      EXPECT_FALSE(Has(apply.out + apply.err, clear)) << apply.out;
    }
    for (const std::string& clear : {p.email, p.phone, p.note}) {
      EXPECT_TRUE(Has(sent, Hashed(clear))) << clear;
      EXPECT_TRUE(Has(exports, Hashed(clear))) << clear;
    }
    EXPECT_TRUE(Has(state, Hashed(p.email)));  // the recorded key is the hashed one
    EXPECT_TRUE(Has(sent, p.first_name));      // a field mapped in clear is sent
  }
  // The webhook's identities: only what it keys by or maps, hashed.
  auto members = server.WebhookMembers();
  ASSERT_EQ(members.size(), 3u);
  for (const auto& [k, m] : members) {
    ASSERT_TRUE(m.contains("identities")) << m.dump();
    const auto& ids = m["identities"];
    EXPECT_EQ(ids.size(), 2u) << ids.dump();
    ASSERT_TRUE(ids.contains("email") && ids["email"].size() == 1) << ids.dump();
    EXPECT_EQ(ids["email"][0], k.second);  // the key is the hashed email
    EXPECT_EQ(k.second.size(), 64u);
  }
  // A second plan has nothing to do: the hashed keys are what state holds.
  RunResult plan = RunAud(dir.path(), {"plan", "--as-of", kAsOf, "--detailed-exitcode"}, kEnv);
  EXPECT_EQ(plan.exit_code, 0) << plan.out << plan.err;
}

TEST(Privacy, AutopilotKeepsItsEmailKeyAndHashesTheRest) {
  TestServer server({"hook-token-1", "ap-key-1"});
  TempDir dir("aud-privacy-ap");
  dir.Write("aud.toml", Toml(server.port()));
  dir.Write("main.aud", std::string(kHeader) + kAutopilot);
  dir.Write("data/base.jsonl", Events());
  RunResult apply = RunAud(dir.path(), {"apply", "--auto-approve", "--as-of", kAsOf}, kEnv);
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  const std::string sent = Received(server);
  const std::string state = StateBytes(dir.path());
  for (const Person& p : People()) {
    SCOPED_TRACE(p.email);
    for (const std::string& clear : {p.phone, p.note}) {
      EXPECT_FALSE(Has(sent, clear)) << sent;
      EXPECT_FALSE(Has(state, clear));
      EXPECT_TRUE(Has(sent, Hashed(clear))) << clear;
    }
    EXPECT_TRUE(Has(sent, p.email));  // the deliverable address, by design
  }
  EXPECT_EQ(server.Contacts().size(), 3u);
}

// A hashed key on an autopilot destination (written or implied) is refused by
// `aud plan` with nothing sent; so is a value sent both hashed and in clear.
TEST(Privacy, RefusedHashedKeysAndMixedExposure) {
  struct Case {
    std::string dest, message;
  };
  const std::vector<Case> cases = {
      {"destination ap {\n  connection ap\n  actions email_targeting\n  key email hashed\n}\n"
       "publish everyone to ap\n",
       "destination `ap`: an autopilot destination needs a deliverable email address as its key"},
      {"destination ap {\n  connection ap\n  actions email_targeting\n  key email\n"
       "  map email -> \"Email\" hashed\n}\npublish everyone to ap\n",
       "its key `email` cannot be hashed"},
      {"destination hook {\n  connection hook\n  actions email_targeting\n  key email hashed\n"
       "  map email -> \"e\"\n}\npublish everyone to hook\n",
       "destination `hook` would send identity `email` both hashed and in clear"},
      {"destination hook {\n  connection hook\n  actions email_targeting\n  key phone\n"
       "  map email -> \"e\", email -> \"e2\" hashed\n}\npublish everyone to hook\n",
       "would send identity `email` both hashed and in clear"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.dest);
    TestServer server({"hook-token-1", "ap-key-1"});
    TempDir dir("aud-privacy-refused");
    dir.Write("aud.toml", Toml(server.port()));
    dir.Write("main.aud", std::string(kHeader) + c.dest);
    dir.Write("data/base.jsonl", Events());
    for (const char* cmd : {"plan", "apply"}) {
      std::vector<std::string> args = {cmd, "--as-of", kAsOf};
      if (std::string(cmd) == "apply") args.push_back("--auto-approve");
      RunResult r = RunAud(dir.path(), args, kEnv);
      EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
      EXPECT_TRUE(Has(r.err, c.message)) << r.err;
    }
    EXPECT_EQ(server.Stats().total(), 0) << server.Stats().ToJson().dump();
  }
}

// Issue 11 finding 13: a webhook that never answers holds `aud apply` for
// about its deadline (3 x timeout_s + 5 by default, or `deadline_s`), not a
// fixed 120 s. The bounds are generous: a correctness check, not a benchmark.
TEST(Privacy, HangingWebhookHonoursTimeoutAndDeadline) {
  for (const std::string extra : {"", "deadline_s = 3\n"}) {
    SCOPED_TRACE(extra.empty() ? "default deadline" : extra);
    TestServer server({"hook-token-1", "ap-key-1"});
    Fault f;
    f.kind = Fault::Hang;
    f.probability = 1;
    f.delay_s = 600;
    server.AddFault(f);
    TempDir dir("aud-hang");
    std::string toml = Toml(server.port(), extra);
    toml.replace(toml.find("timeout_s = 2"), 13, "timeout_s = 1");
    dir.Write("aud.toml", toml);
    dir.Write("main.aud", std::string(kHeader) + kHookAndFiles);
    dir.Write("data/base.jsonl", Events());
    auto start = std::chrono::steady_clock::now();
    RunResult apply =
        RunAud(dir.path(), {"apply", "--auto-approve", "--as-of", kAsOf}, kEnv, "", 170);
    double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(apply.exit_code, 1) << apply.out << apply.err;
    EXPECT_TRUE(Has(apply.out + apply.err, "timed out")) << apply.out << apply.err;
    EXPECT_LT(took, extra.empty() ? 30.0 : 15.0);
    EXPECT_GE(server.Stats().total(), 1);
  }
}

}  // namespace
