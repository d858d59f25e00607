// The collection server of `aud serve` (server.h).

#include "runtime/serve/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <vector>

#include "runtime/serve/message.h"

namespace aud::serve {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t MonoMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

const char* Reason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 4648 base64; false on a malformed value.
bool Base64Decode(std::string_view in, std::string* out) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = val(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

// gzip -> at most `limit` bytes; false when corrupt or larger.
bool Gunzip(std::string_view in, size_t limit, std::string* out) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return false;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  out->clear();
  char buf[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out->append(buf, sizeof buf - z.avail_out);
    if (out->size() > limit) break;
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) break;  // truncated
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END && out->size() <= limit;
}

std::string JsonError(std::string_view code, std::string_view message) {
  std::string out = "{\"success\":false,\"message\":\"";
  for (char c : message) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out.push_back(c);
  }
  out += "\",\"code\":\"" + std::string(code) + "\"}";
  return out;
}

constexpr std::string_view kSuccess = "{\"success\":true}";

enum class ConnState : uint8_t { Reading, Waiting, Closing };

struct Conn {
  int fd = -1;
  std::string in;
  std::string out;
  size_t out_pos = 0;
  ConnState state = ConnState::Reading;
  bool keep_alive = true;
  bool close_after_write = false;
  bool sent_continue = false;
  // Lingering close: after a final reply the write side is shut and input
  // is read and dropped (bounded), so a client still sending a refused body
  // gets the reply rather than a reset.
  bool draining = false;
  int64_t drain_until = 0;
  size_t drained = 0;
  int64_t request_start = 0;  // monotonic ms of the current request's first byte (0: none)
  int64_t last_activity = 0;
  uint32_t events = 0;  // registered epoll events
};

}  // namespace

struct Server::Impl {
  ServerOptions opt;
  CollectedLog log;
  Recovery recovery;
  int listen_fd = -1;
  int epoll_fd = -1;
  int stop_fd = -1;
  int port = 0;
  std::map<int, Conn> conns;
  std::vector<int> waiting;  // connections whose reply waits for the commit
  uint64_t pending_accepted = 0;
  bool stopping = false;

  ~Impl() {
    for (auto& [fd, c] : conns) ::close(fd);
    if (listen_fd >= 0) ::close(listen_fd);
    if (epoll_fd >= 0) ::close(epoll_fd);
    if (stop_fd >= 0) ::close(stop_fd);
  }

  void Watch(Conn& c, uint32_t events) {
    if (c.events == events) return;
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = c.fd;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
    c.events = events;
  }

  void Close(int fd) {
    auto it = conns.find(fd);
    if (it == conns.end()) return;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    conns.erase(it);
    opt.metrics->connections = conns.size();
  }

  void Respond(Conn& c, int status, std::string_view body, const char* type = "application/json") {
    opt.metrics->Reply(status);
    c.out += "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) +
             "\r\nContent-Type: " + type + "\r\nContent-Length: " + std::to_string(body.size()) +
             "\r\n";
    if (!c.keep_alive || c.close_after_write || stopping) {
      c.out += "Connection: close\r\n";
      c.close_after_write = true;
    }
    c.out += "\r\n";
    c.out.append(body);
    c.state = c.close_after_write ? ConnState::Closing : ConnState::Reading;
    c.request_start = 0;
    Flush(c);
  }

  // Writes what it can; false when the connection was closed.
  bool Flush(Conn& c) {
    while (c.out_pos < c.out.size()) {
      ssize_t n = ::send(c.fd, c.out.data() + c.out_pos, c.out.size() - c.out_pos, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        Close(c.fd);
        return false;
      }
      c.out_pos += static_cast<size_t>(n);
      c.last_activity = MonoMs();
    }
    if (c.out_pos == c.out.size()) {
      c.out.clear();
      c.out_pos = 0;
      if (c.close_after_write) {
        ::shutdown(c.fd, SHUT_WR);
        c.draining = true;
        c.drain_until = MonoMs() + 2000;
        c.in.clear();
        Watch(c, EPOLLIN);
        return false;
      }
      Watch(c, c.state == ConnState::Reading ? static_cast<uint32_t>(EPOLLIN) : 0u);
    } else {
      Watch(c, EPOLLOUT);
    }
    return true;
  }

  void Accept() {
    for (;;) {
      int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      if (stopping || conns.size() >= opt.max_connections) {
        // Over the bound: refused at once (the client retries).
        static constexpr std::string_view kBusy =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        (void)!::send(fd, kBusy.data(), kBusy.size(), MSG_NOSIGNAL);
        ::close(fd);
        opt.metrics->Rejected("too_many_connections");
        continue;
      }
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      Conn& c = conns[fd];
      c.fd = fd;
      c.last_activity = MonoMs();
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.fd = fd;
      ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
      c.events = EPOLLIN;
      opt.metrics->connections = conns.size();
    }
  }

  void Read(Conn& c) {
    char buf[65536];
    if (c.draining) {
      for (;;) {
        ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
          if (c.drained <= (1u << 20)) return;
        }
        if (n > 0) {
          c.drained += static_cast<size_t>(n);
          if (c.drained <= (1u << 20)) continue;
        }
        Close(c.fd);
        return;
      }
    }
    for (;;) {
      ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        Close(c.fd);
        return;
      }
      if (n == 0) {
        Close(c.fd);
        return;
      }
      if (c.in.empty()) c.request_start = MonoMs();
      c.last_activity = MonoMs();
      c.in.append(buf, static_cast<size_t>(n));
      // Never more than one request's bound buffered.
      if (c.in.size() > opt.max_header_bytes + kMaxBatchBytes + 4) break;
    }
  }

  // Sends what is pending, then handles the buffered requests one by one
  // (pipelining) while the connection is reading and its output drained.
  void Pump(int fd) {
    for (;;) {
      auto it = conns.find(fd);
      if (it == conns.end()) return;
      Conn& c = it->second;
      if (!c.out.empty() && (!Flush(c) || !c.out.empty())) return;
      if (c.state != ConnState::Reading || c.in.empty()) return;
      const size_t before = c.in.size();
      if (!Parse(c)) return;
      auto again = conns.find(fd);
      if (again == conns.end() || again->second.in.size() == before) return;  // needs more bytes
    }
  }

  // Parses and handles one complete request when buffered. False when the
  // connection was closed.
  bool Parse(Conn& c) {
    if (c.state != ConnState::Reading) return true;
    size_t head_end = c.in.find("\r\n\r\n");
    if (head_end == std::string::npos) {
      if (c.in.size() > opt.max_header_bytes) {
        c.close_after_write = true;
        opt.metrics->Rejected("headers_too_large");
        Respond(c, 431, JsonError("headers_too_large", "the request headers exceed 16 KB"));
        return false;
      }
      return true;
    }
    if (head_end > opt.max_header_bytes) {
      c.close_after_write = true;
      opt.metrics->Rejected("headers_too_large");
      Respond(c, 431, JsonError("headers_too_large", "the request headers exceed 16 KB"));
      return false;
    }
    std::string_view head(c.in.data(), head_end);
    size_t line_end = head.find("\r\n");
    std::string_view request_line = head.substr(0, line_end);
    size_t sp1 = request_line.find(' ');
    size_t sp2 = sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) {
      c.close_after_write = true;
      opt.metrics->Rejected("bad_request");
      Respond(c, 400, JsonError("bad_request", "malformed request line"));
      return false;
    }
    std::string method(request_line.substr(0, sp1));
    std::string target(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
    std::string_view version = request_line.substr(sp2 + 1);
    if (version != "HTTP/1.1" && version != "HTTP/1.0") {
      c.close_after_write = true;
      opt.metrics->Rejected("bad_request");
      Respond(c, 400, JsonError("bad_request", "only HTTP/1.0 and HTTP/1.1 are served"));
      return false;
    }
    c.keep_alive = version == "HTTP/1.1";
    int64_t content_length = -1;
    bool bad_length = false, chunked = false, gzip = false, bad_encoding = false,
         expect_continue = false;
    std::string authorization;
    size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string_view::npos) e = head.size();
      std::string_view line = head.substr(pos, e - pos);
      pos = e + 2;
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string name = Lower(Trim(line.substr(0, colon)));
      std::string_view value = Trim(line.substr(colon + 1));
      if (name == "content-length") {
        if (content_length >= 0 || value.empty() || value.size() > 9 ||
            !std::all_of(value.begin(), value.end(),
                         [](char ch) { return ch >= '0' && ch <= '9'; }))
          bad_length = true;
        else
          content_length = std::stoll(std::string(value));
      } else if (name == "transfer-encoding") {
        chunked = true;
      } else if (name == "content-encoding") {
        std::string v = Lower(value);
        if (v == "gzip")
          gzip = true;
        else if (v != "identity")
          bad_encoding = true;
      } else if (name == "connection") {
        std::string v = Lower(value);
        if (v == "close")
          c.keep_alive = false;
        else if (v == "keep-alive")
          c.keep_alive = true;
      } else if (name == "authorization") {
        authorization = value;
      } else if (name == "expect") {
        expect_continue = Lower(value) == "100-continue";
      }
    }
    if (bad_length || chunked) {
      c.close_after_write = true;
      opt.metrics->Rejected(chunked ? "chunked_body" : "bad_content_length");
      Respond(c, chunked ? 411 : 400,
              JsonError(chunked ? "length_required" : "bad_request",
                        chunked ? "send the body with Content-Length (chunked bodies are not read)"
                                : "invalid Content-Length"));
      return false;
    }
    if (content_length < 0) content_length = 0;
    std::string path = target.substr(0, target.find('?'));
    const bool api = path.rfind("/v1/", 0) == 0;
    const std::string call = api ? path.substr(4) : "";
    const size_t limit = call == "batch" || call == "import" ? kMaxBatchBytes : kMaxMessageBytes;
    if (api && static_cast<uint64_t>(content_length) > limit) {
      // Refused before reading the body; the connection closes.
      c.close_after_write = true;
      const bool batch = limit == kMaxBatchBytes;
      opt.metrics->Rejected(batch ? "batch_too_large" : "message_too_large");
      Respond(
          c, 400,
          JsonError(batch ? "batch_too_large" : "message_too_large",
                    batch ? "a batch may be at most 500 KB" : "a message may be at most 32 KB"));
      return false;
    }
    if (!api && content_length > 65536) {
      c.close_after_write = true;
      Respond(c, 413, JsonError("payload_too_large", "request body too large"));
      return false;
    }
    const size_t total = head_end + 4 + static_cast<size_t>(content_length);
    if (c.in.size() < total) {
      if (expect_continue && !c.sent_continue) {
        c.sent_continue = true;
        c.out += "HTTP/1.1 100 Continue\r\n\r\n";
        return Flush(c);
      }
      return true;
    }
    std::string body = c.in.substr(head_end + 4, static_cast<size_t>(content_length));
    c.in.erase(0, total);
    c.sent_continue = false;
    if (!c.in.empty()) c.request_start = MonoMs();
    if (bad_encoding) {
      opt.metrics->Rejected("unsupported_encoding");
      Respond(c, 415, JsonError("unsupported_encoding", "Content-Encoding must be gzip or none"));
      return conns.count(c.fd) != 0;
    }
    Handle(c, method, path, call, authorization, gzip, std::move(body));
    return conns.count(c.fd) != 0;
  }

  void Handle(Conn& c, const std::string& method, const std::string& path, std::string call,
              const std::string& authorization, bool gzip, std::string body) {
    if (path == "/healthz") {
      if (method != "GET" && method != "HEAD") return Respond(c, 405, JsonError("method", "GET"));
      const bool ok = !log.failed() && !stopping;
      return Respond(c, ok ? 200 : 503,
                     ok ? "{\"status\":\"ok\"}" : "{\"status\":\"unavailable\"}");
    }
    if (path == "/metrics") {
      if (method != "GET") return Respond(c, 405, JsonError("method", "GET"));
      return Respond(c, 200, opt.metrics->Render(), "text/plain; version=0.0.4");
    }
    if (call == "import") call = "batch";  // Segment's older name of the batch endpoint
    if (path.rfind("/v1/", 0) != 0 || !(call == "batch" || KnownCall(call))) {
      opt.metrics->Rejected("not_found");
      return Respond(c, 404, JsonError("not_found", "no such endpoint"));
    }
    if (method != "POST") {
      opt.metrics->Rejected("method_not_allowed");
      return Respond(c, 405, JsonError("method_not_allowed", "the Tracking API takes POST"));
    }
    // The write key: HTTP Basic user name (or `writeKey` in the body).
    std::string key;
    bool has_header_key = false;
    if (Lower(authorization.substr(0, 6)) == "basic ") {
      std::string decoded;
      if (Base64Decode(Trim(std::string_view(authorization).substr(6)), &decoded)) {
        key = decoded.substr(0, decoded.find(':'));
        has_header_key = true;
      }
    }
    if (has_header_key && !ConstantTimeEqual(key, opt.write_key)) {
      opt.metrics->Rejected("unauthorized");
      return Respond(c, 401, JsonError("unauthorized", "invalid write key"));
    }
    if (gzip) {
      std::string plain;
      const size_t limit = call == "batch" ? kMaxBatchBytes : kMaxMessageBytes;
      if (!Gunzip(body, limit, &plain)) {
        opt.metrics->Rejected("invalid_gzip");
        return Respond(
            c, 400,
            JsonError("invalid_gzip", "the gzip body is corrupt or larger than the size limit"));
      }
      body = std::move(plain);
    }
    Normalised n = Normalise(body, call, NowMs());
    if (!has_header_key &&
        (n.write_key.empty() || !ConstantTimeEqual(n.write_key, opt.write_key))) {
      opt.metrics->Rejected("unauthorized");
      return Respond(c, 401, JsonError("unauthorized", "invalid write key"));
    }
    if (!n.code.empty()) {
      opt.metrics->Rejected(n.code);
      return Respond(c, 400, JsonError(n.code, n.message));
    }
    if (log.failed()) {
      opt.metrics->Rejected("log_failed");
      return Respond(c, 503, JsonError("log_failed", "the collected log cannot be written"));
    }
    for (const Message& m : n.messages) {
      if (log.Seen(m.id)) {
        ++opt.metrics->duplicates;
        continue;
      }
      log.Append(m.id, m.line);
      ++pending_accepted;
    }
    if (log.pending_bytes() == 0) return Respond(c, 200, kSuccess);
    // The reply waits for the commit that makes these messages durable.
    c.state = ConnState::Waiting;
    Watch(c, 0);
    waiting.push_back(c.fd);
  }

  void CommitAndReply() {
    if (log.pending_bytes() == 0 && waiting.empty()) return;
    std::string error;
    const bool ok = log.Commit(&error);
    if (ok) {
      opt.metrics->accepted += pending_accepted;
      ++opt.metrics->commits;
      opt.metrics->log_bytes = log.bytes();
      opt.metrics->log_messages = log.messages();
      if (opt.on_commit && pending_accepted > 0)
        opt.on_commit(NowMs(), log.bytes(), pending_accepted);
    } else {
      opt.metrics->Rejected("log_failed", pending_accepted);
      std::fprintf(stderr, "error: %s\n", error.c_str());
    }
    pending_accepted = 0;
    std::vector<int> replies;
    replies.swap(waiting);
    for (int fd : replies) {
      auto it = conns.find(fd);
      if (it == conns.end()) continue;
      if (ok)
        Respond(it->second, 200, kSuccess);
      else
        Respond(it->second, 503, JsonError("log_failed", "the collected log cannot be written"));
      Pump(fd);
    }
  }

  void Sweep() {
    const int64_t now = MonoMs();
    std::vector<int> expired, timed_out;
    for (auto& [fd, c] : conns) {
      if (c.state == ConnState::Waiting) continue;
      if (c.draining) {
        if (now > c.drain_until) expired.push_back(fd);
        continue;
      }
      if (!c.out.empty()) {
        if (now - c.last_activity > opt.request_timeout_ms) expired.push_back(fd);
      } else if (c.request_start != 0 && !c.in.empty()) {
        if (now - c.request_start > opt.request_timeout_ms) timed_out.push_back(fd);
      } else if (now - c.last_activity > opt.idle_timeout_ms) {
        expired.push_back(fd);
      }
    }
    for (int fd : expired) Close(fd);
    for (int fd : timed_out) {
      auto it = conns.find(fd);
      if (it == conns.end()) continue;
      it->second.close_after_write = true;
      it->second.in.clear();
      opt.metrics->Rejected("timeout");
      Respond(it->second, 408, JsonError("timeout", "the request was not received in time"));
    }
  }

  void Loop() {
    std::vector<epoll_event> events(256);
    int64_t last_sweep = MonoMs();
    while (!stopping) {
      int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), 250);
      if (n < 0 && errno != EINTR) break;
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == stop_fd) {
          stopping = true;
          continue;
        }
        if (fd == listen_fd) {
          Accept();
          continue;
        }
        auto it = conns.find(fd);
        if (it == conns.end()) continue;
        Conn& c = it->second;
        if (events[i].events & (EPOLLERR | EPOLLHUP)) {
          if (c.state != ConnState::Waiting) {
            Close(fd);
            continue;
          }
        }
        if (c.draining) {
          Read(c);
          continue;
        }
        if ((events[i].events & EPOLLIN) && c.state == ConnState::Reading) Read(c);
        Pump(fd);
      }
      // Group commit: every request of this round shares one fdatasync.
      CommitAndReply();
      if (MonoMs() - last_sweep >= 1000) {
        Sweep();
        last_sweep = MonoMs();
      }
    }
    Drain();
  }

  void Drain() {
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listen_fd, nullptr);
    ::close(listen_fd);
    listen_fd = -1;
    CommitAndReply();
    // Replies still being written get up to 5 s; idle connections close now.
    const int64_t until = MonoMs() + 5000;
    std::vector<epoll_event> events(64);
    for (;;) {
      std::vector<int> idle;
      for (auto& [fd, c] : conns)
        if (c.out.empty() || c.draining) idle.push_back(fd);
      for (int fd : idle) Close(fd);
      if (conns.empty() || MonoMs() >= until) break;
      int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), 100);
      for (int i = 0; i < n; ++i) {
        auto it = conns.find(events[i].data.fd);
        if (it != conns.end() && (events[i].events & EPOLLOUT)) Flush(it->second);
      }
    }
    std::vector<int> rest;
    for (auto& [fd, c] : conns) rest.push_back(fd);
    for (int fd : rest) Close(fd);
  }
};

Server::Server() : impl_(std::make_unique<Impl>()) {}
Server::~Server() = default;

int Server::port() const { return impl_->port; }
const Recovery& Server::recovery() const { return impl_->recovery; }

bool Server::Start(const ServerOptions& options, std::string* error) {
  Impl& s = *impl_;
  s.opt = options;
  if (s.opt.write_key.empty()) {
    *error = "no write key";
    return false;
  }
  if (!s.log.Open(s.opt.log_dir, s.opt.rotate_bytes, &s.recovery, error)) return false;
  s.opt.metrics->log_bytes = s.log.bytes();
  s.opt.metrics->log_messages = s.log.messages();
  s.listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s.listen_fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  int one = 1;
  ::setsockopt(s.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(s.opt.port));
  if (::inet_pton(AF_INET, s.opt.host.c_str(), &addr.sin_addr) != 1) {
    *error = "`" + s.opt.host + "` is not an IPv4 address";
    return false;
  }
  if (::bind(s.listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    *error = "cannot listen on " + s.opt.host + ":" + std::to_string(s.opt.port) + ": " +
             std::strerror(errno);
    return false;
  }
  if (::listen(s.listen_fd, 512) != 0) {
    *error = std::string("listen: ") + std::strerror(errno);
    return false;
  }
  socklen_t len = sizeof addr;
  ::getsockname(s.listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  s.port = ntohs(addr.sin_port);
  s.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  s.stop_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (s.epoll_fd < 0 || s.stop_fd < 0) {
    *error = std::string("epoll: ") + std::strerror(errno);
    return false;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = s.listen_fd;
  ::epoll_ctl(s.epoll_fd, EPOLL_CTL_ADD, s.listen_fd, &ev);
  ev.data.fd = s.stop_fd;
  ::epoll_ctl(s.epoll_fd, EPOLL_CTL_ADD, s.stop_fd, &ev);
  return true;
}

void Server::Run() { impl_->Loop(); }

void Server::Stop() {
  uint64_t one = 1;
  if (impl_->stop_fd >= 0) (void)!::write(impl_->stop_fd, &one, sizeof one);
}

}  // namespace aud::serve
