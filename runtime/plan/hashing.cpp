// Hashes of the plan: SHA-256 (OpenSSL) of normalized field values
// (`hashed`), payload hashes of rows, definition hashes of audiences and the
// fingerprints of a project's inputs. Every hashed text is length-prefixed,
// so no two different inputs share one (e.g. fields "ab","c" vs "a","bc").

#include <algorithm>
#include <cmath>
#include <set>

#include "runtime/plan/plan.h"

namespace aud::plan {

namespace {

// Appends `s` with its length, so concatenations are unambiguous.
void Put(std::string& out, std::string_view s) {
  out += std::to_string(s.size());
  out += ':';
  out.append(s.data(), s.size());
}

void PutValue(std::string& out, const connectors::Value& v) {
  switch (v.kind) {
    case connectors::Value::Null: out += 'n'; break;
    case connectors::Value::Bool: out += v.b ? "bT" : "bF"; break;
    case connectors::Value::Int: out += 'i' + std::to_string(v.i) + ';'; break;
    case connectors::Value::Float: out += 'f' + ir::FormatFloat(v.f) + ';'; break;
    case connectors::Value::String:
      out += 's';
      Put(out, v.s);
      break;
  }
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// A node tree as stable text: slots by their structural key, traits,
// properties and formulas by name, so the text of an audience does not depend
// on the numbering of other audiences' slots and formulas.
void PutNode(const ir::Program& p, uint32_t node, std::string& out) {
  const ir::Node& n = p.nodes[node];
  out += '(';
  out += std::to_string(static_cast<int>(n.op));
  out += ' ';
  out += ir::TypeName(n.type);
  switch (n.op) {
    case ir::Op::Const:
      out += ' ';
      switch (n.type) {
        case ir::Type::Bool: out += n.b ? "true" : "false"; break;
        case ir::Type::Float: out += ir::FormatFloat(n.f); break;
        case ir::Type::String: Put(out, n.s); break;
        default: out += std::to_string(n.i); break;
      }
      break;
    case ir::Op::Prop: {
      const ir::Property& pr = p.props[n.index];
      out += ' ' + p.events[pr.event].name + '.' + pr.name + ':' + ir::TypeName(pr.type);
      break;
    }
    case ir::Op::Trait: out += " trait " + p.traits[n.index].name; break;
    case ir::Op::Slot:
      out += " slot ";
      Put(out, p.slots[n.index].key);
      break;
    case ir::Op::Formula: out += " formula " + p.formulas[n.index].name; break;
    case ir::Op::Import: {
      const ir::Import& im = p.imports[n.index];
      out += " import ";
      Put(out, im.path);
      out += ' ' + p.identities[im.identity].name;
      break;
    }
    default: break;
  }
  for (uint32_t a : n.args) PutNode(p, a, out);
  out += ')';
}

void PutIdentity(const ir::Program& p, const ir::Identity& id, std::string& out) {
  out += "identity " + id.name + (id.visitor ? " visitor" : " declared");
  out += id.from == ir::Identity::UserId        ? " userId"
         : id.from == ir::Identity::AnonymousId ? " anonymousId"
                                                : " trait " + p.traits[id.trait].name;
  out += " normalize " + id.normalize + "\n";
}

}  // namespace

std::string NormalizedText(const connectors::Value& v) {
  switch (v.kind) {
    case connectors::Value::Null: return "";
    case connectors::Value::Bool: return v.b ? "true" : "false";
    case connectors::Value::Int: return std::to_string(v.i);
    case connectors::Value::Float: return ir::FormatFloat(v.f);
    case connectors::Value::String: {
      size_t b = 0, e = v.s.size();
      while (b < e && IsSpace(v.s[b])) ++b;
      while (e > b && IsSpace(v.s[e - 1])) --e;
      std::string out = v.s.substr(b, e - b);
      for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      return out;
    }
  }
  return "";
}

connectors::Value HashedValue(const connectors::Value& v) {
  if (v.kind == connectors::Value::Null) return v;
  connectors::Value out;
  out.kind = connectors::Value::String;
  out.s = Sha256Hex(NormalizedText(v));
  return out;
}

std::string PayloadHash(const connectors::Row& row) {
  std::string text = "payload/1\n";
  text += row.visitor ? "V" : "D";
  for (const auto& id : row.identities) {
    text += "id ";
    Put(text, id.ns);
    text += id.visitor ? 'V' : 'D';
    for (const auto& v : id.values) Put(text, v);
    text += '\n';
  }
  for (const auto& f : row.fields) {
    text += "field ";
    Put(text, f.name);
    PutValue(text, f.value);
    text += '\n';
  }
  for (const auto& f : row.traits) {
    text += "trait ";
    Put(text, f.name);
    PutValue(text, f.value);
    text += '\n';
  }
  return Sha256Hex(text).substr(0, 32);
}

std::string DefinitionHash(const ir::Program& program, const std::string& audience) {
  const ir::Audience* a = program.FindAudience(audience);
  if (!a) return "";
  std::vector<uint32_t> roots{a->formula};
  for (uint32_t at : a->attributes) roots.push_back(at);
  ir::Uses u = ir::UsesOfFormulas(program, roots);
  std::string text = "definition/1 " + audience + "\n";
  // Every formula it reads, in dependency order (attributes included).
  for (size_t i = 0; i < program.formulas.size(); ++i) {
    if (!u.formulas[i]) continue;
    const ir::Formula& f = program.formulas[i];
    text += std::string(ir::FormulaKindName(f.kind)) + ' ' + f.owner + '.' + f.name + ' ' +
            ir::TypeName(f.type) + " = ";
    PutNode(program, f.root, text);
    text += '\n';
  }
  for (size_t t = 0; t < program.traits.size(); ++t)
    if (u.traits[t])
      text += "trait " + program.traits[t].name + ' ' + ir::TypeName(program.traits[t].type) + '\n';
  text += "identities";
  for (uint32_t id : a->identities) text += ' ' + program.identities[id].name;
  text += '\n';
  for (uint32_t id : a->identities) PutIdentity(program, program.identities[id], text);
  text += "attributes";
  for (uint32_t at : a->attributes) text += ' ' + program.formulas[at].name;
  text += '\n';
  return Sha256Hex(text).substr(0, 32);
}

Fingerprints CurrentFingerprints(const check::Project& project, const ir::Program& program,
                                 const std::string& data) {
  Fingerprints fp;
  const check::Module& m = project.module;
  // Definitions: every published audience.
  std::set<std::string> published;
  for (const auto& pub : m.publications) published.insert(pub.audience);
  std::string defs = "definitions/1\n";
  for (const auto& a : published) defs += a + '=' + DefinitionHash(program, a) + '\n';
  fp.definitions = Sha256Hex(defs).substr(0, 32);
  fp.data = data;

  // Policies: labels, actions, policy rules (their source text), destination
  // actions and each publication's labels.
  std::string pol = "policies/1\n";
  for (const auto& [name, sym] : m.symbols) {
    switch (sym.kind) {
      case check::SymbolKind::Label: pol += "label " + name + '\n'; break;
      case check::SymbolKind::Action: pol += "action " + name + '\n'; break;
      case check::SymbolKind::Policy: {
        pol += "policy " + name;
        if (const auto* pd = std::get_if<ast::PolicyDecl>(&sym.decl->node))
          for (const auto& r : pd->rules) {
            pol += " | ";
            if (r.range.valid()) Put(pol, project.sources.Text(r.range));
          }
        pol += '\n';
        break;
      }
      case check::SymbolKind::Destination: {
        pol += "destination " + name + " actions";
        if (const auto* dd = std::get_if<ast::DestinationDecl>(&sym.decl->node))
          for (const auto& it : dd->items)
            if (it.kind == ast::DestItem::Actions)
              for (const auto& n : it.names) pol += ' ' + n.text;
        pol += '\n';
        break;
      }
      default: break;
    }
  }
  for (const auto& pub : m.publications) {
    pol += "publish " + pub.audience + " to " + pub.destination + " labels";
    for (const auto& l : pub.labels.labels) pol += ' ' + l;
    pol += '\n';
  }
  fp.policies = Sha256Hex(pol).substr(0, 32);

  // Config: everything but secret values (only the variable names are known).
  std::string cfg = "config/1\n";
  if (project.config) {
    const config::ProjectConfig& c = *project.config;
    cfg += "project " + c.name + (c.stdlib ? " stdlib" : "") + '\n';
    for (const auto& s : c.sources)
      cfg += "source " + s.name + ' ' + s.path + ' ' + s.format +
             (s.warehouse() ? " postgres " + s.schema + (s.dsn ? " env:" + s.dsn->env : "") : "") +
             '\n';
    cfg += "state " + c.state_backend + (c.state_dsn ? " env:" + c.state_dsn->env : "") + '\n';
    for (const auto& [name, conn] : c.connections) {
      cfg += "connection " + name + ' ' + conn.type + '\n';
      for (const auto& [k, v] : conn.values) {
        cfg += "  " + k + '=';
        std::visit(
            [&](const auto& x) {
              using T = std::decay_t<decltype(x)>;
              if constexpr (std::is_same_v<T, std::string>) {
                Put(cfg, x);
              } else if constexpr (std::is_same_v<T, config::SecretRef>) {
                cfg += "env:" + x.env;
              } else if constexpr (std::is_same_v<T, double>) {
                cfg += ir::FormatFloat(x);
              } else if constexpr (std::is_same_v<T, bool>) {
                cfg += x ? "true" : "false";
              } else {
                cfg += std::to_string(x);
              }
            },
            v);
        cfg += '\n';
      }
    }
  }
  fp.config = Sha256Hex(cfg).substr(0, 32);
  return fp;
}

}  // namespace aud::plan
