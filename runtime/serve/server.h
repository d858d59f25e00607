#pragma once
// The collection server of `aud serve` (docs/serve.md): HTTP/1.1 on one
// epoll thread, Segment's Tracking API (`POST /v1/track|identify|page|
// screen|alias|group|batch`, the write key as HTTP Basic user name),
// `/healthz` and `/metrics`. Every accepted message is written to the
// collected log and fdatasynced before its 200 reply: the requests that
// arrive in one round of the event loop share one commit (group commit).
// Bounded: connections, header and body sizes, read and idle timeouts.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "runtime/serve/collected_log.h"
#include "runtime/serve/metrics.h"

namespace aud::serve {

// How to serve.
struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;           // 0: an ephemeral port (see Server::port)
  std::string write_key;  // required; compared in constant time, never logged
  std::string log_dir;    // `.aud/collected`
  uint64_t rotate_bytes = 64ull << 20;
  size_t max_connections = 256;
  size_t max_header_bytes = size_t{16} * 1024;
  int request_timeout_ms = 10'000;  // from a request's first byte to its last
  int idle_timeout_ms = 60'000;     // a keep-alive connection without a request
  Metrics* metrics = nullptr;       // required
  // Called on the loop thread after each successful commit: when (UTC ms),
  // the log's bytes after it and the messages it made durable.
  std::function<void(int64_t when_ms, uint64_t log_bytes, uint64_t messages)> on_commit;
};

class Server {
 public:
  Server();
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens the log (recovering it), binds and listens. False with `error`.
  bool Start(const ServerOptions& options, std::string* error);
  // The port listened on.
  int port() const;
  // What opening the log recovered.
  const Recovery& recovery() const;
  // Serves until Stop, then drains: stops accepting, commits what is
  // pending, sends the replies (bounded by 5 s), closes every connection.
  void Run();
  // Asks Run to stop; async-signal-safe.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aud::serve
