#include "runtime/state/uuid.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace aud::state {

namespace {

// Reads exactly `n` bytes; getrandom(2) would do too, /dev/urandom is the
// portable spelling and never blocks once the system is up.
bool ReadRandom(unsigned char* buf, size_t n, std::string* error) {
  int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (error) *error = std::string("cannot open /dev/urandom: ") + std::strerror(errno);
    return false;
  }
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      if (error) *error = "cannot read /dev/urandom";
      ::close(fd);
      return false;
    }
    got += static_cast<size_t>(r);
  }
  ::close(fd);
  return true;
}

}  // namespace

bool NewUuid(std::string* out, std::string* error) {
  unsigned char b[16];
  if (!ReadRandom(b, sizeof b, error)) return false;
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static const char* kHex = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += kHex[b[i] >> 4];
    s += kHex[b[i] & 0x0f];
  }
  *out = std::move(s);
  return true;
}

bool LooksLikeUuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

}  // namespace aud::state
