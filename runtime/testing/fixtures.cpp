// Inline fixtures -> Segment-spec JSON lines (testing.h). The checker has
// typed every value against its declaration; this only writes them out.

#include <map>
#include <memory>
#include <string>

#include "compiler/base/json_text.h"
#include "compiler/ir/ir.h"
#include "runtime/testing/testing.h"

namespace aud::testing {

namespace {

// A literal as a JSON value, written as the declared type wants it (an int
// given for a float property is written as a float).
void AppendValue(const ast::Expr& e, const std::string& declared_type, std::string* out) {
  using K = ast::ExprKind;
  bool neg = false;
  const ast::Expr* v = &e;
  if (v->kind == K::Unary && !v->children.empty()) {
    neg = true;
    v = v->children[0].get();
  }
  switch (v->kind) {
    case K::BoolLit: *out += v->bool_value ? "true" : "false"; break;
    case K::IntLit:
      if (neg) *out += '-';
      *out += std::to_string(v->int_value);
      if (declared_type == "float") *out += ".0";
      break;
    case K::FloatLit:
      if (neg) *out += '-';
      *out += ast::FloatText(v->float_value);
      break;
    case K::StringLit: base::AppendJsonString(v->string_value, out); break;
    case K::TimeLit: base::AppendJsonString(v->time.text, out); break;
    default: *out += "null"; break;  // not a literal: reported by the checker
  }
}

// The nested `context` object of the `context.*` properties of one event.
struct ContextNode {
  const ast::FixtureValue* leaf = nullptr;
  std::string type;
  std::map<std::string, std::unique_ptr<ContextNode>> children;
};

void AppendContext(const ContextNode& n, std::string* out) {
  *out += '{';
  bool first = true;
  for (const auto& [name, child] : n.children) {
    if (!first) *out += ',';
    first = false;
    base::AppendJsonString(name, out);
    *out += ':';
    if (child->leaf)
      AppendValue(*child->leaf->value, child->type, out);
    else
      AppendContext(*child, out);
  }
  *out += '}';
}

void AppendIds(const ast::Fixture& f, std::string* out) {
  if (f.user_id) {
    *out += ",\"userId\":";
    base::AppendJsonString(f.user_id->value, out);
  }
  if (f.anonymous_id) {
    *out += ",\"anonymousId\":";
    base::AppendJsonString(f.anonymous_id->value, out);
  }
}

std::string TypeOfProperty(const ast::EventDecl* ev, const std::string& name) {
  if (!ev) return "";
  for (const auto& p : ev->props)
    if (p.name.text == name) return p.type.text;
  return "";
}

}  // namespace

std::string FixtureLines(const ast::TestDecl& test, const check::Module& module) {
  std::string out;
  for (const ast::TestItem& item : test.items) {
    if (item.kind != ast::TestItem::Given) continue;
    for (const ast::Fixture& f : item.fixtures) {
      const std::string ts = ir::FormatTime(f.at.millis);
      switch (f.kind) {
        case ast::Fixture::Event: {
          const auto* ev = module.Get<ast::EventDecl>(f.event.text);
          if (!ev) continue;  // reported by the checker
          if (ev->source == ast::EventDecl::Track) {
            out += "{\"type\":\"track\",\"event\":";
            base::AppendJsonString(ev->track_name.value, &out);
          } else {
            out +=
                ev->source == ast::EventDecl::Page ? "{\"type\":\"page\"" : "{\"type\":\"screen\"";
          }
          AppendIds(f, &out);
          out += ",\"timestamp\":";
          base::AppendJsonString(ts, &out);
          out += ",\"properties\":{";
          ContextNode context;
          bool first = true;
          for (const ast::FixtureValue& v : f.values) {
            const std::string type = TypeOfProperty(ev, v.name.text);
            if (v.name.text.rfind("context.", 0) == 0) {
              ContextNode* n = &context;
              std::string rest = v.name.text.substr(8);
              bool conflict = false;
              while (true) {
                size_t dot = rest.find('.');
                std::string part = rest.substr(0, dot);
                auto& child = n->children[part];
                if (!child) child = std::make_unique<ContextNode>();
                n = child.get();
                if (dot == std::string::npos) break;
                if (n->leaf) conflict = true;  // `context.a` and `context.a.b`: the leaf wins
                rest = rest.substr(dot + 1);
              }
              if (!conflict && n->children.empty()) {
                n->leaf = &v;
                n->type = type;
              }
              continue;
            }
            if (!first) out += ',';
            first = false;
            base::AppendJsonString(v.name.text, &out);
            out += ':';
            AppendValue(*v.value, type, &out);
          }
          out += '}';
          if (!context.children.empty()) {
            out += ",\"context\":";
            AppendContext(context, &out);
          }
          out += "}\n";
          break;
        }
        case ast::Fixture::Identify: {
          out += "{\"type\":\"identify\"";
          AppendIds(f, &out);
          out += ",\"timestamp\":";
          base::AppendJsonString(ts, &out);
          out += ",\"traits\":{";
          for (size_t i = 0; i < f.values.size(); ++i) {
            const ast::FixtureValue& v = f.values[i];
            if (i) out += ',';
            base::AppendJsonString(v.name.text, &out);
            out += ':';
            const auto* tr = module.Get<ast::TraitDecl>(v.name.text);
            AppendValue(*v.value, tr ? tr->type.text : "", &out);
          }
          out += "}}\n";
          break;
        }
        case ast::Fixture::Alias:
          out += "{\"type\":\"alias\",\"previousId\":";
          base::AppendJsonString(f.previous_id.value, &out);
          out += ",\"userId\":";
          base::AppendJsonString(f.user_id ? f.user_id->value : std::string(), &out);
          out += ",\"timestamp\":";
          base::AppendJsonString(ts, &out);
          out += "}\n";
          break;
      }
    }
  }
  return out;
}

}  // namespace aud::testing
