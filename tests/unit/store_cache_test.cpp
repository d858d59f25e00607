// The store cache (runtime/store/cache.h): a round trip gives an equal store
// and its meta blob; a missing, truncated, corrupt (flipped byte),
// foreign-version, foreign or stale file is refused with its reason; the
// fingerprint follows path, size, mtime and content.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
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

// Rewrites the payload and header checksums of a cache file image, so that
// a changed payload reaches the parser and the validator.
void Reseal(std::string* b) {
  ASSERT_GE(b->size(), 48u);
  const uint64_t sum = Hash64(b->data() + 48, b->size() - 48);
  std::memcpy(&(*b)[32], &sum, 8);
  const uint64_t head = Hash64(b->data(), 40);
  std::memcpy(&(*b)[40], &head, 8);
}

// Reads every value of a loaded store (widening its lazy columns) and checks
// that every index is in range.
void TouchEverything(const EventStore& s) {
  std::string why;
  ASSERT_TRUE(ValidateStore(s, &why)) << why;
  for (const EventType& t : s.types) {
    for (const Column& c : t.columns) {
      int64_t sum = 0;
      for (int64_t v : c.ints) sum += v;
      for (uint32_t code : c.codes) ASSERT_LT(code, s.dict.size());
      for (size_t r = 0; r < t.rows; ++r) sum += c.Index(static_cast<uint32_t>(r));
      (void)sum;
    }
  }
}

TEST_F(StoreCache, HostilePayloadWithValidChecksumsNeverCrashes) {
  // Payload bytes changed, with both checksums made right
  // again: the parser and validator refuse the file as corrupt, or what
  // loads is consistent and every value can be read.
  ASSERT_EQ(Reason(path_ + ".none", kFp), "missing");
  size_t refused = 0, loaded = 0;
  // (Every 5th byte, each bit in turn: a load takes a file write and a map.)
  for (size_t pos = 48; pos < bytes_.size(); pos += 5) {
    for (int mask : {1 << (pos % 8)}) {
      std::string b = bytes_;
      b[pos] = static_cast<char>(b[pos] ^ mask);
      Reseal(&b);
      Write(path_, b);
      std::string reason;
      std::optional<EventStore> s = LoadStore(path_, kFp, &reason);
      if (!s) {
        EXPECT_EQ(reason, "corrupt") << "byte " << pos;
        ++refused;
        continue;
      }
      ++loaded;
      TouchEverything(*s);
    }
  }
  EXPECT_GT(refused, 0u);
  // (Some changes are harmless: a float value, a time delta that keeps the
  // order, a padding-free count of equal values.)
  EXPECT_GT(loaded, 0u);
  // The untouched image resealed still loads.
  std::string b = bytes_;
  Reseal(&b);
  Write(path_, b);
  EXPECT_TRUE(LoadStore(path_, kFp).has_value());
}

TEST_F(StoreCache, LoadBorrowsFromTheMappingAndWidensOnFirstRead) {
  std::optional<EventStore> s = LoadStore(path_, kFp);
  ASSERT_TRUE(s.has_value());
  size_t borrowed = 0, lazy = 0;
  for (const EventType& t : s->types) {
    for (const Column& c : t.columns) {
      switch (c.kind) {
        case ValueKind::Int: EXPECT_TRUE(c.ints.lazy()); break;
        case ValueKind::Float: EXPECT_TRUE(c.floats.borrowed() || c.floats.lazy()); break;
        case ValueKind::Bool: EXPECT_TRUE(c.bools.borrowed()); break;
        case ValueKind::String: EXPECT_TRUE(c.codes.lazy()); break;
      }
      EXPECT_TRUE(c.sparse ? c.rows.borrowed() : c.valid.borrowed());
      if (c.ints.lazy() || c.codes.lazy()) {
        ++lazy;
        // Loading (and validating) did not widen it.
        EXPECT_FALSE(c.ints.lazy() ? c.ints.materialized() : c.codes.materialized());
      } else {
        ++borrowed;
      }
    }
  }
  EXPECT_GT(borrowed, 0u);
  EXPECT_GT(lazy, 0u);
  // A copy shares the mapping and outlives the loaded store; reading widens.
  EventStore copy = *s;
  s.reset();
  EXPECT_TRUE(copy == store_);
  for (const EventType& t : copy.types)
    for (const Column& c : t.columns) EXPECT_TRUE(c.ints.materialized() && c.codes.materialized());
  // Writing to a borrowed array copies it first.
  Column& c = copy.types[0].columns[0];
  const size_t words = c.valid.size();
  c.valid.Own().push_back(0);
  EXPECT_FALSE(c.valid.borrowed());
  EXPECT_EQ(c.valid.size(), words + 1);
}

// A store whose times need the escapes: components spanning decades, times
// before 1970, gaps wider than 2^32 ms, equal times, the extremes of int64.
EventStore WideTimeStore() {
  StoreBuilder b;
  uint16_t page = 0;
  EXPECT_TRUE(b.TypeIndex("page", &page));
  uint64_t order = 0;
  const int64_t kYear = 365LL * 86400000LL;
  std::vector<int64_t> times = {0,
                                -5 * kYear,
                                1767225600000LL,
                                1767225600000LL,
                                1767225600000LL + 65535,
                                1767225600000LL + 65536,
                                1767225600000LL + (1LL << 32) - 1,
                                1767225600000LL + (1LL << 32) + 5,
                                1767225600000LL + 30 * kYear,
                                INT64_MIN + 1,
                                INT64_MAX - 3};
  for (int u = 0; u < 3; ++u) {
    for (size_t k = 0; k < times.size(); ++k) {
      std::vector<InputValue> props(1);
      props[0].name = "n";
      props[0].kind = ValueKind::Int;
      props[0].i = k % 2 ? INT64_MIN : INT64_MAX - static_cast<int64_t>(k);
      b.AddEvent(page, times[k] + u, ++order, "user-" + std::to_string(u), "", props.data(), 1);
    }
    std::vector<InputValue> traits(1);
    traits[0].name = "age";
    traits[0].kind = ValueKind::Float;
    traits[0].f = -0.0;
    b.AddIdentify(-7 * kYear, ++order, "user-" + std::to_string(u), "", traits.data(), 1);
    b.AddIdentify(INT64_MAX - 1, ++order, "user-" + std::to_string(u), "", traits.data(), 1);
  }
  // A run of close times (2-byte deltas win), one step of exactly the
  // 2-byte escape value.
  int64_t t = 1800000000000LL;
  for (int k = 0; k < 300; ++k) {
    t += k == 150 ? 0xFFFF : 1000;
    b.AddEvent(page, t, ++order, "user-0", "", nullptr, 0);
  }
  // Trait times with 4-byte deltas, one of exactly the 4-byte escape value.
  std::vector<InputValue> traits(1);
  traits[0].name = "plan";
  traits[0].kind = ValueKind::String;
  traits[0].s = "pro";
  for (int64_t at : {int64_t{70000}, int64_t{140000}, int64_t{140000 + 0xFFFFFFFFLL}})
    b.AddIdentify(1900000000000LL + at, ++order, "user-0", "", traits.data(), 1);
  b.AddAlias(-3 * kYear, ++order, "user-0", "user-1", "");
  b.AddAlias(40 * kYear, ++order, "user-2", "user-1", "");
  return b.Finish();
}

TEST_F(StoreCache, TimesAcrossYearsAndExtremesRoundTrip) {
  EventStore s = WideTimeStore();
  std::string why;
  ASSERT_TRUE(ValidateStore(s, &why)) << why;
  ASSERT_EQ(s.num_components, 1u);
  ASSERT_TRUE(SaveStore(s, path_, kFp));
  std::optional<EventStore> l = LoadStore(path_, kFp, &why);
  ASSERT_TRUE(l.has_value()) << why;
  EXPECT_EQ(l->ts, s.ts);
  EXPECT_EQ(l->traits, s.traits);
  EXPECT_EQ(l->links, s.links);
  EXPECT_TRUE(*l == s);
}

TEST_F(StoreCache, EventsCostAFewBytesEach) {
  // 20,000 events of 100 people, a few seconds apart, two small string
  // properties and an int: the lean layout keeps the file near 10 bytes
  // per event (the format-3 layout took over 40).
  StoreBuilder b;
  uint16_t types[3];
  ASSERT_TRUE(b.TypeIndex("page", &types[0]));
  ASSERT_TRUE(b.TrackType("A", &types[1]));
  ASSERT_TRUE(b.TrackType("B", &types[2]));
  uint64_t order = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    std::vector<InputValue> props(3);
    std::string path = "/p/" + std::to_string(i % 50);
    props[0].name = "path";
    props[0].kind = ValueKind::String;
    props[0].s = path;
    props[1].name = "currency";
    props[1].kind = ValueKind::String;
    props[1].s = i % 3 ? "SEK" : "EUR";
    props[2].name = "quantity";
    props[2].kind = ValueKind::Int;
    props[2].i = 1 + i % 5;
    b.AddEvent(types[i % 3], 1767225600000LL + int64_t{i} * 3000, ++order,
               "user-" + std::to_string(i % 100), "", props.data(), props.size());
  }
  EventStore s = b.Finish();
  ASSERT_TRUE(SaveStore(s, path_, kFp));
  const double per_event = static_cast<double>(fs::file_size(path_)) / n;
  EXPECT_LT(per_event, 12.0);
  std::optional<EventStore> l = LoadStore(path_, kFp);
  ASSERT_TRUE(l.has_value());
  EXPECT_TRUE(*l == s);
}

TEST_F(StoreCache, FloatsRoundTripBitForBit) {
  // Columns of decimal values (stored as scaled integers, widened lazily) and
  // of values that are not (kept as raw doubles, borrowed): every bit back.
  const std::vector<std::vector<double>> sets = {{13.99, 0.1, 250, -7.5, 0, 1234.5678},
                                                 {0.30000000000000004, 1.0 / 3},
                                                 {-0.0, 1.5},
                                                 {1e300, 2},
                                                 {5e-324, 1},
                                                 {std::numeric_limits<double>::infinity(), 1},
                                                 {std::nan(""), 1},
                                                 {8.9e13, -8.9e13, 0.01},
                                                 {9.2e18, 1}};
  StoreBuilder b;
  uint16_t type = 0;
  ASSERT_TRUE(b.TypeIndex("page", &type));
  uint64_t order = 0;
  std::vector<std::string> names;
  for (size_t k = 0; k < sets.size(); ++k) names.push_back("f" + std::to_string(k));
  for (size_t row = 0; row < 6; ++row) {
    std::vector<InputValue> props;
    for (size_t k = 0; k < sets.size(); ++k) {
      InputValue v;
      v.name = names[k];
      v.kind = ValueKind::Float;
      v.f = sets[k][row % sets[k].size()];
      props.push_back(v);
    }
    b.AddEvent(type, 1767225600000LL + static_cast<int64_t>(row), ++order, "u", "", props.data(),
               props.size());
  }
  EventStore s = b.Finish();
  ASSERT_TRUE(SaveStore(s, path_, kFp));
  std::optional<EventStore> l = LoadStore(path_, kFp);
  ASSERT_TRUE(l.has_value());
  size_t lazy = 0, borrowed = 0;
  for (size_t k = 0; k < s.types[0].columns.size(); ++k) {
    const Column& want = s.types[0].columns[k];
    const Column& got = l->types[0].columns[k];
    lazy += got.floats.lazy();
    borrowed += got.floats.borrowed();
    ASSERT_EQ(got.floats.size(), want.floats.size());
    EXPECT_EQ(std::memcmp(got.floats.data(), want.floats.data(), want.floats.size() * 8), 0)
        << s.dict.Get(want.name);
  }
  EXPECT_EQ(lazy, 2u);  // f0 and f7 (f8 is beyond the exact range of scaled integers)
  EXPECT_EQ(borrowed, sets.size() - 2);
}

TEST_F(StoreCache, FormatThreeIsRefusedAsAnotherVersion) {
  std::string b = bytes_;
  uint32_t v = 3;
  std::memcpy(&b[12], &v, 4);
  Write(path_, b);
  EXPECT_EQ(Reason(path_, kFp), "version");
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
