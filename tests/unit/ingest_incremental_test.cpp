// The incremental store and the parallel parse (runtime/ingest, docs/runtime.md
// "The incremental store"): the store, the cache files and every statistic
// are byte-identical at 1, 2 and 4 threads; adding, changing or deleting one
// file parses only that file (counted) and equals a full rebuild, messageId
// deduplication included; a corrupt or torn segment is rebuilt alone; a run
// killed with SIGKILL mid-ingest leaves nothing that changes the next run,
// and the next run removes its temp files;
// bad input keeps accepted + quarantined + duplicates = lines per file.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "runtime/ingest/ingest.h"
#include "runtime/store/cache.h"

namespace aud::ingest {
namespace {

namespace fs = std::filesystem;

void Write(const std::string& path, const std::string& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// `n` lines of every call, with bad and blank lines, nested values, and
// messageIds drawn from a shared pool so that files repeat each other's.
std::string Lines(uint32_t seed, int n) {
  std::mt19937 rng(seed);
  auto pick = [&](int k) { return static_cast<int>(rng() % static_cast<uint32_t>(k)); };
  std::string out;
  for (int i = 0; i < n; ++i) {
    const std::string user = "u" + std::to_string(pick(300));
    const std::string anon = "a" + std::to_string(pick(500));
    const std::string ts =
        "2026-01-0" + std::to_string(1 + pick(9)) + "T0" + std::to_string(pick(10)) + ":00:00Z";
    const std::string mid =
        pick(4) == 0 ? "" : R"("messageId":"m)" + std::to_string(pick(4000)) + R"(",)";
    const int kind = pick(20);
    std::string line;
    if (kind == 0) {
      line = "{broken " + std::to_string(i);
    } else if (kind == 1) {
      line = "   ";
    } else if (kind == 2) {
      line = R"({"type":"identify",)" + mid + R"("userId":")" + user + R"(","anonymousId":")" +
             anon + R"(","timestamp":")" + ts + R"(","traits":{"plan":"p)" +
             std::to_string(pick(3)) + R"(","seats":)" + std::to_string(pick(50)) + "}}";
    } else if (kind == 3) {
      line = R"({"type":"alias",)" + mid + R"("previousId":")" + anon + R"(","userId":")" + user +
             R"(","timestamp":")" + ts + R"("})";
    } else if (kind == 4) {
      line = R"({"type":"group",)" + mid + R"("userId":")" + user + R"(","groupId":"g)" +
             std::to_string(pick(7)) + R"(","timestamp":")" + ts +
             R"(","traits":{"name":"Acme","size":)" + std::to_string(pick(99)) + "}}";
    } else if (kind == 5) {
      line = R"({"type":"page","name":"Home",)" + mid + R"("anonymousId":")" + anon +
             R"(","timestamp":")" + ts + R"(","properties":{"path":"/p)" +
             std::to_string(pick(20)) + R"(","tags":[1,2]}})";
    } else {
      const std::string ids = pick(2) ? R"("userId":")" + user + R"(",)" : "";
      line = R"({"type":"track","event":"E)" + std::to_string(pick(6)) + R"(",)" + mid + ids +
             R"("anonymousId":")" + anon + R"(","timestamp":")" + ts +
             R"(","properties":{"revenue":)" + std::to_string(pick(1000)) + "." +
             std::to_string(pick(100)) + R"(,"sku":"s)" + std::to_string(pick(200)) + R"(","n":)" +
             std::to_string(pick(9)) + R"(,"ok":)" + (pick(2) ? "true" : "false") +
             (pick(10) == 0 ? R"(,"rare)" + std::to_string(pick(30)) + R"(":1)" : "") + "}}";
    }
    out += line + (pick(50) == 0 ? "\r\n" : "\n");
  }
  return out;
}

uint64_t NonBlank(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  uint64_t n = 0;
  while (std::getline(in, line)) n += line.find_first_not_of(" \t\r") != std::string::npos;
  return n;
}

std::string Gzip(const std::string& data, size_t keep = std::string::npos) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (keep < out.size()) out.resize(keep);
  return out;
}

// Every file in `dir` (relative name -> bytes); empty when there is none.
std::map<std::string, std::string> Files(const std::string& dir) {
  std::map<std::string, std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) out[e.path().filename().string()] = Read(e.path().string());
  return out;
}

class Incremental : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "aud_incremental_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    options_.project_dir = dir_;
    options_.globs = {"data/*.jsonl", "data/*.jsonl.gz"};
    options_.quarantine_dir = dir_ + "/.aud/quarantine";
    cache_ = dir_ + "/.aud/cache/events.store";
    Write(dir_ + "/data/a.jsonl", Lines(1, 3000));
    Write(dir_ + "/data/b.jsonl", Lines(2, 2000));
    Write(dir_ + "/data/c.jsonl.gz", Gzip(Lines(3, 2000)));
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result Cached(CacheStatus* st, unsigned threads = 2, size_t batch_bytes = 0) {
    Options o = options_;
    o.threads = threads;
    o.batch_bytes = batch_bytes;
    return IngestCached(o, cache_, st);
  }
  // A full rebuild: no cache, into its own quarantine folder.
  Result Full(std::map<std::string, std::string>* quarantine = nullptr) {
    Options o = options_;
    o.threads = 1;
    o.quarantine_dir = dir_ + "/full-quarantine";
    fs::remove_all(o.quarantine_dir);
    Result r = Ingest(o);
    if (quarantine) *quarantine = Files(o.quarantine_dir);
    return r;
  }

  std::string dir_, cache_;
  Options options_;
};

// Everything a result holds, as bytes: the store as the cache writes it,
// the statistics, the files and the per-file statistics.
std::string Bytes(const Result& r, const std::string& scratch) {
  std::string err;
  EXPECT_TRUE(store::SaveStore(r.store, scratch, 1, {}, &err)) << err;
  std::string out = Read(scratch);
  const Stats& s = r.stats;
  for (uint64_t v : {s.lines, s.events, s.identifies, s.aliases, s.groups, s.duplicates, s.bytes,
                     s.blank_lines, s.nested_values, s.files})
    out += std::to_string(v) + ",";
  for (const auto& [k, v] : s.bad) out += k + "=" + std::to_string(v) + ",";
  for (const auto& [k, v] : s.event_types) out += k + "=" + std::to_string(v) + ",";
  for (const auto& t : s.truncated_gzip) out += t + ";";
  for (const auto& f : r.files) out += f + ";";
  for (const FileStats& f : r.file_stats)
    out += f.file + ":" + std::to_string(f.lines) + "/" + std::to_string(f.accepted) + "/" +
           std::to_string(f.quarantined) + "/" + std::to_string(f.duplicates) + ";";
  out += r.error;
  return out;
}

void ExpectPerFileSums(const Result& r) {
  ASSERT_EQ(r.file_stats.size(), r.files.size());
  uint64_t lines = 0;
  for (const FileStats& f : r.file_stats) {
    EXPECT_EQ(f.lines, f.accepted + f.quarantined + f.duplicates) << f.file;
    lines += f.lines;
  }
  EXPECT_EQ(lines, r.stats.lines);
}

TEST_F(Incremental, ThreadCountsGiveByteIdenticalStoresAndFiles) {
  // Big enough for several 4 MiB batches in one file.
  Write(dir_ + "/data/big.jsonl", Lines(9, 40000));
  std::string reference;
  std::map<std::string, std::string> ref_segments, ref_quarantine;
  std::string ref_store;
  // (threads, batch bytes): the last two cut the files into batches of
  // max_line_bytes + 1 (about ten in the big file), parsed in parallel.
  const std::pair<unsigned, size_t> runs[] = {{1, 0}, {2, 0}, {4, 0}, {4, 1}, {3, 1}};
  for (const auto& [threads, batch] : runs) {
    SCOPED_TRACE(std::to_string(threads) + " threads, batch " + std::to_string(batch));
    fs::remove_all(dir_ + "/.aud");
    CacheStatus st;
    Result r = Cached(&st, threads, batch);
    ASSERT_TRUE(r.error.empty()) << r.error;
    EXPECT_EQ(st.files_parsed, 4u);
    ExpectPerFileSums(r);
    const std::string bytes = Bytes(r, dir_ + "/scratch.store");
    const auto segments = Files(SegmentDir(cache_));
    const auto quarantine = Files(options_.quarantine_dir);
    const std::string cache = Read(cache_);
    Options o = options_;
    o.threads = threads;
    o.batch_bytes = batch;
    o.quarantine_dir = dir_ + "/q-uncached";
    EXPECT_EQ(Bytes(IngestFiles(r.files, o), dir_ + "/scratch.store"), bytes);
    if (reference.empty()) {
      reference = bytes;
      ref_segments = segments;
      ref_quarantine = quarantine;
      ref_store = cache;
      EXPECT_EQ(segments.size(), 5u);  // four segments and the manifest
      EXPECT_FALSE(quarantine.empty());
      continue;
    }
    EXPECT_TRUE(bytes == reference);
    // (Segments hold one block per batch: the same for the same batch size.)
    if (batch == 0) EXPECT_TRUE(segments == ref_segments);
    EXPECT_TRUE(quarantine == ref_quarantine);
    EXPECT_TRUE(cache == ref_store);
  }
}

TEST_F(Incremental, AddChangeDeleteParsesOnlyThatFileAndEqualsAFullRebuild) {
  CacheStatus st;
  Result cold = Cached(&st);
  ASSERT_TRUE(cold.error.empty()) << cold.error;
  EXPECT_EQ(st.files_parsed, 3u);
  EXPECT_EQ(st.files_reused, 0u);
  ExpectPerFileSums(cold);
  std::map<std::string, std::string> q;
  EXPECT_EQ(Bytes(cold, dir_ + "/s1"), Bytes(Full(&q), dir_ + "/s2"));
  EXPECT_TRUE(Files(options_.quarantine_dir) == q);

  auto check = [&](uint64_t parsed, uint64_t reused, uint64_t dropped, const char* what) -> Result {
    SCOPED_TRACE(what);
    CacheStatus s;
    Result r = Cached(&s);
    EXPECT_TRUE(r.error.empty()) << r.error;
    EXPECT_FALSE(s.hit);
    EXPECT_EQ(s.files_parsed, parsed);
    EXPECT_EQ(s.files_reused, reused);
    EXPECT_EQ(s.segments_dropped, dropped);
    ExpectPerFileSums(r);
    std::map<std::string, std::string> fq;
    EXPECT_EQ(Bytes(r, dir_ + "/s1"), Bytes(Full(&fq), dir_ + "/s2"));
    EXPECT_TRUE(Files(options_.quarantine_dir) == fq);
    // Then a warm run: the merged store, nothing parsed, the same result.
    CacheStatus w;
    Result warm = Cached(&w);
    EXPECT_TRUE(w.hit);
    EXPECT_EQ(w.files_parsed, 0u);
    EXPECT_EQ(Bytes(warm, dir_ + "/s1"), Bytes(r, dir_ + "/s2"));
    return r;
  };
  // A new file that repeats messageIds of the earlier ones (deduplicated).
  Write(dir_ + "/data/d.jsonl", Lines(1, 500) + Lines(4, 500));
  Result added = check(1, 3, 0, "add");
  EXPECT_GE(added.file_stats[3].duplicates, 300u);
  // A changed file.
  Write(dir_ + "/data/b.jsonl", Lines(2, 2000) + Lines(5, 10));
  check(1, 3, 1, "change");
  // A deleted file: its segment goes, and lines of later files it
  // deduplicated are accepted again.
  fs::remove(dir_ + "/data/a.jsonl");
  Result deleted = check(0, 3, 1, "delete");
  EXPECT_LT(deleted.file_stats[2].duplicates, added.file_stats[3].duplicates);
  EXPECT_EQ(Files(SegmentDir(cache_)).size(), 4u);  // three segments and the manifest
}

// The segment of a file whose name ends in `suffix`, via the manifest.
std::string SegmentOf(const std::string& cache, const std::string& suffix) {
  std::istringstream in(Read(SegmentDir(cache) + "/manifest"));
  std::string name, file;
  while (in >> name >> file) {
    if (file.size() >= suffix.size() + 1 &&
        file.compare(file.size() - suffix.size() - 1, suffix.size(), suffix) == 0)
      return SegmentDir(cache) + "/" + name;
  }
  return "";
}

TEST_F(Incremental, CorruptOrTornSegmentIsRebuiltAlone) {
  CacheStatus st;
  Result cold = Cached(&st);
  ASSERT_TRUE(cold.error.empty());
  const std::string seg = SegmentOf(cache_, "b.jsonl");
  ASSERT_FALSE(seg.empty());
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    std::string bytes = Read(seg);
    ASSERT_GT(bytes.size(), 1000u);
    if (round == 0) bytes[bytes.size() / 2] ^= 0x20;  // a flipped bit
    if (round == 1) bytes.resize(bytes.size() - 7);   // torn
    if (round == 2) bytes[20] ^= 1;                   // the header
    Write(seg, bytes);
    fs::remove(cache_);  // (else the merged store answers)
    CacheStatus s;
    Result r = Cached(&s);
    ASSERT_TRUE(r.error.empty()) << r.error;
    EXPECT_EQ(s.segments_rebuilt, 1u);
    EXPECT_EQ(s.files_parsed, 1u);
    EXPECT_EQ(s.files_reused, 2u);
    EXPECT_TRUE(r.file_stats[1].parsed);
    EXPECT_FALSE(r.file_stats[0].parsed);
    EXPECT_EQ(Bytes(r, dir_ + "/s1"), Bytes(cold, dir_ + "/s2"));
  }
}

TEST_F(Incremental, SigkillDuringAnIncrementalIngestThenARunEqualsACleanRebuild) {
  CacheStatus st;
  ASSERT_TRUE(Cached(&st).error.empty());
  int killed = 0;
  for (int delay_us : {0, 2000, 8000, 20000, 50000, 120000}) {
    SCOPED_TRACE(delay_us);
    // New and changed files: segments and the store being written.
    Write(dir_ + "/data/e.jsonl", Lines(static_cast<uint32_t>(100 + delay_us), 30000));
    Write(dir_ + "/data/b.jsonl", Lines(static_cast<uint32_t>(200 + delay_us), 2000));
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      CacheStatus s;
      Options o = options_;
      o.threads = 2;
      IngestCached(o, cache_, &s);
      ::_exit(0);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) ++killed;
    CacheStatus s;
    Result r = Cached(&s);
    ASSERT_TRUE(r.error.empty()) << r.error;
    ExpectPerFileSums(r);
    std::map<std::string, std::string> fq;
    EXPECT_EQ(Bytes(r, dir_ + "/s1"), Bytes(Full(&fq), dir_ + "/s2"));
    EXPECT_TRUE(Files(options_.quarantine_dir) == fq);
    // The killed run's temp files (quarantine, segments, store) are gone:
    // they hold users' data.
    for (const auto& e : fs::recursive_directory_iterator(dir_ + "/.aud")) {
      const std::string name = e.path().filename().string();
      EXPECT_TRUE(name.find(".tmp.") == std::string::npos && name.rfind(".q-", 0) != 0) << e.path();
    }
  }
  EXPECT_GE(killed, 3);  // most runs were killed mid-way
}

TEST_F(Incremental, AFileThatChangesWhileReadIsReadAsOpenedAndARewriteIsNamed) {
  // The progress callback runs between reads: the first time it sees
  // b.jsonl part read, it changes it with `change`.
  const std::string b = dir_ + "/data/b.jsonl";
  const uint64_t before = NonBlank(Lines(2, 2000));
  auto run = [&](const std::function<void()>& change, CacheStatus* st) {
    bool changed = false;
    Options o = options_;
    o.threads = 2;
    o.batch_bytes = 16 << 10;
    const uint64_t a_bytes = fs::file_size(dir_ + "/data/a.jsonl");
    o.progress = [&](uint64_t done, uint64_t, uint64_t) {
      if (!changed && done > a_bytes + 1000) {  // a.jsonl is read first, then b.jsonl
        change();
        changed = true;
      }
    };
    Result r = IngestCached(o, cache_, st);
    EXPECT_TRUE(changed);
    EXPECT_TRUE(r.error.empty()) << r.error;
    ExpectPerFileSums(r);
    return r;
  };
  auto warned = [](const Result& r) {
    for (const std::string& w : r.warnings)
      if (w.find("`data/b.jsonl` changed while it was read") != std::string::npos) return true;
    return false;
  };
  // Appended to (a log being written): the lines it had when opened, no
  // warning; the next run reads the rest.
  CacheStatus st;
  Result grown = run(
      [&] {
        std::ofstream out(b, std::ios::binary | std::ios::app);
        out << Lines(9, 50);
      },
      &st);
  EXPECT_EQ(grown.file_stats[1].lines, before);
  EXPECT_FALSE(warned(grown));
  CacheStatus next;
  Result again = Cached(&next);
  EXPECT_EQ(next.files_parsed, 1u);
  EXPECT_EQ(again.file_stats[1].lines, before + NonBlank(Lines(9, 50)));
  EXPECT_EQ(Bytes(again, dir_ + "/s1"), Bytes(Full(), dir_ + "/s2"));
  // Rewritten in place, shorter: what was read is kept (its file's sums
  // hold), the file is named, nothing of it is cached, and the next run
  // reads it as it is now and equals a full rebuild.
  fs::remove_all(dir_ + "/.aud/cache");  // so that every file is read again
  Result rewritten = run([&] { Write(b, Lines(10, 20)); }, &st);
  EXPECT_TRUE(warned(rewritten));
  CacheStatus after;
  Result fresh = Cached(&after);
  EXPECT_FALSE(after.hit);
  EXPECT_EQ(after.files_parsed, 1u);  // b.jsonl, whose segment was not kept
  EXPECT_EQ(after.files_reused, 2u);
  EXPECT_FALSE(warned(fresh));
  EXPECT_EQ(fresh.file_stats[1].lines, NonBlank(Lines(10, 20)));
  EXPECT_EQ(Bytes(fresh, dir_ + "/s1"), Bytes(Full(), dir_ + "/s2"));
}

TEST_F(Incremental, CacheFilesAreOwnerOnly) {
  CacheStatus st;
  ASSERT_TRUE(Cached(&st).error.empty());
  struct stat sb;
  ASSERT_EQ(::stat(SegmentDir(cache_).c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((dir_ + "/.aud/cache").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat(cache_.c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u);
  for (const auto& e : fs::directory_iterator(SegmentDir(cache_))) {
    ASSERT_EQ(::stat(e.path().c_str(), &sb), 0);
    EXPECT_EQ(sb.st_mode & 0777, 0600u) << e.path();
  }
}

TEST_F(Incremental, BadInputIsQuarantinedPerFileOrNamedInTheError) {
  // A truncated .gz, a NUL byte, a line far over the limit across batches.
  options_.max_line_bytes = 1 << 20;
  Write(dir_ + "/data/t.jsonl.gz", Gzip(Lines(6, 4000), 9000));
  std::string nul = Lines(7, 50);
  nul.insert(nul.find("track"), std::string("\0", 1));
  Write(dir_ + "/data/n.jsonl", nul);
  std::string long_line = Lines(8, 5) + R"({"type":"track","event":")" + std::string(9 << 20, 'x') +
                          "\"}\n" + Lines(8, 5);
  Write(dir_ + "/data/l.jsonl", long_line);
  for (unsigned threads : {1u, 3u}) {
    SCOPED_TRACE(threads);
    fs::remove_all(dir_ + "/.aud");
    CacheStatus st;
    Result r = Cached(&st, threads);
    ASSERT_TRUE(r.error.empty()) << r.error;
    ExpectPerFileSums(r);
    ASSERT_EQ(r.stats.truncated_gzip.size(), 1u);
    EXPECT_NE(r.stats.truncated_gzip[0].find("data/t.jsonl.gz"), std::string::npos);
    EXPECT_EQ(r.stats.bad.at("line-too-long"), 1u);
    std::map<std::string, FileStats> by;
    for (const FileStats& f : r.file_stats) by[f.file] = f;
    EXPECT_EQ(by.at("data/l.jsonl").lines, 1 + 2 * NonBlank(Lines(8, 5)));  // neighbours kept
    EXPECT_GE(by.at("data/n.jsonl").quarantined, 1u);
    const std::string q = Read(options_.quarantine_dir + "/l.jsonl.jsonl");
    EXPECT_NE(q.find("\"reason\":\"line-too-long\""), std::string::npos);
    EXPECT_NE(q.find("\"truncated\":true"), std::string::npos);
    EXPECT_LT(q.size(), 64u << 10);
  }
  // A file gone between listing and reading: an error naming it.
  Options o = options_;
  Result gone = IngestFiles({dir_ + "/data/a.jsonl", dir_ + "/data/gone.jsonl"}, o);
  EXPECT_NE(gone.error.find("`data/gone.jsonl`"), std::string::npos) << gone.error;
  // A bad AUD_THREADS names the variable.
  ::setenv("AUD_THREADS", "two", 1);
  CacheStatus st;
  Result bad = Cached(&st, 0);
  ::unsetenv("AUD_THREADS");
  EXPECT_NE(bad.error.find("`AUD_THREADS`"), std::string::npos) << bad.error;
}

}  // namespace
}  // namespace aud::ingest
