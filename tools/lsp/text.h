#pragma once
// Positions and URIs of the language server: byte offsets <-> LSP positions
// (0-based line, character in UTF-16 code units or, when negotiated, UTF-8
// bytes) and `file://` URIs <-> paths.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aud::lsp {

// The byte offset of every line start of `text`.
std::vector<uint32_t> LineStarts(std::string_view text);

// The LSP position (line, character) of byte `offset` (clamped to the text).
std::pair<uint32_t, uint32_t> LspPositionOf(std::string_view text,
                                            const std::vector<uint32_t>& starts, uint32_t offset,
                                            bool utf8);

// The byte offset of an LSP position; empty when the line is negative or past
// the last line, or the character negative. A character past the end of its
// line means the line's end (LSP 3.17).
std::optional<uint32_t> FromLspPosition(std::string_view text, const std::vector<uint32_t>& starts,
                                        int64_t line, int64_t character, bool utf8);

// The absolute path of a `file://` URI (percent-decoded), or "" for another
// scheme, a remote host, a relative path or a NUL byte.
std::string UriToPath(std::string_view uri);

// The `file://` URI of an absolute path (bytes outside unreserved and `/`
// percent-encoded).
std::string PathToUri(std::string_view path);

}  // namespace aud::lsp
