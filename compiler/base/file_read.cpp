#include "compiler/base/file_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace aud::base {

namespace fs = std::filesystem;

namespace {

// Pseudo file systems whose "regular" files are generated on read.
bool UnderPseudoFs(const fs::path& real) {
  std::string s = real.generic_string();
  for (const char* p : {"/proc", "/sys"}) {
    size_t n = std::strlen(p);
    if (s.compare(0, n, p) == 0 && (s.size() == n || s[n] == '/')) return true;
  }
  return false;
}

std::string SizeText(uint64_t bytes) {
  if (bytes % (uint64_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

ReadResult ReadRegularFile(const fs::path& path, uint64_t max_bytes) {
  ReadResult r;
  std::error_code ec;
  fs::path real = fs::canonical(path, ec);
  if (ec) {
    r.status = ReadStatus::NotFound;
    r.why = "does not exist";
    return r;
  }
  if (UnderPseudoFs(real)) {
    r.status = ReadStatus::NotRegular;
    r.why = "is not a regular file";
    return r;
  }
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  int fd = ::open(real.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    r.status = errno == ENOENT ? ReadStatus::NotFound : ReadStatus::Error;
    r.why = errno == ENOENT ? "does not exist"
                            : "cannot be opened: " + std::string(std::strerror(errno));
    return r;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    r.why = "cannot be read: " + std::string(std::strerror(errno));
  } else if (S_ISDIR(st.st_mode)) {
    r.status = ReadStatus::Directory;
    r.why = "is a directory";
  } else if (!S_ISREG(st.st_mode)) {
    r.status = ReadStatus::NotRegular;
    r.why = "is not a regular file";
  } else if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    r.status = ReadStatus::TooLarge;
    r.why = "is larger than " + SizeText(max_bytes);
  } else {
    // Read at most one byte past the limit: a file that grows meanwhile is
    // refused, never read without bound.
    std::string text;
    char buf[65536];
    bool failed = false;
    while (text.size() <= max_bytes) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        failed = true;
        r.why = "cannot be read: " + std::string(std::strerror(errno));
        break;
      }
      if (n == 0) break;
      text.append(buf, static_cast<size_t>(n));
    }
    if (!failed && text.size() > max_bytes) {
      r.status = ReadStatus::TooLarge;
      r.why = "is larger than " + SizeText(max_bytes);
    } else if (!failed) {
      r.status = ReadStatus::Ok;
      r.text = std::move(text);
    }
  }
  ::close(fd);
  return r;
}

bool ResolvesInside(const fs::path& real_root, const fs::path& path) {
  std::error_code ec;
  fs::path real = fs::canonical(path, ec);
  if (ec) return false;
  auto r = real_root.begin();
  auto p = real.begin();
  for (; r != real_root.end(); ++r, ++p) {
    if (r->empty()) continue;  // a trailing separator
    if (p == real.end() || *p != *r) return false;
  }
  return true;
}

}  // namespace aud::base
