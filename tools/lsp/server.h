#pragma once
// The aud language server (LSP 3.17, JSON-RPC 2.0 over stdio; README.md):
// framing, the message handler and the open documents. Diagnostics come from
// the same checker as `aud check`, run on the unsaved text of open documents
// laid over the project's files on disk.

#include <cstddef>
#include <cstdint>
#include <istream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace aud::lsp {

// The largest message body accepted (Content-Length); a larger one is read
// and dropped with an InvalidRequest error.
inline constexpr size_t kMaxMessageBytes = size_t{64} << 20;
// The deepest JSON nesting accepted in a message (LSP needs about 6).
inline constexpr int kMaxJsonDepth = 64;

// How the server runs.
struct ServerOptions {
  // Read project files from disk (a document under a folder with `aud.toml`
  // is checked with that project). Off: every document is a project of its
  // own (the fuzzer).
  bool use_disk = true;
  // The environment whose `[env.NAME]` settings apply ("" the default one).
  std::string environment;
  // The version shown in `serverInfo`.
  std::string version = "0";
};

// What ReadMessage found.
enum class ReadStatus : uint8_t { Message, Eof, TooLarge, BadHeader };

// Reads one framed message (`Content-Length: N\r\n...\r\n\r\n` + N bytes)
// into `body`. A body over `max_bytes` is consumed and dropped (TooLarge);
// a header block without a valid Content-Length is BadHeader (its lines are
// consumed up to the blank line). Header lines are at most 4096 bytes.
ReadStatus ReadMessage(std::istream& in, size_t max_bytes, std::string* body);

// `body` with its Content-Length header.
std::string Frame(std::string_view body);

struct State;

// The message handler. Not thread-safe; one per connection.
class Server {
 public:
  explicit Server(ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Handles one message body; returns the JSON texts to send (responses,
  // then notifications such as publishDiagnostics). Never throws for any
  // input; a malformed message gets the protocol's error.
  std::vector<std::string> Handle(std::string_view body);
  // The error response for a message ReadMessage dropped (TooLarge, BadHeader).
  std::string FramingError(ReadStatus status) const;
  // True after the `exit` notification.
  bool exited() const;
  // The exit code `exit` asks for: 0 after `shutdown`, else 1.
  int exit_code() const;

 private:
  std::unique_ptr<State> state_;
};

// Runs a server over `in`/`out` until `exit` or end of input; returns the
// exit code (1 at end of input without `exit`).
int Serve(std::istream& in, std::ostream& out, const ServerOptions& options);

}  // namespace aud::lsp
