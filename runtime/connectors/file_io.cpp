// Atomic, durable file replacement (POSIX: write + fsync + rename + fsync dir).
#include "runtime/connectors/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
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

std::string TempFileName(const std::string& name) { return "." + name + ".tmp"; }

bool WriteFileAtomic(const std::string& dir, const std::string& name, const std::string& data,
                     const std::string& shown, std::string* error) {
  const std::string temp = Join(dir, TempFileName(name));
  const std::string target = Join(dir, name);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
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
