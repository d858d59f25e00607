// Reading destinations back (runtime/connectors/readback.h): what the file
// connector and the profile store wrote compares equal, through
// ExpectedContent, with the rows that were sent (awkward values included),
// so a plan never sees drift that is not there; a differing cell, a missing
// file and an unparsable snapshot are told apart; http is not readable.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "runtime/connectors/connector.h"
#include "runtime/connectors/readback.h"

namespace aud::connectors {
namespace {

namespace fs = std::filesystem;

class Dir {
 public:
  Dir() {
    std::string tmpl = (fs::temp_directory_path() / "aud-readback-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~Dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Value Str(const std::string& s) {
  Value v;
  v.kind = Value::String;
  v.s = s;
  return v;
}
Value Num(double f) {
  Value v;
  v.kind = Value::Float;
  v.f = f;
  return v;
}
Value Int(int64_t i) {
  Value v;
  v.kind = Value::Int;
  v.i = i;
  return v;
}
Value Bool(bool b) {
  Value v;
  v.kind = Value::Bool;
  v.b = b;
  return v;
}

const std::vector<std::string> kFields = {"name", "score", "count", "vip", "note"};

std::vector<Row> Rows() {
  std::vector<Row> rows;
  auto row = [&](const std::string& key, bool visitor, std::vector<Value> vals) {
    Row r;
    r.key = key;
    r.profile = key;
    r.visitor = visitor;
    for (size_t i = 0; i < kFields.size(); ++i) r.fields.push_back({kFields[i], vals[i]});
    rows.push_back(std::move(r));
  };
  row("a@x.se", false, {Str("Ann, \"the\" first\r\nline"), Num(3.0), Int(-7), Bool(true), Value{}});
  row("b@x.se", true, {Str("Åsa \x01 ünïcode"), Num(0.1), Int(0), Bool(false), Str("")});
  row("c@x.se", false, {Str("=1+2"), Num(1e20), Int(9007199254740993), Value{}, Str("tab\tx")});
  return rows;
}

void ExpectRoundTrip(const config::Connection* conn, const std::string& project) {
  Context ctx;
  ctx.project_dir = project;
  std::string error;
  auto c = Make(conn, ctx, &error);
  ASSERT_TRUE(c) << error;
  Publication pub;
  pub.audience = "gold";
  pub.destination = "d";
  pub.field_names = kFields;
  pub.applied_at = 1772600767890;
  Batch b;
  b.upserts = Rows();
  ASSERT_EQ(c->Begin(pub), "");
  BatchResult r = c->Apply(pub, b);
  ASSERT_TRUE(r.ok()) << r.error;
  ReadBack rb = ReadBackPublication(conn, ctx, "gold", kFields);
  ASSERT_TRUE(rb.readable);
  ASSERT_EQ(rb.error, "");
  ASSERT_EQ(rb.rows.size(), 3u);
  for (const Row& row : Rows()) {
    SCOPED_TRACE(row.key);
    ASSERT_TRUE(rb.rows.count(row.key));
    EXPECT_EQ(rb.rows[row.key], ExpectedContent(conn, row, kFields));
    Row other = row;
    other.fields[2].value = Int(12345);  // a different cell is seen
    EXPECT_NE(rb.rows[row.key], ExpectedContent(conn, other, kFields));
  }
}

config::Connection FileConnection(const std::string& format) {
  config::Connection c;
  c.name = "files";
  c.type = "file";
  c.values["format"] = format;
  c.values["dir"] = std::string("out/x");
  return c;
}

TEST(ReadBack, CsvSnapshotComparesEqualWithTheRowsSent) {
  Dir d;
  config::Connection c = FileConnection("csv");
  ExpectRoundTrip(&c, d.path());
}

TEST(ReadBack, JsonlSnapshotComparesEqualWithTheRowsSent) {
  Dir d;
  config::Connection c = FileConnection("jsonl");
  ExpectRoundTrip(&c, d.path());
}

TEST(ReadBack, ProfileStoreComparesEqualWithTheRowsSent) {
  Dir d;
  ExpectRoundTrip(nullptr, d.path());
}

TEST(ReadBack, MissingIsEmptyBrokenIsAnErrorHttpIsNotReadable) {
  Dir d;
  Context ctx;
  ctx.project_dir = d.path();
  config::Connection c = FileConnection("csv");
  ReadBack none = ReadBackPublication(&c, ctx, "gold", kFields);
  EXPECT_TRUE(none.readable);
  EXPECT_EQ(none.error, "");
  EXPECT_TRUE(none.rows.empty());
  EXPECT_FALSE(fs::exists(d.path() + "/out"));  // nothing created
  ReadBack store = ReadBackPublication(nullptr, ctx, "gold", kFields);
  EXPECT_TRUE(store.readable && store.rows.empty() && store.error.empty());
  EXPECT_FALSE(fs::exists(d.path() + "/.aud"));
  fs::create_directories(d.path() + "/out/x");
  std::ofstream(d.path() + "/out/x/gold.csv") << "key,identity_kind\r\n\"unterminated\r\n";
  ReadBack bad = ReadBackPublication(&c, ctx, "gold", kFields);
  EXPECT_NE(bad.error.find("out/x/gold.csv"), std::string::npos) << bad.error;
  EXPECT_TRUE(bad.rows.empty());
  config::Connection http;
  http.name = "hook";
  http.type = "http";
  EXPECT_FALSE(ReadBackPublication(&http, ctx, "gold", kFields).readable);
  EXPECT_EQ(DestinationIdentity(&http), "");
  // The identity follows the dir as written and the format.
  config::Connection moved = FileConnection("csv");
  moved.values["dir"] = std::string("out/x/");
  EXPECT_EQ(DestinationIdentity(&moved), DestinationIdentity(&c));
  moved.values["dir"] = std::string("./out//x");
  EXPECT_EQ(DestinationIdentity(&moved), DestinationIdentity(&c));
  moved.values["format"] = std::string("jsonl");
  EXPECT_NE(DestinationIdentity(&moved), DestinationIdentity(&c));
  moved.values["format"] = std::string("csv");
  moved.values["dir"] = std::string("out/y");
  EXPECT_NE(DestinationIdentity(&moved), DestinationIdentity(&c));
  EXPECT_NE(DestinationIdentity(&c), "");
}

}  // namespace
}  // namespace aud::connectors
