// Reading a project from disk (check::ReadSourceTree and imports): only
// regular files of at most 16 MiB that resolve inside the project folder are
// read. Imports that leave the project (`..`, an absolute path, a symlink
// pointing out) and files that are directories, FIFOs, devices or too large
// are diagnostics that never print the target's content.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "compiler/base/file_read.h"
#include "compiler/check/check.h"

namespace aud::check {
namespace {

namespace fs = std::filesystem;

// A temporary folder holding `outside/` (never part of the project) and the
// project `proj/`.
class LoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/aud-load-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    proj_ = base_ / "proj";
    fs::create_directories(proj_);
    fs::create_directories(base_ / "outside");
    Write("aud.toml", "[project]\nname = \"t\"\n");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }
  void Write(const std::string& rel, const std::string& text) {
    fs::path p = proj_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  }
  // Checks the project and returns its rendered diagnostics.
  std::string CheckProject(std::unique_ptr<Project>* out = nullptr) {
    auto project = Check(ReadSourceTree(proj_.string()));
    std::string text = project->diags.Render(false);
    if (out) *out = std::move(project);
    return text;
  }
  static bool HasKind(const Project& p, base::DiagKind k) {
    for (const auto& d : p.diags.all())
      if (d.kind == k) return true;
    return false;
  }

  fs::path base_;
  fs::path proj_;
};

// A secret that must never reach a diagnostic: written as a line that is a
// syntax error in `.aud`, so a reader that parsed the file would print it.
constexpr const char* kCanary = "AWS_SECRET_ACCESS_KEY=canary-7f3a9c-not-for-eyes\n";

TEST_F(LoadTest, DotDotImportIsRefusedWithoutReadingTheTarget) {
  std::ofstream(base_ / "outside" / "secrets.aud") << kCanary;
  Write("main.aud", "import \"../outside/secrets.aud\"\n");
  std::unique_ptr<Project> p;
  std::string out = CheckProject(&p);
  EXPECT_TRUE(HasKind(*p, base::DiagKind::ImportOutsideProject)) << out;
  EXPECT_NE(out.find("main.aud:1:8: error: cannot import `../outside/secrets.aud`: it is outside "
                     "the project folder [import-outside-project]"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("canary-7f3a9c"), std::string::npos) << out;
}

TEST_F(LoadTest, ProcSelfEnvironIsRefused) {
  Write("main.aud", "import \"../../../../../../../../proc/self/environ\"\n");
  std::unique_ptr<Project> p;
  std::string out = CheckProject(&p);
  ASSERT_EQ(p->diags.all().size(), 1u) << out;
  EXPECT_EQ(p->diags.all()[0].kind, base::DiagKind::ImportOutsideProject);
  // Nothing of the environment: no `NAME=value` line, no PATH.
  EXPECT_EQ(out.find("PATH="), std::string::npos) << out;
}

TEST_F(LoadTest, AbsoluteImportIsRefused) {
  std::ofstream(base_ / "outside" / "abs.aud") << kCanary;
  Write("main.aud", "import \"" + (base_ / "outside" / "abs.aud").string() + "\"\n");
  std::unique_ptr<Project> p;
  std::string out = CheckProject(&p);
  EXPECT_TRUE(HasKind(*p, base::DiagKind::ImportOutsideProject)) << out;
  EXPECT_EQ(out.find("canary-7f3a9c"), std::string::npos) << out;
}

TEST_F(LoadTest, SymlinkPointingOutIsRefused) {
  std::ofstream(base_ / "outside" / "real.aud") << kCanary;
  // A hidden folder is not part of the tree: the import reads from disk.
  fs::create_directories(proj_ / ".shared");
  fs::create_symlink(base_ / "outside" / "real.aud", proj_ / ".shared" / "link.aud");
  Write("main.aud", "import \".shared/link.aud\"\n");
  std::unique_ptr<Project> p;
  std::string out = CheckProject(&p);
  EXPECT_NE(out.find("cannot import `.shared/link.aud`: it resolves (through a symlink) outside "
                     "the project folder [import-outside-project]"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("canary-7f3a9c"), std::string::npos) << out;
}

TEST_F(LoadTest, SymlinkedModuleFileAndConfigPointingOutAreNotRead) {
  std::ofstream(base_ / "outside" / "real.aud") << kCanary;
  std::ofstream(base_ / "outside" / "real.toml") << kCanary;
  fs::create_symlink(base_ / "outside" / "real.aud", proj_ / "evil.aud");
  fs::remove(proj_ / "aud.toml");
  fs::create_symlink(base_ / "outside" / "real.toml", proj_ / "aud.toml");
  std::unique_ptr<Project> p;
  std::string out = CheckProject(&p);
  EXPECT_NE(out.find("aud: error: cannot read `evil.aud`: it resolves outside the project folder "
                     "[unreadable-file]"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("cannot read `aud.toml`: it resolves outside the project folder"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("canary-7f3a9c"), std::string::npos) << out;
}

TEST_F(LoadTest, SymlinkInsideTheProjectIsFine) {
  Write(".real/events.aud", "event order_completed \"Order Completed\" { revenue: float }\n");
  fs::create_directories(proj_ / ".lib");
  fs::create_symlink(proj_ / ".real" / "events.aud", proj_ / ".lib" / "events.aud");
  Write("main.aud", "import \".lib/events.aud\"\nsegment s = did(order_completed)\n");
  std::unique_ptr<Project> p;
  std::string out = CheckProject(&p);
  EXPECT_TRUE(p->ok()) << out;
}

TEST_F(LoadTest, DevZeroThroughASymlinkIsRefusedAtOnce) {
  fs::create_directories(proj_ / ".x");
  fs::create_symlink("/dev/zero", proj_ / ".x" / "zero.aud");
  Write("main.aud", "import \".x/zero.aud\"\n");
  std::unique_ptr<Project> p;
  std::string out = CheckProject(&p);
  EXPECT_TRUE(HasKind(*p, base::DiagKind::ImportOutsideProject)) << out;
}

TEST_F(LoadTest, DirectoryImportIsAnError) {
  fs::create_directories(proj_ / "lists" / "more");
  Write("main.aud", "import \"lists\"\n");
  std::unique_ptr<Project> p;
  std::string out = CheckProject(&p);
  EXPECT_NE(out.find("main.aud:1:8: error: cannot import `lists`: it is a directory "
                     "[unreadable-file]"),
            std::string::npos)
      << out;
}

TEST_F(LoadTest, FifoIsNeverOpenedForAWriter) {
  ASSERT_EQ(mkfifo((proj_ / "pipe.aud").c_str(), 0600), 0);
  ASSERT_EQ(mkfifo((proj_ / "pipe.txt").c_str(), 0600), 0);
  Write("main.aud", "import \"pipe.txt\"\n");
  std::unique_ptr<Project> p;
  std::string out = CheckProject(&p);  // would block forever on a blocking open
  EXPECT_NE(out.find("cannot read `pipe.aud`: it is not a regular file [unreadable-file]"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("cannot import `pipe.txt`: it is not a regular file [unreadable-file]"),
            std::string::npos)
      << out;
}

TEST_F(LoadTest, ConfigThatIsADirectoryIsAnError) {
  fs::remove(proj_ / "aud.toml");
  fs::create_directories(proj_ / "aud.toml");
  std::unique_ptr<Project> p;
  std::string out = CheckProject(&p);
  EXPECT_NE(out.find("cannot read `aud.toml`: it is a directory [unreadable-file]"),
            std::string::npos)
      << out;
  EXPECT_FALSE(HasKind(*p, base::DiagKind::ConfigMissing)) << out;
}

TEST_F(LoadTest, OversizedFileIsRefused) {
  fs::create_directories(proj_ / ".big");
  {
    std::ofstream big(proj_ / ".big" / "x.aud", std::ios::binary);
    std::string line(1024, '#');
    line += '\n';
    for (uint64_t i = 0; i <= base::kMaxSourceBytes / line.size(); ++i) big << line;
  }
  Write("main.aud", "import \".big/x.aud\"\n");
  std::unique_ptr<Project> p;
  std::string out = CheckProject(&p);
  EXPECT_NE(out.find("cannot import `.big/x.aud`: it is larger than 16 MiB [unreadable-file]"),
            std::string::npos)
      << out;
}

TEST_F(LoadTest, ImportedListsAreRegularFilesInsideTheProjectUnlessAbsolute) {
  std::ofstream(base_ / "outside" / "list.csv") << "email\nx@example.com\n";
  fs::create_directories(proj_ / "lists" / "dir.csv");
  ASSERT_EQ(mkfifo((proj_ / "lists" / "pipe.csv").c_str(), 0600), 0);
  fs::create_symlink(base_ / "outside" / "list.csv", proj_ / "lists" / "link.csv");
  std::ofstream(proj_ / "lists" / "ok.csv") << "email\nx@example.com\n";
  Write("main.aud",
        "trait email: string\n"
        "identity email: declared from trait email normalize email\n"
        "audience a { import \"lists/dir.csv\" key email }\n"
        "audience b { import \"lists/pipe.csv\" key email }\n"
        "audience c { import \"lists/link.csv\" key email }\n"
        "audience d { import \"../outside/list.csv\" key email }\n"
        "audience e { import \"" +
            (base_ / "outside" / "list.csv").string() +
            "\" key email }\n"
            "audience f { import \"lists/ok.csv\" key email }\n");
  std::unique_ptr<Project> p;
  std::string out = CheckProject(&p);
  EXPECT_NE(out.find("main.aud:3:21: error: cannot import the list `lists/dir.csv`: it is a "
                     "directory [unreadable-file]"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("main.aud:4:21: error: cannot import the list `lists/pipe.csv`: it is not "
                     "a regular file [unreadable-file]"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("main.aud:5:21: error: cannot import the list `lists/link.csv`: it resolves "
                     "(through a symlink) outside the project folder"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("main.aud:6:21: error: cannot import the list `../outside/list.csv`: a "
                     "relative path must stay inside the project folder"),
            std::string::npos)
      << out;
  // The absolute path (e) and the regular file inside (f) are fine.
  EXPECT_EQ(p->diags.error_count(), 4u) << out;
}

TEST(ReadRegularFile, RefusesPseudoFilesAndDevices) {
  EXPECT_EQ(base::ReadRegularFile("/proc/self/environ", 1 << 20).status,
            base::ReadStatus::NotRegular);
  EXPECT_EQ(base::ReadRegularFile("/dev/zero", 1 << 20).status, base::ReadStatus::NotRegular);
  EXPECT_EQ(base::ReadRegularFile("/", 1 << 20).status, base::ReadStatus::Directory);
  EXPECT_EQ(base::ReadRegularFile("/no/such/file", 1 << 20).status, base::ReadStatus::NotFound);
}

}  // namespace
}  // namespace aud::check
