#pragma once
// The aud syntax tree. Every node has a SourceRange. The parser builds it,
// the formatter prints it, and the checker annotates expressions in place
// (Expr::type and Expr::ref) so later stages read one tree.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "compiler/base/source.h"

namespace aud::ast {

using base::SourceRange;

// An identifier as written (quoted names are stored unquoted).
struct Name {
  std::string text;
  SourceRange range;
};

// A string literal, decoded (escapes resolved).
struct StringLit {
  std::string value;
  SourceRange range;
};

// A duration literal such as `30d`.
struct Duration {
  int64_t amount = 0;
  char unit = 'd';     // s m h d w
  int64_t millis = 0;  // amount * unit, in milliseconds
  SourceRange range;
};

// A time literal such as `@2026-01-01`; `text` is as written without `@`.
struct Time {
  std::string text;
  int64_t millis = 0;  // milliseconds since the Unix epoch, UTC
  SourceRange range;
};

// A checked type. `Missing` is not a type: any value may be missing (§3).
enum class Type : uint8_t {
  Unknown,  // not yet checked, or an error was reported
  Bool,
  Int,
  Float,
  String,
  Timestamp,
  Duration,
  List,  // list literal (element type in Expr::elem_type)
};

// `within D` or `between T1 and T2`.
struct Window {
  enum Kind : uint8_t { Within, Between } kind = Within;
  Duration within;
  Time from, to;
  SourceRange range;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// One argument of a call: a value plus the optional `where` and window that
// aggregates and sequence steps take.
struct CallArg {
  ExprPtr value;
  ExprPtr where;                 // may be null
  std::optional<Window> window;  // may be empty
  SourceRange range;
};

// What a name in an expression was resolved to by the checker.
enum class RefKind : uint8_t {
  Unresolved,
  Trait,
  Segment,
  Audience,
  Consent,
  Event,     // only as the subject of an aggregate or sequence step
  Property,  // a property of the event in scope (inside `where`), or E.p
  Label,     // inside a policy's label expression
};

// Expression node kinds (a closed set; see the comments on Expr's fields).
enum class ExprKind : uint8_t {
  BoolLit,      // bool_value
  IntLit,       // int_value
  FloatLit,     // float_value
  StringLit,    // string_value
  DurationLit,  // duration
  TimeLit,      // time
  ListLit,      // children = elements
  NameRef,      // name
  Member,       // name . member  (E.p or profile.NAME)
  Call,         // name ( args )
  Unary,        // unary_op children[0]
  Binary,       // children[0] binary_op children[1]
  Paren,        // ( children[0] ), kept so the formatter reproduces user parens
};

enum class UnaryOp : uint8_t { Not, Neg };
enum class BinaryOp : uint8_t { Or, And, Eq, Ne, Lt, Le, Gt, Ge, In, Add, Sub, Mul, Div };

// An expression. One struct with a kind tag keeps walkers short.
struct Expr {
  ExprKind kind;
  SourceRange range;

  bool bool_value = false;
  int64_t int_value = 0;
  double float_value = 0;
  std::string string_value;
  Duration duration;
  Time time;
  Name name;    // NameRef, Member (left), Call (callee)
  Name member;  // Member (right)
  UnaryOp unary_op = UnaryOp::Not;
  BinaryOp binary_op = BinaryOp::Or;
  std::vector<ExprPtr> children;
  std::vector<CallArg> args;  // Call

  // Filled by the checker.
  Type type = Type::Unknown;
  Type elem_type = Type::Unknown;  // for List
  RefKind ref = RefKind::Unresolved;
  const void* decl = nullptr;  // the declaration the name/member resolved to

  explicit Expr(ExprKind k, SourceRange r = {}) : kind(k), range(r) {}
};

// --- declarations ---

struct ImportDecl {
  StringLit path;
};

struct PropDecl {
  Name name;
  Name type;
  std::vector<Name> labels;
  SourceRange range;
};

struct EventDecl {
  enum Source : uint8_t { Track, Page, Screen } source = Track;
  Name name;
  StringLit track_name;  // the Segment `event` value, for Track
  SourceRange source_range;
  std::vector<Name> labels;
  std::vector<PropDecl> props;
};

struct TraitDecl {
  Name name;
  Name type;
  std::vector<Name> labels;
};

struct IdentityDecl {
  enum Kind : uint8_t { Declared, Visitor } kind = Declared;
  enum From : uint8_t { UserId, AnonymousId, Trait } from = UserId;
  Name name;
  Name source;                    // `userId`, `anonymousId`, or the trait name
  std::optional<Name> normalize;  // e.g. `email`
  std::vector<Name> labels;
};

struct LabelDecl {
  Name name;
  std::optional<StringLit> description;
};

struct ActionDecl {
  Name name;
  std::optional<StringLit> description;
};

struct PolicyRule {
  std::vector<Name> actions;
  ExprPtr when;  // label expression: label names, and, or, not, parens
  SourceRange range;
};

struct PolicyDecl {
  Name name;
  std::optional<StringLit> description;
  std::vector<PolicyRule> rules;
};

struct ConsentDecl {
  Name name;
  ExprPtr expr;
};

struct SegmentDecl {
  Name name;
  std::optional<StringLit> description;
  ExprPtr expr;
};

struct Attribute {
  Name name;
  ExprPtr expr;
  SourceRange range;
};

// An `expect` clause of an audience or destination: an assertion on real
// data that `aud plan` checks before anything is sent.
struct Expectation {
  enum Kind : uint8_t {
    SizeBetween,  // `expect size between LOW and HIGH`
    SizeAtLeast,  // `expect size >= LOW`
    SizeAtMost,   // `expect size <= HIGH`
    SizeChange,   // `expect size_change <= FRACTION` (since the last publish)
    UniqueKey,    // `expect unique key` (destinations)
    NotMissing,   // `expect ATTRIBUTE not missing` (audiences)
  } kind = SizeBetween;
  int64_t low = 0, high = 0;  // SizeBetween, SizeAtLeast (low), SizeAtMost (high)
  double fraction = 0;        // SizeChange
  Name attribute;             // NotMissing
  SourceRange value_range;    // the number(s)
  SourceRange range;
};

// One item of an audience block.
struct AudienceItem {
  enum Kind : uint8_t { Members, Identities, Attributes, Refresh, Import, Expect } kind = Members;
  ExprPtr members;                    // Members
  std::vector<Name> identities;       // Identities
  std::vector<Attribute> attributes;  // Attributes
  std::optional<Duration> every;      // Refresh: `every D`; empty means `once`
  Name refresh_word;                  // Refresh: `refresh streaming` (any other word is an error)
  StringLit import_path;              // Import
  Name import_key;                    // Import
  Expectation expect;                 // Expect
  SourceRange range;
};

struct AudienceDecl {
  Name name;
  std::optional<StringLit> description;
  std::vector<AudienceItem> items;
};

struct Mapping {
  Name field;
  StringLit target;
  bool hashed = false;
  SourceRange range;
};

// One item of a destination block.
struct DestItem {
  enum Kind : uint8_t {
    Connection,
    Actions,
    Consent,
    Key,
    Map,
    MaxProfiles,
    MaxExitFraction,
    Expect
  } kind = Connection;
  std::vector<Name> names;        // Connection, Key: one; Actions, Consent: one or more
  std::vector<Mapping> mappings;  // Map
  int64_t max_profiles = 0;       // MaxProfiles
  bool hashed = false;            // Key: `key NAME hashed` (sent as SHA-256 hex)
  double max_exit_fraction = 0;   // MaxExitFraction (checked to be in 0..1)
  SourceRange value_range;        // MaxProfiles, MaxExitFraction: the number
  Expectation expect;             // Expect
  SourceRange range;
};

struct DestinationDecl {
  Name name;
  std::optional<StringLit> description;
  std::vector<DestItem> items;
};

struct PublishDecl {
  std::vector<Name> audiences;
  std::vector<Name> destinations;
};

// A property or trait of a test fixture: `name = literal`.
struct FixtureValue {
  Name name;  // a `context.a.b` path is one name
  ExprPtr value;
  SourceRange range;
};

// One inline fixture line of a test's `given { ... }` block.
struct Fixture {
  enum Kind : uint8_t { Event, Identify, Alias } kind = Event;
  Name event;                             // Event: the declared event
  std::optional<StringLit> user_id;       // Event, Identify; Alias: the user it joins
  std::optional<StringLit> anonymous_id;  // Event, Identify
  StringLit previous_id;                  // Alias: `alias PREVIOUS to USER`
  Time at;
  std::vector<FixtureValue> values;  // Event: properties; Identify: traits
  SourceRange range;
};

// One item of a `test` block.
struct TestItem {
  enum Kind : uint8_t {
    AsOf,        // `as_of TIME`
    GivenFile,   // `given "file.jsonl"`
    Given,       // `given { fixtures }`
    Contains,    // `expect NAME contains "p", ...`
    Excludes,    // `expect NAME excludes "p", ...`
    Members,     // `expect NAME == ["p", ...]`
    Attribute,   // `expect NAME.ATTR of "p" == VALUE` / `... missing`
    Identities,  // `expect NAME identities NS of "p" == ["v", ...]`
    Sends,       // `expect AUDIENCE to DEST sends "p" (key "k")? ({ "Field" = v, ... })?`
    Skips,       // `expect AUDIENCE to DEST skips "p" REASON`
  } kind = AsOf;
  Time as_of;                        // AsOf
  StringLit path;                    // GivenFile
  std::vector<Fixture> fixtures;     // Given
  Name target;                       // expectations: the segment or audience
  Name member;                       // Attribute: the attribute; Identities: the identity
  std::vector<StringLit> profiles;   // Contains, Excludes, Members; Attribute, Identities: one
  ExprPtr value;                     // Attribute: the expected value (null: `missing`)
  std::vector<StringLit> values;     // Identities: the expected identity values
  Name destination;                  // Sends, Skips
  std::optional<StringLit> key;      // Sends: the expected key value
  std::vector<FixtureValue> fields;  // Sends: expected destination fields (name: the field)
  Name reason;                       // Skips: not_member, no_consent, no_key, duplicate_key
  SourceRange range;
};

// `test NAME "description"? { items }`: a unit test run by `aud test`.
struct TestDecl {
  Name name;
  std::optional<StringLit> description;
  std::vector<TestItem> items;
};

// Any top-level declaration.
using DeclNode =
    std::variant<ImportDecl, EventDecl, TraitDecl, IdentityDecl, LabelDecl, ActionDecl, PolicyDecl,
                 ConsentDecl, SegmentDecl, AudienceDecl, DestinationDecl, PublishDecl, TestDecl>;

struct Decl {
  DeclNode node;
  SourceRange range;
};

// A `# ...` comment, kept for the formatter.
struct Comment {
  std::string text;  // including the leading '#'
  SourceRange range;
};

// One parsed `.aud` file.
struct File {
  base::FileId file = 0;
  std::vector<Decl> decls;
  std::vector<Comment> comments;
};

// Printable names of operators, as written in source.
const char* BinaryOpText(BinaryOp op);
const char* UnaryOpText(UnaryOp op);
const char* TypeName(Type t);
// A string as an aud literal: quoted, with `\"`, `\\`, `\n`, `\t`, and
// `\u{XX}` for every other control character.
std::string QuoteString(std::string_view s);
// An `expect` clause as written (`expect size between 1 and 5`), names unquoted:
// for messages and dumps.
std::string ExpectationText(const Expectation& e);
// A number as the shortest decimal that reads back to it, always with a `.`.
std::string FloatText(double v);

}  // namespace aud::ast
