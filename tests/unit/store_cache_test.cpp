// The store cache (runtime/store/cache.h): a round trip gives an equal store
// and its meta blob; a missing, truncated, corrupt (flipped byte),
// foreign-version, foreign or stale file is refused with its reason; the
// fingerprint follows path, size, mtime and content.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "runtime/store/builder.h"
#include "runtime/store/cache.h"
#include "runtime/store/hash.h"

namespace aud::store {
namespace {

namespace fs = std::filesystem;

std::string TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "aud_store_cache_XXXXXX").string();
  char* d = ::mkdtemp(tmpl.data());
  EXPECT_NE(d, nullptr);
  return tmpl;
}

// A store with every kind of content: types, all column kinds, nodes,
// links (one alias with a finite `until`), traits, meta.
EventStore SampleStore() {
  StoreBuilder b;
  uint64_t order = 0;
  uint16_t page = 0, order_completed = 0;
  EXPECT_TRUE(b.TypeIndex("page", &page));
  EXPECT_TRUE(b.TrackType("Order Completed", &order_completed));
  for (int i = 0; i < 300; ++i) {
    std::string user = i % 3 ? "user-" + std::to_string(i % 17) : "";
    std::string anon = "anon-" + std::to_string(i % 23);
    std::vector<InputValue> props(4);
    props[0].name = "revenue";
    props[0].kind = i % 2 ? ValueKind::Float : ValueKind::Int;
    props[0].f = i * 1.25;
    props[0].i = i;
    props[1].name = "currency";
    props[1].kind = ValueKind::String;
    std::string cur = i % 5 ? "SEK" : "a longer string value than SSO";
    props[1].s = cur;
    props[2].name = "gift";
    props[2].kind = ValueKind::Bool;
    props[2].b = i % 7 == 0;
    props[3].name = "skipped";
    props[3].is_null = true;
    int64_t ts = 1767225600000LL + (i * 7919 % 1000) * 60000LL;
    b.AddEvent(i % 4 ? order_completed : page, ts, ++order, user, anon, props.data(),
               i % 3 == 0 ? 1 : props.size());
    if (i % 10 == 0) {
      std::vector<InputValue> traits(2);
      traits[0].name = "email";
      traits[0].kind = ValueKind::String;
      traits[0].s = "x@example.com";
      traits[1].name = "opt_in";
      traits[1].kind = ValueKind::Bool;
      traits[1].b = true;
      b.AddIdentify(ts, ++order, user, anon, traits.data(), traits.size());
    }
  }
  b.AddAlias(1767225600000LL, ++order, "late-user", "user-1", "");
  // `group` calls: one with traits (a null kept), one without.
  {
    std::vector<InputValue> traits(2);
    traits[0].name = "plan";
    traits[0].kind = ValueKind::String;
    traits[0].s = "enterprise";
    traits[1].name = "seats";
    traits[1].is_null = true;
    b.AddGroup(1767225600000LL, ++order, "user-1", "anon-9", "acme", traits.data(), traits.size());
    b.AddGroup(1767225600001LL, ++order, "", "anon-10", "globex", nullptr, 0);
  }
  uint16_t t = 0;
  EXPECT_TRUE(b.TypeIndex("screen", &t));
  b.AddEvent(t, 1767225600000LL + 86400000LL * 3, ++order, "late-user", "", nullptr, 0);
  EventStore s = b.Finish();
  std::string why;
  EXPECT_TRUE(ValidateStore(s, &why)) << why;
  return s;
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void Write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string Reason(const std::string& path, uint64_t fp) {
  std::string reason;
  std::optional<EventStore> s = LoadStore(path, fp, &reason);
  EXPECT_FALSE(s.has_value());
  return reason;
}

class StoreCache : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir();
    path_ = dir_ + "/cache/events.store";
    store_ = SampleStore();
    ASSERT_TRUE(SaveStore(store_, path_, kFp, "meta-bytes", &error_)) << error_;
    bytes_ = Read(path_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static constexpr uint64_t kFp = 0x1234567890abcdefULL;
  std::string dir_, path_, error_, bytes_;
  EventStore store_;
};

TEST_F(StoreCache, RoundTripGivesAnEqualStore) {
  std::string reason, meta;
  std::optional<EventStore> s = LoadStore(path_, kFp, &reason, &meta);
  ASSERT_TRUE(s.has_value()) << reason;
  EXPECT_EQ(reason, "");
  EXPECT_EQ(meta, "meta-bytes");
  EXPECT_TRUE(*s == store_);
  ASSERT_EQ(s->groups.size(), 2u);
  EXPECT_EQ(s->dict.Get(s->groups[0].group), "acme");
  EXPECT_EQ(s->groups[0].traits_end - s->groups[0].traits_begin, 2u);
  EXPECT_EQ(s->group_traits.size(), 2u);
  // The dictionary index works after loading.
  EXPECT_EQ(s->dict.Find("SEK"), store_.dict.Find("SEK"));
  EXPECT_EQ(s->dict.Find("never interned"), UINT32_MAX);
  // Saving the loaded store gives the same bytes (the format is deterministic).
  ASSERT_TRUE(SaveStore(*s, path_ + ".2", kFp, "meta-bytes"));
  EXPECT_EQ(Read(path_ + ".2"), bytes_);
  // An empty store too.
  ASSERT_TRUE(SaveStore(StoreBuilder().Finish(), path_, 7));
  s = LoadStore(path_, 7, &reason);
  ASSERT_TRUE(s.has_value()) << reason;
  EXPECT_EQ(s->num_events(), 0u);
}

TEST_F(StoreCache, MissingFile) { EXPECT_EQ(Reason(dir_ + "/nope", kFp), "missing"); }

TEST_F(StoreCache, StaleFingerprint) { EXPECT_EQ(Reason(path_, kFp + 1), "stale"); }

TEST_F(StoreCache, TruncatedAnywhere) {
  for (size_t cut : {size_t{0}, size_t{5}, size_t{8}, size_t{47}, size_t{48}, size_t{100},
                     bytes_.size() / 2, bytes_.size() - 1}) {
    Write(path_, bytes_.substr(0, cut));
    std::string reason = Reason(path_, kFp);
    EXPECT_EQ(reason, "truncated") << "cut at " << cut;
  }
}

TEST_F(StoreCache, FlippedByteIsCorrupt) {
  // Every byte after the magic and version fields (a flip there is a foreign
  // file or another version), sampled.
  for (size_t pos = 16; pos < bytes_.size(); pos += 1 + pos / 7) {
    std::string b = bytes_;
    b[pos] = static_cast<char>(b[pos] ^ 0x20);
    Write(path_, b);
    EXPECT_EQ(Reason(path_, kFp), "corrupt") << "byte " << pos;
  }
  std::string b = bytes_ + "x";  // trailing bytes
  Write(path_, b);
  EXPECT_EQ(Reason(path_, kFp), "corrupt");
}

TEST_F(StoreCache, OtherFormatVersion) {
  std::string b = bytes_;
  uint32_t v = kCacheFormatVersion + 1;
  std::memcpy(&b[12], &v, 4);
  Write(path_, b);
  EXPECT_EQ(Reason(path_, kFp), "version");
}

TEST_F(StoreCache, ForeignFile) {
  Write(path_, "{\"type\":\"track\"}\n");
  EXPECT_EQ(Reason(path_, kFp), "foreign-file");
  std::string b = bytes_;
  b[0] = 'X';
  Write(path_, b);
  EXPECT_EQ(Reason(path_, kFp), "foreign-file");
}

TEST_F(StoreCache, RewriteReplacesAtomically) {
  // No temp file is left behind and the new content replaces the old.
  ASSERT_TRUE(SaveStore(store_, path_, kFp + 1, "other"));
  std::string meta, reason;
  ASSERT_TRUE(LoadStore(path_, kFp + 1, &reason, &meta).has_value()) << reason;
  EXPECT_EQ(meta, "other");
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir_ + "/cache")) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST_F(StoreCache, UnwritableTargetFails) {
  std::string error;
  EXPECT_FALSE(SaveStore(store_, dir_ + "/no-such-dir-file/x/../../cache/events.store/sub", kFp, {},
                         &error));
  EXPECT_FALSE(error.empty());
}

TEST(StoreFingerprint, FollowsPathSizeMtimeAndContent) {
  std::string dir = TempDir();
  std::string a = dir + "/a.jsonl", b = dir + "/b.jsonl";
  Write(a, std::string(200000, 'x'));
  Write(b, "hello\n");
  uint64_t f1 = Fingerprint({a, b});
  EXPECT_EQ(Fingerprint({a, b}), f1);
  EXPECT_NE(Fingerprint({b, a}), f1);
  EXPECT_NE(Fingerprint({a}), f1);
  EXPECT_NE(Fingerprint({a, b}, 1), f1);
  EXPECT_NE(Fingerprint({a, b, dir + "/missing"}), f1);
  // Same size and mtime, different content in the last 64 KiB.
  struct stat st;
  ASSERT_EQ(::stat(a.c_str(), &st), 0);
  std::string content(200000, 'x');
  content[199000] = 'y';
  Write(a, content);
  timespec times[2] = {st.st_atim, st.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, a.c_str(), times, 0), 0);
  EXPECT_NE(Fingerprint({a, b}), f1);
  // Same content, new mtime.
  content[199000] = 'x';
  Write(a, content);
  ASSERT_EQ(::utimensat(AT_FDCWD, a.c_str(), times, 0), 0);
  EXPECT_EQ(Fingerprint({a, b}), f1);
  timespec later[2] = {st.st_atim, {st.st_mtim.tv_sec + 10, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, a.c_str(), later, 0), 0);
  EXPECT_NE(Fingerprint({a, b}), f1);
  fs::remove_all(dir);
}

TEST(StoreValidate, CatchesBrokenInvariants) {
  EventStore s = SampleStore();
  EXPECT_TRUE(ValidateStore(s));
  EventStore t = s;
  t.row[0] = 1000000;
  EXPECT_FALSE(ValidateStore(t));
  t = s;
  t.component_event_offsets.back() += 1;
  EXPECT_FALSE(ValidateStore(t));
  t = s;
  t.types[0].columns[0].valid.push_back(0);
  EXPECT_FALSE(ValidateStore(t));
  t = s;
  std::swap(t.ts[0], t.ts[t.component_event_offsets[1] - 1]);
  if (t.ts[0] != s.ts[0]) {
    EXPECT_FALSE(ValidateStore(t));
  }
}

}  // namespace
}  // namespace aud::store

namespace aud::store {
namespace {

TEST(StoreHash, StreamingEqualsOneShot) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 131 % 251));
  for (size_t len : {size_t{0}, size_t{1}, size_t{3}, size_t{31}, size_t{32}, size_t{33},
                     size_t{100}, size_t{1000}}) {
    for (size_t step : {size_t{1}, size_t{5}, size_t{32}, size_t{77}}) {
      Hasher h(42);
      for (size_t p = 0; p < len; p += step) h.Update(data.data() + p, std::min(step, len - p));
      EXPECT_EQ(h.Digest(), Hash64(data.data(), len, 42)) << len << " by " << step;
    }
  }
  // The XXH64 reference value of the empty input with seed 0.
  EXPECT_EQ(Hash64("", 0, 0), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(Hash64("abc", 3, 0), 0x44BC2CF5AD770999ULL);
}

}  // namespace
}  // namespace aud::store
