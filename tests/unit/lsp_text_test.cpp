// Unit tests of tools/lsp: positions (UTF-16 and UTF-8), URIs, framing, and
// the handler's protocol errors in process (the session test drives a real
// `aud lsp`: tests/lsp/).

#include <gtest/gtest.h>

#include <sstream>

#include "tools/lsp/server.h"
#include "tools/lsp/text.h"

namespace aud::lsp {
namespace {

TEST(LspText, PositionsUtf16AndUtf8) {
  // "é" is 2 bytes / 1 UTF-16 unit, "😀" 4 bytes / 2 units.
  std::string t = "ab\né😀x\n";
  auto starts = LineStarts(t);
  ASSERT_EQ(starts.size(), 3u);
  uint32_t x = static_cast<uint32_t>(t.find('x'));
  EXPECT_EQ(LspPositionOf(t, starts, x, false), std::make_pair(1u, 3u));
  EXPECT_EQ(LspPositionOf(t, starts, x, true), std::make_pair(1u, 6u));
  EXPECT_EQ(FromLspPosition(t, starts, 1, 3, false), x);
  EXPECT_EQ(FromLspPosition(t, starts, 1, 6, true), x);
  // Past the line end: the line end; past the last line or negative: none.
  EXPECT_EQ(FromLspPosition(t, starts, 0, 99, false), 2u);
  EXPECT_EQ(FromLspPosition(t, starts, 3, 0, false), std::nullopt);
  EXPECT_EQ(FromLspPosition(t, starts, -1, 0, false), std::nullopt);
  EXPECT_EQ(FromLspPosition(t, starts, 0, -1, true), std::nullopt);
  // Inside a surrogate pair: the end of that character, never a split byte.
  EXPECT_EQ(FromLspPosition(t, starts, 1, 2, false), x);
}

TEST(LspText, Uris) {
  EXPECT_EQ(UriToPath("file:///home/a%20b/main.aud"), "/home/a b/main.aud");
  EXPECT_EQ(UriToPath("FILE:///x"), "/x");
  EXPECT_EQ(UriToPath("file://host/x"), "");
  EXPECT_EQ(UriToPath("untitled:1"), "");
  EXPECT_EQ(UriToPath("file:///a%00b"), "");
  EXPECT_EQ(PathToUri("/home/a b/ü.aud"), "file:///home/a%20b/%C3%BC.aud");
  EXPECT_EQ(UriToPath(PathToUri("/tmp/x y#z")), "/tmp/x y#z");
}

TEST(LspFraming, ReadsMessagesAndRefusesBadHeaders) {
  std::istringstream in(
      "Content-Length: 2\r\n\r\n{}"
      "Content-Type: x\r\ncontent-length: 3\r\n\r\n[1]"
      "Content-Length: abc\r\n\r\n"
      "Content-Length: 10\r\n\r\n0123456789"
      "Content-Length: 5\r\n\r\nab");
  std::string body;
  EXPECT_EQ(ReadMessage(in, 8, &body), ReadStatus::Message);
  EXPECT_EQ(body, "{}");
  EXPECT_EQ(ReadMessage(in, 8, &body), ReadStatus::Message);
  EXPECT_EQ(body, "[1]");
  EXPECT_EQ(ReadMessage(in, 8, &body), ReadStatus::BadHeader);
  EXPECT_EQ(ReadMessage(in, 8, &body), ReadStatus::TooLarge);  // consumed, next is readable
  EXPECT_EQ(ReadMessage(in, 8, &body), ReadStatus::Eof);       // a truncated body
  EXPECT_EQ(Frame("{}"), "Content-Length: 2\r\n\r\n{}");
}

TEST(LspServer, ProtocolErrorsKeepTheServerRunning) {
  ServerOptions o;
  o.use_disk = false;
  Server s(o);
  auto one = [&](std::string_view m) {
    auto r = s.Handle(m);
    return r.empty() ? std::string() : r[0];
  };
  EXPECT_NE(one("{oops").find("-32700"), std::string::npos);
  EXPECT_NE(one(std::string(1000, '[')).find("-32600"), std::string::npos);
  EXPECT_NE(
      one(R"({"jsonrpc":"2.0","id":1,"method":"textDocument/hover","params":{}})").find("-32002"),
      std::string::npos);
  EXPECT_NE(
      one(R"({"jsonrpc":"2.0","id":2,"method":"initialize","params":{}})").find("capabilities"),
      std::string::npos);
  EXPECT_NE(one(R"({"jsonrpc":"2.0","id":3,"method":"nope"})").find("-32601"), std::string::npos);
  EXPECT_TRUE(s.Handle(R"({"jsonrpc":"2.0","method":"nope"})").empty());  // notification: ignored
  EXPECT_NE(one(R"({"jsonrpc":"2.0","id":{},"method":"shutdown"})").find("-32600"),
            std::string::npos);
  auto r = s.Handle(
      R"({"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"untitled:1","text":"segment a = b\n","version":1}}})");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NE(r[0].find("unknown-name"), std::string::npos);
  EXPECT_NE(
      one(R"({"jsonrpc":"2.0","id":4,"method":"textDocument/hover","params":{"textDocument":{"uri":"untitled:1"},"position":{"line":5,"character":0}}})")
          .find("-32602"),
      std::string::npos);
  EXPECT_NE(one(R"({"jsonrpc":"2.0","id":5,"method":"shutdown"})").find("\"result\":null"),
            std::string::npos);
  EXPECT_FALSE(s.exited());
  s.Handle(R"({"jsonrpc":"2.0","method":"exit"})");
  EXPECT_TRUE(s.exited());
  EXPECT_EQ(s.exit_code(), 0);
}

}  // namespace
}  // namespace aud::lsp
