#include "compiler/ast/dump.h"

#include <charconv>
#include <cstdio>
#include <deque>

namespace aud::ast {

namespace {

// Writes the S-expression form. Format (stable; used by golden tests):
//   names bare (backticked when not identifier-shaped), strings quoted and
//   escaped, durations as amount+unit (`30d`), times as epoch millis, floats
//   in shortest round-trip form; empty lists and absent options are omitted.
class Dumper {
 public:
  std::string out;

  void Name(const ast::Name& n) {
    bool plain = !n.text.empty();
    for (size_t i = 0; i < n.text.size() && plain; ++i) {
      char c = n.text[i];
      bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
      bool digit = c >= '0' && c <= '9';
      plain = alpha || (digit && i > 0);
    }
    if (plain) {
      out += n.text;
    } else {
      out += '`';
      out += n.text;
      out += '`';
    }
  }

  void Str(const std::string& s) { out += QuoteString(s); }

  void Int(int64_t v) { out += std::to_string(v); }

  void Float(double v) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    std::string s(buf, r.ptr);
    if (s.find_first_of(".en") == std::string::npos) s += ".0";
    out += s;
  }

  void Duration(const ast::Duration& d) {
    Int(d.amount);
    out += d.unit;
  }

  void Time(const ast::Time& t) { Int(t.millis); }

  void Labels(const std::vector<ast::Name>& labels) {
    if (labels.empty()) return;
    out += " (labels";
    Names(labels);
    out += ')';
  }

  // " a b c"
  void Names(const std::vector<ast::Name>& names) {
    for (const ast::Name& n : names) {
      out += ' ';
      Name(n);
    }
  }

  void OptStr(const std::optional<StringLit>& s) {
    if (!s) return;
    out += ' ';
    Str(s->value);
  }

  void Window(const ast::Window& w) {
    if (w.kind == ast::Window::Within) {
      out += "(within ";
      Duration(w.within);
    } else {
      out += "(between ";
      Time(w.from);
      out += ' ';
      Time(w.to);
    }
    out += ')';
  }

  void Expr(const ast::Expr& e);

  void Decl(const ImportDecl& d) {
    out += "(import ";
    Str(d.path.value);
    out += ')';
  }
  void Decl(const EventDecl& d) {
    out += "(event ";
    Name(d.name);
    out += ' ';
    switch (d.source) {
      case EventDecl::Track: Str(d.track_name.value); break;
      case EventDecl::Page: out += "page"; break;
      case EventDecl::Screen: out += "screen"; break;
    }
    Labels(d.labels);
    for (const PropDecl& p : d.props) {
      out += " (prop ";
      Name(p.name);
      out += ' ';
      Name(p.type);
      Labels(p.labels);
      out += ')';
    }
    out += ')';
  }
  void Decl(const TraitDecl& d) {
    out += "(trait ";
    Name(d.name);
    out += ' ';
    Name(d.type);
    Labels(d.labels);
    out += ')';
  }
  void Decl(const IdentityDecl& d) {
    out += "(identity ";
    Name(d.name);
    out += d.kind == IdentityDecl::Declared ? " declared" : " visitor";
    switch (d.from) {
      case IdentityDecl::UserId: out += " (from userId)"; break;
      case IdentityDecl::AnonymousId: out += " (from anonymousId)"; break;
      case IdentityDecl::Trait:
        out += " (from trait ";
        Name(d.source);
        out += ')';
        break;
    }
    if (d.normalize) {
      out += " (normalize ";
      Name(*d.normalize);
      out += ')';
    }
    Labels(d.labels);
    out += ')';
  }
  void Decl(const LabelDecl& d) {
    out += "(label ";
    Name(d.name);
    OptStr(d.description);
    out += ')';
  }
  void Decl(const ActionDecl& d) {
    out += "(action ";
    Name(d.name);
    OptStr(d.description);
    out += ')';
  }
  void Decl(const PolicyDecl& d) {
    out += "(policy ";
    Name(d.name);
    OptStr(d.description);
    for (const PolicyRule& r : d.rules) {
      out += " (deny";
      Names(r.actions);
      out += " (when ";
      if (r.when) Expr(*r.when);
      out += "))";
    }
    out += ')';
  }
  void Decl(const ConsentDecl& d) {
    out += "(consent ";
    Name(d.name);
    out += ' ';
    if (d.expr) Expr(*d.expr);
    out += ')';
  }
  void Decl(const SegmentDecl& d) {
    out += "(segment ";
    Name(d.name);
    OptStr(d.description);
    out += ' ';
    if (d.expr) Expr(*d.expr);
    out += ')';
  }
  void Decl(const AudienceDecl& d) {
    out += "(audience ";
    Name(d.name);
    OptStr(d.description);
    for (const AudienceItem& item : d.items) {
      out += ' ';
      switch (item.kind) {
        case AudienceItem::Members:
          out += "(members ";
          if (item.members) Expr(*item.members);
          out += ')';
          break;
        case AudienceItem::Identities:
          out += "(identities";
          Names(item.identities);
          out += ')';
          break;
        case AudienceItem::Attributes:
          out += "(attributes";
          for (const Attribute& a : item.attributes) {
            out += " (attr ";
            Name(a.name);
            out += ' ';
            if (a.expr) Expr(*a.expr);
            out += ')';
          }
          out += ')';
          break;
        case AudienceItem::Refresh:
          if (item.every) {
            out += "(refresh every ";
            Duration(*item.every);
            out += ')';
          } else if (!item.refresh_word.text.empty()) {
            out += "(refresh " + item.refresh_word.text + ")";
          } else {
            out += "(refresh once)";
          }
          break;
        case AudienceItem::Import:
          out += "(import ";
          Str(item.import_path.value);
          out += " (key ";
          Name(item.import_key);
          out += "))";
          break;
        case AudienceItem::Expect: Expect(item.expect); break;
      }
    }
    out += ')';
  }
  void Decl(const DestinationDecl& d) {
    out += "(destination ";
    Name(d.name);
    OptStr(d.description);
    for (const DestItem& item : d.items) {
      out += ' ';
      switch (item.kind) {
        case DestItem::Connection:
          out += "(connection";
          Names(item.names);
          out += ')';
          break;
        case DestItem::Actions:
          out += "(actions";
          Names(item.names);
          out += ')';
          break;
        case DestItem::Consent:
          out += "(consent";
          Names(item.names);
          out += ')';
          break;
        case DestItem::Key:
          out += "(key";
          Names(item.names);
          if (item.hashed) out += " hashed";
          out += ')';
          break;
        case DestItem::Map:
          out += "(map";
          for (const Mapping& m : item.mappings) {
            out += " (mapping ";
            Name(m.field);
            out += ' ';
            Str(m.target.value);
            if (m.hashed) out += " hashed";
            out += ')';
          }
          out += ')';
          break;
        case DestItem::MaxProfiles:
          out += "(max_profiles ";
          Int(item.max_profiles);
          out += ')';
          break;
        case DestItem::MaxExitFraction:
          out += "(max_exit_fraction ";
          Float(item.max_exit_fraction);
          out += ')';
          break;
        case DestItem::Expect: Expect(item.expect); break;
      }
    }
    out += ')';
  }

 private:
  std::deque<std::string> window_texts_;  // stable storage for queued window text

 public:
  void Expect(const Expectation& e) { out += "(" + ExpectationText(e) + ")"; }
  void Strs(const std::vector<StringLit>& v) {
    for (const StringLit& s : v) {
      out += ' ';
      Str(s.value);
    }
  }
  void Decl(const TestDecl& d) {
    out += "(test ";
    Name(d.name);
    OptStr(d.description);
    for (const TestItem& item : d.items) {
      out += ' ';
      switch (item.kind) {
        case TestItem::AsOf:
          out += "(as_of ";
          Time(item.as_of);
          out += ')';
          break;
        case TestItem::GivenFile:
          out += "(given ";
          Str(item.path.value);
          out += ')';
          break;
        case TestItem::Given:
          out += "(given";
          for (const Fixture& f : item.fixtures) {
            out += f.kind == Fixture::Event      ? " (event "
                   : f.kind == Fixture::Identify ? " (identify"
                                                 : " (alias";
            if (f.kind == Fixture::Event) Name(f.event);
            if (f.kind == Fixture::Alias) {
              out += ' ';
              Str(f.previous_id.value);
            }
            if (f.user_id) {
              out += ' ';
              Str(f.user_id->value);
            }
            if (f.anonymous_id) {
              out += " (anonymous ";
              Str(f.anonymous_id->value);
              out += ')';
            }
            out += ' ';
            Time(f.at);
            for (const FixtureValue& v : f.values) {
              out += " (";
              Name(v.name);
              out += ' ';
              if (v.value) Expr(*v.value);
              out += ')';
            }
            out += ')';
          }
          out += ')';
          break;
        case TestItem::Contains:
        case TestItem::Excludes:
        case TestItem::Members:
          out += item.kind == TestItem::Contains   ? "(contains "
                 : item.kind == TestItem::Excludes ? "(excludes "
                                                   : "(members ";
          Name(item.target);
          Strs(item.profiles);
          out += ')';
          break;
        case TestItem::Attribute:
          out += "(attribute ";
          Name(item.target);
          out += ' ';
          Name(item.member);
          Strs(item.profiles);
          out += ' ';
          if (item.value)
            Expr(*item.value);
          else
            out += "missing";
          out += ')';
          break;
        case TestItem::Identities:
          out += "(identities ";
          Name(item.target);
          out += ' ';
          Name(item.member);
          Strs(item.profiles);
          out += " (";
          Strs(item.values);
          out += "))";
          break;
        case TestItem::Sends:
          out += "(sends ";
          Name(item.target);
          out += ' ';
          Name(item.destination);
          Strs(item.profiles);
          if (item.key) {
            out += " (key ";
            Str(item.key->value);
            out += ')';
          }
          for (const FixtureValue& v : item.fields) {
            out += " (";
            Str(v.name.text);
            out += ' ';
            if (v.value) Expr(*v.value);
            out += ')';
          }
          out += ')';
          break;
        case TestItem::Skips:
          out += "(skips ";
          Name(item.target);
          out += ' ';
          Name(item.destination);
          Strs(item.profiles);
          out += ' ';
          Name(item.reason);
          out += ')';
          break;
      }
    }
    out += ')';
  }
  void Decl(const PublishDecl& d) {
    out += "(publish (";
    for (size_t i = 0; i < d.audiences.size(); ++i) {
      if (i > 0) out += ' ';
      Name(d.audiences[i]);
    }
    out += ") (";
    for (size_t i = 0; i < d.destinations.size(); ++i) {
      if (i > 0) out += ' ';
      Name(d.destinations[i]);
    }
    out += "))";
  }
};

// Expressions are printed with an explicit stack so that a long left-deep
// chain (`a + b + c ...`) does not recurse once per operator.
void Dumper::Expr(const ast::Expr& root) {
  // A work item is either an expression to open or literal text to append.
  struct Item {
    const ast::Expr* expr;
    const char* text;
    const CallArg* arg;
  };
  std::vector<Item> stack;
  stack.push_back({&root, nullptr, nullptr});
  while (!stack.empty()) {
    Item it = stack.back();
    stack.pop_back();
    if (it.text) {
      out += it.text;
      continue;
    }
    if (it.arg) {
      // (arg VALUE (where W) WINDOW)
      const CallArg& a = *it.arg;
      out += "(arg ";
      stack.push_back({nullptr, ")", nullptr});
      if (a.window) {
        // Windows are leaves: print them into a temporary and push the text.
        Dumper w;
        w.Window(*a.window);
        window_texts_.push_back(" " + w.out);
        stack.push_back({nullptr, window_texts_.back().c_str(), nullptr});
      }
      if (a.where) {
        stack.push_back({nullptr, ")", nullptr});
        stack.push_back({a.where.get(), nullptr, nullptr});
        stack.push_back({nullptr, " (where ", nullptr});
      }
      if (a.value) stack.push_back({a.value.get(), nullptr, nullptr});
      continue;
    }
    const ast::Expr& e = *it.expr;
    switch (e.kind) {
      case ExprKind::BoolLit: out += e.bool_value ? "(bool true)" : "(bool false)"; break;
      case ExprKind::IntLit:
        out += "(int ";
        Int(e.int_value);
        out += ')';
        break;
      case ExprKind::FloatLit:
        out += "(float ";
        Float(e.float_value);
        out += ')';
        break;
      case ExprKind::StringLit:
        out += "(string ";
        Str(e.string_value);
        out += ')';
        break;
      case ExprKind::DurationLit:
        out += "(duration ";
        Duration(e.duration);
        out += ')';
        break;
      case ExprKind::TimeLit:
        out += "(time ";
        Time(e.time);
        out += ')';
        break;
      case ExprKind::NameRef:
        out += "(name ";
        Name(e.name);
        out += ')';
        break;
      case ExprKind::Member:
        out += "(member ";
        Name(e.name);
        out += ' ';
        Name(e.member);
        out += ')';
        break;
      case ExprKind::ListLit:
      case ExprKind::Unary:
      case ExprKind::Binary:
      case ExprKind::Paren: {
        if (e.kind == ExprKind::ListLit) {
          out += "(list";
        } else if (e.kind == ExprKind::Unary) {
          out += e.unary_op == UnaryOp::Not ? "(not" : "(neg";
        } else if (e.kind == ExprKind::Binary) {
          out += '(';
          out += BinaryOpText(e.binary_op);
        } else {
          out += "(paren";
        }
        stack.push_back({nullptr, ")", nullptr});
        for (size_t i = e.children.size(); i-- > 0;) {
          if (e.children[i]) stack.push_back({e.children[i].get(), nullptr, nullptr});
          stack.push_back({nullptr, " ", nullptr});
        }
        break;
      }
      case ExprKind::Call: {
        out += "(call ";
        Name(e.name);
        stack.push_back({nullptr, ")", nullptr});
        for (size_t i = e.args.size(); i-- > 0;) {
          stack.push_back({nullptr, nullptr, &e.args[i]});
          stack.push_back({nullptr, " ", nullptr});
        }
        break;
      }
    }
  }
}

}  // namespace

std::string Dump(const File& file) {
  Dumper d;
  for (const ast::Decl& decl : file.decls) {
    std::visit([&](const auto& node) { d.Decl(node); }, decl.node);
    d.out += '\n';
  }
  return std::move(d.out);
}

std::string Dump(const Expr& expr) {
  Dumper d;
  d.Expr(expr);
  return std::move(d.out);
}

}  // namespace aud::ast
