#include "compiler/ast/ast.h"

#include <charconv>
#include <cstdio>
#include <string>

namespace aud::ast {

const char* BinaryOpText(BinaryOp op) {
  switch (op) {
    case BinaryOp::Or: return "or";
    case BinaryOp::And: return "and";
    case BinaryOp::Eq: return "==";
    case BinaryOp::Ne: return "!=";
    case BinaryOp::Lt: return "<";
    case BinaryOp::Le: return "<=";
    case BinaryOp::Gt: return ">";
    case BinaryOp::Ge: return ">=";
    case BinaryOp::In: return "in";
    case BinaryOp::Add: return "+";
    case BinaryOp::Sub: return "-";
    case BinaryOp::Mul: return "*";
    case BinaryOp::Div: return "/";
  }
  return "?";
}

const char* UnaryOpText(UnaryOp op) { return op == UnaryOp::Not ? "not" : "-"; }

const char* TypeName(Type t) {
  switch (t) {
    case Type::Unknown: return "unknown";
    case Type::Bool: return "bool";
    case Type::Int: return "int";
    case Type::Float: return "float";
    case Type::String: return "string";
    case Type::Timestamp: return "timestamp";
    case Type::Duration: return "duration";
    case Type::List: return "list";
  }
  return "unknown";
}

// A string literal, re-escaped: `\"`, `\\`, `\n`, `\t`, and `\u{XX}` for every
// other control character (C0, DEL, and the UTF-8 encoded C1 range).
std::string QuoteString(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    char ch = s[i];
    auto c = static_cast<unsigned char>(ch);
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\u{%02X}", static_cast<unsigned char>(s[++i]));
      out += buf;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[16];
          std::snprintf(buf, sizeof buf, "\\u{%02X}", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

std::string FloatText(double v) {
  char buf[512];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  std::string out = res.ec == std::errc() ? std::string(buf, res.ptr) : std::to_string(v);
  if (out.find('.') == std::string::npos) out += ".0";
  return out;
}

std::string ExpectationText(const Expectation& e) {
  switch (e.kind) {
    case Expectation::SizeBetween:
      return "expect size between " + std::to_string(e.low) + " and " + std::to_string(e.high);
    case Expectation::SizeAtLeast: return "expect size >= " + std::to_string(e.low);
    case Expectation::SizeAtMost: return "expect size <= " + std::to_string(e.high);
    case Expectation::SizeChange: return "expect size_change <= " + FloatText(e.fraction);
    case Expectation::UniqueKey: return "expect unique key";
    case Expectation::NotMissing: return "expect " + e.attribute.text + " not missing";
  }
  return "expect";
}

}  // namespace aud::ast
