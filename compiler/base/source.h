#pragma once
// Source files and locations shared by every compiler stage.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace aud::base {

// Index of a file in a SourceManager; 0 is "no file".
using FileId = uint32_t;

// A half-open byte range [begin, end) in one file.
struct SourceRange {
  FileId file = 0;
  uint32_t begin = 0;
  uint32_t end = 0;
  bool valid() const { return file != 0; }
};

// A resolved position: 1-based line and column (column counts bytes).
struct LineCol {
  uint32_t line = 0;
  uint32_t col = 0;
};

// One loaded file: its display path and contents.
struct SourceFile {
  std::string path;  // as shown in diagnostics (relative to the project when possible)
  std::string text;
  std::vector<uint32_t> line_starts;  // byte offset of each line start
};

// Owns every source text of a compilation and maps offsets to lines.
class SourceManager {
 public:
  // Adds a file and returns its id (ids start at 1).
  FileId Add(std::string path, std::string text);
  const SourceFile& file(FileId id) const { return *files_.at(id - 1); }
  size_t size() const { return files_.size(); }
  // Position of a byte offset in a file.
  LineCol Position(FileId id, uint32_t offset) const;
  // The text of one line (1-based), without its newline.
  std::string_view Line(FileId id, uint32_t line) const;
  // The source text a range covers.
  std::string_view Text(SourceRange r) const;

 private:
  std::vector<std::unique_ptr<SourceFile>> files_;
};

}  // namespace aud::base
