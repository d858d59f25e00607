// runtime/serve without a socket: message normalisation (Segment's limits,
// the write key never stored, a batch's context and sentAt, all or nothing,
// arbitrary bytes never crash) and the collected log (commit, rotation,
// recovery of a torn tail, deduplication across reopen).

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "runtime/serve/collected_log.h"
#include "runtime/serve/message.h"

namespace {

using aud::serve::CollectedLog;
using aud::serve::LineMessageId;
using aud::serve::Normalise;
using aud::serve::Recovery;

constexpr int64_t kNow = 1'800'000'000'000;

TEST(ServeMessage, NormalisesOneMessage) {
  auto n = Normalise(R"({"userId":"u1","event":"Signed Up","type":"identify","writeKey":"sekret",
                         "receivedAt":"2000-01-01T00:00:00Z","properties":{"a":[1, 2]}})",
                     "track", kNow);
  ASSERT_EQ(n.code, "") << n.message;
  ASSERT_EQ(n.messages.size(), 1u);
  const std::string& line = n.messages[0].line;
  EXPECT_EQ(line.rfind("{\"messageId\":\"aud-", 0), 0u) << line;
  EXPECT_NE(line.find("\"type\":\"track\""), std::string::npos) << "the endpoint names the call";
  EXPECT_NE(line.find("\"receivedAt\":\"2027-01-15T08:00:00Z\""), std::string::npos) << line;
  EXPECT_EQ(line.find("2000-01-01"), std::string::npos) << "the server's receivedAt wins";
  EXPECT_EQ(line.find("sekret"), std::string::npos) << "the write key is never stored";
  EXPECT_EQ(n.write_key, "sekret");
  EXPECT_NE(line.find("\"properties\":{\"a\":[1,2]}"), std::string::npos) << line;
  EXPECT_EQ(LineMessageId(line), n.messages[0].id);
}

TEST(ServeMessage, BatchesInheritContextAndAreAllOrNothing) {
  auto ok = Normalise(R"({"batch":[{"type":"track","userId":"a","event":"x","messageId":"m1"},
                                   {"type":"page","anonymousId":"b","name":"Home","context":{"ip":"1"}}],
                         "context":{"library":{"name":"lib"}},"sentAt":"2027-01-15T07:59:59Z"})",
                      "batch", kNow);
  ASSERT_EQ(ok.code, "") << ok.message;
  ASSERT_EQ(ok.messages.size(), 2u);
  EXPECT_EQ(ok.messages[0].id, "m1");
  EXPECT_NE(ok.messages[0].line.find("\"context\":{\"library\":{\"name\":\"lib\"}}"),
            std::string::npos);
  EXPECT_NE(ok.messages[0].line.find("\"sentAt\":\"2027-01-15T07:59:59Z\""), std::string::npos);
  EXPECT_EQ(ok.messages[1].line.find("lib"), std::string::npos) << "its own context stays";

  auto bad = Normalise(
      R"({"batch":[{"type":"track","userId":"a","event":"x"},{"type":"track","event":"x"}]})",
      "batch", kNow);
  EXPECT_EQ(bad.code, "missing_id");
  EXPECT_NE(bad.message.find("batch[1]"), std::string::npos) << bad.message;
  EXPECT_TRUE(bad.messages.empty());
  EXPECT_EQ(Normalise(R"({"batch":[{"type":"nope","userId":"a"}]})", "batch", kNow).code,
            "invalid_type");
  EXPECT_EQ(Normalise(R"({"batch":{}})", "batch", kNow).code, "invalid_batch");
  EXPECT_EQ(Normalise(R"([1,2])", "track", kNow).code, "invalid_json");
  EXPECT_EQ(Normalise(R"({"userId":"a","timestamp":"yesterday"})", "track", kNow).code,
            "invalid_timestamp");
}

TEST(ServeMessage, SegmentSizeLimits) {
  std::string pad(size_t{32} * 1024, 'x');
  EXPECT_EQ(Normalise("{\"userId\":\"a\",\"p\":\"" + pad + "\"}", "track", kNow).code,
            "message_too_large");
  std::string batch = "{\"batch\":[";
  for (int i = 0; i < 2501; ++i)
    batch += std::string(i ? "," : "") + R"({"type":"identify","userId":"u"})";
  batch += "]}";
  EXPECT_EQ(Normalise(batch, "batch", kNow).code, "batch_too_large");
}

TEST(ServeMessage, ArbitraryBytesNeverCrash) {
  std::mt19937_64 rng(3);
  const std::string seed =
      R"({"batch":[{"type":"track","userId":"a","event":"x","properties":{"v":1.5}}]})";
  for (int i = 0; i < 20000; ++i) {
    std::string s = seed;
    for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k) {
      size_t at = rng() % (s.size() + 1);
      switch (rng() % 3) {
        case 0: s.insert(at, 1, static_cast<char>(rng() & 0xff)); break;
        case 1:
          if (at < s.size()) s.erase(at, 1);
          break;
        default:
          if (at < s.size()) s[at] = static_cast<char>(rng() & 0xff);
      }
    }
    auto n = Normalise(s, i % 2 ? "batch" : "track", kNow);
    if (n.code.empty()) {
      for (const auto& m : n.messages) EXPECT_FALSE(m.line.empty());
    }
  }
}

std::string TempLogDir() {
  char tmpl[] = "/tmp/aud-serve-log-XXXXXX";
  return std::string(::mkdtemp(tmpl)) + "/collected";
}

TEST(ServeLog, CommitsRotatesAndRecovers) {
  const std::string dir = TempLogDir();
  {
    CollectedLog log;
    Recovery r;
    std::string error;
    ASSERT_TRUE(log.Open(dir, 4096, &r, &error)) << error;
    EXPECT_EQ(r.messages, 0u);
    for (int i = 0; i < 100; ++i) {
      const std::string id = "id-" + std::to_string(i);
      log.Append(id, "{\"messageId\":\"" + id + "\",\"pad\":\"" + std::string(100, 'p') + "\"}");
      if (i % 10 == 9) {
        ASSERT_TRUE(log.Commit(&error)) << error;
      }
    }
    EXPECT_TRUE(log.Seen("id-5"));
    EXPECT_FALSE(log.Seen("id-500"));
    EXPECT_EQ(log.messages(), 100u);
  }
  auto files = CollectedLog::Files(dir);
  EXPECT_GT(files.size(), 1u) << "rotated at 4 KB";
  struct stat st {};
  ASSERT_EQ(::stat((dir + "/" + files.back()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  // A torn last line is truncated on reopen; the ids are remembered.
  { std::ofstream(dir + "/" + files.back(), std::ios::app) << "{\"messageId\":\"torn\",\"x"; }
  CollectedLog log;
  Recovery r;
  std::string error;
  ASSERT_TRUE(log.Open(dir, 4096, &r, &error)) << error;
  EXPECT_EQ(r.messages, 100u);
  EXPECT_EQ(r.torn_bytes, std::string("{\"messageId\":\"torn\",\"x").size());
  EXPECT_TRUE(log.Seen("id-99"));
  EXPECT_FALSE(log.Seen("torn"));
  log.Append("id-100", "{\"messageId\":\"id-100\"}");
  ASSERT_TRUE(log.Commit(&error)) << error;
  std::ifstream in(dir + "/" + CollectedLog::Files(dir).back());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("torn"), std::string::npos);
  EXPECT_EQ(text.back(), '\n');
  std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
}

}  // namespace
