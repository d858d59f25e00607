#pragma once
// Internal to aud_check: resolves names in expressions and assigns types
// (docs/reference/language.md §3–§4, §6), annotating ast::Expr::type/ref/decl in place.

#include <set>
#include <string>

#include "compiler/check/context.h"
#include "stdlib/builtins.h"

namespace aud::check {

// Where an expression sits, which decides what its names mean.
enum class Scope : uint8_t {
  Profile,  // segment, audience, consent, attribute: traits, segments, audiences, consents
  Where,    // inside `where`: the event's properties first, then traits
  Label,    // a policy condition: label names only
};

// Checks expressions of one declaration and records what they depend on.
class ExprChecker {
 public:
  // `owner` is the declaration being checked; names it reads go into
  // module.depends_on[owner].
  ExprChecker(Context& cx, std::string owner) : cx_(cx), owner_(std::move(owner)) {}
  // Checks `e` in `scope` and returns its type (Unknown after an error).
  ast::Type Check(ast::Expr& e, Scope scope);
  // Checks that `e` is a bool; `what` names the context for the message.
  void CheckBool(ast::Expr& e, Scope scope, const std::string& what);

 private:
  ast::Type CheckName(ast::Expr& e, Scope scope);
  ast::Type CheckMember(ast::Expr& e, Scope scope);
  ast::Type CheckCall(ast::Expr& e, Scope scope);
  ast::Type CheckUnary(ast::Expr& e, Scope scope);
  ast::Type CheckBinary(ast::Expr& e, Scope scope);
  ast::Type CheckIn(ast::Expr& e, Scope scope);
  ast::Type CheckAggregate(ast::Expr& call, const stdlib::BuiltinInfo& b);
  ast::Type CheckSequence(ast::Expr& call);
  const ast::EventDecl* ResolveEvent(ast::Expr& e);
  void CheckWhere(ast::CallArg& arg, const ast::EventDecl* ev);
  void CheckWindow(const ast::Window& w);
  void Depend(const std::string& name);

  Context& cx_;
  std::string owner_;
  const ast::EventDecl* event_ = nullptr;  // the event in scope inside `where`
};

// The value names visible in a profile expression (for suggestions).
std::vector<std::string> ValueNames(const Module& m);
// The declared type of a trait or property type name (Unknown if invalid).
ast::Type FieldType(const std::string& type_name);

}  // namespace aud::check
