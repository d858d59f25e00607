// The lineage marker (lineage_marker.h): a small text file written by apply
// next to the state, compared with the state on every plan and apply.

#include "runtime/state/lineage_marker.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/state/uuid.h"

namespace aud::state {

namespace {
constexpr const char* kMagic = "aud-state-lineage 1";
}

std::string LineageMarkerPath(const std::string& state_path) {
  return (std::filesystem::path(state_path).parent_path() / "state.lineage").string();
}

bool ReadLineageMarker(const std::string& path, LineageMarker* out, bool* missing,
                       std::string* error) {
  *missing = false;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    *missing = true;
    return false;
  }
  if (!std::filesystem::is_regular_file(path, ec) || std::filesystem::file_size(path, ec) > 4096) {
    *error = path + " is not a lineage marker aud writes";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  std::string magic, lineage_word, serial_word, serial_text;
  std::getline(in, magic);
  in >> lineage_word >> out->lineage >> serial_word >> serial_text;
  bool ok = in && magic == kMagic && lineage_word == "lineage" && LooksLikeUuid(out->lineage) &&
            serial_word == "serial" && !serial_text.empty() &&
            serial_text.find_first_not_of("0123456789") == std::string::npos &&
            serial_text.size() < 20;
  if (!ok) {
    *error = path + " is not a lineage marker aud writes";
    return false;
  }
  out->serial = std::stoull(serial_text);
  return true;
}

bool WriteLineageMarker(const std::string& path, const LineageMarker& m, bool force,
                        std::string* error) {
  if (!force) {
    LineageMarker old;
    bool missing = false;
    std::string ignored;
    if (ReadLineageMarker(path, &old, &missing, &ignored) && old.lineage == m.lineage &&
        old.serial >= m.serial)
      return true;
  }
  const std::string text = std::string(kMagic) + "\nlineage " + m.lineage + "\nserial " +
                           std::to_string(m.serial) + "\n";
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "cannot write " + path + ": " + std::strerror(errno);
    return false;
  }
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = "cannot write " + path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

std::string LineageDistrust(const LineageMarker& marker, const std::string& lineage,
                            uint64_t serial, const std::string& shown,
                            const std::string& marker_shown) {
  const std::string fix =
      "; restore the right state file, or run `aud state adopt` to continue with this one (the "
      "next plan then reads the destinations back and repairs them)";
  if (marker.lineage != lineage)
    return "the state " + shown + " has lineage " + lineage + ", but the last apply here used " +
           marker.lineage + " (" + marker_shown + "): the state file was replaced or recreated" +
           fix;
  if (serial < marker.serial)
    return "the state " + shown + " is at serial " + std::to_string(serial) +
           ", older than serial " + std::to_string(marker.serial) + " left by the last apply (" +
           marker_shown +
           "): it lost writes (a deleted "
           "`state.db-wal`, a restored backup)" +
           fix;
  return "";
}

}  // namespace aud::state
