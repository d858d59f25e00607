#pragma once
// The canonical formatter (`aud fmt`): prints a parsed file in the one
// canonical layout, keeping every comment. fmt(fmt(x)) == fmt(x) and
// parse(fmt(x)) means the same as parse(x).

#include <string>

#include "compiler/ast/ast.h"
#include "compiler/base/source.h"

namespace aud::fmt {

// Formats `file` (whose source is in `sm`) canonically.
std::string FormatFile(const ast::File& file, const base::SourceManager& sm);

}  // namespace aud::fmt
