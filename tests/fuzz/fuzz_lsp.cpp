// libFuzzer target for the language server's message handling (tools/lsp,
// see tests/fuzz/README.md). The server never reads the disk here
// (ServerOptions::use_disk off): every document is a project of its own.
//
// The first input byte picks the mode:
//   bit 0 set:   the rest is a byte stream read with lsp::ReadMessage (the
//                Content-Length framing) and each message handled;
//   bit 0 clear: the rest is split at NUL bytes, each piece one message body;
//   bit 1 set:   an `initialize` and a `didOpen` of a small valid document
//                (`file:///fuzz/main.aud`) are handled first, so requests
//                reach the handlers instead of ServerNotInitialized.
// Properties (abort with "lsp property violated" when broken): Handle never
// throws; every reply is a JSON object with "jsonrpc": "2.0"; a request (an
// object with a string `method` and an integer or string `id`) gets exactly
// one reply with its id; the server stops only at `exit`.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "tools/lsp/server.h"

namespace {

using json = nlohmann::json;

// Messages handled per input (each check of a document costs milliseconds).
constexpr int kMaxMessages = 8;

[[noreturn]] void Fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "lsp property violated: %s\n--- detail ---\n%.*s\n", what,
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

void CheckReplies(std::string_view body, const std::vector<std::string>& replies) {
  for (const std::string& r : replies) {
    json j = json::parse(r, nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.value("jsonrpc", json()) != "2.0")
      Fail("a reply is not a JSON-RPC 2.0 object", r);
  }
  // A well-formed request gets exactly one reply with its id.
  json m = json::parse(body.begin(), body.end(), nullptr, false);
  if (m.is_discarded() || !m.is_object() || !m.contains("method") || !m["method"].is_string() ||
      m.value("jsonrpc", json()) != "2.0" || !m.contains("id"))
    return;
  const json& id = m["id"];
  if (!id.is_string() && !id.is_number_integer()) return;
  size_t n = 0;
  for (const std::string& r : replies) {
    json j = json::parse(r);
    if (j.contains("id") && j["id"] == id) ++n;
  }
  if (n != 1) Fail("a request did not get exactly one reply", body);
}

void Handle(aud::lsp::Server& server, std::string_view body) {
  std::vector<std::string> replies;
  try {
    replies = server.Handle(body);
  } catch (...) {
    Fail("Handle threw", body);
  }
  CheckReplies(body, replies);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  aud::lsp::ServerOptions options;
  options.use_disk = false;
  aud::lsp::Server server(options);
  if (mode & 2) {
    Handle(server,
           R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"capabilities":{}}})");
    Handle(
        server,
        R"({"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///fuzz/main.aud","languageId":"aud","version":1,"text":"label PII\nevent e \"E\" { p: float  q: string [PII] }\ntrait email: string [PII]\nidentity email: declared from trait email\n# doc\nsegment s = count(e where p > 1 within 7d) >= 1 and email == \"x\"\naudience a { members s identities email attributes { v = sum(e.p) } }\n"}}})");
  }
  if (mode & 1) {
    std::istringstream in{std::string(rest)};
    std::string body;
    for (int i = 0; i < kMaxMessages && !server.exited(); ++i) {
      aud::lsp::ReadStatus st = aud::lsp::ReadMessage(in, 1 << 16, &body);
      if (st == aud::lsp::ReadStatus::Eof) break;
      if (st == aud::lsp::ReadStatus::Message) {
        Handle(server, body);
      } else {
        json j = json::parse(server.FramingError(st), nullptr, false);
        if (j.is_discarded()) Fail("a framing error is not JSON", server.FramingError(st));
      }
    }
  } else {
    size_t start = 0;
    for (int i = 0; i < kMaxMessages && start <= rest.size() && !server.exited(); ++i) {
      size_t end = rest.find('\0', start);
      if (end == std::string_view::npos) end = rest.size();
      Handle(server, rest.substr(start, end - start));
      start = end + 1;
    }
  }
  return 0;
}
