#include "compiler/base/file_write.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>

namespace aud::base {

bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool SyncDir(const std::string& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

namespace {

// FNV-1a of the host name: stable across builds and versions.
uint32_t HostHash() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  uint32_t h = 2166136261u;
  for (const char* c = host; *c; ++c) h = (h ^ static_cast<unsigned char>(*c)) * 16777619u;
  return h;
}

}  // namespace

std::string TempOwnerTag() {
  char b[32];
  std::snprintf(b, sizeof b, "%08x-%ld", HostHash(), static_cast<long>(::getpid()));
  return b;
}

bool TempIsStale(std::string_view tag, int64_t mtime, int64_t now) {
  if (now - mtime > 3600) return true;
  if (tag.size() < 10 || tag[8] != '-') return false;
  char host[9];
  std::snprintf(host, sizeof host, "%08x", HostHash());
  if (tag.substr(0, 8) != std::string_view(host, 8)) return false;
  long pid = 0;
  const char* b = tag.data() + 9;
  const char* e = tag.data() + tag.size();
  auto [ptr, ec] = std::from_chars(b, e, pid);
  if (ec != std::errc() || ptr != e || pid <= 0 || pid == static_cast<long>(::getpid()))
    return false;
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace aud::base
