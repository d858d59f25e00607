// Atomic, durable file replacement (POSIX: write + fsync + rename + fsync dir).
#include "runtime/connectors/file_io.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>

namespace aud::connectors {

namespace {

std::string Join(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

bool SyncDir(const std::string& dir, const std::string& shown, std::string* error) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot open folder of " + shown + ": " + std::strerror(errno);
    return false;
  }
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) {
    *error = "cannot sync folder of " + shown + ": " + std::strerror(err);
    return false;
  }
  return true;
}

}  // namespace

std::string TempFileName(const std::string& name) {
  unsigned char bytes[12];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    got += static_cast<size_t>(n);
  }
  if (got < sizeof bytes) {
    // No kernel randomness: the clock and the process id, still never
    // opened without O_EXCL.
    uint64_t mix =
        static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
        (static_cast<uint64_t>(::getpid()) << 40);
    for (size_t i = got; i < sizeof bytes; ++i)
      bytes[i] = static_cast<unsigned char>(mix >> (8 * (i % 8)));
  }
  static const char* hex = "0123456789abcdef";
  std::string out = "." + name + ".";
  for (unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out + ".tmp";
}

bool WriteFileAtomic(const std::string& dir, const std::string& name, const std::string& data,
                     const std::string& shown, std::string* error) {
  const std::string target = Join(dir, name);
  // A fresh unpredictable name, created exclusively and never through a
  // symbolic link: nothing planted in the folder can redirect the write.
  std::string temp;
  int fd = -1;
  for (int attempt = 0; attempt < 8 && fd < 0; ++attempt) {
    temp = Join(dir, TempFileName(name));
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    *error = "cannot write " + shown + ": " + std::strerror(errno);
    return false;
  }
  auto fail = [&](const char* what, int err) {
    ::close(fd);
    ::unlink(temp.c_str());
    *error = std::string("cannot ") + what + " " + shown + ": " + std::strerror(err);
    return false;
  };
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write", errno);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("sync", errno);
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    *error = "cannot write " + shown + ": " + std::strerror(err);
    return false;
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    *error = "cannot replace " + shown + ": " + std::strerror(err);
    return false;
  }
  return SyncDir(dir, shown, error);
}

bool RemoveFileDurable(const std::string& dir, const std::string& name, const std::string& shown,
                       std::string* error) {
  const std::string target = Join(dir, name);
  if (::unlink(target.c_str()) != 0) {
    if (errno == ENOENT) return true;
    *error = "cannot remove " + shown + ": " + std::strerror(errno);
    return false;
  }
  return SyncDir(dir, shown, error);
}

bool ReadWholeFile(const std::string& path, std::string* data, bool* missing,
                   const std::string& shown, std::string* error) {
  *missing = false;
  data->clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      *missing = true;
      return false;
    }
    *error = "cannot read " + shown + ": " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
    ::close(fd);
    *error = "cannot read " + shown + ": not a regular file";
    return false;
  }
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      *error = "cannot read " + shown + ": " + std::strerror(err);
      return false;
    }
    if (n == 0) break;
    data->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return true;
}

}  // namespace aud::connectors
