#include "compiler/base/source.h"

#include <algorithm>

namespace aud::base {

FileId SourceManager::Add(std::string path, std::string text) {
  auto f = std::make_unique<SourceFile>();
  f->path = std::move(path);
  f->text = std::move(text);
  f->line_starts.push_back(0);
  for (uint32_t i = 0; i < f->text.size(); ++i) {
    if (f->text[i] == '\n') f->line_starts.push_back(i + 1);
  }
  files_.push_back(std::move(f));
  return static_cast<FileId>(files_.size());
}

LineCol SourceManager::Position(FileId id, uint32_t offset) const {
  const SourceFile& f = file(id);
  auto it = std::upper_bound(f.line_starts.begin(), f.line_starts.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - f.line_starts.begin());
  return {line, offset - f.line_starts[line - 1] + 1};
}

std::string_view SourceManager::Line(FileId id, uint32_t line) const {
  const SourceFile& f = file(id);
  if (line == 0 || line > f.line_starts.size()) return {};
  uint32_t b = f.line_starts[line - 1];
  uint32_t e = line < f.line_starts.size() ? f.line_starts[line] : f.text.size();
  while (e > b && (f.text[e - 1] == '\n' || f.text[e - 1] == '\r')) --e;
  return std::string_view(f.text).substr(b, e - b);
}

std::string_view SourceManager::Text(SourceRange r) const {
  if (!r.valid()) return {};
  const std::string& t = file(r.file).text;
  uint32_t b = std::min<uint32_t>(r.begin, t.size());
  uint32_t e = std::min<uint32_t>(std::max(r.end, b), t.size());
  return std::string_view(t).substr(b, e - b);
}

}  // namespace aud::base
