// The `file` connector (runtime/connectors/file.cpp): CSV/JSONL snapshot and
// delta contents byte for byte, RFC 4180 quoting, JSON typing, exit rows'
// identity kind read from the snapshot, idempotent re-sends, atomic
// replacement (no temp file left, a failed write leaves the old file), drop,
// and errors for bad connections, hand-corrupted files and unusable folders.

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/connectors/connector.h"
#include "runtime/connectors/file_format.h"
#include "runtime/connectors/file_io.h"
#include "runtime/connectors/file_snapshot.h"

namespace aud::connectors {
namespace {

namespace fs = std::filesystem;

// 2026-03-04T05:06:07.890Z and a day later.
constexpr int64_t kT1 = 1772600767890;
constexpr int64_t kT2 = kT1 + 86400000;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "aud-file-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Write(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

// Every file of a folder with its contents.
std::map<std::string, std::string> Files(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    out[e.path().filename().string()] = Read(e.path());
  return out;
}

Value Str(std::string s) {
  Value v;
  v.kind = Value::String;
  v.s = std::move(s);
  return v;
}
Value Int(int64_t i) {
  Value v;
  v.kind = Value::Int;
  v.i = i;
  return v;
}
Value Float(double f) {
  Value v;
  v.kind = Value::Float;
  v.f = f;
  return v;
}
Value Bool(bool b) {
  Value v;
  v.kind = Value::Bool;
  v.b = b;
  return v;
}

Row MakeRow(const std::string& key, bool visitor, std::vector<Field> fields,
            Row::Op op = Row::Enter) {
  Row r;
  r.op = op;
  r.key = key;
  r.profile = key;
  r.visitor = visitor;
  r.fields = std::move(fields);
  return r;
}

config::Connection FileConnection(const std::string& format, const std::string& dir) {
  config::Connection c;
  c.name = "crm_files";
  c.type = "file";
  c.values["format"] = format;
  c.values["dir"] = dir;
  return c;
}

Publication Pub(int64_t applied_at, std::vector<std::string> fields = {"email", "ltv"}) {
  Publication p;
  p.audience = "vip";
  p.destination = "crm";
  p.labels = {"I1"};
  p.field_names = std::move(fields);
  p.key_namespace = "email";
  p.applied_at = applied_at;
  p.serial = 7;
  return p;
}

class FileConnectorTest : public ::testing::Test {
 protected:
  std::unique_ptr<Connector> Make(const std::string& format, const std::string& dir = "out") {
    Context ctx;
    ctx.project_dir = tmp_.path();
    std::string error;
    auto c = MakeFile(FileConnection(format, dir), ctx, &error);
    EXPECT_TRUE(c) << error;
    return c;
  }
  // Begin + Apply; returns the result.
  BatchResult Send(Connector& c, const Publication& pub, const Batch& b) {
    EXPECT_EQ(c.Begin(pub), "");
    return c.Apply(pub, b);
  }
  fs::path Out() const { return fs::path(tmp_.path()) / "out"; }

  TempDir tmp_;
};

TEST(FileConnectorFormat, CsvQuoting) {
  std::string out;
  AppendCsvRecord({"plain", "a,b", "say \"hi\"", "two\nlines", "cr\rx", "Åsa ☃", ""}, &out);
  EXPECT_EQ(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rx\",Åsa ☃,\r\n");
  std::vector<std::vector<std::string>> records;
  std::vector<uint32_t> lines;
  std::string error;
  ASSERT_TRUE(ParseCsv(out + "x,y\n", &records, &lines, &error)) << error;
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0], (std::vector<std::string>{"plain", "a,b", "say \"hi\"", "two\nlines",
                                                  "cr\rx", "Åsa ☃", ""}));
  EXPECT_EQ(records[1], (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(lines, (std::vector<uint32_t>{1, 3}));
}

TEST(FileConnectorFormat, CsvErrors) {
  std::vector<std::vector<std::string>> records;
  std::vector<uint32_t> lines;
  std::string error;
  EXPECT_FALSE(ParseCsv("a,b\r\n\"open,c\r\n", &records, &lines, &error));
  EXPECT_EQ(error, "line 2: unterminated quoted field");
  EXPECT_FALSE(ParseCsv("a,\"b\"x\r\n", &records, &lines, &error));
  EXPECT_EQ(error, "line 1: text after a closing quote");
  EXPECT_FALSE(ParseCsv("a,b\"c\r\n", &records, &lines, &error));
  EXPECT_EQ(error, "line 1: quote inside an unquoted field");
}

TEST(FileConnectorFormat, JsonValues) {
  EXPECT_EQ(ValueToJson(Value{}), "null");
  EXPECT_EQ(ValueToJson(Int(-42)), "-42");
  EXPECT_EQ(ValueToJson(Float(310.5)), "310.5");
  EXPECT_EQ(ValueToJson(Float(3)), "3");
  EXPECT_EQ(ValueToJson(Float(1.0 / 0.0)), "null");
  EXPECT_EQ(ValueToJson(Bool(true)), "true");
  EXPECT_EQ(ValueToJson(Str("a\"b\\c\n\x01 é")), "\"a\\\"b\\\\c\\n\\u0001 é\"");
  EXPECT_EQ(ValueToJson(Str("bad \xff byte")), "\"bad \xEF\xBF\xBD byte\"");
  EXPECT_EQ(ValueToCsvText(Float(0.1)), "0.1");
  EXPECT_EQ(ValueToCsvText(Value{}), "");
}

TEST(FileConnectorFormat, Times) {
  EXPECT_EQ(CompactUtc(kT1), "20260304T050607Z");
  EXPECT_EQ(Rfc3339Utc(kT1), "2026-03-04T05:06:07.890Z");
  EXPECT_EQ(Rfc3339Utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(CompactUtc(-1), "19691231T235959Z");
  EXPECT_EQ(DeltaFileName("vip", kT1, 7, FileFormat::Jsonl),
            "vip.delta-20260304T050607.890Z-7.jsonl");
  EXPECT_EQ(CompactUtcMillis(kT1), "20260304T050607.890Z");
}

TEST_F(FileConnectorTest, LimitsAndBadConnections) {
  auto c = Make("csv");
  EXPECT_EQ(c->limits().batch_size, 0u);
  EXPECT_EQ(c->limits().concurrency, 1u);
  Context ctx;
  ctx.project_dir = tmp_.path();
  std::string error;
  EXPECT_FALSE(MakeFile(FileConnection("xml", "out"), ctx, &error));
  EXPECT_EQ(error, "connection `crm_files`: `format` must be \"csv\" or \"jsonl\"");
  EXPECT_FALSE(MakeFile(FileConnection("csv", ""), ctx, &error));
  EXPECT_EQ(error, "connection `crm_files`: `dir` must be a non-empty string");
}

TEST_F(FileConnectorTest, CsvSnapshotAndDelta) {
  auto c = Make("csv", "out/nested");
  Batch b;
  b.upserts = {
      MakeRow("b@x.se", false, {{"email", Str("b@x.se")}, {"ltv", Float(12.5)}}),
      MakeRow("a@x.se", true, {{"email", Str("Lastname, \"Nick\"\nÅsa")}, {"ltv", Value{}}})};
  BatchResult r = Send(*c, Pub(kT1), b);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(r.rejected.empty());
  fs::path dir = Out() / "nested";
  EXPECT_EQ(Read(dir / "vip.csv"),
            "key,identity_kind,email,ltv\r\n"
            "a@x.se,visitor,\"Lastname, \"\"Nick\"\"\nÅsa\",\r\n"
            "b@x.se,declared,b@x.se,12.5\r\n");
  EXPECT_EQ(Read(dir / "vip.delta-20260304T050607.890Z-7.csv"),
            "op,key,identity_kind,email,ltv\r\n"
            "enter,a@x.se,visitor,\"Lastname, \"\"Nick\"\"\nÅsa\",\r\n"
            "enter,b@x.se,declared,b@x.se,12.5\r\n");

  // The next apply: one update, one exit (its kind comes from the snapshot),
  // one enter.
  Batch b2;
  b2.upserts = {
      MakeRow("b@x.se", false, {{"email", Str("b@x.se")}, {"ltv", Float(20)}}, Row::Update),
      MakeRow("c@x.se", false, {{"email", Str("c@x.se")}, {"ltv", Int(7)}})};
  b2.removes = {"a@x.se"};
  r = Send(*c, Pub(kT2), b2);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(Read(dir / "vip.csv"),
            "key,identity_kind,email,ltv\r\n"
            "b@x.se,declared,b@x.se,20\r\n"
            "c@x.se,declared,c@x.se,7\r\n");
  EXPECT_EQ(Read(dir / "vip.delta-20260305T050607.890Z-7.csv"),
            "op,key,identity_kind,email,ltv\r\n"
            "exit,a@x.se,visitor,,\r\n"
            "update,b@x.se,declared,b@x.se,20\r\n"
            "enter,c@x.se,declared,c@x.se,7\r\n");
  // Three files and no temp file left behind.
  EXPECT_EQ(Files(dir).size(), 3u);
}

TEST_F(FileConnectorTest, JsonlTyping) {
  auto c = Make("jsonl");
  Batch b;
  b.upserts = {MakeRow("u1", false,
                       {{"s", Str("x\"y")},
                        {"i", Int(-3)},
                        {"f", Float(0.25)},
                        {"b", Bool(false)},
                        {"n", Value{}}}),
               MakeRow("u2", true, {{"f", Float(3)}})};
  auto pub = Pub(kT1, {"s", "i", "f", "b", "n"});
  ASSERT_TRUE(Send(*c, pub, b).ok());
  EXPECT_EQ(Read(Out() / "vip.jsonl"),
            "{\"key\":\"u1\",\"identity_kind\":\"declared\",\"s\":\"x\\\"y\",\"i\":-3,\"f\":0.25,"
            "\"b\":false,\"n\":null}\n"
            "{\"key\":\"u2\",\"identity_kind\":\"visitor\",\"s\":null,\"i\":null,\"f\":3,"
            "\"b\":null,\"n\":null}\n");
  Batch b2;
  b2.removes = {"u2"};
  pub.applied_at = kT2;
  ASSERT_TRUE(Send(*c, pub, b2).ok());
  // Unchanged rows keep their bytes through a read and a write.
  EXPECT_EQ(Read(Out() / "vip.jsonl"),
            "{\"key\":\"u1\",\"identity_kind\":\"declared\",\"s\":\"x\\\"y\",\"i\":-3,\"f\":0.25,"
            "\"b\":false,\"n\":null}\n");
  EXPECT_EQ(Read(Out() / "vip.delta-20260305T050607.890Z-7.jsonl"),
            "{\"op\":\"exit\",\"key\":\"u2\",\"identity_kind\":\"visitor\",\"s\":null,\"i\":null,"
            "\"f\":null,\"b\":null,\"n\":null}\n");
}

// A batch re-sent after a crash (same applied_at) leaves the same bytes,
// whether the first send finished, stopped after the delta, or never ran.
TEST_F(FileConnectorTest, ResendIsByteIdentical) {
  for (const char* format : {"csv", "jsonl"}) {
    SCOPED_TRACE(format);
    TempDir t;
    Context ctx;
    ctx.project_dir = t.path();
    std::string error;
    auto c = MakeFile(FileConnection(format, "out"), ctx, &error);
    ASSERT_TRUE(c) << error;
    Batch b1;
    b1.upserts = {MakeRow("a", true, {{"email", Str("a,1")}}), MakeRow("b", false, {})};
    ASSERT_TRUE(c->Apply(Pub(kT1), b1).ok());
    Batch b2;
    b2.upserts = {MakeRow("c", false, {{"ltv", Float(1.5)}}),
                  MakeRow("b", false, {{"email", Str("new")}}, Row::Update)};
    b2.removes = {"a"};
    ASSERT_TRUE(c->Apply(Pub(kT2), b2).ok());
    auto once = Files(fs::path(t.path()) / "out");
    ASSERT_TRUE(c->Apply(Pub(kT2), b2).ok());
    EXPECT_EQ(Files(fs::path(t.path()) / "out"), once);

    // Stopped after the delta was written: the snapshot is the old one.
    std::string ext = format;
    fs::path out = fs::path(t.path()) / "out";
    TempDir t2;
    auto c2 = MakeFile(FileConnection(format, "out"), Context{t2.path(), nullptr, 1}, &error);
    ASSERT_TRUE(c2);
    ASSERT_TRUE(c2->Apply(Pub(kT1), b1).ok());
    std::string old_snapshot = Read(fs::path(t2.path()) / "out" / ("vip." + ext));
    ASSERT_TRUE(c2->Apply(Pub(kT2), b2).ok());
    Write(fs::path(t2.path()) / "out" / ("vip." + ext), old_snapshot);
    ASSERT_TRUE(c2->Apply(Pub(kT2), b2).ok());
    EXPECT_EQ(Files(fs::path(t2.path()) / "out"), once);
  }
}

// Two batches of one apply (same applied_at) make one delta holding both.
TEST_F(FileConnectorTest, BatchesOfOneApplyShareTheDelta) {
  auto c = Make("csv");
  Batch b0, b1;
  b0.upserts = {MakeRow("k2", false, {})};
  b1.index = 1;
  b1.upserts = {MakeRow("k1", false, {})};
  ASSERT_TRUE(c->Apply(Pub(kT1), b0).ok());
  ASSERT_TRUE(c->Apply(Pub(kT1), b1).ok());
  EXPECT_EQ(Read(Out() / "vip.delta-20260304T050607.890Z-7.csv"),
            "op,key,identity_kind,email,ltv\r\nenter,k1,declared,,\r\nenter,k2,declared,,\r\n");
  EXPECT_EQ(Read(Out() / "vip.csv"),
            "key,identity_kind,email,ltv\r\nk1,declared,,\r\nk2,declared,,\r\n");
}

TEST_F(FileConnectorTest, DropRemovesTheSnapshot) {
  auto c = Make("csv");
  Batch b;
  b.upserts = {MakeRow("k1", true, {})};
  ASSERT_TRUE(c->Apply(Pub(kT1), b).ok());
  Batch drop;
  drop.removes = {"k1"};
  drop.drop = true;
  drop.last = true;
  ASSERT_TRUE(c->Apply(Pub(kT2), drop).ok());
  EXPECT_FALSE(fs::exists(Out() / "vip.csv"));
  EXPECT_EQ(Read(Out() / "vip.delta-20260305T050607.890Z-7.csv"),
            "op,key,identity_kind,email,ltv\r\nexit,k1,visitor,,\r\n");
  auto files = Files(Out());
  // Re-sent: still no snapshot, the same delta (the kind kept from it).
  ASSERT_TRUE(c->Apply(Pub(kT2), drop).ok());
  EXPECT_EQ(Files(Out()), files);
}

// A snapshot edited by hand and saved with a byte-order mark and LF line
// ends is still read; it is written back in the canonical form.
TEST_F(FileConnectorTest, HandEditedSnapshotIsRead) {
  auto c = Make("csv");
  fs::create_directories(Out());
  Write(Out() / "vip.csv", "\xEF\xBB\xBFkey,identity_kind,email,ltv\nk1,visitor,\"a,b\",1\n");
  Batch b;
  b.removes = {"k1"};
  b.upserts = {MakeRow("k0", false, {})};
  ASSERT_TRUE(c->Apply(Pub(kT1), b).ok());
  EXPECT_EQ(Read(Out() / "vip.csv"), "key,identity_kind,email,ltv\r\nk0,declared,,\r\n");
  EXPECT_EQ(Read(Out() / "vip.delta-20260304T050607.890Z-7.csv"),
            "op,key,identity_kind,email,ltv\r\nenter,k0,declared,,\r\nexit,k1,visitor,,\r\n");
}

// A changed `map` keeps the rows not in the batch, column by name.
TEST_F(FileConnectorTest, ColumnsFollowTheFieldNames) {
  auto c = Make("csv");
  Batch b;
  b.upserts = {MakeRow("k1", false, {{"email", Str("e1")}, {"ltv", Int(1)}})};
  ASSERT_TRUE(c->Apply(Pub(kT1), b).ok());
  Batch b2;
  b2.upserts = {MakeRow("k2", false, {{"ltv", Int(2)}, {"plan", Str("pro")}})};
  ASSERT_TRUE(c->Apply(Pub(kT2, {"ltv", "plan"}), b2).ok());
  EXPECT_EQ(Read(Out() / "vip.csv"),
            "key,identity_kind,ltv,plan\r\nk1,declared,1,\r\nk2,declared,2,pro\r\n");
}

TEST_F(FileConnectorTest, CorruptedSnapshotIsAnError) {
  struct Case {
    const char* format;
    const char* text;
    const char* why;
  };
  const Case cases[] = {
      {"csv", "key,identity_kind,email,ltv\r\n\"k1,declared,,\r\n",
       "line 2: unterminated quoted field"},
      {"csv", "name,kind\r\nk1,declared\r\n",
       "line 1: the header must start with `key,identity_kind`"},
      {"csv", "", "line 1: missing header row"},
      {"csv", "key,identity_kind,email,ltv\r\nk1,declared,x\r\n",
       "line 2: expected 4 fields, found 3"},
      {"csv", "key,identity_kind\r\nk1,human\r\n",
       "line 2: identity_kind must be `declared` or `visitor`"},
      {"csv", "key,identity_kind\r\nk1,declared\r\nk1,visitor\r\n", "line 3: duplicate key"},
      {"jsonl",
       "{\"key\":\"k1\",\"identity_kind\":\"declared\"}\n{\"key\":", "line 2: invalid JSON"},
      {"jsonl", "[1]\n", "line 1: not a JSON object"},
      {"jsonl", "{\"key\":5,\"identity_kind\":\"declared\"}\n",
       "line 1: `key` must be a non-empty string"},
      {"jsonl", "{\"key\":\"k\",\"identity_kind\":\"declared\",\"email\":[1]}\n",
       "line 1: field `email` holds an array or object"},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.text);
    TempDir t;
    std::string error;
    auto c = MakeFile(FileConnection(k.format, "out"), Context{t.path(), nullptr, 1}, &error);
    ASSERT_TRUE(c);
    fs::path out = fs::path(t.path()) / "out";
    fs::create_directories(out);
    std::string name = std::string("vip.") + k.format;
    Write(out / name, k.text);
    Batch b;
    b.upserts = {MakeRow("k2", false, {})};
    BatchResult r = c->Apply(Pub(kT1), b);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error,
              "connection `crm_files`: out/" + name + ": " + k.why + " (fix or remove the file)");
    // Nothing was written.
    EXPECT_EQ(Read(out / name), k.text);
    EXPECT_EQ(Files(out).size(), 1u);
  }
}

TEST_F(FileConnectorTest, FolderThatCannotBeCreated) {
  Write(fs::path(tmp_.path()) / "blocker", "a file");
  auto c = Make("csv", "blocker/out");
  std::string begin = c->Begin(Pub(kT1));
  EXPECT_EQ(begin.rfind("connection `crm_files`: cannot create folder `blocker/out`", 0), 0u)
      << begin;
  Batch b;
  b.upserts = {MakeRow("k", false, {})};
  BatchResult r = c->Apply(Pub(kT1), b);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error.rfind("connection `crm_files`: cannot create folder `blocker/out`", 0), 0u);
}

TEST_F(FileConnectorTest, BadPublicationNames) {
  auto c = Make("csv");
  auto pub = Pub(kT1, {"email", "key"});
  EXPECT_EQ(
      c->Begin(pub),
      "connection `crm_files`: audience `vip`: field `key` clashes with a column of the file");
  pub = Pub(kT1, {"a", "a"});
  EXPECT_EQ(c->Begin(pub), "connection `crm_files`: audience `vip`: field `a` is mapped twice");
  pub = Pub(kT1);
  pub.audience = "../escape";
  EXPECT_EQ(c->Begin(pub),
            "connection `crm_files`: audience name `../escape` cannot be a file name");
  Batch b;
  b.upserts = {MakeRow("", false, {}), MakeRow("ok", false, {})};
  BatchResult r = c->Apply(Pub(kT1), b);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.rejected.size(), 1u);
  EXPECT_EQ(r.rejected[0].reason, "empty key");
}

// A failed replacement leaves the old file whole and no temp file behind.
TEST_F(FileConnectorTest, FailedWriteKeepsTheOldSnapshot) {
  auto c = Make("csv");
  Batch b;
  b.upserts = {MakeRow("k1", false, {})};
  ASSERT_TRUE(c->Apply(Pub(kT1), b).ok());
  std::string before = Read(Out() / "vip.csv");
  // A file size limit between the delta (53 bytes) and the new snapshot
  // (59 bytes): the snapshot write fails after the delta was written.
  Batch b2;
  b2.upserts = {MakeRow("k2", false, {})};
  struct rlimit old_limit {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old_limit;
  small.rlim_cur = 56;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  BatchResult r = c->Apply(Pub(kT2), b2);
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.rfind("connection `crm_files`: cannot write out/vip.csv: ", 0), 0u) << r.error;
  EXPECT_EQ(Read(Out() / "vip.csv"), before);
  // The delta is written before the snapshot (so exit kinds survive a stop
  // between the two).
  EXPECT_TRUE(fs::exists(Out() / "vip.delta-20260305T050607.890Z-7.csv"));
  // Once the obstacle is gone the re-sent batch completes.
  ASSERT_TRUE(c->Apply(Pub(kT2), b2).ok());
  EXPECT_EQ(Read(Out() / "vip.csv"),
            "key,identity_kind,email,ltv\r\nk1,declared,,\r\nk2,declared,,\r\n");
  for (const auto& [name, text] : Files(Out())) EXPECT_NE(name[0], '.') << name;
}

TEST(FileConnectorIo, WriteFileAtomicReplaces) {
  TempDir t;
  std::string error;
  ASSERT_TRUE(WriteFileAtomic(t.path(), "f.txt", "one", "f.txt", &error)) << error;
  ASSERT_TRUE(WriteFileAtomic(t.path(), "f.txt", "two", "f.txt", &error)) << error;
  EXPECT_EQ(Read(fs::path(t.path()) / "f.txt"), "two");
  EXPECT_EQ(Files(t.path()).size(), 1u);
  EXPECT_FALSE(WriteFileAtomic(t.path() + "/missing", "f.txt", "x", "missing/f.txt", &error));
  EXPECT_EQ(error, "cannot write missing/f.txt: No such file or directory");
}

// Issue 11 finding 7: symbolic links planted in the export folder — at the
// old predictable temp names and at the target names — never make apply
// write through them; temp names are fresh and unpredictable.
TEST_F(FileConnectorTest, PlantedSymlinksAreNeverWrittenThrough) {
  auto c = Make("csv");
  fs::create_directories(Out());
  const fs::path victim = fs::path(tmp_.path()) / "victim.txt";
  Write(victim, "precious\n");
  // The names a temp file used to have, for the snapshot and the delta.
  fs::create_symlink(victim, Out() / ".vip.csv.tmp");
  fs::create_symlink(victim, Out() / ".vip.delta-20260304T050607.890Z-7.csv.tmp");
  Batch b;
  b.upserts = {MakeRow("k1", false, {{"email", Str("k1@x.se")}})};
  BatchResult r = c->Apply(Pub(kT1), b);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(Read(victim), "precious\n");
  EXPECT_FALSE(fs::is_symlink(Out() / "vip.csv"));
  EXPECT_EQ(Read(Out() / "vip.csv"), "key,identity_kind,email,ltv\r\nk1,declared,k1@x.se,\r\n");
  // A link at the target itself: it is read (and refused: not our file),
  // never written through.
  fs::remove(Out() / "vip.csv");
  fs::create_symlink(victim, Out() / "vip.csv");
  r = c->Apply(Pub(kT2), b);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(Read(victim), "precious\n");
  // Temp names: `.name.<24 hex>.tmp`, never twice the same.
  std::set<std::string> names;
  for (int i = 0; i < 100; ++i) {
    std::string t = TempFileName("vip.csv");
    ASSERT_EQ(t.size(), std::string(".vip.csv.").size() + 24 + 4) << t;
    EXPECT_EQ(t.rfind(".vip.csv.", 0), 0u) << t;
    names.insert(t);
  }
  EXPECT_EQ(names.size(), 100u);
  // Exports are private to the user whatever the umask.
  EXPECT_EQ(fs::status(Out() / ".vip.csv.tmp").type(), fs::file_type::regular);  // the victim
  struct stat st {};
  ASSERT_EQ(::lstat((Out() / "vip.delta-20260304T050607.890Z-7.csv").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// Issue 11 finding 8: two applies within one second (serials 7 and 8) write
// two deltas; a re-sent batch (same applied_at and serial) writes the same one.
TEST_F(FileConnectorTest, TwoAppliesInOneSecondKeepTwoDeltas) {
  auto c = Make("csv");
  Batch b1;
  b1.upserts = {MakeRow("k1", false, {{"email", Str("one")}})};
  ASSERT_TRUE(c->Apply(Pub(kT1), b1).ok());
  Publication second = Pub(kT1 + 40);  // 40 ms later, the same second
  second.serial = 8;
  Batch b2;
  b2.upserts = {MakeRow("k1", false, {{"email", Str("two")}}, Row::Update),
                MakeRow("k2", false, {})};
  ASSERT_TRUE(c->Apply(second, b2).ok());
  ASSERT_TRUE(c->Apply(second, b2).ok());  // re-sent: same file, same bytes
  EXPECT_EQ(Read(Out() / "vip.delta-20260304T050607.890Z-7.csv"),
            "op,key,identity_kind,email,ltv\r\nenter,k1,declared,one,\r\n");
  EXPECT_EQ(Read(Out() / "vip.delta-20260304T050607.930Z-8.csv"),
            "op,key,identity_kind,email,ltv\r\nupdate,k1,declared,two,\r\n"
            "enter,k2,declared,,\r\n");
  EXPECT_EQ(Files(Out()).size(), 3u);
  // The same millisecond with another serial is still another file.
  Publication third = Pub(kT1 + 40);
  third.serial = 9;
  Batch b3;
  b3.removes = {"k2"};
  ASSERT_TRUE(c->Apply(third, b3).ok());
  EXPECT_EQ(Read(Out() / "vip.delta-20260304T050607.930Z-9.csv"),
            "op,key,identity_kind,email,ltv\r\nexit,k2,declared,,\r\n");
  EXPECT_EQ(Files(Out()).size(), 4u);
}

TEST(FileConnectorFormat, CsvFormulaEscapeRoundTrips) {
  for (std::string v : {"=1+1", "+46", "-x", "@SUM(A1)", "\tx", "\rx", "'", "'=a", "''", "'abc",
                        "abc", "", "a=b", "=", "x'"}) {
    std::string e = CsvEscapeFormula(v);
    EXPECT_FALSE(CsvFormulaStart(e)) << v;
    EXPECT_EQ(CsvUnescapeFormula(e), v) << v;
  }
  EXPECT_EQ(CsvEscapeFormula("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
  EXPECT_EQ(CsvEscapeFormula("'abc"), "''abc");
  EXPECT_EQ(CsvEscapeFormula("abc"), "abc");
  EXPECT_EQ(CsvUnescapeFormula("'abc"), "'abc");  // not one of ours: kept
}

// Issue 11 finding 9: string cells (and keys) that a spreadsheet would run
// as a formula get a leading `'`; numbers never; the connector reads its own
// snapshot back exactly; `csv_formula_escape = false` writes them raw.
TEST_F(FileConnectorTest, CsvFormulaInjectionIsNeutralised) {
  auto c = Make("csv");
  Batch b;
  b.upserts = {MakeRow("=evil()", false,
                       {{"email", Str("=HYPERLINK(\"http://x\",\"y\")")}, {"ltv", Int(-5)}}),
               MakeRow("a", false, {{"email", Str("+1 555")}, {"ltv", Float(-2.5)}}),
               MakeRow("b", false, {{"email", Str("-2")}, {"ltv", Value{}}}),
               MakeRow("c", false, {{"email", Str("@SUM(A1)")}}),
               MakeRow("d", false, {{"email", Str("\tx")}}),
               MakeRow("e", false, {{"email", Str("\rx")}}),
               MakeRow("f", false, {{"email", Str("'quoted")}}),
               MakeRow("'g", false, {{"email", Str("plain")}})};
  ASSERT_TRUE(c->Apply(Pub(kT1), b).ok());
  const std::string snapshot =
      "key,identity_kind,email,ltv\r\n"
      "''g,declared,plain,\r\n"
      "'=evil(),declared,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-5\r\n"
      "a,declared,'+1 555,-2.5\r\n"
      "b,declared,'-2,\r\n"
      "c,declared,'@SUM(A1),\r\n"
      "d,declared,'\tx,\r\n"
      "e,declared,\"'\rx\",\r\n"
      "f,declared,''quoted,\r\n";
  EXPECT_EQ(Read(Out() / "vip.csv"), snapshot);
  // Rows sort by the original key (`'g` before `=evil()`). Read back and
  // written again: unchanged rows keep their bytes; the keys are the original ones (an update
  // replaces, a remove finds them).
  Batch b2;
  b2.upserts = {MakeRow("=evil()", false, {{"email", Str("=2")}}, Row::Update)};
  b2.removes = {"'g"};
  ASSERT_TRUE(c->Apply(Pub(kT2), b2).ok());
  EXPECT_EQ(Read(Out() / "vip.csv"),
            "key,identity_kind,email,ltv\r\n"
            "'=evil(),declared,'=2,\r\n"
            "a,declared,'+1 555,-2.5\r\n"
            "b,declared,'-2,\r\n"
            "c,declared,'@SUM(A1),\r\n"
            "d,declared,'\tx,\r\n"
            "e,declared,\"'\rx\",\r\n"
            "f,declared,''quoted,\r\n");
  EXPECT_EQ(Read(Out() / "vip.delta-20260305T050607.890Z-7.csv"),
            "op,key,identity_kind,email,ltv\r\n"
            "exit,''g,declared,,\r\n"
            "update,'=evil(),declared,'=2,\r\n");
  std::map<std::string, FileRow> rows;
  std::string error;
  ASSERT_TRUE(ParseFileRows(snapshot, FileFormat::Csv, false, {"email", "ltv"}, &rows, &error))
      << error;
  EXPECT_EQ(rows.count("=evil()"), 1u);
  EXPECT_EQ(rows.count("'g"), 1u);

  // Turned off: written as they are.
  config::Connection raw = FileConnection("csv", "raw");
  raw.values["csv_formula_escape"] = false;
  Context ctx;
  ctx.project_dir = tmp_.path();
  auto c2 = MakeFile(raw, ctx, &error);
  ASSERT_TRUE(c2) << error;
  Batch b3;
  b3.upserts = {MakeRow("=k", false, {{"email", Str("=1+1")}, {"ltv", Int(-1)}})};
  ASSERT_TRUE(c2->Apply(Pub(kT1), b3).ok());
  ASSERT_TRUE(c2->Apply(Pub(kT2), b3).ok());
  EXPECT_EQ(Read(fs::path(tmp_.path()) / "raw" / "vip.csv"),
            "key,identity_kind,email,ltv\r\n=k,declared,=1+1,-1\r\n");
  // JSON lines are not spreadsheets: values as they are.
  auto c3 = Make("jsonl", "j");
  ASSERT_TRUE(c3->Apply(Pub(kT1), b3).ok());
  EXPECT_EQ(Read(fs::path(tmp_.path()) / "j" / "vip.jsonl"),
            "{\"key\":\"=k\",\"identity_kind\":\"declared\",\"email\":\"=1+1\",\"ltv\":-1}\n");
}

}  // namespace
}  // namespace aud::connectors
