// The collected log (collected_log.h).

#include "runtime/serve/collected_log.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "compiler/base/file_write.h"
#include "runtime/serve/message.h"
#include "runtime/store/hash.h"

namespace aud::serve {

namespace {

std::string FileName(uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08llu.jsonl", static_cast<unsigned long long>(n));
  return buf;
}

}  // namespace

CollectedLog::~CollectedLog() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<std::string> CollectedLog::Files(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() != 14 || name.substr(8) != ".jsonl") continue;
    if (!std::all_of(name.begin(), name.begin() + 8, [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    out.push_back(name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

void CollectedLog::Remember(uint64_t hash) {
  if (!ids_.insert(hash).second) return;
  order_.push_back(hash);
  if (order_.size() > kMaxIds) {
    ids_.erase(order_.front());
    order_.pop_front();
  }
}

bool CollectedLog::Seen(std::string_view id) const { return ids_.count(store::Hash64(id)) != 0; }

bool CollectedLog::OpenFile(uint64_t number, std::string* error) {
  if (fd_ >= 0) ::close(fd_);
  const std::string path = dir_ + "/" + FileName(number);
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    *error = "cannot open the collected log `" + path + "`: " + std::strerror(errno);
    return false;
  }
  struct stat st {};
  ::fstat(fd_, &st);
  file_number_ = number;
  file_bytes_ = static_cast<uint64_t>(st.st_size);
  // A new file's name is durable before a message in it is acknowledged.
  if (!base::SyncDir(dir_)) {
    *error = "cannot sync the folder `" + dir_ + "`: " + std::strerror(errno);
    return false;
  }
  return true;
}

bool CollectedLog::Open(const std::string& dir, uint64_t rotate_bytes, Recovery* recovery,
                        std::string* error) {
  dir_ = dir;
  rotate_bytes_ = std::max<uint64_t>(rotate_bytes, 4096);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    *error = "cannot create the collected log folder `" + dir + "`: " + ec.message();
    return false;
  }
  ::chmod(dir.c_str(), 0700);
  Recovery r;
  const std::vector<std::string> files = Files(dir);
  std::string text;
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string path = dir + "/" + files[i];
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      *error = "cannot read the collected log `" + path + "`: " + std::strerror(errno);
      return false;
    }
    text.clear();
    char buf[1 << 16];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      text.append(buf, static_cast<size_t>(n));
    }
    // A torn last line: only the last file can have one (a rotated file was
    // complete when the next one was created).
    size_t end = text.rfind('\n');
    end = end == std::string::npos ? 0 : end + 1;
    if (end < text.size()) {
      r.torn_bytes += text.size() - end;
      if (::ftruncate(fd, static_cast<off_t>(end)) != 0 || ::fsync(fd) != 0) {
        *error = "cannot truncate the torn end of `" + path + "`: " + std::strerror(errno);
        ::close(fd);
        return false;
      }
      text.resize(end);
    }
    ::close(fd);
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) break;  // (none: the text ends with a newline)
      std::string_view line(text.data() + pos, nl - pos);
      pos = nl + 1;
      if (line.empty()) continue;
      ++r.messages;
      std::string_view id = LineMessageId(line);
      if (!id.empty()) Remember(store::Hash64(id));
    }
    r.bytes += text.size();
    ++r.files;
  }
  bytes_ = r.bytes;
  messages_ = r.messages;
  uint64_t number = files.empty() ? 1 : std::stoull(files.back().substr(0, 8));
  if (!OpenFile(number, error)) return false;
  if (file_bytes_ >= rotate_bytes_ && !OpenFile(number + 1, error)) return false;
  if (recovery) *recovery = r;
  return true;
}

void CollectedLog::Append(std::string_view id, std::string_view line) {
  Remember(store::Hash64(id));
  pending_.append(line);
  pending_.push_back('\n');
  ++pending_messages_;
}

bool CollectedLog::Commit(std::string* error) {
  if (failed_) {
    *error = "the collected log failed earlier; restart `aud serve`";
    return false;
  }
  if (pending_.empty()) return true;
  if (file_bytes_ >= rotate_bytes_ && !OpenFile(file_number_ + 1, error)) {
    failed_ = true;
    return false;
  }
  if (!base::WriteAll(fd_, pending_.data(), pending_.size()) || ::fdatasync(fd_) != 0) {
    *error = "cannot write the collected log in `" + dir_ + "`: " + std::strerror(errno);
    failed_ = true;
    return false;
  }
  file_bytes_ += pending_.size();
  bytes_ += pending_.size();
  messages_ += pending_messages_;
  pending_.clear();
  pending_messages_ = 0;
  return true;
}

}  // namespace aud::serve
