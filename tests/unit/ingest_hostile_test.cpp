// Hostile and broken input (issue 11): truncated or corrupt `.gz` files,
// property-name explosions (memory and cache linear in the input), the
// per-type limit on property names, the quarantine written once per file
// and removed with its source, and sources that are not regular files or
// leave the project.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "runtime/ingest/ingest.h"
#include "runtime/store/cache.h"

namespace aud::ingest {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTs = R"("timestamp":"2026-01-01T00:00:00Z")";

void Write(const std::string& path, const std::string& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

std::string Gzip(const std::string& text) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, text.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Track(int i) {
  return R"({"type":"track","event":"Order Completed","userId":"u)" + std::to_string(i % 97) +
         R"(",)" + kTs + R"(,"properties":{"revenue":)" + std::to_string(i) + "}}\n";
}

class Hostile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "aud_hostile_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    options_.project_dir = dir_;
    options_.globs = {"data/*.jsonl", "data/*.jsonl.gz"};
    options_.quarantine_dir = dir_ + "/.aud/quarantine";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string QuarantineOf(const std::string& name) {
    return Read(options_.quarantine_dir + "/" + name + ".jsonl");
  }

  std::string dir_;
  Options options_;
};

// ---------------------------------------------------------------- lines

// Issue 14, "Bad input": a NUL byte anywhere in a line (in a string, between
// tokens, in a Segment time field or in `context`) and a 50 MB line are one
// quarantine entry each; their neighbours are read, and every line counts.
TEST_F(Hostile, NulBytesAndA50MbLineAreOneBadLineEach) {
  options_.context_paths = {"context.campaign.source"};
  const std::string ok =
      R"({"type":"group","userId":"g","groupId":"acme",)" + std::string(kTs) + "}\n" + Track(1);
  std::string text = ok;
  const std::string nul(1, '\0');
  text += R"({"type":"track","event":"A)" + nul + R"(","userId":"u",)" + kTs + "}\n";
  text += R"({"type":"track",)" + nul + R"("event":"A","userId":"u",)" + kTs + "}\n";
  text += nul + "\n";
  text +=
      R"({"type":"track","event":"A","userId":"u","sentAt":"2026-01-01T00:00:00Z)" + nul + "\"}\n";
  text += R"({"type":"page","userId":"u",)" + std::string(kTs) +
          R"(,"context":{"campaign":{"source":")" + nul + "\"}}}\n";
  text += ok;
  text += R"({"type":"track","event":"A","userId":"u",)" + std::string(kTs) +
          R"(,"properties":{"pad":")" + std::string(50u << 20, 'x') + "\"}}\n";
  text += ok;
  Write(dir_ + "/data/events.jsonl", text);
  Result r = Ingest(options_);
  ASSERT_EQ(r.error, "");
  const Stats& s = r.stats;
  EXPECT_EQ(s.lines, 12u);
  EXPECT_EQ(s.events, 3u);
  EXPECT_EQ(s.groups, 3u);
  EXPECT_EQ(s.bad.at("invalid-json"), 5u);
  EXPECT_EQ(s.bad.at("line-too-long"), 1u);
  EXPECT_EQ(s.lines, s.events + s.identifies + s.aliases + s.groups + s.duplicates + s.Bad());
  const std::vector<std::string> q = Lines(QuarantineOf("events.jsonl"));
  ASSERT_EQ(q.size(), 6u);
  EXPECT_NE(q[0].find(R"("line":3,"reason":"invalid-json")"), std::string::npos) << q[0];
  EXPECT_NE(q[5].find(R"("line":10,"reason":"line-too-long")"), std::string::npos);
  EXPECT_LT(q[5].size(), 20000u);  // the text is cut at 16 KiB
}

// ---------------------------------------------------------------- gzip

TEST_F(Hostile, TruncatedGzipKeepsReadableLinesQuarantinesAndWarns) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += Track(i);
  std::string gz = Gzip(text);
  Write(dir_ + "/data/events.jsonl.gz", gz.substr(0, gz.size() / 2));

  Result r = Ingest(options_);
  ASSERT_TRUE(r.error.empty()) << r.error;
  // The complete lines before the cut are kept; the rest is one bad line.
  EXPECT_GT(r.stats.events, 500u);
  EXPECT_LT(r.stats.events, 2000u);
  EXPECT_EQ(r.stats.bad, (std::map<std::string, uint64_t>{{"truncated-gzip", 1}}));
  EXPECT_EQ(r.stats.lines, r.stats.events + 1);
  ASSERT_EQ(r.stats.truncated_gzip.size(), 1u);
  EXPECT_EQ(r.stats.truncated_gzip[0],
            "`data/events.jsonl.gz`: unexpected end of the gzip stream "
            "after line " +
                std::to_string(r.stats.events));
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("`data/events.jsonl.gz`"), std::string::npos) << r.warnings[0];
  std::vector<std::string> q = Lines(QuarantineOf("events.jsonl.gz"));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(
      q[0].rfind(R"({"file":"data/events.jsonl.gz","line":)" + std::to_string(r.stats.events + 1) +
                     R"(,"reason":"truncated-gzip","error":"unexpected end of the gzip )"
                     R"(stream","text":"{\"type\":\"track\")",
                 0),
      0u)
      << q[0];

  // --strict: an error naming the file and the reason.
  options_.strict = true;
  Result s = Ingest(options_);
  EXPECT_NE(s.error.find("truncated-gzip 1"), std::string::npos) << s.error;
  EXPECT_NE(s.error.find("`data/events.jsonl.gz`: unexpected end of the gzip stream"),
            std::string::npos)
      << s.error;

  // Through the cache: a hit still warns, and --strict still fails.
  options_.strict = false;
  CacheStatus st;
  const std::string cache = dir_ + "/.aud/cache/events.store";
  IngestCached(options_, cache, &st);
  Result hit = IngestCached(options_, cache, &st);
  EXPECT_TRUE(st.hit);
  EXPECT_EQ(hit.warnings, r.warnings);
  EXPECT_EQ(hit.stats.bad, r.stats.bad);
  options_.strict = true;
  hit = IngestCached(options_, cache, &st);
  EXPECT_TRUE(st.hit);
  EXPECT_NE(hit.error.find("`data/events.jsonl.gz`"), std::string::npos) << hit.error;

  // The whole file reads cleanly; so do concatenated gzip members.
  options_.strict = true;
  Write(dir_ + "/data/events.jsonl.gz", gz + Gzip(Track(5000)));
  Result whole = Ingest(options_);
  EXPECT_TRUE(whole.error.empty()) << whole.error;
  EXPECT_EQ(whole.stats.events, 2001u);
  EXPECT_TRUE(whole.warnings.empty());
}

TEST_F(Hostile, CorruptOrNonGzipDataIsNeverReadSilently) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += Track(i);
  std::string gz = Gzip(text);
  // A flipped byte in the middle, trailing garbage, and plain text named .gz.
  std::string flipped = gz;
  flipped[gz.size() / 2] ^= 0x55;
  for (const std::string& bytes : {flipped, gz + "garbage", text, std::string()}) {
    Write(dir_ + "/data/events.jsonl.gz", bytes);
    Result r = Ingest(options_);
    EXPECT_TRUE(r.error.empty()) << r.error;
    EXPECT_EQ(r.stats.bad.at("truncated-gzip"), 1u);
    EXPECT_EQ(r.warnings.size(), 1u);
    EXPECT_EQ(r.stats.lines, r.stats.events + r.stats.Bad());
  }
}

// ------------------------------------------------- property-name explosion

// Peak RSS (KiB) of a child process that ingests through the cache; the
// child exits 0 when the ingest succeeded.
long IngestPeakKiB(const Options& options, const std::string& cache) {
  pid_t pid = ::fork();
  if (pid == 0) {
    Result r = IngestCached(options, cache);
    ::_exit(r.error.empty() ? 0 : 3);
  }
  int status = 0;
  struct rusage ru {};
  if (::wait4(pid, &status, 0, &ru) != pid) return -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -2;
  return ru.ru_maxrss;
}

struct Explosion {
  const char* what;
  std::string (*line)(int i);
};

TEST_F(Hostile, PropertyNameExplosionIsLinearInMemoryAndCache) {
  const Explosion cases[] = {
      // Each event its own property name, one event type (the issue's case).
      {"one type",
       [](int i) {
         return R"({"type":"track","event":"Order Completed","userId":"u)" +
                std::to_string(i % 500) + R"(",)" + kTs + R"(,"properties":{"sku_)" +
                std::to_string(i) + R"(":1,"revenue":10.5}})" + "\n";
       }},
      // Each event its own name, spread over event types (all accepted).
      {"many types",
       [](int i) {
         return R"({"type":"track","event":"E)" + std::to_string(i % 40) + R"(","userId":"u)" +
                std::to_string(i % 500) + R"(",)" + kTs + R"(,"properties":{"k)" +
                std::to_string(i) + R"(":")" + std::to_string(i) + R"("}})" + "\n";
       }},
      // Many short names per line: the most columns per input byte.
      {"wide lines",
       [](int i) {
         std::string props;
         for (int k = 0; k < 200; ++k) {
           if (k) props.push_back(',');
           props.push_back('"');
           props.append(std::to_string(i * 200 + k));
           props.append("\":1");
         }
         return R"({"type":"track","event":"W)" + std::to_string(i % 64) + R"(","userId":"u",)" +
                kTs + R"(,"properties":{)" + props + "}}\n";
       }},
  };
  for (const Explosion& c : cases) {
    SCOPED_TRACE(c.what);
    std::string text;
    for (int i = 0; text.size() < (size_t{2} << 20); ++i) text += c.line(i);
    Write(dir_ + "/data/events.jsonl", text);
    const std::string cache = dir_ + "/.aud/cache/events.store";
    fs::remove(cache);
    long kib = IngestPeakKiB(options_, cache);
    ASSERT_GT(kib, 0);
    EXPECT_LT(kib, 300 * 1024) << "peak RSS " << kib << " KiB for " << text.size() << " bytes";
    ASSERT_TRUE(fs::exists(cache));
    std::printf("%s: %zu input bytes, peak RSS %ld KiB, cache %ju bytes\n", c.what, text.size(),
                kib, static_cast<uintmax_t>(fs::file_size(cache)));
    EXPECT_LT(fs::file_size(cache), 20 * text.size())
        << "cache " << fs::file_size(cache) << " bytes for " << text.size() << " bytes";
  }
}

TEST_F(Hostile, PerTypeLimitOnPropertyNames) {
  std::string text;
  // kMaxPropertyNames names on type A, two per line.
  for (size_t i = 0; i < store::kMaxPropertyNames; i += 2) {
    text += R"({"type":"track","event":"A","userId":"u",)" + std::string(kTs) +
            R"(,"properties":{"p)" + std::to_string(i) + R"(":1,"p)" + std::to_string(i + 1) +
            R"(":2}})" + "\n";
  }
  // A new name on A is refused; known names and other types are fine.
  text += R"({"type":"track","event":"A","userId":"u",)" + std::string(kTs) +
          R"(,"properties":{"p0":3,"fresh":1}})" + "\n";
  text += R"({"type":"track","event":"A","userId":"u",)" + std::string(kTs) +
          R"(,"properties":{"p0":3,"p9999":4,"gone":null}})" + "\n";
  text += R"({"type":"track","event":"B","userId":"u",)" + std::string(kTs) +
          R"(,"properties":{"fresh":1}})" + "\n";
  Write(dir_ + "/data/events.jsonl", text);
  Result r = Ingest(options_);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.stats.bad, (std::map<std::string, uint64_t>{{"too-many-property-names", 1}}));
  EXPECT_EQ(r.stats.events, store::kMaxPropertyNames / 2 + 2);
  std::vector<std::string> q = Lines(QuarantineOf("events.jsonl"));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_NE(q[0].find(R"("line":5001,"reason":"too-many-property-names")"), std::string::npos)
      << q[0];
}

TEST_F(Hostile, SparseColumnsReadLikeDenseOnesAndSurviveTheCache) {
  std::string text;
  for (int i = 0; i < 400; ++i) {
    std::string props = R"("revenue":)" + std::to_string(i);
    if (i % 50 == 7) props += R"(,"coupon":"C)" + std::to_string(i) + R"(")";
    if (i % 100 == 3) props += R"(,"gift":true)";
    text += R"({"type":"track","event":"O","userId":"u)" + std::to_string(i % 13) + R"(",)" +
            R"("timestamp":"2026-01-01T00:00:)" + (i % 60 < 10 ? "0" : "") +
            std::to_string(i % 60) + R"(Z","properties":{)" + props + "}}\n";
  }
  Write(dir_ + "/data/events.jsonl", text);
  Result r = Ingest(options_);
  ASSERT_TRUE(r.error.empty()) << r.error;
  const store::EventStore& s = r.store;
  const store::EventType& t = s.types[0];
  const store::Column* revenue = t.Find(s.dict.Find("revenue"), store::ValueKind::Int);
  const store::Column* coupon = t.Find(s.dict.Find("coupon"), store::ValueKind::String);
  const store::Column* gift = t.Find(s.dict.Find("gift"), store::ValueKind::Bool);
  ASSERT_TRUE(revenue && coupon && gift);
  EXPECT_FALSE(revenue->sparse);
  EXPECT_TRUE(coupon->sparse);
  EXPECT_TRUE(gift->sparse);
  EXPECT_EQ(coupon->Present(), 8u);
  EXPECT_EQ(gift->Present(), 4u);
  // Every event's coupon, through the sparse column and its dense copy.
  store::Column dense = coupon->Dense(t.rows);
  size_t seen = 0;
  for (size_t e = 0; e < s.num_events(); ++e) {
    const uint32_t row = s.row[e];
    const int64_t rev = revenue->ints[revenue->Index(row)];
    const int64_t k = coupon->Index(row);
    EXPECT_EQ(k >= 0, rev % 50 == 7);
    EXPECT_EQ(dense.Index(row) >= 0, k >= 0);
    if (k < 0) continue;
    ++seen;
    EXPECT_EQ(s.dict.Get(coupon->codes[k]), "C" + std::to_string(rev));
    EXPECT_EQ(dense.codes[row], coupon->codes[k]);
  }
  EXPECT_EQ(seen, 8u);
  // The cache keeps the layout exactly.
  const std::string cache = dir_ + "/c.store";
  ASSERT_TRUE(store::SaveStore(s, cache, 42));
  std::string why;
  auto loaded = store::LoadStore(cache, 42, &why);
  ASSERT_TRUE(loaded) << why;
  EXPECT_TRUE(*loaded == s);
  // A sparse column with its rows out of order is refused.
  store::EventStore broken = s;
  for (store::Column& c : broken.types[0].columns)
    if (c.sparse) std::swap(c.rows.Own()[0], c.rows.Own()[1]);
  EXPECT_FALSE(store::ValidateStore(broken));
}

TEST_F(Hostile, ManyPropertiesOnOneLineAreNotQuadratic) {
  // 100,000 distinct names on one line (under the line limit): quarantined
  // by the per-type limit, in well under a second (was pairwise).
  std::string props;
  for (int k = 0; k < 100000; ++k) props += (k ? ",\"" : "\"") + std::to_string(k) + "\":1";
  std::string text = R"({"type":"track","event":"A","userId":"u",)" + std::string(kTs) +
                     R"(,"properties":{)" + props + "}}\n";
  ASSERT_LT(text.size(), options_.max_line_bytes);
  Write(dir_ + "/data/events.jsonl", text);
  auto t0 = std::chrono::steady_clock::now();
  Result r = Ingest(options_);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.stats.bad, (std::map<std::string, uint64_t>{{"too-many-property-names", 1}}));
  EXPECT_LT(secs, 5.0);
}

// ------------------------------------------------------------ quarantine

TEST_F(Hostile, ConcurrentIngestsWriteEachQuarantineOnce) {
  std::string text;
  for (int i = 0; i < 30000; ++i) text += "bad line " + std::to_string(i) + "\n";
  Write(dir_ + "/data/events.jsonl", text);
  for (int round = 0; round < 3; ++round) {
    int go[2];
    ASSERT_EQ(::pipe(go), 0);
    std::vector<pid_t> kids;
    for (int k = 0; k < 2; ++k) {
      pid_t pid = ::fork();
      if (pid == 0) {
        char c;
        ::close(go[1]);
        if (::read(go[0], &c, 1) != 0) ::_exit(4);  // wait for the start
        Result r = Ingest(options_);
        ::_exit(r.stats.Bad() == 30000 ? 0 : 3);
      }
      kids.push_back(pid);
    }
    ::close(go[0]);
    ::close(go[1]);  // both start now
    for (pid_t pid : kids) {
      int status = 0;
      ASSERT_EQ(::waitpid(pid, &status, 0), pid);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    std::vector<std::string> q = Lines(QuarantineOf("events.jsonl"));
    ASSERT_EQ(q.size(), 30000u) << "round " << round;
    EXPECT_NE(q[29999].find(R"("line":30000,)"), std::string::npos);
  }
  // Nothing else is left in the folder, and the file is private.
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(options_.quarantine_dir))
    names.push_back(e.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"events.jsonl.jsonl"});
  struct stat st;
  ASSERT_EQ(::stat((options_.quarantine_dir + "/events.jsonl.jsonl").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(Hostile, QuarantineOfARemovedSourceIsRemoved) {
  Write(dir_ + "/data/a.jsonl", "oops a\n" + Track(1));
  Write(dir_ + "/data/b.jsonl", "oops b\n");
  Write(dir_ + "/data/sub/b.jsonl", "oops sub\n");  // same name in another folder
  options_.globs = {"data/*.jsonl", "data/sub/*.jsonl"};
  const std::string cache = dir_ + "/.aud/cache/events.store";
  Result r = IngestCached(options_, cache);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_NE(QuarantineOf("a.jsonl").find("oops a"), std::string::npos);
  EXPECT_NE(QuarantineOf("data__b.jsonl").find("oops b"), std::string::npos);
  EXPECT_NE(QuarantineOf("data__sub__b.jsonl").find("oops sub"), std::string::npos);
  fs::remove(dir_ + "/data/b.jsonl");
  fs::remove(dir_ + "/data/sub/b.jsonl");
  r = IngestCached(options_, cache);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_FALSE(fs::exists(options_.quarantine_dir + "/data__b.jsonl.jsonl"));
  EXPECT_FALSE(fs::exists(options_.quarantine_dir + "/data__sub__b.jsonl.jsonl"));
  EXPECT_TRUE(fs::exists(options_.quarantine_dir + "/a.jsonl.jsonl"));
  // A source whose bad lines are fixed loses its quarantine file too.
  Write(dir_ + "/data/a.jsonl", Track(1));
  r = IngestCached(options_, cache);
  EXPECT_FALSE(fs::exists(options_.quarantine_dir + "/a.jsonl.jsonl"));
}

// -------------------------------------------------------------- paths

TEST_F(Hostile, OnlyRegularFilesInsideTheProjectAreSources) {
  Write(dir_ + "/data/a.jsonl", Track(1));
  std::string error;

  // A directory named or matched.
  fs::create_directories(dir_ + "/data/dir.jsonl");
  options_.globs = {"data/*.jsonl"};
  ResolveSources(options_, &error);
  EXPECT_NE(error.find("`data/dir.jsonl` is a directory"), std::string::npos) << error;
  options_.names = {"web"};
  Result r = Ingest(options_);
  EXPECT_EQ(r.error.rfind("source `web`: `data/dir.jsonl` is a directory", 0), 0u) << r.error;
  options_.globs = {"data"};
  error.clear();
  ResolveSources(options_, &error);
  EXPECT_NE(error.find("`data` is a directory; a source names files: use a glob such as "
                       "`data/*.jsonl`"),
            std::string::npos)
      << error;
  fs::remove(dir_ + "/data/dir.jsonl");
  options_.names.clear();

  // A FIFO: refused, never waited on.
  ASSERT_EQ(::mkfifo((dir_ + "/data/pipe.jsonl").c_str(), 0600), 0);
  options_.globs = {"data/*.jsonl"};
  error.clear();
  ResolveSources(options_, &error);
  EXPECT_NE(error.find("`data/pipe.jsonl` is not a regular file"), std::string::npos) << error;
  r = IngestFiles({dir_ + "/data/pipe.jsonl"}, options_);
  EXPECT_NE(r.error.find("is not a regular file"), std::string::npos) << r.error;
  fs::remove(dir_ + "/data/pipe.jsonl");

  // Devices and /proc, also given as absolute paths or through a symlink.
  for (const char* path : {"/dev/zero", "/proc/self/environ"}) {
    SCOPED_TRACE(path);
    options_.globs = {path};
    r = Ingest(options_);
    EXPECT_NE(r.error.find(std::string("`") + path + "`"), std::string::npos) << r.error;
    r = IngestFiles({path}, options_);
    EXPECT_FALSE(r.error.empty());
    EXPECT_EQ(r.stats.bytes, 0u);
  }
  fs::create_symlink("/dev/zero", dir_ + "/data/zero.jsonl");
  options_.globs = {"data/*.jsonl"};
  r = Ingest(options_);
  EXPECT_NE(r.error.find("`data/zero.jsonl` is not a regular file"), std::string::npos) << r.error;
  fs::remove(dir_ + "/data/zero.jsonl");

  // Relative paths stay inside the project (symlinks resolved); absolute
  // ones may point anywhere.
  std::string outside = dir_ + "-outside";
  Write(outside + "/e.jsonl", Track(2));
  options_.globs = {"../" + fs::path(outside).filename().string() + "/*.jsonl"};
  r = Ingest(options_);
  EXPECT_NE(r.error.find("outside the project; a source outside the project must be written as "
                         "an absolute path"),
            std::string::npos)
      << r.error;
  fs::create_symlink(outside + "/e.jsonl", dir_ + "/data/link.jsonl");
  options_.globs = {"data/*.jsonl"};
  r = Ingest(options_);
  EXPECT_NE(r.error.find("`data/link.jsonl` resolves to"), std::string::npos) << r.error;
  fs::remove(dir_ + "/data/link.jsonl");
  options_.globs = {"data/*.jsonl", outside + "/*.jsonl"};
  r = Ingest(options_);
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.stats.events, 2u);
  fs::remove_all(outside);
}

}  // namespace
}  // namespace aud::ingest
