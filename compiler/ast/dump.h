#pragma once
// A stable, location-free S-expression dump of a syntax tree (`aud fmt
// --emit=ast`). Two trees that mean the same thing dump identically, which is
// how parse(fmt(x)) == parse(x) is tested.

#include <string>

#include "compiler/ast/ast.h"

namespace aud::ast {

// Dumps every declaration (comments excluded), one per line.
std::string Dump(const File& file);
// Dumps one expression.
std::string Dump(const Expr& expr);

}  // namespace aud::ast
