#include "compiler/ast/ast.h"

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

}  // namespace aud::ast
