#include "compiler/parse/parse.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "AudLexer.h"
#include "AudParser.h"
#include "antlr4-runtime.h"
#include "compiler/parse/literals.h"

namespace aud::parse {

namespace {

namespace g = aud::grammar;
using P = g::AudParser;
using base::DiagKind;
using base::SourceRange;

// Limits that keep adversarial input from exhausting the stack (see README.md).
constexpr int kMaxNesting = 256;
constexpr int kMaxOperators = 5000;

// ---------------------------------------------------------------------------
// UTF-8 -> code points, with the byte offset of every code point.

struct DecodedText {
  std::u32string cps;
  std::vector<uint32_t> offsets;  // byte offset of code point i (size n+1); empty when ASCII
  uint32_t base = 0;              // bytes skipped at the start (a BOM)
  uint32_t size = 0;              // byte size of the text
  uint32_t Byte(size_t cp_index) const {
    if (cp_index >= cps.size()) return size;
    return offsets.empty() ? base + static_cast<uint32_t>(cp_index) : offsets[cp_index];
  }
};

// Strict UTF-8 (no overlongs, surrogates or values above U+10FFFF). On error
// returns false and the offset of the first byte of the bad sequence.
bool DecodeUtf8(std::string_view text, DecodedText* out, uint32_t* bad) {
  size_t i = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // a leading BOM is whitespace
  out->base = static_cast<uint32_t>(i);
  out->size = static_cast<uint32_t>(text.size());
  out->cps.reserve(text.size() - i);
  bool ascii = true;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  auto cont = [&](size_t k, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return k < n && s[k] >= lo && s[k] <= hi;
  };
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      if (!ascii) out->offsets.push_back(static_cast<uint32_t>(i));
      out->cps.push_back(c);
      ++i;
      continue;
    }
    if (ascii) {
      ascii = false;
      out->offsets.reserve(n + 1);
      for (size_t k = 0; k < out->cps.size(); ++k)
        out->offsets.push_back(out->base + static_cast<uint32_t>(k));
    }
    uint32_t cp = 0;
    size_t len = 0;
    if (c >= 0xC2 && c <= 0xDF && cont(i + 1)) {
      cp = c & 0x1F;
      len = 2;
    } else if (c == 0xE0 && cont(i + 1, 0xA0) && cont(i + 2)) {
      cp = c & 0x0F;
      len = 3;
    } else if (((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) && cont(i + 1) && cont(i + 2)) {
      cp = c & 0x0F;
      len = 3;
    } else if (c == 0xED && cont(i + 1, 0x80, 0x9F) && cont(i + 2)) {
      cp = c & 0x0F;
      len = 3;
    } else if (c == 0xF0 && cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3)) {
      cp = c & 0x07;
      len = 4;
    } else if (c >= 0xF1 && c <= 0xF3 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
      cp = c & 0x07;
      len = 4;
    } else if (c == 0xF4 && cont(i + 1, 0x80, 0x8F) && cont(i + 2) && cont(i + 3)) {
      cp = c & 0x07;
      len = 4;
    } else {
      *bad = static_cast<uint32_t>(i);
      return false;
    }
    for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    out->offsets.push_back(static_cast<uint32_t>(i));
    out->cps.push_back(cp);
    i += len;
  }
  if (!ascii) out->offsets.push_back(static_cast<uint32_t>(n));
  return true;
}

// A char stream over already-decoded code points (ANTLR's own loader throws
// on invalid UTF-8 and silently drops a BOM, which would shift offsets).
class CodePointStream : public antlr4::ANTLRInputStream {
 public:
  explicit CodePointStream(std::u32string data) {
    _data = std::move(data);
    p = 0;
  }
};

// ---------------------------------------------------------------------------
// Token vocabulary helpers.

bool IsErrorToken(size_t t) {
  return t == P::UNTERMINATED_STRING || t == P::UNTERMINATED_QUOTED || t == P::BAD_TIME ||
         t == P::BAD_CHAR;
}

bool IsKeywordToken(size_t t) { return t >= P::IMPORT && t <= P::SEQUENCE; }

// The words of `test` and `expect`: tokens of their own, but names wherever a
// name may stand (the grammar's `softKeyword`).
bool IsSoftKeywordToken(size_t t) { return t >= P::TEST && t <= P::SKIPS; }

bool IsDeclKeyword(size_t t) {
  switch (t) {
    case P::IMPORT:
    case P::EVENT:
    case P::TRAIT:
    case P::IDENTITY:
    case P::LABEL:
    case P::ACTION:
    case P::POLICY:
    case P::CONSENT:
    case P::SEGMENT:
    case P::AUDIENCE:
    case P::DESTINATION:
    case P::PUBLISH:
    case P::TEST: return true;
    default: return false;
  }
}

bool IsBinaryOpToken(size_t t) {
  switch (t) {
    case P::STAR:
    case P::SLASH:
    case P::PLUS:
    case P::MINUS:
    case P::EQ:
    case P::NE:
    case P::LT:
    case P::LE:
    case P::GT:
    case P::GE:
    case P::IN:
    case P::AND:
    case P::OR: return true;
    default: return false;
  }
}

const antlr4::dfa::Vocabulary& Vocab() {
  static const antlr4::dfa::Vocabulary& v = []() -> const antlr4::dfa::Vocabulary& {
    // The vocabulary is a static of the generated parser; reach it through a
    // throwaway instance once.
    antlr4::CommonTokenStream* none = nullptr;
    P parser(none);
    return parser.getVocabulary();
  }();
  return v;
}

// The literal spelling of a fixed token (`=` for ASSIGN), or "".
std::string LiteralOf(size_t t) {
  std::string lit = Vocab().getLiteralName(t);
  if (lit.size() >= 2 && lit.front() == '\'' && lit.back() == '\'')
    return lit.substr(1, lit.size() - 2);
  return "";
}

// How an expected token is named in a message.
std::string DescribeExpected(size_t t) {
  switch (t) {
    case antlr4::Token::EOF: return "end of file";
    case P::ID:
    case P::QUOTED_ID: return "name";
    case P::STRING: return "string";
    case P::INT: return "integer";
    case P::FLOAT: return "number";
    case P::DURATION: return "duration";
    case P::TIME: return "time";
    default: break;
  }
  std::string lit = LiteralOf(t);
  if (!lit.empty()) return "`" + lit + "`";
  return Vocab().getDisplayName(t);
}

std::string JoinOr(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? " or " : ", ";
    out += items[i];
  }
  return out;
}

const std::vector<size_t>& ExprFirst() {
  static const std::vector<size_t> first = {
      P::INT, P::FLOAT,     P::STRING, P::DURATION, P::TIME, P::TRUE,   P::FALSE,   P::LBRACK,
      P::ID,  P::QUOTED_ID, P::LPAREN, P::MINUS,    P::NOT,  P::EXISTS, P::SEQUENCE};
  return first;
}

// ---------------------------------------------------------------------------
// Syntax errors: a strategy that words messages our way and a listener that
// collects them (nothing ever reaches the console).

struct SyntaxIssue {
  antlr4::Token* token = nullptr;
  std::string message;
  std::string note;  // "did you mean ..." or empty
};

struct SyntaxLog {
  std::vector<SyntaxIssue> issues;
  std::string pending_note;
};

class CollectingListener : public antlr4::BaseErrorListener {
 public:
  explicit CollectingListener(SyntaxLog* log) : log_(log) {}
  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offending, size_t line,
                   size_t col, const std::string& msg, std::exception_ptr e) override {
    log_->issues.push_back({offending, msg, std::move(log_->pending_note)});
    log_->pending_note.clear();
  }

 private:
  SyntaxLog* log_;
};

// Lexer errors cannot happen (BAD_CHAR matches anything) but are kept, not printed.
class LexerListener : public antlr4::BaseErrorListener {
 public:
  void syntaxError(antlr4::Recognizer*, antlr4::Token*, size_t, size_t, const std::string&,
                   std::exception_ptr) override {
    ++errors;
  }
  int errors = 0;
};

class MessageStrategy : public antlr4::DefaultErrorStrategy {
 public:
  explicit MessageStrategy(SyntaxLog* log) : log_(log) {}

 protected:
  void reportNoViableAlternative(antlr4::Parser* p,
                                 const antlr4::NoViableAltException& e) override {
    antlr4::Token* t = e.getOffendingToken();
    antlr4::Token* start = e.getStartToken();
    // The expected set describes the decision's first token; when the parser
    // failed further ahead, only say what is unexpected.
    bool at_start = start && t && start->getTokenIndex() == t->getTokenIndex();
    std::vector<ssize_t> expected;
    if (at_start) expected = e.getExpectedTokens().toList();
    Notify(p, t, expected, std::make_exception_ptr(e));
  }
  void reportInputMismatch(antlr4::Parser* p, const antlr4::InputMismatchException& e) override {
    Notify(p, e.getOffendingToken(), e.getExpectedTokens().toList(), std::make_exception_ptr(e));
  }
  void reportFailedPredicate(antlr4::Parser* p,
                             const antlr4::FailedPredicateException& e) override {
    Notify(p, e.getOffendingToken(), {}, std::make_exception_ptr(e));
  }
  void reportUnwantedToken(antlr4::Parser* p) override {
    if (inErrorRecoveryMode(p)) return;
    beginErrorCondition(p);
    Notify(p, p->getCurrentToken(), getExpectedTokens(p).toList(), nullptr);
  }
  void reportMissingToken(antlr4::Parser* p) override {
    if (inErrorRecoveryMode(p)) return;
    beginErrorCondition(p);
    Notify(p, p->getCurrentToken(), getExpectedTokens(p).toList(), nullptr);
  }

 private:
  void Notify(antlr4::Parser* p, antlr4::Token* found, const std::vector<ssize_t>& expected,
              std::exception_ptr e) {
    std::string note;
    std::string msg = Message(found, expected, &note);
    log_->pending_note = std::move(note);
    p->notifyErrorListeners(found, msg, std::move(e));
  }

  static std::string Found(antlr4::Token* t) {
    if (!t || t->getType() == antlr4::Token::EOF) return "end of file";
    return "`" + ShowText(t->getText()) + "`";
  }

  static std::string Message(antlr4::Token* found, const std::vector<ssize_t>& expected_list,
                             std::string* note) {
    std::vector<size_t> expected;
    for (ssize_t t : expected_list) {
      expected.push_back(t < 0 ? antlr4::Token::EOF : static_cast<size_t>(t));
    }
    std::sort(expected.begin(), expected.end());
    auto has = [&](size_t t) { return std::binary_search(expected.begin(), expected.end(), t); };
    const std::string found_text = Found(found);
    const size_t found_type = found ? found->getType() : antlr4::Token::EOF;

    // A misspelt keyword where keywords are expected: suggest the keyword.
    if (found_type == P::ID) {
      std::vector<std::string> keywords;
      for (size_t t : expected)
        if (IsKeywordToken(t) || IsSoftKeywordToken(t)) keywords.push_back(LiteralOf(t));
      std::string s = base::Suggest(found->getText(), keywords);
      if (!s.empty()) *note = "did you mean `" + s + "`?";
    }
    if (expected.empty()) return "unexpected " + found_text;

    std::vector<std::string> items;
    std::unordered_set<size_t> covered;
    // Where a name may stand the soft keywords are names: not listed apart.
    if (has(P::ID))
      for (size_t t : expected)
        if (IsSoftKeywordToken(t)) covered.insert(t);
    bool expr = std::all_of(ExprFirst().begin(), ExprFirst().end(), has);
    if (expr) {
      items.push_back("expression");
      covered.insert(ExprFirst().begin(), ExprFirst().end());
    } else {
      // A block or list left open: name the closer rather than everything
      // that could have continued it.
      bool at_boundary = found_type == antlr4::Token::EOF || IsDeclKeyword(found_type);
      std::vector<std::string> closers;
      for (size_t c : {P::RBRACE, P::RPAREN, P::RBRACK})
        if (has(c)) closers.push_back(DescribeExpected(c));
      if (at_boundary && !closers.empty()) {
        return "expected " + JoinOr(closers) + ", found " + found_text;
      }
      if (has(P::ID) && has(P::QUOTED_ID)) {
        // After `.` or in a property declaration keywords are names too.
        size_t keywords = 0;
        for (size_t t : expected) keywords += IsKeywordToken(t) ? 1 : 0;
        items.push_back("name");
        covered.insert(P::ID);
        covered.insert(P::QUOTED_ID);
        if (keywords > 5) {
          for (size_t t : expected)
            if (IsKeywordToken(t)) covered.insert(t);
        }
      }
    }
    for (size_t t : expected) {
      if (covered.count(t)) continue;
      std::string d = DescribeExpected(t);
      if (std::find(items.begin(), items.end(), d) == items.end()) items.push_back(d);
    }
    if (items.size() > 5) return "unexpected " + found_text;
    return "expected " + JoinOr(items) + ", found " + found_text;
  }

  SyntaxLog* log_;
};

// ---------------------------------------------------------------------------
// The parse of one file.

class FileParser {
 public:
  FileParser(base::FileId id, base::Diagnostics& diags)
      : id_(id), diags_(diags), text_(diags.sources().file(id).text) {}

  std::unique_ptr<ast::File> Run();

 private:
  // --- locations ---
  SourceRange TokenRange(const antlr4::Token* t) const {
    if (t->getType() == antlr4::Token::EOF) {
      // End of file: just after the last non-blank byte, as clang reports it,
      // so the diagnostic shows the line where the input stopped.
      auto b = static_cast<uint32_t>(text_.size());
      while (b > 0 && std::isspace(static_cast<unsigned char>(text_[b - 1]))) --b;
      return {id_, b, b};
    }
    uint32_t b = decoded_.Byte(t->getStartIndex());
    uint32_t e = t->getType() == antlr4::Token::EOF ? b : decoded_.Byte(t->getStopIndex() + 1);
    return {id_, b, std::max(b, e)};
  }
  SourceRange CtxRange(antlr4::ParserRuleContext* ctx) const {
    SourceRange b = TokenRange(ctx->getStart());
    SourceRange e = TokenRange(ctx->getStop() ? ctx->getStop() : ctx->getStart());
    return {id_, b.begin, std::max(b.begin, e.end)};
  }
  SourceRange Span(SourceRange a, SourceRange b) const {
    return {id_, a.begin, std::max(a.end, b.end)};
  }
  std::string_view TokenText(const antlr4::Token* t) const {
    SourceRange r = TokenRange(t);
    return std::string_view(text_).substr(r.begin, r.end - r.begin);
  }
  void Error(DiagKind k, SourceRange r, std::string msg) {
    failed_ = true;
    diags_.Report(k, r, std::move(msg));
  }

  // --- phases ---
  void ScanTokens(const std::vector<antlr4::Token*>& tokens, ast::File* file);
  void CheckLiteral(antlr4::Token* t);
  bool CheckLimits(const std::vector<antlr4::Token*>& tokens);
  void ReportSyntaxIssues(const SyntaxLog& log);
  size_t DeclOf(size_t token_index) const {
    auto it = std::upper_bound(decl_starts_.begin(), decl_starts_.end(), token_index);
    return static_cast<size_t>(it - decl_starts_.begin()) - 1;
  }

  // --- tree building ---
  void BuildModule(P::ModuleContext* m, ast::File* file);
  ast::Name NameOf(P::IdentContext* ctx);
  ast::Name NameOf(P::MemberNameContext* ctx);
  ast::Name NameOf(P::CalleeContext* ctx);
  ast::Name NameOfToken(antlr4::Token* t);
  std::vector<ast::Name> Names(P::IdentListContext* ctx);
  std::vector<ast::Name> Labels(P::LabelsContext* ctx);
  ast::StringLit StringOf(antlr4::tree::TerminalNode* node);
  std::optional<ast::StringLit> OptString(antlr4::tree::TerminalNode* node);
  ast::Duration DurationOf(antlr4::tree::TerminalNode* node);
  ast::Time TimeOf(antlr4::tree::TerminalNode* node);
  int64_t IntOf(antlr4::tree::TerminalNode* node);
  ast::ExprPtr Expr(P::ExprContext* ctx);
  ast::ExprPtr BinaryChain(P::BinaryExprContext* ctx);
  ast::ExprPtr Primary(P::PrimaryContext* ctx);
  ast::CallArg CallArg(P::CallArgContext* ctx);
  ast::Window Window(P::WindowContext* ctx);
  ast::DeclNode Decl(P::DeclContext* ctx);
  ast::Expectation Expectation(P::ExpectClauseContext* ctx);
  ast::TestDecl Test(P::TestDeclContext* ctx);
  ast::Fixture Fixture(P::FixtureContext* ctx);
  std::vector<ast::StringLit> Strings(P::ProfileListContext* ctx);

  base::FileId id_;
  base::Diagnostics& diags_;
  const std::string& text_;
  DecodedText decoded_;
  bool failed_ = false;
  std::vector<size_t> decl_starts_;   // token index where each declaration starts
  std::vector<size_t> error_tokens_;  // token indices of lexical error tokens
};

// Reports error tokens and malformed literals, collects comments, and finds
// declaration boundaries (declaration keywords outside braces).
void FileParser::ScanTokens(const std::vector<antlr4::Token*>& tokens, ast::File* file) {
  decl_starts_.push_back(0);
  int brace_depth = 0;
  size_t prev_bad_char_end = SIZE_MAX;
  for (size_t i = 0; i < tokens.size(); ++i) {
    antlr4::Token* t = tokens[i];
    size_t type = t->getType();
    if (type == antlr4::Token::EOF) break;
    SourceRange r = TokenRange(t);
    std::string_view text = TokenText(t);
    if (type == P::COMMENT) {
      file->comments.push_back({std::string(text), r});
      continue;
    }
    if (type == P::LBRACE) ++brace_depth;
    if (type == P::RBRACE && brace_depth > 0) --brace_depth;
    if (brace_depth == 0 && IsDeclKeyword(type) && i > 0) decl_starts_.push_back(i);
    if (IsErrorToken(type)) error_tokens_.push_back(i);
    switch (type) {
      case P::UNTERMINATED_STRING:
        Error(DiagKind::UnterminatedString, r, "unterminated string: missing closing `\"`");
        break;
      case P::UNTERMINATED_QUOTED:
        if (text == "`" && r.end < text_.size() && text_[r.end] == '`') {
          Error(DiagKind::UnterminatedName, {id_, r.begin, r.end + 1}, "quoted name is empty");
          // The second backtick starts another (unterminated) token: same problem.
          if (i + 1 < tokens.size() && tokens[i + 1]->getType() == P::UNTERMINATED_QUOTED) {
            error_tokens_.push_back(++i);
          }
        } else {
          Error(DiagKind::UnterminatedName, r,
                "unterminated quoted name: missing closing backtick");
        }
        break;
      case P::BAD_TIME: {
        std::string why;
        int64_t ms = 0;
        if (ParseTimeDetailed(text.substr(1), &ms, &why)) {
          why = "expected a date `YYYY-MM-DD` or a date-time `YYYY-MM-DDThh:mm:ssZ`";
        }
        Error(DiagKind::InvalidTime, r, "invalid time `" + ShowText(text) + "`: " + why);
        break;
      }
      case P::BAD_CHAR: {
        // A run of adjacent invalid characters is one problem.
        if (r.begin != prev_bad_char_end) {
          uint32_t cp =
              t->getStartIndex() < decoded_.cps.size() ? decoded_.cps[t->getStartIndex()] : 0;
          Error(DiagKind::InvalidCharacter, r, "invalid character `" + ShowCodePoint(cp) + "`");
        }
        prev_bad_char_end = r.end;
        break;
      }
      default: CheckLiteral(t); break;
    }
  }
}

void FileParser::CheckLiteral(antlr4::Token* t) {
  SourceRange r = TokenRange(t);
  std::string_view text = TokenText(t);
  switch (t->getType()) {
    case P::STRING: {
      std::vector<LiteralError> errors;
      DecodeString(text, &errors);
      for (const LiteralError& e : errors) {
        Error(DiagKind::InvalidEscape, {id_, r.begin + e.begin, r.begin + e.end}, e.message);
      }
      break;
    }
    case P::INT: {
      int64_t v = 0;
      if (!DecodeInt(text, &v)) {
        Error(DiagKind::IntOutOfRange, r,
              "integer `" + ShowText(text) +
                  "` is out of range (the maximum is 9223372036854775807)");
      }
      break;
    }
    case P::DURATION: {
      int64_t a = 0, ms = 0;
      char u = 0;
      if (!DecodeDuration(text, &a, &u, &ms)) {
        Error(DiagKind::IntOutOfRange, r,
              "duration `" + ShowText(text) + "` is out of range (at most 2^63-1 milliseconds)");
      }
      break;
    }
    case P::FLOAT: {
      double v = 0;
      if (!DecodeFloat(text, &v)) {
        Error(DiagKind::IntOutOfRange, r, "number `" + ShowText(text) + "` is out of range");
      }
      break;
    }
    case P::TIME: {
      std::string why;
      int64_t ms = 0;
      if (!ParseTimeDetailed(text.substr(1), &ms, &why)) {
        Error(DiagKind::InvalidTime, r, "invalid time `" + std::string(text) + "`: " + why);
      }
      break;
    }
    default: break;
  }
}

// Stack guards: bracket nesting plus pending prefix operators, and the number
// of binary operators per declaration. Reports and returns false when exceeded.
bool FileParser::CheckLimits(const std::vector<antlr4::Token*>& tokens) {
  bool ok = true;
  // pending[k]: prefix operators at bracket level k still waiting for their operand.
  std::vector<int> pending(1, 0);
  int depth = 0;  // brackets + all pending prefix operators
  bool nesting_reported = false;
  size_t decl = 0;
  int operators = 0;
  bool operators_reported = false;
  for (antlr4::Token* t : tokens) {
    size_t type = t->getType();
    if (type == antlr4::Token::EOF) break;
    if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
    size_t d = DeclOf(t->getTokenIndex());
    if (d != decl) {
      decl = d;
      operators = 0;
      operators_reported = false;
    }
    if (IsBinaryOpToken(type) && ++operators > kMaxOperators && !operators_reported) {
      operators_reported = true;
      ok = false;
      Error(DiagKind::SyntaxError, TokenRange(t),
            "expression too large (limit " + std::to_string(kMaxOperators) + " operators)");
    }
    switch (type) {
      case P::LPAREN:
      case P::LBRACK:
      case P::LBRACE:
        pending.push_back(0);
        ++depth;
        break;
      case P::RPAREN:
      case P::RBRACK:
      case P::RBRACE:
        if (pending.size() > 1) {
          depth -= 1 + pending.back();
          pending.pop_back();
        }
        // The bracketed operand completes the prefix operators before it.
        depth -= pending.back();
        pending.back() = 0;
        break;
      case P::NOT:
      case P::MINUS:
        ++pending.back();
        ++depth;
        break;
      default:
        depth -= pending.back();
        pending.back() = 0;
        break;
    }
    if (depth > kMaxNesting && !nesting_reported) {
      nesting_reported = true;
      ok = false;
      Error(DiagKind::SyntaxError, TokenRange(t),
            "expression nested too deeply (limit " + std::to_string(kMaxNesting) + ")");
    }
  }
  return ok;
}

// Reports at most one syntax error per declaration, none at or after a
// lexical error token of that declaration (those are reported already).
void FileParser::ReportSyntaxIssues(const SyntaxLog& log) {
  std::vector<bool> reported(decl_starts_.size(), false);
  for (const SyntaxIssue& issue : log.issues) {
    size_t index = issue.token ? issue.token->getTokenIndex() : 0;
    size_t d = DeclOf(index);
    if (reported[d]) continue;
    auto first_error =
        std::lower_bound(error_tokens_.begin(), error_tokens_.end(), decl_starts_[d]);
    if (first_error != error_tokens_.end() && *first_error <= index) continue;
    reported[d] = true;
    SourceRange r = issue.token ? TokenRange(issue.token) : SourceRange{id_, 0, 0};
    failed_ = true;
    base::Diagnostic& diag = diags_.Report(DiagKind::SyntaxError, r, issue.message);
    if (!issue.note.empty()) diag.notes.push_back({r, issue.note});
  }
}

std::unique_ptr<ast::File> FileParser::Run() {
  uint32_t bad = 0;
  if (!DecodeUtf8(text_, &decoded_, &bad)) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02X", static_cast<unsigned char>(text_[bad]));
    diags_.Report(DiagKind::InvalidUtf8, {id_, bad, bad + 1},
                  std::string("invalid UTF-8 byte `\\x") + buf + "`: source files must be UTF-8");
    return nullptr;
  }

  CodePointStream input(decoded_.cps);
  g::AudLexer lexer(&input);
  LexerListener lexer_listener;
  lexer.removeErrorListeners();
  lexer.addErrorListener(&lexer_listener);
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();
  const std::vector<antlr4::Token*> all = tokens.getTokens();

  auto file = std::make_unique<ast::File>();
  file->file = id_;
  ScanTokens(all, file.get());
  if (lexer_listener.errors > 0 && !failed_) {
    Error(DiagKind::InvalidCharacter, {id_, 0, 0}, "the file could not be tokenized");
  }
  if (!CheckLimits(all)) return nullptr;

  P parser(&tokens);
  parser.removeErrorListeners();
  P::ModuleContext* module = nullptr;
  bool lexical_errors = !error_tokens_.empty();
  if (!lexical_errors) {
    // Fast path: SLL prediction that gives up at the first error.
    parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
        antlr4::atn::PredictionMode::SLL);
    try {
      module = parser.module();
    } catch (const antlr4::ParseCancellationException&) {
      module = nullptr;
    } catch (const antlr4::RecognitionException&) {
      module = nullptr;
    }
  }
  if (!module) {
    // Slow path: full LL with recovery, for exact and complete error reports.
    SyntaxLog log;
    CollectingListener listener(&log);
    tokens.seek(0);
    parser.reset();
    parser.setErrorHandler(std::make_shared<MessageStrategy>(&log));
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
        antlr4::atn::PredictionMode::LL);
    parser.addErrorListener(&listener);
    module = parser.module();
    parser.removeErrorListeners();
    ReportSyntaxIssues(log);
    // (When SLL alone failed on valid input, LL reports nothing and the tree is good.)
  }
  if (failed_ || !module) return nullptr;

  BuildModule(module, file.get());
  if (failed_) return nullptr;
  return file;
}

// ---------------------------------------------------------------------------
// Tree building. Only called on a syntactically valid parse tree.

ast::Name FileParser::NameOfToken(antlr4::Token* t) {
  ast::Name n;
  n.range = TokenRange(t);
  std::string_view text = TokenText(t);
  if (t->getType() == P::QUOTED_ID && text.size() >= 2) text = text.substr(1, text.size() - 2);
  n.text = std::string(text);
  return n;
}

ast::Name FileParser::NameOf(P::IdentContext* ctx) { return NameOfToken(ctx->getStart()); }

ast::Name FileParser::NameOf(P::MemberNameContext* ctx) { return NameOfToken(ctx->getStart()); }

ast::Name FileParser::NameOf(P::CalleeContext* ctx) { return NameOfToken(ctx->getStart()); }

std::vector<ast::Name> FileParser::Names(P::IdentListContext* ctx) {
  std::vector<ast::Name> out;
  if (!ctx) return out;
  for (P::IdentContext* i : ctx->ident()) out.push_back(NameOf(i));
  return out;
}

std::vector<ast::Name> FileParser::Labels(P::LabelsContext* ctx) {
  std::vector<ast::Name> out;
  if (!ctx) return out;
  for (P::IdentContext* i : ctx->ident()) out.push_back(NameOf(i));
  return out;
}

ast::StringLit FileParser::StringOf(antlr4::tree::TerminalNode* node) {
  ast::StringLit s;
  s.range = TokenRange(node->getSymbol());
  s.value = DecodeString(TokenText(node->getSymbol()), nullptr);
  return s;
}

std::optional<ast::StringLit> FileParser::OptString(antlr4::tree::TerminalNode* node) {
  if (!node) return std::nullopt;
  return StringOf(node);
}

ast::Duration FileParser::DurationOf(antlr4::tree::TerminalNode* node) {
  ast::Duration d;
  d.range = TokenRange(node->getSymbol());
  if (!DecodeDuration(TokenText(node->getSymbol()), &d.amount, &d.unit, &d.millis)) failed_ = true;
  return d;
}

ast::Time FileParser::TimeOf(antlr4::tree::TerminalNode* node) {
  ast::Time t;
  t.range = TokenRange(node->getSymbol());
  std::string_view text = TokenText(node->getSymbol()).substr(1);
  t.text = std::string(text);
  if (!ParseTime(text, &t.millis)) failed_ = true;
  return t;
}

int64_t FileParser::IntOf(antlr4::tree::TerminalNode* node) {
  int64_t v = 0;
  if (!DecodeInt(TokenText(node->getSymbol()), &v)) failed_ = true;
  return v;
}

bool IsComparison(ast::BinaryOp op) {
  switch (op) {
    case ast::BinaryOp::Eq:
    case ast::BinaryOp::Ne:
    case ast::BinaryOp::Lt:
    case ast::BinaryOp::Le:
    case ast::BinaryOp::Gt:
    case ast::BinaryOp::Ge:
    case ast::BinaryOp::In: return true;
    default: return false;
  }
}

bool IsComparisonExpr(const ast::Expr& e) {
  return e.kind == ast::ExprKind::Binary && IsComparison(e.binary_op);
}

ast::BinaryOp BinaryOpOf(size_t token_type) {
  switch (token_type) {
    case P::OR: return ast::BinaryOp::Or;
    case P::AND: return ast::BinaryOp::And;
    case P::EQ: return ast::BinaryOp::Eq;
    case P::NE: return ast::BinaryOp::Ne;
    case P::LT: return ast::BinaryOp::Lt;
    case P::LE: return ast::BinaryOp::Le;
    case P::GT: return ast::BinaryOp::Gt;
    case P::GE: return ast::BinaryOp::Ge;
    case P::IN: return ast::BinaryOp::In;
    case P::PLUS: return ast::BinaryOp::Add;
    case P::MINUS: return ast::BinaryOp::Sub;
    case P::STAR: return ast::BinaryOp::Mul;
    default: return ast::BinaryOp::Div;
  }
}

ast::ExprPtr FileParser::Expr(P::ExprContext* ctx) {
  if (auto* b = dynamic_cast<P::BinaryExprContext*>(ctx)) return BinaryChain(b);
  // Prefix chains (`not not x`, `- - x`) are built without recursion.
  std::vector<P::ExprContext*> prefixes;
  while (true) {
    if (auto* n = dynamic_cast<P::NotExprContext*>(ctx)) {
      prefixes.push_back(ctx);
      ctx = n->expr();
    } else if (auto* m = dynamic_cast<P::NegExprContext*>(ctx)) {
      prefixes.push_back(ctx);
      ctx = m->expr();
    } else {
      break;
    }
  }
  ast::ExprPtr e;
  if (auto* b = dynamic_cast<P::BinaryExprContext*>(ctx)) {
    e = BinaryChain(b);
  } else {
    e = Primary(static_cast<P::PrimaryExprContext*>(ctx)->primary());
  }
  for (size_t i = prefixes.size(); i-- > 0;) {
    auto u = std::make_unique<ast::Expr>(ast::ExprKind::Unary, CtxRange(prefixes[i]));
    u->unary_op =
        dynamic_cast<P::NotExprContext*>(prefixes[i]) ? ast::UnaryOp::Not : ast::UnaryOp::Neg;
    u->children.push_back(std::move(e));
    e = std::move(u);
  }
  return e;
}

// A left-deep chain `a + b + c ...` is built bottom-up in a loop, so a long
// chain costs no stack; only right operands recurse.
ast::ExprPtr FileParser::BinaryChain(P::BinaryExprContext* ctx) {
  std::vector<P::BinaryExprContext*> spine;
  P::ExprContext* cur = ctx;
  while (auto* b = dynamic_cast<P::BinaryExprContext*>(cur)) {
    spine.push_back(b);
    cur = b->expr(0);
  }
  ast::ExprPtr node = Expr(cur);
  for (size_t i = spine.size(); i-- > 0;) {
    P::BinaryExprContext* b = spine[i];
    auto e = std::make_unique<ast::Expr>(ast::ExprKind::Binary, CtxRange(b));
    e->binary_op = BinaryOpOf(b->op->getType());
    ast::ExprPtr rhs = Expr(b->expr(1));
    if (IsComparison(e->binary_op) && (IsComparisonExpr(*node) || IsComparisonExpr(*rhs))) {
      // Report a chain once, at its outermost comparison (the whole expression).
      bool parent_chains = i > 0 && IsComparison(BinaryOpOf(spine[i - 1]->op->getType()));
      if (!parent_chains) {
        Error(DiagKind::ChainedComparison, e->range,
              "comparison operators cannot be chained; add parentheses");
      }
    }
    e->children.push_back(std::move(node));
    e->children.push_back(std::move(rhs));
    node = std::move(e);
  }
  return node;
}

ast::Window FileParser::Window(P::WindowContext* ctx) {
  ast::Window w;
  w.range = CtxRange(ctx);
  if (ctx->WITHIN()) {
    w.kind = ast::Window::Within;
    w.within = DurationOf(ctx->DURATION());
  } else {
    w.kind = ast::Window::Between;
    w.from = TimeOf(ctx->TIME(0));
    w.to = TimeOf(ctx->TIME(1));
  }
  return w;
}

ast::CallArg FileParser::CallArg(P::CallArgContext* ctx) {
  ast::CallArg a;
  a.range = CtxRange(ctx);
  a.value = Expr(ctx->expr(0));
  if (ctx->WHERE()) a.where = Expr(ctx->expr(1));
  if (ctx->window()) a.window = Window(ctx->window());
  return a;
}

ast::ExprPtr FileParser::Primary(P::PrimaryContext* ctx) {
  SourceRange r = CtxRange(ctx);
  using K = ast::ExprKind;
  if (auto* c = dynamic_cast<P::IntLitContext*>(ctx)) {
    auto e = std::make_unique<ast::Expr>(K::IntLit, r);
    e->int_value = IntOf(c->INT());
    return e;
  }
  if (auto* c = dynamic_cast<P::FloatLitContext*>(ctx)) {
    auto e = std::make_unique<ast::Expr>(K::FloatLit, r);
    if (!DecodeFloat(TokenText(c->FLOAT()->getSymbol()), &e->float_value)) failed_ = true;
    return e;
  }
  if (auto* c = dynamic_cast<P::StringLitContext*>(ctx)) {
    auto e = std::make_unique<ast::Expr>(K::StringLit, r);
    e->string_value = StringOf(c->STRING()).value;
    return e;
  }
  if (auto* c = dynamic_cast<P::DurationLitContext*>(ctx)) {
    auto e = std::make_unique<ast::Expr>(K::DurationLit, r);
    e->duration = DurationOf(c->DURATION());
    return e;
  }
  if (auto* c = dynamic_cast<P::TimeLitContext*>(ctx)) {
    auto e = std::make_unique<ast::Expr>(K::TimeLit, r);
    e->time = TimeOf(c->TIME());
    return e;
  }
  if (auto* c = dynamic_cast<P::BoolLitContext*>(ctx)) {
    auto e = std::make_unique<ast::Expr>(K::BoolLit, r);
    e->bool_value = c->TRUE() != nullptr;
    return e;
  }
  if (auto* c = dynamic_cast<P::ListLitContext*>(ctx)) {
    auto e = std::make_unique<ast::Expr>(K::ListLit, r);
    for (P::ExprContext* x : c->expr()) e->children.push_back(Expr(x));
    return e;
  }
  if (auto* c = dynamic_cast<P::CallExprContext*>(ctx)) {
    auto e = std::make_unique<ast::Expr>(K::Call, r);
    e->name = NameOf(c->callee());
    for (P::CallArgContext* a : c->callArg()) e->args.push_back(CallArg(a));
    return e;
  }
  if (auto* c = dynamic_cast<P::MemberExprContext*>(ctx)) {
    auto e = std::make_unique<ast::Expr>(K::Member, r);
    e->name = NameOf(c->ident());
    e->member = NameOf(c->memberName());
    return e;
  }
  if (auto* c = dynamic_cast<P::NameExprContext*>(ctx)) {
    auto e = std::make_unique<ast::Expr>(K::NameRef, r);
    e->name = NameOf(c->ident());
    return e;
  }
  auto* c = static_cast<P::ParenExprContext*>(ctx);
  auto e = std::make_unique<ast::Expr>(K::Paren, r);
  e->children.push_back(Expr(c->expr()));
  return e;
}

ast::DeclNode FileParser::Decl(P::DeclContext* ctx) {
  if (auto* d = ctx->importDecl()) {
    return ast::ImportDecl{StringOf(d->STRING())};
  }
  if (auto* d = ctx->eventDecl()) {
    ast::EventDecl e;
    e.name = NameOf(d->ident());
    e.source_range = TokenRange(d->source);
    switch (d->source->getType()) {
      case P::PAGE: e.source = ast::EventDecl::Page; break;
      case P::SCREEN: e.source = ast::EventDecl::Screen; break;
      default:
        e.source = ast::EventDecl::Track;
        e.track_name = StringOf(d->STRING());
        break;
    }
    e.labels = Labels(d->labels());
    for (P::PropDeclContext* p : d->propDecl()) {
      ast::PropDecl prop;
      const auto parts = p->memberName();
      prop.name = NameOf(parts[0]);
      if (parts.size() > 1) {
        // A dotted path: one name `context.a.b` spanning the whole path.
        const ast::Name last = NameOf(parts.back());
        for (size_t i = 1; i < parts.size(); ++i) prop.name.text += "." + NameOf(parts[i]).text;
        prop.name.range.end = last.range.end;
        if (NameOf(parts[0]).text != "context")
          Error(DiagKind::SyntaxError, prop.name.range,
                "a dotted property name is a path into the message's `context`: write "
                "`context." +
                    prop.name.text + "`, or quote the name (`" + prop.name.text +
                    "`) for a property with dots in its name");
      }
      prop.type = NameOf(p->ident());
      prop.labels = Labels(p->labels());
      prop.range = CtxRange(p);
      e.props.push_back(std::move(prop));
    }
    return e;
  }
  if (auto* d = ctx->traitDecl()) {
    ast::TraitDecl t;
    t.name = NameOf(d->ident(0));
    t.type = NameOf(d->ident(1));
    t.labels = Labels(d->labels());
    return t;
  }
  if (auto* d = ctx->identityDecl()) {
    ast::IdentityDecl id;
    id.name = NameOf(d->ident(0));
    id.kind =
        d->kind->getType() == P::VISITOR ? ast::IdentityDecl::Visitor : ast::IdentityDecl::Declared;
    P::IdentitySourceContext* src = d->identitySource();
    id.source = NameOf(src->ident());
    if (src->TRAIT()) {
      id.from = ast::IdentityDecl::Trait;
    } else if (id.source.text == "userId") {
      id.from = ast::IdentityDecl::UserId;
    } else if (id.source.text == "anonymousId") {
      id.from = ast::IdentityDecl::AnonymousId;
    } else {
      failed_ = true;
      base::Diagnostic& diag =
          diags_.Report(DiagKind::UnknownIdentitySource, id.source.range,
                        "unknown identity source `" + id.source.text +
                            "`; expected `userId`, `anonymousId` or `trait NAME`");
      std::string s = base::Suggest(id.source.text, {"userId", "anonymousId"});
      if (!s.empty()) diag.notes.push_back({id.source.range, "did you mean `" + s + "`?"});
    }
    if (d->NORMALIZE()) id.normalize = NameOf(d->ident(1));
    id.labels = Labels(d->labels());
    return id;
  }
  if (auto* d = ctx->labelDecl()) {
    return ast::LabelDecl{NameOf(d->ident()), OptString(d->STRING())};
  }
  if (auto* d = ctx->actionDecl()) {
    return ast::ActionDecl{NameOf(d->ident()), OptString(d->STRING())};
  }
  if (auto* d = ctx->policyDecl()) {
    ast::PolicyDecl p;
    p.name = NameOf(d->ident());
    p.description = OptString(d->STRING());
    for (P::PolicyRuleContext* rc : d->policyRule()) {
      ast::PolicyRule rule;
      rule.actions = Names(rc->identList());
      rule.when = Expr(rc->expr());
      rule.range = CtxRange(rc);
      p.rules.push_back(std::move(rule));
    }
    return p;
  }
  if (auto* d = ctx->consentDecl()) {
    ast::ConsentDecl c;
    c.name = NameOf(d->ident());
    c.expr = Expr(d->expr());
    return c;
  }
  if (auto* d = ctx->segmentDecl()) {
    ast::SegmentDecl s;
    s.name = NameOf(d->ident());
    s.description = OptString(d->STRING());
    s.expr = Expr(d->expr());
    return s;
  }
  if (auto* d = ctx->audienceDecl()) {
    ast::AudienceDecl a;
    a.name = NameOf(d->ident());
    a.description = OptString(d->STRING());
    for (P::AudienceItemContext* ic : d->audienceItem()) {
      ast::AudienceItem item;
      item.range = CtxRange(ic);
      if (auto* m = dynamic_cast<P::MembersItemContext*>(ic)) {
        item.kind = ast::AudienceItem::Members;
        item.members = Expr(m->expr());
      } else if (auto* m = dynamic_cast<P::IdentitiesItemContext*>(ic)) {
        item.kind = ast::AudienceItem::Identities;
        item.identities = Names(m->identList());
      } else if (auto* m = dynamic_cast<P::AttributesItemContext*>(ic)) {
        item.kind = ast::AudienceItem::Attributes;
        for (P::AttributeContext* ac : m->attribute()) {
          item.attributes.push_back({NameOf(ac->ident()), Expr(ac->expr()), CtxRange(ac)});
        }
      } else if (auto* m = dynamic_cast<P::RefreshItemContext*>(ic)) {
        item.kind = ast::AudienceItem::Refresh;
        if (m->EVERY()) item.every = DurationOf(m->DURATION());
        if (m->ident()) item.refresh_word = NameOf(m->ident());
      } else if (auto* m = dynamic_cast<P::AudienceExpectItemContext*>(ic)) {
        item.kind = ast::AudienceItem::Expect;
        item.expect = Expectation(m->expectClause());
      } else {
        auto* im = static_cast<P::ImportItemContext*>(ic);
        item.kind = ast::AudienceItem::Import;
        item.import_path = StringOf(im->STRING());
        item.import_key = NameOf(im->ident());
      }
      a.items.push_back(std::move(item));
    }
    return a;
  }
  if (auto* d = ctx->destinationDecl()) {
    ast::DestinationDecl dest;
    dest.name = NameOf(d->ident());
    dest.description = OptString(d->STRING());
    for (P::DestItemContext* ic : d->destItem()) {
      ast::DestItem item;
      item.range = CtxRange(ic);
      if (auto* m = dynamic_cast<P::ConnectionItemContext*>(ic)) {
        item.kind = ast::DestItem::Connection;
        item.names.push_back(NameOf(m->ident()));
      } else if (auto* m = dynamic_cast<P::ActionsItemContext*>(ic)) {
        item.kind = ast::DestItem::Actions;
        item.names = Names(m->identList());
      } else if (auto* m = dynamic_cast<P::ConsentItemContext*>(ic)) {
        item.kind = ast::DestItem::Consent;
        item.names = Names(m->identList());
      } else if (auto* m = dynamic_cast<P::KeyItemContext*>(ic)) {
        item.kind = ast::DestItem::Key;
        item.names.push_back(NameOf(m->ident()));
        item.hashed = m->HASHED() != nullptr;
      } else if (auto* m = dynamic_cast<P::MapItemContext*>(ic)) {
        item.kind = ast::DestItem::Map;
        for (P::MappingContext* mc : m->mapping()) {
          ast::Mapping mapping;
          mapping.field = NameOf(mc->ident());
          mapping.target = StringOf(mc->STRING());
          mapping.hashed = mc->HASHED() != nullptr;
          mapping.range = CtxRange(mc);
          item.mappings.push_back(std::move(mapping));
        }
      } else if (auto* mf = dynamic_cast<P::MaxExitFractionItemContext*>(ic)) {
        item.kind = ast::DestItem::MaxExitFraction;
        antlr4::tree::TerminalNode* num = mf->FLOAT() ? mf->FLOAT() : mf->INT();
        if (mf->FLOAT()) {
          if (!DecodeFloat(TokenText(num->getSymbol()), &item.max_exit_fraction)) failed_ = true;
        } else {
          item.max_exit_fraction = static_cast<double>(IntOf(num));
        }
        item.value_range = TokenRange(num->getSymbol());
      } else if (auto* m = dynamic_cast<P::DestExpectItemContext*>(ic)) {
        item.kind = ast::DestItem::Expect;
        item.expect = Expectation(m->expectClause());
      } else {
        auto* mp = static_cast<P::MaxProfilesItemContext*>(ic);
        item.kind = ast::DestItem::MaxProfiles;
        item.max_profiles = IntOf(mp->INT());
        item.value_range = TokenRange(mp->INT()->getSymbol());
      }
      dest.items.push_back(std::move(item));
    }
    return dest;
  }
  if (auto* d = ctx->testDecl()) return Test(d);
  auto* d = ctx->publishDecl();
  ast::PublishDecl p;
  p.audiences = Names(d->identList(0));
  p.destinations = Names(d->identList(1));
  return p;
}

ast::Expectation FileParser::Expectation(P::ExpectClauseContext* ctx) {
  ast::Expectation e;
  e.range = CtxRange(ctx);
  if (auto* c = dynamic_cast<P::SizeBetweenExpectContext*>(ctx)) {
    e.kind = ast::Expectation::SizeBetween;
    e.low = IntOf(c->INT(0));
    e.high = IntOf(c->INT(1));
    e.value_range = Span(TokenRange(c->INT(0)->getSymbol()), TokenRange(c->INT(1)->getSymbol()));
  } else if (auto* c = dynamic_cast<P::SizeBoundExpectContext*>(ctx)) {
    bool at_least = c->op->getType() == P::GE;
    e.kind = at_least ? ast::Expectation::SizeAtLeast : ast::Expectation::SizeAtMost;
    (at_least ? e.low : e.high) = IntOf(c->INT());
    e.value_range = TokenRange(c->INT()->getSymbol());
  } else if (auto* c = dynamic_cast<P::SizeChangeExpectContext*>(ctx)) {
    e.kind = ast::Expectation::SizeChange;
    antlr4::tree::TerminalNode* num = c->FLOAT() ? c->FLOAT() : c->INT();
    if (c->FLOAT()) {
      if (!DecodeFloat(TokenText(num->getSymbol()), &e.fraction)) failed_ = true;
    } else {
      e.fraction = static_cast<double>(IntOf(num));
    }
    e.value_range = TokenRange(num->getSymbol());
  } else if (dynamic_cast<P::UniqueKeyExpectContext*>(ctx)) {
    e.kind = ast::Expectation::UniqueKey;
  } else {
    auto* nm = static_cast<P::NotMissingExpectContext*>(ctx);
    e.kind = ast::Expectation::NotMissing;
    e.attribute = NameOf(nm->ident());
  }
  return e;
}

std::vector<ast::StringLit> FileParser::Strings(P::ProfileListContext* ctx) {
  std::vector<ast::StringLit> out;
  if (!ctx) return out;
  for (antlr4::tree::TerminalNode* n : ctx->STRING()) out.push_back(StringOf(n));
  return out;
}

ast::Fixture FileParser::Fixture(P::FixtureContext* ctx) {
  ast::Fixture f;
  f.range = CtxRange(ctx);
  P::FixtureWhoContext* who = nullptr;
  P::FixtureValuesContext* values = nullptr;
  if (auto* c = dynamic_cast<P::EventFixtureContext*>(ctx)) {
    f.kind = ast::Fixture::Event;
    f.event = NameOf(c->ident());
    who = c->fixtureWho();
    f.at = TimeOf(c->TIME());
    values = c->fixtureValues();
  } else if (auto* c = dynamic_cast<P::IdentifyFixtureContext*>(ctx)) {
    f.kind = ast::Fixture::Identify;
    who = c->fixtureWho();
    f.at = TimeOf(c->TIME());
    values = c->fixtureValues();
  } else {
    auto* a = static_cast<P::AliasFixtureContext*>(ctx);
    f.kind = ast::Fixture::Alias;
    f.previous_id = StringOf(a->STRING(0));
    f.user_id = StringOf(a->STRING(1));
    f.at = TimeOf(a->TIME());
  }
  if (who) {
    auto strings = who->STRING();
    if (who->ANONYMOUS()) {
      // `"u" anonymous "a"` or `anonymous "a"`.
      if (strings.size() == 2) f.user_id = StringOf(strings[0]);
      f.anonymous_id = StringOf(strings.back());
    } else {
      f.user_id = StringOf(strings[0]);
    }
  }
  if (values) {
    for (P::FixtureValueContext* vc : values->fixtureValue()) {
      ast::FixtureValue v;
      const auto parts = vc->memberName();
      v.name = NameOf(parts[0]);
      for (size_t i = 1; i < parts.size(); ++i) v.name.text += "." + NameOf(parts[i]).text;
      v.name.range.end = NameOf(parts.back()).range.end;
      v.value = Expr(vc->expr());
      v.range = CtxRange(vc);
      f.values.push_back(std::move(v));
    }
  }
  return f;
}

ast::TestDecl FileParser::Test(P::TestDeclContext* d) {
  ast::TestDecl t;
  t.name = NameOf(d->ident());
  t.description = OptString(d->STRING());
  for (P::TestItemContext* ic : d->testItem()) {
    ast::TestItem item;
    item.range = CtxRange(ic);
    if (auto* c = dynamic_cast<P::AsOfItemContext*>(ic)) {
      item.kind = ast::TestItem::AsOf;
      item.as_of = TimeOf(c->TIME());
    } else if (auto* c = dynamic_cast<P::GivenFileItemContext*>(ic)) {
      item.kind = ast::TestItem::GivenFile;
      item.path = StringOf(c->STRING());
    } else if (auto* c = dynamic_cast<P::GivenItemContext*>(ic)) {
      item.kind = ast::TestItem::Given;
      for (P::FixtureContext* fc : c->fixture()) item.fixtures.push_back(Fixture(fc));
    } else if (auto* c = dynamic_cast<P::MembershipExpectContext*>(ic)) {
      item.kind =
          c->op->getType() == P::CONTAINS ? ast::TestItem::Contains : ast::TestItem::Excludes;
      item.target = NameOf(c->ident());
      item.profiles = Strings(c->profileList());
    } else if (auto* c = dynamic_cast<P::MembersExpectContext*>(ic)) {
      item.kind = ast::TestItem::Members;
      item.target = NameOf(c->ident());
      item.profiles = Strings(c->profileList());
    } else if (auto* c = dynamic_cast<P::AttributeExpectContext*>(ic)) {
      item.kind = ast::TestItem::Attribute;
      item.target = NameOf(c->ident());
      item.member = NameOf(c->memberName());
      item.profiles.push_back(StringOf(c->STRING()));
      if (c->expr()) item.value = Expr(c->expr());
    } else if (auto* se = dynamic_cast<P::SendsExpectContext*>(ic)) {
      item.kind = ast::TestItem::Sends;
      item.target = NameOf(se->ident(0));
      item.destination = NameOf(se->ident(1));
      item.profiles.push_back(StringOf(se->STRING(0)));
      if (se->KEY()) item.key = StringOf(se->STRING(1));
      if (auto* sf = se->sentFields()) {
        for (P::SentFieldContext* fc : sf->sentField()) {
          ast::FixtureValue v;
          ast::StringLit name = StringOf(fc->STRING());
          v.name.text = name.value;
          v.name.range = name.range;
          v.value = Expr(fc->expr());
          v.range = CtxRange(fc);
          item.fields.push_back(std::move(v));
        }
      }
    } else if (auto* sk = dynamic_cast<P::SkipsExpectContext*>(ic)) {
      item.kind = ast::TestItem::Skips;
      item.target = NameOf(sk->ident(0));
      item.destination = NameOf(sk->ident(1));
      item.profiles.push_back(StringOf(sk->STRING()));
      item.reason = NameOf(sk->ident(2));
    } else {
      auto* ie = static_cast<P::IdentitiesExpectContext*>(ic);
      item.kind = ast::TestItem::Identities;
      item.target = NameOf(ie->ident(0));
      item.member = NameOf(ie->ident(1));
      item.profiles.push_back(StringOf(ie->STRING()));
      item.values = Strings(ie->profileList());
    }
    t.items.push_back(std::move(item));
  }
  return t;
}

void FileParser::BuildModule(P::ModuleContext* m, ast::File* file) {
  for (P::DeclContext* dc : m->decl()) {
    file->decls.push_back(ast::Decl{Decl(dc), CtxRange(dc)});
  }
}

}  // namespace

std::unique_ptr<ast::File> ParseFile(base::FileId id, base::Diagnostics& diags) {
  // Last resort: nothing may escape the compiler core.
  try {
    FileParser parser(id, diags);
    return parser.Run();
  } catch (const std::exception& e) {
    SourceRange r = id >= 1 && id <= diags.sources().size() ? SourceRange{id, 0, 0} : SourceRange{};
    diags.Report(DiagKind::SyntaxError, r, std::string("internal parser error: ") + e.what());
  } catch (...) {
    SourceRange r = id >= 1 && id <= diags.sources().size() ? SourceRange{id, 0, 0} : SourceRange{};
    diags.Report(DiagKind::SyntaxError, r, "internal parser error");
  }
  return nullptr;
}

bool IsKeyword(std::string_view text) {
  static const std::unordered_set<std::string> keywords = [] {
    std::unordered_set<std::string> set;
    for (size_t t = P::IMPORT; t <= P::SEQUENCE; ++t) set.insert(LiteralOf(t));
    return set;
  }();
  return keywords.count(std::string(text)) > 0;
}

std::vector<std::string> Keywords() {
  std::vector<std::string> out;
  for (size_t t = P::IMPORT; t <= P::SEQUENCE; ++t) out.push_back(LiteralOf(t));
  return out;
}

}  // namespace aud::parse
