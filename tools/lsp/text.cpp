#include "tools/lsp/text.h"

#include <algorithm>

namespace aud::lsp {

namespace {

// Bytes of the UTF-8 sequence that starts with `c` (1 for a stray byte).
uint32_t SequenceLength(unsigned char c) {
  if (c >= 0xF0 && c <= 0xF4) return 4;
  if (c >= 0xE0) return c <= 0xEF ? 3 : 1;
  if (c >= 0xC2) return 2;
  return 1;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::vector<uint32_t> LineStarts(std::string_view text) {
  std::vector<uint32_t> starts{0};
  for (uint32_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') starts.push_back(i + 1);
  return starts;
}

std::pair<uint32_t, uint32_t> LspPositionOf(std::string_view text,
                                            const std::vector<uint32_t>& starts, uint32_t offset,
                                            bool utf8) {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text.size()));
  auto it = std::upper_bound(starts.begin(), starts.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - starts.begin()) - 1;
  uint32_t b = starts[line];
  if (utf8) return {line, offset - b};
  uint32_t units = 0;
  for (uint32_t i = b; i < offset;) {
    uint32_t n = SequenceLength(static_cast<unsigned char>(text[i]));
    units += n == 4 ? 2 : 1;
    i += n;
  }
  return {line, units};
}

std::optional<uint32_t> FromLspPosition(std::string_view text, const std::vector<uint32_t>& starts,
                                        int64_t line, int64_t character, bool utf8) {
  if (line < 0 || character < 0 || line >= static_cast<int64_t>(starts.size())) return std::nullopt;
  uint32_t b = starts[static_cast<size_t>(line)];
  uint32_t e = static_cast<size_t>(line) + 1 < starts.size()
                   ? starts[static_cast<size_t>(line) + 1] - 1
                   : static_cast<uint32_t>(text.size());
  if (e > b && text[e - 1] == '\r') --e;
  if (utf8) return static_cast<uint32_t>(std::min<int64_t>(b + character, e));
  int64_t units = 0;
  uint32_t i = b;
  while (i < e && units < character) {
    uint32_t n = SequenceLength(static_cast<unsigned char>(text[i]));
    units += n == 4 ? 2 : 1;
    i = std::min(i + n, e);
  }
  return i;
}

std::string UriToPath(std::string_view uri) {
  constexpr std::string_view kScheme = "file://";
  if (uri.size() < kScheme.size()) return "";
  for (size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(uri[i])) != kScheme[i]) return "";
  uri.remove_prefix(kScheme.size());
  if (uri.rfind("localhost/", 0) == 0) uri.remove_prefix(9);
  if (uri.empty() || uri[0] != '/') return "";  // a remote host or a relative path
  std::string path;
  for (size_t i = 0; i < uri.size(); ++i) {
    if (uri[i] == '?' || uri[i] == '#') break;
    if (uri[i] == '%' && i + 2 < uri.size() && HexValue(uri[i + 1]) >= 0 &&
        HexValue(uri[i + 2]) >= 0) {
      path.push_back(static_cast<char>(HexValue(uri[i + 1]) * 16 + HexValue(uri[i + 2])));
      i += 2;
    } else {
      path.push_back(uri[i]);
    }
  }
  if (path.find('\0') != std::string::npos) return "";
  return path;
}

std::string PathToUri(std::string_view path) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out = "file://";
  for (unsigned char c : path) {
    bool keep = std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~';
    if (keep) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace aud::lsp
