#include "compiler/fmt/format.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string_view>
#include <utility>

#include "compiler/parse/parse.h"

// The layout rules implemented here are documented in docs/formatting.md;
// keep the two in sync.

namespace aud::fmt {
namespace {

using ast::BinaryOp;
using ast::Expr;
using ast::ExprKind;
using ast::UnaryOp;

constexpr size_t kMaxWidth = 100;  // columns, counted in code points
constexpr int kIndent = 2;         // one block level
constexpr int kContinuation = 4;   // a broken segment body, map continuation lines

// ---------------------------------------------------------------------------
// Tokens: names, strings, numbers.

bool IsPlainIdent(std::string_view s) {
  if (s.empty()) return false;
  auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (!alpha(s[0])) return false;
  for (char c : s.substr(1)) {
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

// The keywords the grammar accepts unquoted after `.` and as property names
// (the `keyword` rule of Aud.g4).
bool IsMemberKeyword(std::string_view s) {
  static constexpr std::string_view kWords[] = {
      "import",      "event",      "page",         "screen",
      "trait",       "identity",   "declared",     "visitor",
      "from",        "normalize",  "label",        "action",
      "policy",      "deny",       "when",         "consent",
      "segment",     "audience",   "members",      "identities",
      "attributes",  "refresh",    "every",        "once",
      "destination", "connection", "actions",      "key",
      "map",         "hashed",     "max_profiles", "max_exit_fraction",
      "publish",     "to",         "where",        "within",
      "between",     "and",        "or",           "not",
      "in",          "true",       "false",        "exists",
      "sequence"};
  return std::find(std::begin(kWords), std::end(kWords), s) != std::end(kWords);
}

std::string Backticked(std::string_view s) { return "`" + std::string(s) + "`"; }

// A name in an `ident` position: quoted when it is a keyword or not plain.
std::string Ident(const ast::Name& n) {
  if (IsPlainIdent(n.text) && !parse::IsKeyword(n.text)) return n.text;
  return Backticked(n.text);
}

// A name in a `memberName` position (after `.`, property names), where the
// grammar also takes keywords unquoted.
std::string MemberName(const ast::Name& n) {
  if (IsPlainIdent(n.text) && (!parse::IsKeyword(n.text) || IsMemberKeyword(n.text))) {
    return n.text;
  }
  return Backticked(n.text);
}

// A property name of an event declaration: a `context.a.b` path whose
// parts are plain names is written dotted (docs/language.md), else as MemberName.
std::string PropName(const ast::Name& n) {
  if (n.text.rfind("context.", 0) != 0) return MemberName(n);
  std::string_view rest = n.text;
  while (true) {
    const size_t dot = rest.find('.');
    std::string_view part = rest.substr(0, dot);
    if (!IsPlainIdent(part) || (parse::IsKeyword(part) && !IsMemberKeyword(part)))
      return MemberName(n);
    if (dot == std::string_view::npos) return n.text;
    rest.remove_prefix(dot + 1);
  }
}

// A callee: `exists` and `sequence` are reserved words the grammar accepts
// as callees.
std::string Callee(const ast::Name& n) {
  if (n.text == "exists" || n.text == "sequence") return n.text;
  return Ident(n);
}

std::string NameList(const std::vector<ast::Name>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += Ident(names[i]);
  }
  return out;
}

// ` [L1, L2]`, or nothing.
std::string Labels(const std::vector<ast::Name>& labels) {
  if (labels.empty()) return "";
  return " [" + NameList(labels) + "]";
}

// Shortest round-trip decimal, never in exponent form, always with a `.`, so
// that it lexes as FLOAT again.
std::string FormatFloat(double v) {
  char buf[512];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  std::string out = res.ec == std::errc() ? std::string(buf, res.ptr) : std::to_string(v);
  if (out.find('.') == std::string::npos) out += ".0";
  return out;
}

std::string FormatDuration(const ast::Duration& d) {
  return std::to_string(d.amount) + std::string(1, d.unit);
}

std::string FormatTime(const ast::Time& t) { return "@" + t.text; }

std::string FormatWindow(const ast::Window& w) {
  if (w.kind == ast::Window::Within) return "within " + FormatDuration(w.within);
  return "between " + FormatTime(w.from) + " and " + FormatTime(w.to);
}

// Display width in columns: UTF-8 code points.
size_t Width(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

// ---------------------------------------------------------------------------
// Expressions.
//
// Binding levels, loosest first, as in Aud.g4. ANTLR parses a prefix operator
// (`not`, unary `-`) in operand position at any level, and its operand then
// extends over every following operator that binds at least as tightly as
// the prefix operator itself. `Printed::absorbs` tracks that, so parentheses
// are added only where reparsing the unparenthesized text would build a
// different tree (which a parsed tree never needs: its parens are Paren nodes).

enum Level : int { kOr = 1, kAnd, kNot, kCmp, kAdd, kMul, kNeg, kPrimary };
constexpr int kAbsorbsNothing = 1000;

struct Printed {
  std::string text;
  int level = kPrimary;
  // A binary operator of level >= absorbs written right after `text` would
  // be swallowed by a trailing unparenthesized prefix operator.
  int absorbs = kAbsorbsNothing;
};

int BinaryLevel(BinaryOp op) {
  switch (op) {
    case BinaryOp::Or: return kOr;
    case BinaryOp::And: return kAnd;
    case BinaryOp::Eq:
    case BinaryOp::Ne:
    case BinaryOp::Lt:
    case BinaryOp::Le:
    case BinaryOp::Gt:
    case BinaryOp::Ge:
    case BinaryOp::In: return kCmp;
    case BinaryOp::Add:
    case BinaryOp::Sub: return kAdd;
    case BinaryOp::Mul:
    case BinaryOp::Div: return kMul;
  }
  return kPrimary;
}

Printed Parenthesized(const Printed& p) { return {"(" + p.text + ")", kPrimary, kAbsorbsNothing}; }

Printed Print(const Expr& e);

std::string PrintText(const ast::ExprPtr& e) { return e ? Print(*e).text : std::string(); }

std::string PrintCallArg(const ast::CallArg& a) {
  std::string out = PrintText(a.value);
  if (a.where) out += " where " + PrintText(a.where);
  if (a.window) out += " " + FormatWindow(*a.window);
  return out;
}

Printed Print(const Expr& e) {
  switch (e.kind) {
    case ExprKind::BoolLit: return {e.bool_value ? "true" : "false"};
    case ExprKind::IntLit: return {std::to_string(e.int_value)};
    case ExprKind::FloatLit: return {FormatFloat(e.float_value)};
    case ExprKind::StringLit: return {ast::QuoteString(e.string_value)};
    case ExprKind::DurationLit: return {FormatDuration(e.duration)};
    case ExprKind::TimeLit: return {FormatTime(e.time)};
    case ExprKind::ListLit: {
      std::string out = "[";
      for (size_t i = 0; i < e.children.size(); ++i) {
        if (i > 0) out += ", ";
        out += PrintText(e.children[i]);
      }
      return {out + "]"};
    }
    case ExprKind::NameRef: return {Ident(e.name)};
    case ExprKind::Member: return {Ident(e.name) + "." + MemberName(e.member)};
    case ExprKind::Call: {
      std::string out = Callee(e.name) + "(";
      for (size_t i = 0; i < e.args.size(); ++i) {
        if (i > 0) out += ", ";
        out += PrintCallArg(e.args[i]);
      }
      return {out + ")"};
    }
    case ExprKind::Paren: {
      if (e.children.empty() || !e.children[0]) return {"()"};
      return Parenthesized(Print(*e.children[0]));
    }
    case ExprKind::Unary: {
      int level = e.unary_op == UnaryOp::Not ? kNot : kNeg;
      Printed operand;
      if (!e.children.empty() && e.children[0]) {
        const Expr& child = *e.children[0];
        operand = Print(child);
        // A prefix operand parses anywhere; anything else must bind tightly.
        if (child.kind != ExprKind::Unary && operand.level < level) {
          operand = Parenthesized(operand);
        }
      }
      std::string text = e.unary_op == UnaryOp::Not ? "not " + operand.text : "-" + operand.text;
      return {std::move(text), level, std::min(level, operand.absorbs)};
    }
    case ExprKind::Binary: {
      int level = BinaryLevel(e.binary_op);
      Printed lhs, rhs;
      if (!e.children.empty() && e.children[0]) lhs = Print(*e.children[0]);
      if (e.children.size() > 1 && e.children[1]) rhs = Print(*e.children[1]);
      // Left operand: left-associative, except comparisons (which do not chain).
      bool lhs_parens =
          lhs.level < level || (level == kCmp && lhs.level == kCmp) || lhs.absorbs <= level;
      if (lhs_parens) lhs = Parenthesized(lhs);
      bool rhs_prefix =
          e.children.size() > 1 && e.children[1] && e.children[1]->kind == ExprKind::Unary;
      if (!rhs_prefix && rhs.level <= level) rhs = Parenthesized(rhs);
      return {lhs.text + " " + ast::BinaryOpText(e.binary_op) + " " + rhs.text, level, rhs.absorbs};
    }
  }
  return {"?"};
}

std::string PrintExpr(const ast::ExprPtr& e) { return PrintText(e); }

// ---------------------------------------------------------------------------
// Layout with comments.

struct PendingComment {
  uint32_t begin = 0;
  uint32_t end = 0;
  std::string text;  // trailing whitespace trimmed
};

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

// Declaration kinds whose adjacent runs stay grouped without blank lines.
bool Groupable(const ast::DeclNode& node) {
  return std::holds_alternative<ast::ImportDecl>(node) ||
         std::holds_alternative<ast::TraitDecl>(node) ||
         std::holds_alternative<ast::IdentityDecl>(node) ||
         std::holds_alternative<ast::LabelDecl>(node) ||
         std::holds_alternative<ast::ActionDecl>(node) ||
         std::holds_alternative<ast::ConsentDecl>(node) ||
         std::holds_alternative<ast::PublishDecl>(node);
}

uint32_t EndOf(const ast::ExprPtr& e) { return e ? e->range.end : 0; }

class Formatter {
 public:
  Formatter(const ast::File& file, const base::SourceManager& sm) : file_(file) {
    if (file.file != 0 && file.file <= sm.size()) src_ = sm.file(file.file).text;
    for (const ast::Comment& c : file.comments) {
      std::string text = c.text;
      while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                               text.back() == '\n')) {
        text.pop_back();
      }
      comments_.push_back({c.range.begin, c.range.end, std::move(text)});
    }
    std::stable_sort(
        comments_.begin(), comments_.end(),
        [](const PendingComment& a, const PendingComment& b) { return a.begin < b.begin; });
  }

  std::string Run() {
    bool first_decl = true;
    size_t prev_kind = 0;
    uint32_t prev_end = 0;
    for (const ast::Decl& d : file_.decls) {
      uint32_t begin = d.range.begin;
      size_t first = next_;
      while (next_ < comments_.size() && comments_[next_].begin < begin) ++next_;
      bool grouped = !first_decl && d.node.index() == prev_kind && Groupable(d.node) &&
                     !HasBlankLine(prev_end, begin);
      if (!first_decl && !grouped) out_ += '\n';
      for (size_t k = first; k < next_; ++k) {
        if (k > first && !grouped && HasBlankLine(comments_[k - 1].end, comments_[k].begin)) {
          out_ += '\n';
        }
        out_ += comments_[k].text + '\n';
      }
      if (next_ > first && !grouped && HasBlankLine(comments_[next_ - 1].end, begin)) out_ += '\n';
      prev_end = FormatDecl(d);
      prev_kind = d.node.index();
      first_decl = false;
    }
    // Comments after the last declaration stay at the end.
    for (size_t k = next_; k < comments_.size(); ++k) {
      bool blank = k > next_ ? HasBlankLine(comments_[k - 1].end, comments_[k].begin)
                             : !first_decl && HasBlankLine(prev_end, comments_[k].begin);
      if (blank) out_ += '\n';
      out_ += comments_[k].text + '\n';
    }
    next_ = comments_.size();
    return std::move(out_);
  }

 private:
  // --- source scanning ---

  // True when source bytes [a, b) contain an empty (whitespace-only) line.
  bool HasBlankLine(uint32_t a, uint32_t b) const {
    if (a >= b || b > src_.size()) return false;
    bool seen_newline = false;
    for (uint32_t i = a; i < b; ++i) {
      char c = src_[i];
      if (c == '\n') {
        if (seen_newline) return true;
        seen_newline = true;
      } else if (c == '#') {
        // A comment line is not blank: it ends at its own newline.
        while (i < b && src_[i] != '\n') ++i;
        seen_newline = i < b;
      } else if (c != ' ' && c != '\t' && c != '\r') {
        seen_newline = false;
      }
    }
    return false;
  }

  // The offset of the first `ch` at or after `from` outside strings, quoted
  // names and comments, or npos.
  size_t Scan(size_t from, char ch) const {
    size_t n = src_.size();
    for (size_t i = from; i < n; ++i) {
      char c = src_[i];
      if (c == ch) return i;
      if (c == '#') {
        while (i < n && src_[i] != '\n') ++i;
      } else if (c == '"') {
        for (++i; i < n && src_[i] != '"' && src_[i] != '\n'; ++i) {
          if (src_[i] == '\\') ++i;
        }
      } else if (c == '`') {
        for (++i; i < n && src_[i] != '`' && src_[i] != '\n'; ++i) {
        }
      }
    }
    return std::string_view::npos;
  }

  // --- comments ---

  // Prints, as own-line comments at `indent`, every pending comment that
  // starts before `pos` (leading comments, and comments inside a construct
  // that is printed on one line).
  void EmitBefore(uint32_t pos, int indent) {
    while (next_ < comments_.size() && comments_[next_].begin < pos) {
      out_.append(indent, ' ');
      out_ += comments_[next_].text + '\n';
      ++next_;
    }
  }

  // The comment that follows `end` on the same source line with nothing but
  // separators in between, formatted as a trailing comment; else "".
  std::string TakeTrailing(uint32_t end) {
    if (next_ >= comments_.size() || src_.empty()) return "";
    const PendingComment& c = comments_[next_];
    if (c.begin < end || c.begin > src_.size()) return "";
    for (uint32_t i = end; i < c.begin; ++i) {
      char ch = src_[i];
      if (ch != ' ' && ch != '\t' && ch != ',' && ch != ']' && ch != ')') return "";
    }
    ++next_;
    return "  " + c.text;
  }

  // One output line; a comment trailing source offset `end` goes at its end.
  void Line(int indent, std::string_view text, uint32_t end) {
    out_.append(indent, ' ');
    out_ += text;
    out_ += TakeTrailing(end);
    out_ += '\n';
  }

  // A construct printed on one line that ends at source offset `end`.
  void Simple(int indent, std::string_view text, uint32_t end) {
    EmitBefore(end, indent);
    Line(indent, text, end);
  }

  // A `header { ... }` block starting at `begin`; `children_end` is where the
  // last child ends (or `begin`). Returns the offset after the closing brace.
  template <class Children>
  uint32_t Block(int indent, std::string_view header, uint32_t begin, uint32_t children_end,
                 uint32_t fallback_end, bool empty, Children children) {
    size_t open = Scan(begin, '{');
    if (open == std::string_view::npos) open = begin;
    size_t close = Scan(std::max<size_t>(open + 1, children_end), '}');
    if (close == std::string_view::npos) close = std::max(children_end, fallback_end);
    auto close_end = static_cast<uint32_t>(close + 1);
    if (empty) {
      Simple(indent, std::string(header) + " {}", close_end);
      return close_end;
    }
    EmitBefore(static_cast<uint32_t>(open + 1), indent);
    Line(indent, std::string(header) + " {", static_cast<uint32_t>(open + 1));
    children(indent + kIndent);
    EmitBefore(static_cast<uint32_t>(close), indent + kIndent);
    Line(indent, "}", close_end);
    return close_end;
  }

  // --- declarations ---

  static std::string Described(std::string head, const std::optional<ast::StringLit>& desc) {
    if (desc) head += " " + ast::QuoteString(desc->value);
    return head;
  }

  // Prints one declaration; returns the source offset where it ends.
  uint32_t FormatDecl(const ast::Decl& d) {
    uint32_t end = d.range.end;
    return std::visit(
        Overloaded{
            [&](const ast::ImportDecl& x) {
              Simple(0, "import " + ast::QuoteString(x.path.value), end);
              return end;
            },
            [&](const ast::EventDecl& x) {
              std::string header = "event " + Ident(x.name) + " ";
              switch (x.source) {
                case ast::EventDecl::Track: header += ast::QuoteString(x.track_name.value); break;
                case ast::EventDecl::Page: header += "page"; break;
                case ast::EventDecl::Screen: header += "screen"; break;
              }
              header += Labels(x.labels);
              uint32_t children_end = x.props.empty() ? d.range.begin : x.props.back().range.end;
              return Block(
                  0, header, d.range.begin, children_end, end, x.props.empty(), [&](int indent) {
                    for (const ast::PropDecl& p : x.props) {
                      Simple(indent, PropName(p.name) + ": " + Ident(p.type) + Labels(p.labels),
                             p.range.end);
                    }
                  });
            },
            [&](const ast::TraitDecl& x) {
              Simple(0, "trait " + Ident(x.name) + ": " + Ident(x.type) + Labels(x.labels), end);
              return end;
            },
            [&](const ast::IdentityDecl& x) {
              std::string text = "identity " + Ident(x.name) + ": " +
                                 (x.kind == ast::IdentityDecl::Declared ? "declared" : "visitor") +
                                 " from ";
              if (x.from == ast::IdentityDecl::Trait) text += "trait ";
              text += Ident(x.source);
              if (x.normalize) text += " normalize " + Ident(*x.normalize);
              text += Labels(x.labels);
              Simple(0, text, end);
              return end;
            },
            [&](const ast::LabelDecl& x) {
              Simple(0, Described("label " + Ident(x.name), x.description), end);
              return end;
            },
            [&](const ast::ActionDecl& x) {
              Simple(0, Described("action " + Ident(x.name), x.description), end);
              return end;
            },
            [&](const ast::PolicyDecl& x) {
              uint32_t children_end = x.rules.empty() ? d.range.begin : x.rules.back().range.end;
              children_end =
                  std::max(children_end, x.rules.empty() ? 0 : EndOf(x.rules.back().when));
              return Block(0, Described("policy " + Ident(x.name), x.description), d.range.begin,
                           children_end, end, x.rules.empty(), [&](int indent) {
                             for (const ast::PolicyRule& r : x.rules) {
                               Simple(indent,
                                      "deny " + NameList(r.actions) + " when " + PrintExpr(r.when),
                                      std::max(r.range.end, EndOf(r.when)));
                             }
                           });
            },
            [&](const ast::ConsentDecl& x) {
              end = std::max(end, EndOf(x.expr));
              Simple(0, "consent " + Ident(x.name) + " = " + PrintExpr(x.expr), end);
              return end;
            },
            [&](const ast::SegmentDecl& x) {
              end = std::max(end, EndOf(x.expr));
              std::string head = Described("segment " + Ident(x.name), x.description);
              std::string body = PrintExpr(x.expr);
              std::string one = head + " = " + body;
              if (Width(one) <= kMaxWidth) {
                Simple(0, one, end);
              } else {
                EmitBefore(end, 0);
                out_ += head + " =\n";
                Line(kContinuation, body, end);
              }
              return end;
            },
            [&](const ast::AudienceDecl& x) {
              uint32_t children_end = x.items.empty() ? d.range.begin : x.items.back().range.end;
              return Block(0, Described("audience " + Ident(x.name), x.description), d.range.begin,
                           children_end, end, x.items.empty(), [&](int indent) {
                             for (const ast::AudienceItem& item : x.items)
                               AudienceItem(indent, item);
                           });
            },
            [&](const ast::DestinationDecl& x) {
              uint32_t children_end = x.items.empty() ? d.range.begin : x.items.back().range.end;
              return Block(0, Described("destination " + Ident(x.name), x.description),
                           d.range.begin, children_end, end, x.items.empty(), [&](int indent) {
                             for (const ast::DestItem& item : x.items) DestItem(indent, item);
                           });
            },
            [&](const ast::PublishDecl& x) {
              Simple(0, "publish " + NameList(x.audiences) + " to " + NameList(x.destinations),
                     end);
              return end;
            },
            [&](const ast::TestDecl& x) {
              uint32_t children_end = x.items.empty() ? d.range.begin : x.items.back().range.end;
              if (!x.items.empty()) children_end = std::max(children_end, ItemEnd(x.items.back()));
              return Block(0, Described("test " + Ident(x.name), x.description), d.range.begin,
                           children_end, end, x.items.empty(), [&](int indent) {
                             for (const ast::TestItem& item : x.items) TestItem(indent, item);
                           });
            },
        },
        d.node);
  }

  void AudienceItem(int indent, const ast::AudienceItem& item) {
    uint32_t end = item.range.end;
    switch (item.kind) {
      case ast::AudienceItem::Members:
        Simple(indent, "members " + PrintExpr(item.members), std::max(end, EndOf(item.members)));
        break;
      case ast::AudienceItem::Identities:
        Simple(indent, "identities " + NameList(item.identities), end);
        break;
      case ast::AudienceItem::Attributes: {
        uint32_t children_end = item.range.begin;
        if (!item.attributes.empty()) {
          const ast::Attribute& last = item.attributes.back();
          children_end = std::max(last.range.end, EndOf(last.expr));
        }
        Block(indent, "attributes", item.range.begin, children_end, end, item.attributes.empty(),
              [&](int inner) {
                for (const ast::Attribute& a : item.attributes) {
                  Simple(inner, Ident(a.name) + " = " + PrintExpr(a.expr),
                         std::max(a.range.end, EndOf(a.expr)));
                }
              });
        break;
      }
      case ast::AudienceItem::Refresh:
        Simple(indent,
               item.every                        ? "refresh every " + FormatDuration(*item.every)
               : !item.refresh_word.text.empty() ? "refresh " + item.refresh_word.text
                                                 : "refresh once",
               end);
        break;
      case ast::AudienceItem::Import:
        Simple(
            indent,
            "import " + ast::QuoteString(item.import_path.value) + " key " + Ident(item.import_key),
            end);
        break;
      case ast::AudienceItem::Expect: Simple(indent, ExpectText(item.expect), end); break;
    }
  }

  static std::string ExpectText(const ast::Expectation& e) {
    if (e.kind == ast::Expectation::NotMissing)
      return "expect " + Ident(e.attribute) + " not missing";
    return ast::ExpectationText(e);
  }

  static std::string Strings(const std::vector<ast::StringLit>& v) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out += ", ";
      out += ast::QuoteString(v[i].value);
    }
    return out;
  }

  static uint32_t ItemEnd(const ast::TestItem& item) {
    uint32_t end = item.range.end;
    for (const auto& f : item.fields) end = std::max(end, EndOf(f.value));
    if (item.value) end = std::max(end, EndOf(item.value));
    return end;
  }

  static std::string FixtureText(const ast::Fixture& f) {
    std::string out;
    auto who = [&] {
      std::string w;
      if (f.user_id) w += ast::QuoteString(f.user_id->value);
      if (f.anonymous_id)
        w += std::string(w.empty() ? "" : " ") + "anonymous " +
             ast::QuoteString(f.anonymous_id->value);
      return w;
    };
    switch (f.kind) {
      case ast::Fixture::Event: out = "event " + Ident(f.event) + " " + who(); break;
      case ast::Fixture::Identify: out = "identify " + who(); break;
      case ast::Fixture::Alias:
        out = "alias " + ast::QuoteString(f.previous_id.value) + " to " +
              ast::QuoteString(f.user_id ? f.user_id->value : std::string());
        break;
    }
    out += " " + FormatTime(f.at);
    if (f.kind != ast::Fixture::Alias && !f.values.empty()) {
      out += " { ";
      for (size_t i = 0; i < f.values.size(); ++i) {
        if (i > 0) out += ", ";
        out += PropName(f.values[i].name) + " = " + PrintExpr(f.values[i].value);
      }
      out += " }";
    }
    return out;
  }

  void TestItem(int indent, const ast::TestItem& item) {
    uint32_t end = ItemEnd(item);
    switch (item.kind) {
      case ast::TestItem::AsOf: Simple(indent, "as_of " + FormatTime(item.as_of), end); break;
      case ast::TestItem::GivenFile:
        Simple(indent, "given " + ast::QuoteString(item.path.value), end);
        break;
      case ast::TestItem::Given: {
        uint32_t children_end =
            item.fixtures.empty() ? item.range.begin : item.fixtures.back().range.end;
        Block(indent, "given", item.range.begin, children_end, end, item.fixtures.empty(),
              [&](int inner) {
                for (const ast::Fixture& f : item.fixtures) {
                  uint32_t fend = f.range.end;
                  for (const auto& v : f.values) fend = std::max(fend, EndOf(v.value));
                  Simple(inner, FixtureText(f), fend);
                }
              });
        break;
      }
      case ast::TestItem::Contains:
        Simple(indent, "expect " + Ident(item.target) + " contains " + Strings(item.profiles), end);
        break;
      case ast::TestItem::Excludes:
        Simple(indent, "expect " + Ident(item.target) + " excludes " + Strings(item.profiles), end);
        break;
      case ast::TestItem::Members:
        Simple(indent, "expect " + Ident(item.target) + " == [" + Strings(item.profiles) + "]",
               end);
        break;
      case ast::TestItem::Attribute:
        Simple(indent,
               "expect " + Ident(item.target) + "." + MemberName(item.member) + " of " +
                   Strings(item.profiles) +
                   (item.value ? " == " + PrintExpr(item.value) : std::string(" missing")),
               end);
        break;
      case ast::TestItem::Identities:
        Simple(indent,
               "expect " + Ident(item.target) + " identities " + Ident(item.member) + " of " +
                   Strings(item.profiles) + " == [" + Strings(item.values) + "]",
               end);
        break;
      case ast::TestItem::Sends: {
        std::string text = "expect " + Ident(item.target) + " to " + Ident(item.destination) +
                           " sends " + Strings(item.profiles);
        if (item.key) text += " key " + ast::QuoteString(item.key->value);
        if (!item.fields.empty()) {
          text += " { ";
          for (size_t i = 0; i < item.fields.size(); ++i) {
            if (i > 0) text += ", ";
            text += ast::QuoteString(item.fields[i].name.text) + " = " +
                    PrintExpr(item.fields[i].value);
          }
          text += " }";
        }
        Simple(indent, text, end);
        break;
      }
      case ast::TestItem::Skips:
        Simple(indent,
               "expect " + Ident(item.target) + " to " + Ident(item.destination) + " skips " +
                   Strings(item.profiles) + " " + Ident(item.reason),
               end);
        break;
    }
  }

  static std::string MappingText(const ast::Mapping& m) {
    return Ident(m.field) + " -> " + ast::QuoteString(m.target.value) + (m.hashed ? " hashed" : "");
  }

  void DestItem(int indent, const ast::DestItem& item) {
    uint32_t end = item.range.end;
    switch (item.kind) {
      case ast::DestItem::Connection:
        Simple(indent, "connection " + NameList(item.names), end);
        break;
      case ast::DestItem::Actions: Simple(indent, "actions " + NameList(item.names), end); break;
      case ast::DestItem::Consent: Simple(indent, "consent " + NameList(item.names), end); break;
      case ast::DestItem::Key:
        Simple(indent, "key " + NameList(item.names) + (item.hashed ? " hashed" : ""), end);
        break;
      case ast::DestItem::MaxProfiles:
        Simple(indent, "max_profiles " + std::to_string(item.max_profiles), end);
        break;
      case ast::DestItem::MaxExitFraction:
        Simple(indent, "max_exit_fraction " + FormatFloat(item.max_exit_fraction), end);
        break;
      case ast::DestItem::Expect: Simple(indent, ExpectText(item.expect), end); break;
      case ast::DestItem::Map: {
        std::string one = "map ";
        for (size_t i = 0; i < item.mappings.size(); ++i) {
          if (i > 0) one += ", ";
          one += MappingText(item.mappings[i]);
        }
        if (item.mappings.size() <= 1 || indent + Width(one) <= kMaxWidth) {
          Simple(indent, one, end);
          break;
        }
        // One mapping per line; continuation lines line up after `map `.
        for (size_t i = 0; i < item.mappings.size(); ++i) {
          const ast::Mapping& m = item.mappings[i];
          std::string text = MappingText(m);
          if (i + 1 < item.mappings.size()) text += ",";
          if (i == 0) {
            EmitBefore(m.range.end, indent);
            Line(indent, "map " + text, m.range.end);
          } else {
            EmitBefore(m.range.end, indent + kContinuation);
            Line(indent + kContinuation, text, m.range.end);
          }
        }
        break;
      }
    }
  }

  const ast::File& file_;
  std::string_view src_;
  std::vector<PendingComment> comments_;
  size_t next_ = 0;  // the first comment not yet printed
  std::string out_;
};

}  // namespace

std::string FormatFile(const ast::File& file, const base::SourceManager& sm) {
  return Formatter(file, sm).Run();
}

}  // namespace aud::fmt
