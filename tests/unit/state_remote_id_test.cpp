// The destination's id of a publication (the Autopilot list id) kept in
// state: recorded, read back after reopening, replaced, kept across a drop,
// absent ("") in state files written before the table existed, and recorded
// without bumping the serial.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "runtime/state/state.h"

namespace aud::state {
namespace {

namespace fs = std::filesystem;

class RemoteIdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "aud-remote-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (fs::path(dir_) / "state.db").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::unique_ptr<State> Open() {
    std::string error;
    auto s = State::Open(path_, &error);
    EXPECT_NE(s, nullptr) << error;
    return s;
  }
  std::string dir_, path_;
};

TEST_F(RemoteIdTest, RecordedReadBackAndKept) {
  {
    auto s = Open();
    EXPECT_EQ(s->RemoteId("vip", "ap"), "") << "a state without the table has none";
    uint64_t serial = s->serial();
    std::string error;
    ASSERT_TRUE(s->RecordRemoteId("vip", "ap", "contactlist_7", &error)) << error;
    EXPECT_EQ(s->serial(), serial) << "plans do not depend on it";
    EXPECT_EQ(s->RemoteId("vip", "ap"), "contactlist_7");
    EXPECT_EQ(s->RemoteId("vip", "other"), "");
    EXPECT_EQ(s->RemoteId("other", "ap"), "");
  }
  auto s = Open();
  EXPECT_EQ(s->RemoteId("vip", "ap"), "contactlist_7");
  std::string error;
  ASSERT_TRUE(s->RecordRemoteId("vip", "ap", "contactlist_9", &error)) << error;
  EXPECT_EQ(s->RemoteId("vip", "ap"), "contactlist_9");
  PublicationRecord p;
  p.audience = "vip";
  p.destination = "ap";
  p.definition_hash = "h";
  p.updated_at = 1;
  ASSERT_TRUE(s->RecordPublication(p, &error)) << error;
  ASSERT_TRUE(s->DropPublication("vip", "ap", &error)) << error;
  EXPECT_EQ(s->RemoteId("vip", "ap"), "contactlist_9") << "the list outlives the publication";
}

}  // namespace
}  // namespace aud::state
