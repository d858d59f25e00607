// Ingest (runtime/ingest): every field and JSON type rule of docs/reference/language.md §5,
// every bad-line reason with exact counts and quarantine contents, messageId
// deduplication, line endings, `.gz`, globs, long lines across read chunks,
// and arbitrary bytes (every line is accepted or quarantined, no crash).

#include <gtest/gtest.h>
#include <zlib.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "compiler/parse/parse.h"
#include "runtime/ingest/ingest.h"
#include "runtime/store/cache.h"

namespace aud::ingest {
namespace {

namespace fs = std::filesystem;

int64_t T(const char* text) {
  int64_t ms = 0;
  EXPECT_TRUE(parse::ParseTime(text, &ms)) << text;
  return ms;
}

void Write(const std::string& path, const std::string& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string Num(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// "name=kind:value" for every valid property of event `e`.
std::map<std::string, std::string> Props(const store::EventStore& s, size_t e) {
  std::map<std::string, std::string> out;
  const store::EventType& t = s.types[s.type[e]];
  uint32_t row = s.row[e];
  for (const store::Column& c : t.columns) {
    const int64_t i = c.Index(row);  // dense or sparse
    if (i < 0) continue;
    std::string name(s.dict.Get(c.name));
    switch (c.kind) {
      case store::ValueKind::Int: out[name] = "int:" + std::to_string(c.ints[i]); break;
      case store::ValueKind::Float: out[name] = "float:" + Num(c.floats[i]); break;
      case store::ValueKind::Bool: out[name] = c.bools[i] ? "bool:true" : "bool:false"; break;
      case store::ValueKind::String:
        out[name] = "string:" + std::string(s.dict.Get(c.codes[i]));
        break;
    }
  }
  return out;
}

std::string TypeOf(const store::EventStore& s, size_t e) { return s.types[s.type[e]].key; }

class Ingest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "aud_ingest_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    options_.project_dir = dir_;
    options_.globs = {"data/*.jsonl", "data/*.jsonl.gz"};
    options_.quarantine_dir = dir_ + "/.aud/quarantine";
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result Run(const std::string& text) {
    Write(dir_ + "/data/events.jsonl", text);
    return Check(aud::ingest::Ingest(options_));
  }
  // Every non-blank line is accepted or bad.
  static Result Check(Result r) {
    const Stats& s = r.stats;
    EXPECT_EQ(s.lines, s.events + s.identifies + s.aliases + s.groups + s.duplicates + s.Bad());
    std::string why;
    EXPECT_TRUE(store::ValidateStore(r.store, &why)) << why;
    return r;
  }
  std::string Quarantine(const std::string& name = "events.jsonl") {
    return Read(options_.quarantine_dir + "/" + name + ".jsonl");
  }

  std::string dir_;
  Options options_;
};

constexpr const char* kTs = R"("timestamp":"2026-01-01T00:00:00Z")";

std::string Track(const std::string& extra) {
  return std::string(R"({"type":"track","event":"X","userId":"u",)") + kTs + extra + "}";
}

TEST_F(Ingest, TrackFieldsAndValueTypes) {
  Result r =
      Run(R"({"type":"track","event":"Order Completed","userId":"u1","anonymousId":"a1",)"
          R"("messageId":"m1","timestamp":"2026-03-01T12:00:00.1239+02:00","properties":{)"
          R"("revenue":12.5,"count":3,"neg":-7,"minus_zero":-0,"big":9223372036854775808,)"
          R"("huge":123456789012345678901234567890,"exp":1e3,"one":1.0,"gift":true,"no":false,)"
          R"("currency":"SEK","esc":"a\"b\u00e9\n","nothing":null,"list":[1,2],"obj":{"a":1}},)"
          R"("context":{"ip":"1.2.3.4","nested":{"deep":[1,{"x":null}]}},"integrations":{}})"
          "\n");
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.stats.lines, 1u);
  EXPECT_EQ(r.stats.events, 1u);
  EXPECT_EQ(r.stats.nested_values, 2u);
  ASSERT_EQ(r.store.num_events(), 1u);
  EXPECT_EQ(TypeOf(r.store, 0), "track:Order Completed");
  EXPECT_EQ(r.store.ts[0], T("2026-03-01T10:00:00.123Z"));
  std::map<std::string, std::string> want = {
      {"revenue", "float:12.5"},
      {"count", "int:3"},
      {"neg", "int:-7"},
      {"minus_zero", "int:0"},
      {"big", "float:9223372036854775808"},
      {"huge", "float:1.2345678901234568e+29"},
      {"exp", "float:1000"},
      {"one", "float:1"},
      {"gift", "bool:true"},
      {"no", "bool:false"},
      {"currency", "string:SEK"},
      {"esc", "string:a\"b\xC3\xA9\n"},
  };
  EXPECT_EQ(Props(r.store, 0), want);
  // The event belongs to its userId; the two ids are linked.
  const store::Node& n = r.store.nodes[r.store.node[0]];
  EXPECT_EQ(n.kind, store::IdKind::UserId);
  EXPECT_EQ(r.store.dict.Get(n.value), "u1");
  ASSERT_EQ(r.store.links.size(), 1u);
  EXPECT_EQ(r.store.links[0].ts, T("2026-03-01T10:00:00.123Z"));
  EXPECT_EQ(r.stats.event_types.at("track:Order Completed"), 1u);
}

TEST_F(Ingest, PageAndScreenNameIsAProperty) {
  Result r = Run(R"({"type":"page","name":"Home","anonymousId":"a",)" + std::string(kTs) +
                 R"(,"properties":{"name":"ignored","path":"/"}})"
                 "\n"
                 R"({"type":"page","anonymousId":"a",)" +
                 kTs +
                 R"(,"properties":{"name":"from props"}})"
                 "\n"
                 R"({"type":"page","name":null,"anonymousId":"a",)" +
                 kTs +
                 R"(,"properties":{"name":"dropped"}})"
                 "\n"
                 R"({"type":"screen","name":"Cart","anonymousId":"a",)" +
                 kTs +
                 "}\n"
                 R"({"type":"page","name":3,"anonymousId":"a",)" +
                 kTs +
                 "}\n"
                 R"({"type":"track","event":"E","name":"not a property","anonymousId":"a",)" +
                 kTs + "}\n");
  ASSERT_EQ(r.store.num_events(), 6u);
  EXPECT_EQ(Props(r.store, 0),
            (std::map<std::string, std::string>{{"name", "string:Home"}, {"path", "string:/"}}));
  EXPECT_EQ(Props(r.store, 1).at("name"), "string:from props");
  EXPECT_EQ(Props(r.store, 2).count("name"), 0u);  // a top-level null name wins too
  EXPECT_EQ(TypeOf(r.store, 3), "screen");
  EXPECT_EQ(Props(r.store, 3).at("name"), "string:Cart");
  EXPECT_EQ(Props(r.store, 4).at("name"), "int:3");
  EXPECT_EQ(TypeOf(r.store, 5), "track:E");
  EXPECT_TRUE(Props(r.store, 5).empty());
}

TEST_F(Ingest, IdentifyTraitsKeepNullsAndDropNested) {
  Result r = Run(R"({"type":"identify","userId":"u",)" + std::string(kTs) +
                 R"(,"traits":{"email":" A@X.se ","age":41,"score":2.5,"opt_in":true,)"
                 R"("country":null,"address":{"city":"Lund"},"tags":["a"]},)"
                 R"("properties":{"ignored":1}})"
                 "\n");
  EXPECT_EQ(r.stats.identifies, 1u);
  EXPECT_EQ(r.stats.events, 0u);
  EXPECT_EQ(r.stats.nested_values, 2u);
  const auto& tr = r.store.traits;
  ASSERT_EQ(tr.size(), 5u);
  std::map<std::string, std::string> got;
  for (const store::TraitRecord& t : tr) {
    std::string v =
        t.is_null                            ? "null"
        : t.kind == store::ValueKind::String ? "string:" + std::string(r.store.dict.Get(t.str))
        : t.kind == store::ValueKind::Int    ? "int:" + std::to_string(t.i)
        : t.kind == store::ValueKind::Float  ? "float:" + Num(t.f)
                                             : std::string(t.b ? "bool:true" : "bool:false");
    got[std::string(r.store.dict.Get(t.name))] = v;
    EXPECT_EQ(t.ts, T("2026-01-01T00:00:00Z"));
  }
  EXPECT_EQ(got, (std::map<std::string, std::string>{{"email", "string: A@X.se "},
                                                     {"age", "int:41"},
                                                     {"score", "float:2.5"},
                                                     {"opt_in", "bool:true"},
                                                     {"country", "null"}}));
}

TEST_F(Ingest, AliasLinksPreviousIdAndUserId) {
  Result r = Run(R"({"type":"alias","previousId":"old","userId":"new",)" + std::string(kTs) +
                 "}\n" + R"({"type":"track","event":"E","userId":"old",)" + kTs + "}\n");
  EXPECT_EQ(r.stats.aliases, 1u);
  EXPECT_EQ(r.store.num_components, 1u);
  ASSERT_EQ(r.store.links.size(), 1u);
  const store::Link& l = r.store.links[0];
  EXPECT_EQ(r.store.nodes[l.a].kind, store::IdKind::UserId);
  EXPECT_EQ(r.store.nodes[l.b].kind, store::IdKind::UserId);
}

TEST_F(Ingest, TimestampForms) {
  Result r = Run(R"({"type":"page","anonymousId":"a","timestamp":"2026-01-02t03:04:05z"})"
                 "\n"
                 R"({"type":"page","anonymousId":"a","timestamp":"2026-01-02T03:04:05.678999Z"})"
                 "\n"
                 R"({"type":"page","anonymousId":"a","timestamp":"2026-01-02T03:04:05-05:30"})"
                 "\n"
                 R"({"type":"page","anonymousId":"a","timestamp":"2026-01-02T03:04:05+00:00"})"
                 "\n"
                 // A date alone is not a date-time.
                 R"({"type":"page","anonymousId":"a","timestamp":"2026-01-02"})"
                 "\n");
  ASSERT_EQ(r.store.num_events(), 4u);
  std::vector<int64_t> ts(r.store.ts.begin(), r.store.ts.end());
  EXPECT_EQ(ts, (std::vector<int64_t>{T("2026-01-02T03:04:05Z"), T("2026-01-02T03:04:05Z"),
                                      T("2026-01-02T03:04:05.678Z"), T("2026-01-02T08:34:05Z")}));
  EXPECT_EQ(r.stats.bad.at("invalid-timestamp"), 1u);
}

// Segment's timestamp rule (https://segment.com/docs/connections/spec/common/).
TEST_F(Ingest, SegmentTimestampFallbacks) {
  std::string text =
      // receivedAt − (sentAt − originalTimestamp) = 10:00:03.5 − 299.75 s.
      R"({"type":"track","event":"A","userId":"u","originalTimestamp":"2026-02-10T12:00:00.250Z",)"
      R"("sentAt":"2026-02-10T12:05:00Z","receivedAt":"2026-02-10T10:00:03.500Z"})"
      "\n"
      // Offsets converted first: 12:00Z, 12:05Z.
      R"({"type":"track","event":"B","userId":"u","originalTimestamp":"2026-02-10T14:00:00+02:00",)"
      R"("sentAt":"2026-02-10T07:05:00-05:00","receivedAt":"2026-02-10T10:00:03Z"})"
      "\n"
      R"({"type":"track","event":"C","userId":"u","originalTimestamp":"2026-02-11T00:00:00Z","receivedAt":"2026-02-12T00:00:00Z"})"
      "\n"
      R"({"type":"track","event":"D","userId":"u","sentAt":"2026-02-13T00:00:00Z","receivedAt":"2026-02-14T00:00:00Z"})"
      "\n"
      R"({"type":"track","event":"E","userId":"u","sentAt":"2026-02-15T00:00:00Z"})"
      "\n"
      R"({"type":"track","event":"F","userId":"u","timestamp":"2026-02-16T00:00:00Z","originalTimestamp":"2026-01-01T00:00:00Z"})"
      "\n";
  Result r = Run(text);
  EXPECT_EQ(r.stats.events, 6u);
  std::map<std::string, int64_t> at;
  for (size_t e = 0; e < r.store.num_events(); ++e) at[TypeOf(r.store, e)] = r.store.ts[e];
  EXPECT_EQ(at["track:A"], T("2026-02-10T09:55:03.750Z"));
  EXPECT_EQ(at["track:B"], T("2026-02-10T09:55:03Z"));
  EXPECT_EQ(at["track:C"], T("2026-02-11T00:00:00Z"));
  EXPECT_EQ(at["track:D"], T("2026-02-14T00:00:00Z"));
  EXPECT_EQ(at["track:E"], T("2026-02-15T00:00:00Z"));
  EXPECT_EQ(at["track:F"], T("2026-02-16T00:00:00Z"));
}

// `group` calls are accepted, counted, link their ids and are stored with
// their traits; the cache keeps them.
TEST_F(Ingest, GroupCallsAreStoredAndCounted) {
  std::string text =
      R"({"type":"group","userId":"u1","anonymousId":"a1","groupId":"acme",)"
      R"("traits":{"name":"Acme","employees":120,"public":false,"rev":1.5,"gone":null,"tags":["x"]},)" +
      std::string(kTs) +
      "}\n"
      R"({"type":"group","anonymousId":"a2","groupId":"globex",)" +
      std::string(kTs) +
      "}\n"
      R"({"type":"group","userId":"u1","groupId":"acme","messageId":"m1",)" +
      std::string(kTs) +
      "}\n"
      R"({"type":"group","userId":"u1","groupId":"acme","messageId":"m1",)" +
      std::string(kTs) + "}\n" + R"({"type":"group","userId":"u3",)" + std::string(kTs) + "}\n";
  Result r = Run(text);
  EXPECT_EQ(r.stats.lines, 5u);
  EXPECT_EQ(r.stats.groups, 3u);
  EXPECT_EQ(r.stats.duplicates, 1u);
  EXPECT_EQ(r.stats.bad["missing-id"], 1u);
  EXPECT_EQ(r.stats.nested_values, 1u);  // the `tags` array
  const store::EventStore& s = r.store;
  ASSERT_EQ(s.groups.size(), 3u);
  EXPECT_EQ(s.dict.Get(s.groups[0].group), "acme");
  EXPECT_EQ(s.dict.Get(s.groups[1].group), "globex");
  EXPECT_LT(s.groups[0].order, s.groups[1].order);
  // The first call linked u1 and a1: one component.
  const store::Node& n0 = s.nodes[s.groups[0].node];
  EXPECT_EQ(n0.kind, store::IdKind::UserId);
  EXPECT_EQ(s.dict.Get(n0.value), "u1");
  EXPECT_EQ(s.num_components, 2u);
  std::map<std::string, std::string> traits;
  for (uint32_t k = s.groups[0].traits_begin; k < s.groups[0].traits_end; ++k) {
    const store::TraitRecord& t = s.group_traits[k];
    std::string v = t.is_null                            ? "null"
                    : t.kind == store::ValueKind::String ? std::string(s.dict.Get(t.str))
                    : t.kind == store::ValueKind::Int    ? std::to_string(t.i)
                    : t.kind == store::ValueKind::Float  ? Num(t.f)
                                                         : (t.b ? "true" : "false");
    traits[std::string(s.dict.Get(t.name))] = v;
  }
  EXPECT_EQ(traits, (std::map<std::string, std::string>{{"name", "Acme"},
                                                        {"employees", "120"},
                                                        {"public", "false"},
                                                        {"rev", "1.5"},
                                                        {"gone", "null"}}));
  EXPECT_EQ(s.groups[1].traits_begin, s.groups[1].traits_end);
  // Through the cache: the same store and statistics.
  const std::string cache = dir_ + "/.aud/cache/events.store";
  CacheStatus st;
  Result first = IngestCached(options_, cache, &st);
  EXPECT_FALSE(st.hit);
  Result second = IngestCached(options_, cache, &st);
  EXPECT_TRUE(st.hit) << st.reason;
  EXPECT_TRUE(second.store == first.store);
  EXPECT_EQ(second.stats.groups, 3u);
}

// Declared `context.*` paths: only those scalar leaves are stored, as columns
// named by the path; `properties` keys spelled `context.…` are dropped; the
// context leaves do not count against kMaxPropertyNames.
TEST_F(Ingest, DeclaredContextPathsBecomeColumns) {
  std::string line =
      R"({"type":"page","userId":"u",)" + std::string(kTs) +
      R"(,"properties":{"url":"/","context.locale":"props"},)"
      R"("context":{"locale":"sv-SE","campaign":{"source":"News","medium":"email"},)"
      R"("screen":{"width":1280},"device":{"id":"d"},"a.b":{"c":1},"a":{"b.c":2},"deep":{"x":[1]}}})";
  // Without declared paths, context is ignored (and the properties key dropped).
  Result plain = Run(line + "\n");
  ASSERT_EQ(plain.store.num_events(), 1u);
  EXPECT_EQ(Props(plain.store, 0), (std::map<std::string, std::string>{{"url", "string:/"}}));
  options_.context_paths = {"context.locale", "context.campaign.source", "context.screen.width",
                            "context.a.b.c",  "context.deep.x",          "context.missing"};
  Result r = Run(line + "\n");
  ASSERT_EQ(r.store.num_events(), 1u);
  EXPECT_EQ(Props(r.store, 0),
            (std::map<std::string, std::string>{{"url", "string:/"},
                                                {"context.locale", "string:sv-SE"},
                                                {"context.campaign.source", "string:News"},
                                                {"context.screen.width", "int:1280"}}));
  EXPECT_EQ(r.stats.nested_values, 1u);  // context.deep.x is an array
  // 10,000 property names fill the type; declared context leaves still fit.
  std::string wide =
      R"({"type":"track","event":"W","userId":"u",)" + std::string(kTs) + R"(,"properties":{)";
  for (int i = 0; i < 10000; ++i) wide += (i ? "," : "") + ("\"p" + std::to_string(i) + "\":1");
  wide += R"(},"context":{"locale":"en"}})";
  options_.max_line_bytes = 1 << 20;
  Result w = Run(wide + "\n" + R"({"type":"track","event":"W","userId":"u",)" + std::string(kTs) +
                 R"(,"context":{"campaign":{"source":"x"}}})" + "\n" +
                 R"({"type":"track","event":"W","userId":"u",)" + std::string(kTs) +
                 R"(,"properties":{"one_more":1}})" + "\n");
  EXPECT_EQ(w.stats.events, 2u);
  EXPECT_EQ(w.stats.bad["too-many-property-names"], 1u);
  EXPECT_EQ(w.store.types[0].columns.size(), 10002u);
}

TEST_F(Ingest, DuplicateMessageIdsAreDroppedAndCounted) {
  Result r = Run(
      R"({"type":"page","anonymousId":"a","messageId":"m1","timestamp":"2026-01-05T00:00:00Z"})"
      "\n"
      R"({"type":"page","anonymousId":"a","messageId":"m2","timestamp":"2026-01-02T00:00:00Z"})"
      "\n"
      // Same messageId, other content and an earlier time: still a duplicate.
      R"({"type":"track","event":"E","anonymousId":"b","messageId":"m1","timestamp":"2026-01-01T00:00:00Z"})"
      "\n"
      R"({"type":"identify","userId":"u","messageId":"m2","timestamp":"2026-01-01T00:00:00Z"})"
      "\n"
      // No or empty messageId: never a duplicate.
      R"({"type":"page","anonymousId":"a","timestamp":"2026-01-03T00:00:00Z"})"
      "\n"
      R"({"type":"page","anonymousId":"a","timestamp":"2026-01-03T00:00:00Z"})"
      "\n"
      R"({"type":"page","anonymousId":"a","messageId":"","timestamp":"2026-01-03T00:00:00Z"})"
      "\n"
      R"({"type":"page","anonymousId":"a","messageId":null,"timestamp":"2026-01-03T00:00:00Z"})"
      "\n"
      // A bad line's messageId is not recorded.
      R"({"type":"page","messageId":"m3","timestamp":"2026-01-03T00:00:00Z"})"
      "\n"
      R"({"type":"page","anonymousId":"a","messageId":"m3","timestamp":"2026-01-03T00:00:00Z"})"
      "\n");
  EXPECT_EQ(r.stats.lines, 10u);
  EXPECT_EQ(r.stats.duplicates, 2u);
  EXPECT_EQ(r.stats.events, 7u);
  EXPECT_EQ(r.stats.identifies, 0u);
  EXPECT_EQ(r.stats.bad.at("missing-id"), 1u);
  EXPECT_EQ(r.store.nodes.size(), 1u);  // b and u came only with duplicates
}

TEST_F(Ingest, LineEndingsBlankLinesAndALastLineWithoutNewline) {
  std::string good = R"({"type":"page","anonymousId":"a",)" + std::string(kTs) + "}";
  Result r = Run(good + "\r\n\n   \n\t\r\n" + good + "\r\n" + good);
  EXPECT_EQ(r.stats.lines, 3u);
  EXPECT_EQ(r.stats.blank_lines, 3u);
  EXPECT_EQ(r.stats.events, 3u);
  EXPECT_EQ(r.stats.Bad(), 0u);
  // A last bad line without newline is still reported with its number.
  r = Run(good + "\n\n{oops");
  EXPECT_EQ(r.stats.bad.at("invalid-json"), 1u);
  EXPECT_EQ(Quarantine(),
            R"({"file":"data/events.jsonl","line":3,"reason":"invalid-json","text":"{oops"})"
            "\n");
  // An empty file.
  r = Run("");
  EXPECT_EQ(r.stats.lines, 0u);
  EXPECT_EQ(r.store.num_events(), 0u);
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

TEST_F(Ingest, GzipFilesReadLikePlainOnes) {
  std::string text;
  for (int i = 0; i < 2000; ++i) {
    text += R"({"type":"track","event":"E)" + std::to_string(i % 7) + R"(","userId":"u)" +
            std::to_string(i % 50) + R"(","timestamp":"2026-01-01T00:00:)" +
            (i % 60 < 10 ? "0" : "") + std::to_string(i % 60) + R"(Z","properties":{"i":)" +
            std::to_string(i) + "}}\n";
  }
  text += "not json\n";
  Result plain = Run(text);
  fs::remove(dir_ + "/data/events.jsonl");
  Write(dir_ + "/data/events.jsonl.gz", Gzip(text));
  Result gz = Check(aud::ingest::Ingest(options_));
  ASSERT_TRUE(gz.error.empty()) << gz.error;
  EXPECT_TRUE(gz.store == plain.store);
  EXPECT_EQ(gz.stats.events, 2000u);
  EXPECT_EQ(gz.stats.bad, plain.stats.bad);
  EXPECT_EQ(gz.stats.bytes, plain.stats.bytes);  // decompressed bytes
  EXPECT_EQ(
      Quarantine("events.jsonl.gz"),
      R"({"file":"data/events.jsonl.gz","line":2001,"reason":"invalid-json","text":"not json"})"
      "\n");
  // A corrupt gzip file is never a crash nor a silent partial read: its
  // readable lines are kept and the rest is one `truncated-gzip` bad line.
  Write(dir_ + "/data/events.jsonl.gz", Gzip(text).substr(0, 300) + std::string(200, 'z'));
  Result bad = aud::ingest::Ingest(options_);
  EXPECT_TRUE(bad.error.empty()) << bad.error;
  EXPECT_EQ(bad.stats.bad["truncated-gzip"], 1u);
  ASSERT_EQ(bad.warnings.size(), 1u);
  EXPECT_NE(bad.warnings[0].find("`data/events.jsonl.gz`: corrupt gzip data"), std::string::npos)
      << bad.warnings[0];
}

TEST_F(Ingest, EveryBadLineReason) {
  std::string ts = kTs;
  std::vector<std::pair<std::string, std::string>> cases = {
      {Track(""), ""},
      {R"({"type":"track","event":"X","userId":"u",)" + ts, "invalid-json"},
      {Track("") + " x", "invalid-json"},
      {Track("") + "}", "invalid-json"},
      {Track(R"(,"context":{"a":01})"), "invalid-json"},
      {Track(R"(,"context":{,})"), "invalid-json"},
      {Track(R"(,"context":{"a":[1,]})"), "invalid-json"},
      {Track(R"(,"properties":{"a":tru})"), "invalid-json"},
      {Track(R"(,"properties":{"a":"\q"})"), "invalid-json"},
      {Track(",\"properties\":{\"a\":\"tab\there\"}"), "invalid-json"},
      {"{'type':'track'}", "invalid-json"},
      {"nul", "invalid-json"},
      {Track(",\"properties\":{\"a\":\"caf\xC3\x28\"}"), "invalid-utf8"},
      {"\xFF" + Track(""), "invalid-utf8"},
      {"[1,2]", "not-an-object"},
      {"\"str\"", "not-an-object"},
      {"null", "not-an-object"},
      {"123456789012345678901234567890", "not-an-object"},
      {"123456789012345678901234567890 1", "invalid-json"},
      {"42 43", "invalid-json"},
      {"{}", "unknown-type"},
      {R"({"event":"X","userId":"u",)" + ts + "}", "unknown-type"},
      {R"({"type":"Group","groupId":"g","userId":"u",)" + ts + "}", "unknown-type"},
      {R"({"type":"Track","event":"X","userId":"u",)" + ts + "}", "unknown-type"},
      {R"({"type":5,"event":"X","userId":"u",)" + ts + "}", "unknown-type"},
      {R"({"type":"track","event":"X","userId":"u"})", "missing-timestamp"},
      {R"({"type":"track","event":"X","userId":"u","timestamp":null})", "missing-timestamp"},
      {R"({"type":"track","timestamp":null})", "missing-timestamp"},
      {R"({"type":"track","event":"X","userId":"u","timestamp":"2026-02-30T00:00:00Z"})",
       "invalid-timestamp"},
      {R"({"type":"track","event":"X","userId":"u","timestamp":"2026-01-01T00:00:00"})",
       "invalid-timestamp"},
      {R"({"type":"track","event":"X","userId":"u","timestamp":1767225600})", "invalid-timestamp"},
      // Segment's fallbacks: a present field that is not a date-time is no
      // fallback; with none valid the line is invalid-timestamp.
      {R"({"type":"track","event":"X","userId":"u","originalTimestamp":"nope"})",
       "invalid-timestamp"},
      {R"({"type":"track","event":"X","userId":"u","sentAt":5,"receivedAt":null})",
       "invalid-timestamp"},
      {R"({"type":"track","event":"X","userId":"u","timestamp":"x","sentAt":"2026-01-01T00:00:00Z"})",
       "invalid-timestamp"},
      // The corrected time falls before year 0000.
      {R"({"type":"track","event":"X","userId":"u","originalTimestamp":"0001-01-01T00:00:00Z",)"
       R"("sentAt":"9999-01-01T00:00:00Z","receivedAt":"2026-01-01T00:00:00Z"})",
       "invalid-timestamp"},
      {R"({"type":"group","userId":"u",)" + ts + "}", "missing-id"},
      {R"({"type":"group","userId":"u","groupId":"",)" + ts + "}", "missing-id"},
      {R"({"type":"group","groupId":"g",)" + ts + "}", "missing-id"},
      {R"({"type":"group","userId":"u","groupId":5,)" + ts + "}", "invalid-field"},
      {R"({"type":"group","userId":"u","groupId":"g","traits":[1],)" + ts + "}", "invalid-field"},
      {R"({"type":"track","event":"X",)" + ts + "}", "missing-id"},
      {R"({"type":"track","event":"X","userId":"","anonymousId":null,)" + ts + "}", "missing-id"},
      {R"({"type":"alias","userId":"u",)" + ts + "}", "missing-id"},
      {R"({"type":"alias","previousId":"p","anonymousId":"a",)" + ts + "}", "missing-id"},
      {R"({"type":"identify",)" + ts + R"(,"traits":{"email":"x"}})", "missing-id"},
      {R"({"type":"track","event":7,"userId":"u",)" + ts + "}", "invalid-field"},
      {R"({"type":"track","userId":"u",)" + ts + "}", "invalid-field"},
      {R"({"type":"track","event":"","userId":"u",)" + ts + "}", "invalid-field"},
      {Track(R"(,"properties":"x")"), "invalid-field"},
      {Track(R"(,"properties":[1])"), "invalid-field"},
      {R"({"type":"track","event":"X","userId":5,"anonymousId":"a",)" + ts + "}", "invalid-field"},
      {Track(R"(,"messageId":5)"), "invalid-field"},
      {R"({"type":"identify","userId":"u",)" + ts + R"(,"traits":["a"]})", "invalid-field"},
      {Track(R"(,"properties":{"pad":")" + std::string(300, 'x') + "\"}"), "line-too-long"},
      // Precedence: the type, then the timestamp, then fields, then ids.
      {R"({"type":"nope"})", "unknown-type"},
      {R"({"type":"track","event":7})", "missing-timestamp"},
      {R"({"type":"track","event":7,)" + ts + "}", "invalid-field"},
      {R"({"type":"track","event":7,"receivedAt":"2026-01-01T00:00:00Z"})", "invalid-field"},
      // A groupId of another type on a call other than `group` is ignored.
      {Track(R"(,"groupId":5)"), ""},
      // Accepted: repeated keys (the last wins), unknown fields, a wrong-typed
      // traits field on a track call, null properties.
      {Track(R"(,"properties":{"a":1,"a":"two"})"), ""},
      {Track(R"(,"traits":5,"properties":null,"extra":[{"deep":[true,false,null,-1.5e-3]}])"), ""},
  };
  options_.max_line_bytes = 300;
  std::string text;
  std::map<std::string, uint64_t> want;
  uint64_t accepted = 0;
  for (const auto& [line, reason] : cases) {
    text += line + "\n";
    if (reason.empty()) {
      ++accepted;
    } else {
      ++want[reason];
    }
  }
  Result r = Run(text);
  EXPECT_EQ(r.stats.lines, cases.size());
  EXPECT_EQ(r.stats.events, accepted);
  EXPECT_EQ(r.stats.bad, want);
  EXPECT_GE(want.size(), 9u);
  // The quarantine file: one line per bad line, in order, with its number.
  std::string q = Quarantine();
  size_t pos = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    if (cases[i].second.empty()) continue;
    size_t end = q.find('\n', pos);
    ASSERT_NE(end, std::string::npos) << "line " << i + 1;
    std::string entry = q.substr(pos, end - pos);
    std::string head = R"({"file":"data/events.jsonl","line":)" + std::to_string(i + 1) +
                       R"(,"reason":")" + cases[i].second + R"(","text":")";
    EXPECT_EQ(entry.substr(0, head.size()), head) << entry;
    pos = end + 1;
  }
  EXPECT_EQ(pos, q.size());
  // With the same data, the accepted line with repeated keys has a = "two".
  bool found = false;
  for (size_t e = 0; e < r.store.num_events(); ++e) {
    auto p = Props(r.store, e);
    if (p.count("a")) {
      EXPECT_EQ(p.at("a"), "string:two");
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(Ingest, QuarantineTextIsEscapedJson) {
  // (Raw control characters in a string make it invalid JSON before its UTF-8 is looked at.)
  Run("{\"bad\":\"tab\there \\\" \xFF\x01\"\n");
  EXPECT_EQ(Quarantine(),
            "{\"file\":\"data/events.jsonl\",\"line\":1,\"reason\":\"invalid-json\","
            "\"text\":\"{\\\"bad\\\":\\\"tab\\there \\\\\\\" \xEF\xBF\xBD\\u0001\\\"\"}\n");
}

TEST_F(Ingest, LongLinesAcrossReadChunks) {
  options_.max_line_bytes = 1000;
  std::string good = R"({"type":"page","anonymousId":"a",)" + std::string(kTs) + "}";
  std::string huge(9 << 20, 'x');  // over two read chunks, no newline inside
  Result r = Run(good + "\n" + huge + "\n" + good + "\n" + std::string(5 << 20, 'y'));
  EXPECT_EQ(r.stats.lines, 4u);
  EXPECT_EQ(r.stats.events, 2u);
  EXPECT_EQ(r.stats.bad.at("line-too-long"), 2u);
  std::string q = Quarantine();
  EXPECT_NE(q.find(R"({"file":"data/events.jsonl","line":2,"reason":"line-too-long","text":"xxx)"),
            std::string::npos);
  EXPECT_NE(q.find(R"("truncated":true})"
                   "\n"
                   R"({"file":"data/events.jsonl","line":4,)"),
            std::string::npos);
  EXPECT_LT(q.size(), 40000u);  // texts are cut
  // Exactly at the limit is fine.
  options_.max_line_bytes = good.size();
  r = Run(good + "\n");
  EXPECT_EQ(r.stats.events, 1u);
  options_.max_line_bytes = good.size() - 1;
  r = Run(good + "\n");
  EXPECT_EQ(r.stats.bad.at("line-too-long"), 1u);
}

TEST_F(Ingest, ArbitraryBytesNeverCrash) {
  std::string good = R"({"type":"track","event":"Order Completed","userId":"u1","anonymousId":"a",)"
                     R"("messageId":"m","timestamp":"2026-01-01T00:00:00.5Z","properties":)"
                     R"({"revenue":12.5,"n":[1,{"x":"\u00e9"}],"ok":true}})";
  uint64_t x = 99;
  auto rnd = [&](uint64_t n) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x % n;
  };
  std::string text;
  for (int i = 0; i < 6000; ++i) {
    std::string line;
    switch (rnd(4)) {
      case 0:  // random bytes
        for (size_t k = rnd(80); k > 0; --k) line.push_back(static_cast<char>(rnd(256)));
        break;
      default: {  // a mutated good line
        line = good;
        for (size_t k = 1 + rnd(4); k > 0; --k) {
          size_t p = rnd(line.size());
          switch (rnd(3)) {
            case 0: line[p] = static_cast<char>(rnd(256)); break;
            case 1: line.erase(p, 1 + rnd(5)); break;
            default: line.insert(p, 1, "{}[]\",:\\0e-."[rnd(12)]); break;
          }
          if (line.empty()) line.push_back('x');
        }
      }
    }
    for (char& c : line) {
      if (c == '\n') c = ' ';
    }
    text += line + "\n";
  }
  Result r = Run(text);
  EXPECT_TRUE(r.error.empty());
  EXPECT_EQ(r.stats.lines + r.stats.blank_lines, 6000u);
  EXPECT_GT(r.stats.Bad(), 1000u);
  EXPECT_GT(r.stats.events + r.stats.duplicates, 10u);
}

TEST_F(Ingest, GlobsSortedAndInputOrderAcrossFiles) {
  std::string line_a = R"({"type":"track","event":"A","userId":"u",)" + std::string(kTs) + "}\n";
  std::string line_b = R"({"type":"track","event":"B","userId":"u",)" + std::string(kTs) + "}\n";
  Write(dir_ + "/data/b.jsonl", line_b);
  Write(dir_ + "/data/a.jsonl", line_a);
  options_.globs = {"data/b.jsonl", "data/*.jsonl", "nothing/*.jsonl"};
  std::vector<std::string> files = ResolveSources(options_);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0], dir_ + "/data/a.jsonl");
  EXPECT_EQ(files[1], dir_ + "/data/b.jsonl");
  Result r = Check(aud::ingest::Ingest(options_));
  ASSERT_EQ(r.store.num_events(), 2u);
  EXPECT_EQ(TypeOf(r.store, 0), "track:A");  // same time: file order
  EXPECT_EQ(r.stats.files, 2u);
  EXPECT_EQ(r.files, files);
  // Absolute globs.
  options_.globs = {dir_ + "/data/a.jsonl"};
  EXPECT_EQ(ResolveSources(options_), std::vector<std::string>{dir_ + "/data/a.jsonl"});
}

TEST_F(Ingest, StrictMakesBadLinesAnError) {
  options_.strict = true;
  Result r = Run(Track("") + "\n{\n[]\n");
  EXPECT_EQ(r.error,
            "2 bad input lines with --strict: invalid-json 1, not-an-object 1 (the lines are in "
            "`.aud/quarantine`); fix or remove them, or run without --strict to skip them");
  EXPECT_EQ(r.store.num_events(), 1u);
  options_.strict = false;
  r = Run(Track("") + "\n{\n");
  EXPECT_TRUE(r.error.empty());
}

TEST_F(Ingest, UnreadableFileIsAnError) {
  Result r = IngestFiles({dir_ + "/missing.jsonl"}, options_);
  EXPECT_NE(r.error.find("cannot open"), std::string::npos) << r.error;
}

TEST_F(Ingest, AtMost65535EventTypes) {
  std::string text;
  // page + 65534 track types = 65535 types; then one more is refused.
  text += R"({"type":"page","userId":"u",)" + std::string(kTs) + "}\n";
  for (int i = 0; i < 65535; ++i) {
    text +=
        R"({"type":"track","event":"e)" + std::to_string(i) + R"(","userId":"u",)" + kTs + "}\n";
  }
  text += R"({"type":"track","event":"e0","userId":"u",)" + std::string(kTs) + "}\n";
  text += R"({"type":"screen","userId":"u",)" + std::string(kTs) + "}\n";
  Result r = Run(text);
  EXPECT_EQ(r.store.types.size(), 65535u);
  EXPECT_EQ(r.stats.bad, (std::map<std::string, uint64_t>{{"too-many-event-types", 2}}));
  EXPECT_EQ(r.stats.events, 65536u);  // the page, 65534 new track types and e0 again
}

TEST_F(Ingest, StaleQuarantineFilesAreRemoved) {
  Run("oops\n");
  EXPECT_FALSE(Quarantine().empty());
  Run(Track("") + "\n");
  EXPECT_FALSE(fs::exists(options_.quarantine_dir + "/events.jsonl.jsonl"));
}

}  // namespace
}  // namespace aud::ingest
