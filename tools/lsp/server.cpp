#include "tools/lsp/server.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <set>

#include "compiler/base/diag_format.h"
#include "compiler/base/file_read.h"
#include "compiler/base/json_text.h"
#include "compiler/check/check.h"
#include "compiler/fmt/format.h"
#include "compiler/parse/parse.h"
#include "stdlib/builtins.h"
#include "tools/lsp/index.h"
#include "tools/lsp/text.h"

namespace aud::lsp {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// JSON-RPC and LSP error codes.
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;
constexpr int kServerNotInitialized = -32002;
constexpr int kRequestFailed = -32803;

// A request that cannot be answered: its error code and message.
struct RpcError {
  int code;
  std::string message;
};

// The deepest nesting of `text`'s arrays and objects (strings skipped),
// stopping early once over `limit`.
int JsonDepth(std::string_view text, int limit) {
  int depth = 0, max = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max = std::max(max, ++depth);
      if (max > limit) return max;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max;
}

json ToLspPosition(std::string_view text, const std::vector<uint32_t>& starts, size_t offset,
                   bool utf8) {
  auto [line, character] = LspPositionOf(text, starts, static_cast<uint32_t>(offset), utf8);
  return {{"line", line}, {"character", character}};
}

std::string Dump(const json& j) {
  return base::JsonTerminalSafe(j.dump(-1, ' ', false, json::error_handler_t::replace));
}

json ErrorResponse(const json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

// Parameter accessors: an RpcError (InvalidParams) when absent or mistyped.
const json& Member(const json& obj, const char* key) {
  if (!obj.is_object()) throw RpcError{kInvalidParams, "`params` must be an object"};
  auto it = obj.find(key);
  if (it == obj.end()) throw RpcError{kInvalidParams, std::string("missing `") + key + "`"};
  return *it;
}
std::string String(const json& obj, const char* key) {
  const json& v = Member(obj, key);
  if (!v.is_string()) throw RpcError{kInvalidParams, std::string("`") + key + "` must be a string"};
  return v.get<std::string>();
}
int64_t Integer(const json& obj, const char* key) {
  const json& v = Member(obj, key);
  if (!v.is_number_integer() && !v.is_number_unsigned())
    throw RpcError{kInvalidParams, std::string("`") + key + "` must be an integer"};
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
    throw RpcError{kInvalidParams, std::string("`") + key + "` is out of range"};
  return v.get<int64_t>();
}

// LSP SymbolKind and CompletionItemKind numbers of an entity kind.
int SymbolKindNumber(const std::string& kind) {
  if (kind == "event") return 24;       // Event
  if (kind == "property") return 7;     // Property
  if (kind == "trait") return 8;        // Field
  if (kind == "identity") return 20;    // Key
  if (kind == "label") return 14;       // Constant
  if (kind == "action") return 22;      // EnumMember
  if (kind == "policy") return 11;      // Interface
  if (kind == "consent") return 17;     // Boolean
  if (kind == "segment") return 12;     // Function
  if (kind == "audience") return 5;     // Class
  if (kind == "destination") return 2;  // Module
  if (kind == "attribute") return 8;    // Field
  if (kind == "connection") return 2;   // Module
  return 13;                            // Variable
}
int CompletionKindNumber(const std::string& kind) {
  if (kind == "event") return 23;                        // Event
  if (kind == "property") return 10;                     // Property
  if (kind == "trait") return 5;                         // Field
  if (kind == "identity") return 20;                     // EnumMember
  if (kind == "label" || kind == "action") return 21;    // Constant
  if (kind == "policy") return 8;                        // Interface
  if (kind == "segment" || kind == "consent") return 6;  // Variable
  if (kind == "audience") return 7;                      // Class
  if (kind == "destination") return 9;                   // Module
  if (kind == "builtin") return 3;                       // Function
  return 18;                                             // Reference
}

}  // namespace

// One open document.
struct Document {
  std::string uri;
  std::string text;
  int64_t version = 0;
};

// A checked project: a folder with `aud.toml` (or one document alone).
struct ProjectState {
  std::string dir;         // "" for a single-document project
  std::string single_uri;  // the document of a single-document project
  std::unique_ptr<check::Project> project;
  std::unique_ptr<Index> index;
  std::map<base::FileId, std::string> uri_of;  // project files with a URI
  std::map<std::string, base::FileId> file_of;
  std::set<std::string> published;  // URIs with diagnostics last time
  check::SourceTree tree;           // what was checked (for completion's fallback)
  check::CheckOptions check_options;
  std::map<std::string, std::string> rel_of;  // URI -> tree path
};

struct State {
  ServerOptions options;
  bool initialized = false;
  bool shutdown = false;
  bool exited = false;
  bool utf8 = false;  // position encoding: utf-8 (negotiated) or utf-16
  std::string root;   // the workspace folder ("" none)
  std::map<std::string, Document> docs;
  std::map<std::string, ProjectState> projects;  // key: dir, or the document URI
  std::vector<json> out;                         // notifications to send

  // --- projects ---

  // The project folder of a document: the nearest folder holding `aud.toml`
  // (not above the workspace folder when there is one); "" for none.
  std::string ProjectDirOf(const std::string& uri) const {
    if (!options.use_disk) return "";
    std::string path = UriToPath(uri);
    if (path.empty()) return "";
    std::error_code ec;
    fs::path p = fs::path(path).lexically_normal();
    fs::path stop = root.empty() ? fs::path() : fs::path(root).lexically_normal();
    if (!stop.empty()) {
      auto rel = p.lexically_relative(stop);
      if (rel.empty() || *rel.begin() == "..") stop.clear();
    }
    for (fs::path d = p.parent_path(); !d.empty(); d = d.parent_path()) {
      if (fs::is_regular_file(d / "aud.toml", ec)) return d.string();
      if (!stop.empty() && d == stop) break;
      if (d == d.root_path()) break;
    }
    // A document of the workspace folder without `aud.toml`: the folder.
    if (!stop.empty()) return stop.string();
    return "";
  }

  std::string ProjectKeyOf(const std::string& uri) const {
    std::string dir = ProjectDirOf(uri);
    return dir.empty() ? uri : dir;
  }

  // Checks the project `key` again and queues its diagnostics.
  void Recheck(const std::string& key) {
    ProjectState& ps = projects[key];
    bool single = !fs::path(key).is_absolute() || docs.count(key);
    ps.dir = single ? "" : key;
    ps.single_uri = single ? key : "";
    check::SourceTree tree;
    std::map<std::string, std::string> rel_uri;  // tree path -> URI
    if (single) {
      auto it = docs.find(key);
      if (it == docs.end()) {
        // Closed: clear what it showed.
        for (const std::string& u : ps.published) PublishEmpty(u);
        projects.erase(key);
        return;
      }
      std::string name = fs::path(UriToPath(key)).filename().string();
      if (name.empty() || (fs::path(name).extension() != ".aud" && name != "aud.toml"))
        name = "main.aud";
      tree.files[name] = it->second.text;
      rel_uri[name] = key;
    } else {
      tree = check::ReadSourceTree(ps.dir);
      for (const auto& [rel, _] : tree.files)
        rel_uri[rel] = PathToUri((fs::path(ps.dir) / rel).string());
      for (const auto& [uri, doc] : docs) {
        std::string path = UriToPath(uri);
        if (path.empty()) continue;
        auto rel = fs::path(path).lexically_normal().lexically_relative(ps.dir);
        if (rel.empty() || *rel.begin() == "..") continue;
        std::string r = rel.generic_string();
        if (r != "aud.toml" && fs::path(r).extension() != ".aud") continue;
        tree.files[r] = doc.text;
        tree.unreadable.erase(r);
        rel_uri[r] = uri;
      }
    }
    ps.tree = tree;
    ps.check_options.require_config = !single;
    ps.check_options.environment = options.environment;
    ps.rel_of.clear();
    for (const auto& [rel, uri] : rel_uri) ps.rel_of[uri] = rel;
    bool too_large = false;
    for (const auto& [rel, text] : tree.files) too_large |= text.size() > base::kMaxSourceBytes;
    check::CheckOptions co;
    co.require_config = !single;
    co.environment = options.environment;
    if (too_large) {
      ps.project.reset();
      ps.index.reset();
    } else {
      ps.project = check::Check(tree, co);
      ps.index = std::make_unique<Index>(*ps.project);
    }
    ps.uri_of.clear();
    ps.file_of.clear();
    if (ps.project) {
      const base::SourceManager& sm = ps.project->sources;
      for (base::FileId id = 1; id <= sm.size(); ++id) {
        auto it = rel_uri.find(sm.file(id).path);
        if (it == rel_uri.end()) continue;
        ps.uri_of[id] = it->second;
        ps.file_of[it->second] = id;
      }
    }
    // Diagnostics per URI: every project file (empty lists clear old ones).
    std::map<std::string, json> per_uri;
    for (const auto& [rel, uri] : rel_uri) per_uri[uri] = json::array();
    if (too_large) {
      for (const auto& [uri, doc] : docs)
        if (per_uri.count(uri) && doc.text.size() > base::kMaxSourceBytes)
          per_uri[uri].push_back(
              {{"range",
                {{"start", {{"line", 0}, {"character", 0}}},
                 {"end", {{"line", 0}, {"character", 0}}}}},
               {"severity", 1},
               {"source", "aud"},
               {"message", "the document is over 16 MiB; aud does not check it"}});
    } else {
      for (const base::Diagnostic& d : ps.project->diags.all()) {
        json lsp = ToLsp(ps, d);
        auto it = d.range.valid() ? ps.uri_of.find(d.range.file) : ps.uri_of.end();
        if (it != ps.uri_of.end()) {
          per_uri[it->second].push_back(lsp);
        } else if (!d.range.valid()) {
          // A project-level problem shows on every open document of the project.
          for (const auto& [uri, doc] : docs)
            if (per_uri.count(uri)) per_uri[uri].push_back(lsp);
        }
      }
    }
    std::set<std::string> now;
    for (auto& [uri, list] : per_uri) {
      if (list.empty() && !ps.published.count(uri) && !docs.count(uri)) continue;
      if (!list.empty()) now.insert(uri);
      json params = {{"uri", uri}, {"diagnostics", list}};
      if (auto it = docs.find(uri); it != docs.end()) params["version"] = it->second.version;
      out.push_back(
          {{"jsonrpc", "2.0"}, {"method", "textDocument/publishDiagnostics"}, {"params", params}});
    }
    for (const std::string& u : ps.published)
      if (!per_uri.count(u)) PublishEmpty(u);
    ps.published = now;
  }

  void PublishEmpty(const std::string& uri) {
    out.push_back({{"jsonrpc", "2.0"},
                   {"method", "textDocument/publishDiagnostics"},
                   {"params", {{"uri", uri}, {"diagnostics", json::array()}}}});
  }

  // --- positions ---

  json LspRange(const check::Project& p, base::SourceRange r) const {
    const base::SourceFile& f = p.sources.file(r.file);
    return {{"start", ToLspPosition(f.text, f.line_starts, r.begin, utf8)},
            {"end", ToLspPosition(f.text, f.line_starts, std::max(r.end, r.begin), utf8)}};
  }

  json ToLsp(const ProjectState& ps, const base::Diagnostic& d) const {
    const check::Project& p = *ps.project;
    json j;
    if (d.range.valid() && d.range.file <= p.sources.size())
      j["range"] = LspRange(p, d.range);
    else
      j["range"] = {{"start", {{"line", 0}, {"character", 0}}},
                    {"end", {{"line", 0}, {"character", 0}}}};
    j["severity"] = d.severity == base::Severity::Error     ? 1
                    : d.severity == base::Severity::Warning ? 2
                                                            : 3;
    j["code"] = std::string(base::DiagKindName(d.kind));
    j["source"] = "aud";
    std::string message = d.message;
    json related = json::array();
    for (const base::Note& n : d.notes) {
      auto it = n.range.valid() ? ps.uri_of.find(n.range.file) : ps.uri_of.end();
      if (it != ps.uri_of.end()) {
        related.push_back({{"location", {{"uri", it->second}, {"range", LspRange(p, n.range)}}},
                           {"message", n.message}});
      } else {
        message += "\nnote: " + n.message;
      }
    }
    j["message"] = message;
    if (!related.empty()) j["relatedInformation"] = related;
    json fixits = json::array();
    for (const base::FixIt& f : base::FixIts(d, p.sources)) {
      auto it = ps.uri_of.find(f.range.file);
      if (it == ps.uri_of.end()) continue;
      fixits.push_back(
          {{"uri", it->second}, {"range", LspRange(p, f.range)}, {"newText", f.replacement}});
    }
    if (!fixits.empty()) j["data"] = {{"fixits", fixits}};
    return j;
  }

  // The document, its project and the byte offset of params.position.
  struct At {
    Document* doc = nullptr;
    ProjectState* ps = nullptr;
    base::FileId file = 0;
    uint32_t offset = 0;
  };

  Document& DocOf(const json& params) {
    const json& td = Member(params, "textDocument");
    std::string uri = String(td, "uri");
    auto it = docs.find(uri);
    if (it == docs.end())
      throw RpcError{kInvalidParams, "document `" + uri + "` is not open (send didOpen first)"};
    return it->second;
  }

  At Locate(const json& params) {
    At at;
    at.doc = &DocOf(params);
    const json& pos = Member(params, "position");
    int64_t line = Integer(pos, "line"), character = Integer(pos, "character");
    std::vector<uint32_t> starts = LineStarts(at.doc->text);
    std::optional<uint32_t> off = FromLspPosition(at.doc->text, starts, line, character, utf8);
    if (!off)
      throw RpcError{kInvalidParams, "position " + std::to_string(line) + ":" +
                                         std::to_string(character) + " is outside the document"};
    auto pit = projects.find(ProjectKeyOf(at.doc->uri));
    if (pit == projects.end()) return at;
    at.ps = &pit->second;
    if (!at.ps->project) return at;
    auto fit = at.ps->file_of.find(at.doc->uri);
    if (fit == at.ps->file_of.end()) return at;
    // The checked text is the document's text (the overlay), so offsets agree.
    if (at.ps->project->sources.file(fit->second).text != at.doc->text) return at;
    at.file = fit->second;
    at.offset = *off;
    return at;
  }

  json Location(const ProjectState& ps, base::SourceRange r) const {
    auto it = ps.uri_of.find(r.file);
    if (it == ps.uri_of.end()) return nullptr;
    return {{"uri", it->second}, {"range", LspRange(*ps.project, r)}};
  }

  // --- requests ---

  json Initialize(const json& params) {
    if (params.is_object()) {
      std::string root_uri;
      if (auto it = params.find("rootUri"); it != params.end() && it->is_string())
        root_uri = it->get<std::string>();
      if (auto it = params.find("workspaceFolders");
          root_uri.empty() && it != params.end() && it->is_array() && !it->empty() &&
          (*it)[0].is_object() && (*it)[0].contains("uri") && (*it)[0]["uri"].is_string())
        root_uri = (*it)[0]["uri"].get<std::string>();
      if (!root_uri.empty()) root = UriToPath(root_uri);
      if (root.empty())
        if (auto it = params.find("rootPath"); it != params.end() && it->is_string())
          root = it->get<std::string>();
      if (!root.empty() && !fs::path(root).is_absolute()) root.clear();
      const json* encodings = nullptr;
      if (auto c = params.find("capabilities"); c != params.end() && c->is_object())
        if (auto g = c->find("general"); g != c->end() && g->is_object())
          if (auto e = g->find("positionEncodings"); e != g->end() && e->is_array())
            encodings = &*e;
      if (encodings)
        for (const json& e : *encodings)
          if (e == "utf-8") utf8 = true;
    }
    initialized = true;
    return {{"capabilities",
             {{"positionEncoding", utf8 ? "utf-8" : "utf-16"},
              {"textDocumentSync", {{"openClose", true}, {"change", 1}}},
              {"hoverProvider", true},
              {"definitionProvider", true},
              {"referencesProvider", true},
              {"completionProvider", {{"triggerCharacters", {"."}}}},
              {"documentFormattingProvider", true},
              {"documentSymbolProvider", true},
              {"codeActionProvider", {{"codeActionKinds", {"quickfix"}}}}}},
            {"serverInfo", {{"name", "aud"}, {"version", options.version}}}};
  }

  void DidOpen(const json& params) {
    const json& td = Member(params, "textDocument");
    Document d;
    d.uri = String(td, "uri");
    d.text = String(td, "text");
    if (td.contains("version") && td["version"].is_number_integer())
      d.version = td["version"].get<int64_t>();
    docs[d.uri] = d;
    Recheck(ProjectKeyOf(d.uri));
  }

  void DidChange(const json& params) {
    Document& doc = DocOf(params);
    const json& td = Member(params, "textDocument");
    if (td.contains("version") && td["version"].is_number_integer())
      doc.version = td["version"].get<int64_t>();
    const json& changes = Member(params, "contentChanges");
    if (!changes.is_array()) throw RpcError{kInvalidParams, "`contentChanges` must be an array"};
    for (const json& c : changes) {
      std::string text = String(c, "text");
      if (c.contains("range")) {
        const json& r = c["range"];
        std::vector<uint32_t> starts = LineStarts(doc.text);
        auto b = FromLspPosition(doc.text, starts, Integer(Member(r, "start"), "line"),
                                 Integer(Member(r, "start"), "character"), utf8);
        auto e = FromLspPosition(doc.text, starts, Integer(Member(r, "end"), "line"),
                                 Integer(Member(r, "end"), "character"), utf8);
        if (!b || !e || *e < *b)
          throw RpcError{kInvalidParams, "the change's range is outside the document"};
        doc.text = doc.text.substr(0, *b) + text + doc.text.substr(*e);
      } else {
        doc.text = std::move(text);
      }
    }
    Recheck(ProjectKeyOf(doc.uri));
  }

  void DidClose(const json& params) {
    const json& td = Member(params, "textDocument");
    std::string uri = String(td, "uri");
    if (!docs.count(uri)) return;
    std::string key = ProjectKeyOf(uri);
    docs.erase(uri);
    Recheck(key);
  }

  json Definition(const json& params) {
    At at = Locate(params);
    if (!at.file) return nullptr;
    const Occurrence* o = at.ps->index->At(at.file, at.offset);
    if (!o) return nullptr;
    const Entity& e = at.ps->index->entities()[o->entity];
    if (!e.def.valid()) return nullptr;
    return Location(*at.ps, e.def);
  }

  json References(const json& params) {
    At at = Locate(params);
    json out = json::array();
    if (!at.file) return out;
    const Occurrence* o = at.ps->index->At(at.file, at.offset);
    if (!o) return out;
    bool with_decl = true;
    if (auto c = params.find("context"); c != params.end() && c->is_object())
      if (auto i = c->find("includeDeclaration"); i != c->end() && i->is_boolean())
        with_decl = i->get<bool>();
    for (const Occurrence& r : at.ps->index->References(o->entity)) {
      if (r.is_def && !with_decl) continue;
      json loc = Location(*at.ps, r.range);
      if (!loc.is_null()) out.push_back(loc);
    }
    return out;
  }

  // The comment lines right above a declaration (its doc comment).
  std::string DocComment(const check::Project& p, base::SourceRange decl) const {
    for (const auto& f : p.files) {
      if (f->file != decl.file) continue;
      uint32_t line = p.sources.Position(decl.file, decl.begin).line;
      std::vector<std::string> lines;
      for (auto it = f->comments.rbegin(); it != f->comments.rend(); ++it) {
        uint32_t cl = p.sources.Position(decl.file, it->range.begin).line;
        if (cl >= line) continue;
        if (cl != line - 1) break;
        // A comment after code on its line is not a doc comment.
        std::string_view before = p.sources.Line(decl.file, cl);
        size_t col = p.sources.Position(decl.file, it->range.begin).col - 1;
        if (before.substr(0, col).find_first_not_of(" \t") != std::string_view::npos) break;
        std::string t = it->text;
        size_t s = t.find_first_not_of('#');
        t = s == std::string::npos ? "" : t.substr(s);
        if (!t.empty() && t[0] == ' ') t.erase(0, 1);
        lines.push_back(t);
        line = cl;
      }
      std::reverse(lines.begin(), lines.end());
      std::string out;
      for (const auto& l : lines) out += l + "\n";
      return out;
    }
    return "";
  }

  std::string HoverText(const ProjectState& ps, const Entity& e) const {
    const check::Project& p = *ps.project;
    std::string head;
    if (e.kind == "builtin") {
      for (const auto& b : stdlib::kBuiltins)
        if (b.name == e.name) {
          head = "builtin " + std::string(b.name) + " (" + std::to_string(b.min_args) +
                 (b.max_args == b.min_args ? ""
                  : b.max_args < 0         ? "+"
                                           : "–" + std::to_string(b.max_args)) +
                 (b.max_args == 1 && b.min_args == 1 ? " argument)" : " arguments)");
        }
      return "```aud\n" + head + "\n```\n";
    }
    if (e.kind == "connection" && p.config) {
      auto it = p.config->connections.find(e.name);
      if (it != p.config->connections.end())
        return "```toml\n[connections." + e.name + "]\ntype = \"" + it->second.type +
               "\"\n```\nconnection of `aud.toml`\n";
    }
    if (e.decl.valid()) {
      std::string_view text = p.sources.Text(e.decl);
      size_t nl = text.find('\n');
      head = std::string(text.substr(0, std::min<size_t>(nl, 300)));
      while (!head.empty() && (head.back() == ' ' || head.back() == '\r' || head.back() == '{'))
        head.pop_back();
      while (!head.empty() && head.back() == ' ') head.pop_back();
    } else {
      head = e.kind + " " + e.name;
    }
    std::string out = "```aud\n" + head + "\n```\n";
    out += "*" + e.kind + "* `" + e.name + "`";
    if (e.kind == "segment" || e.kind == "audience" || e.kind == "consent") out += ": `bool`";
    if (e.kind == "attribute") {
      // The attribute's expression type.
      size_t dot = e.name.find('.');
      if (const auto* a = p.module.Get<ast::AudienceDecl>(e.name.substr(0, dot)))
        for (const auto& item : a->items)
          for (const auto& attr : item.attributes)
            if (attr.name.text == e.name.substr(dot + 1) && attr.expr)
              out += ": `" + std::string(ast::TypeName(attr.expr->type)) + "`";
    }
    if (e.top) {
      const check::Symbol* s = p.module.Find(e.name);
      if (s && s->from_stdlib) out += " (standard library)";
    }
    out += "\n";
    if (e.def.valid()) {
      std::string doc = DocComment(p, e.decl.valid() ? e.decl : e.def);
      if (!doc.empty()) out += "\n" + doc;
    }
    auto labels = p.module.audience_labels.find(e.name);
    if ((e.kind == "segment" || e.kind == "audience") && labels != p.module.audience_labels.end()) {
      const check::LabelSet& ls = labels->second;
      if (ls.labels.empty()) {
        out += "\nlabels: none\n";
      } else {
        out += "\nlabels:";
        for (const auto& l : ls.labels) out += " `" + l + "`";
        out += "\n";
        for (const auto& src : ls.sources) {
          out += "- " + src.what;
          if (!src.labels.empty()) {
            out += " [";
            for (size_t i = 0; i < src.labels.size(); ++i) out += (i ? ", " : "") + src.labels[i];
            out += "]";
          }
          if (!src.path.empty()) {
            out += " via ";
            for (size_t i = 0; i < src.path.size(); ++i) out += (i ? " -> " : "") + src.path[i];
          }
          out += "\n";
        }
      }
    }
    if (e.kind == "event" && e.top)
      if (const auto* ev = std::get_if<ast::EventDecl>(&e.top->node)) {
        if (!ev->props.empty()) out += "\nproperties:";
        for (const auto& pr : ev->props) out += " `" + pr.name.text + ": " + pr.type.text + "`";
        out += "\n";
      }
    return out;
  }

  json Hover(const json& params) {
    At at = Locate(params);
    if (!at.file) return nullptr;
    const Occurrence* o = at.ps->index->At(at.file, at.offset);
    if (!o) return nullptr;
    const Entity& e = at.ps->index->entities()[o->entity];
    return {{"contents", {{"kind", "markdown"}, {"value", HoverText(*at.ps, e)}}},
            {"range", LspRange(*at.ps->project, o->range)}};
  }

  json Completion(const json& params) {
    At at = Locate(params);
    json items = json::array();
    // The text before the cursor: `IDENT.` asks for members.
    std::vector<uint32_t> starts = LineStarts(at.doc->text);
    const json& pos = Member(params, "position");
    auto off = FromLspPosition(at.doc->text, starts, Integer(pos, "line"),
                               Integer(pos, "character"), utf8);
    uint32_t cur = off ? *off : 0;
    const std::string& t = at.doc->text;
    uint32_t b = cur;
    auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    while (b > 0 && word(t[b - 1])) --b;
    std::string owner;
    if (b > 0 && t[b - 1] == '.') {
      uint32_t ob = b - 1;
      while (ob > 0 && word(t[ob - 1])) --ob;
      owner = t.substr(ob, b - 1 - ob);
    }
    auto add = [&](const std::string& label, const std::string& kind, const std::string& detail) {
      items.push_back({{"label", label}, {"kind", CompletionKindNumber(kind)}, {"detail", detail}});
    };
    const check::Project* p = at.ps && at.ps->project ? at.ps->project.get() : nullptr;
    // While typing the document rarely parses, and a project with a syntax
    // error declares nothing: check it again without the cursor's line.
    std::unique_ptr<check::Project> without_line;
    if (at.ps && (!p || p->module.symbols.empty()) && at.ps->rel_of.count(at.doc->uri)) {
      check::SourceTree tree = at.ps->tree;
      std::string& text = tree.files[at.ps->rel_of[at.doc->uri]];
      auto line_start = std::find(
          text.rbegin() + static_cast<long>(text.size() - std::min<size_t>(cur, text.size())),
          text.rend(), '\n');
      size_t ls = static_cast<size_t>(text.rend() - line_start);
      size_t le = text.find('\n', std::min<size_t>(cur, text.size()));
      if (le == std::string::npos) le = text.size();
      if (ls <= le && le <= text.size()) text.replace(ls, le - ls, le - ls, ' ');
      if (text.size() <= base::kMaxSourceBytes) {
        without_line = check::Check(tree, at.ps->check_options);
        p = without_line.get();
      }
    }
    if (!owner.empty()) {
      if (!p) return items;
      if (owner == "profile") {
        for (const auto& [n, s] : p->module.symbols)
          if (s.kind == check::SymbolKind::Trait) add(n, "trait", "trait");
      } else if (const auto* ev = p->module.Get<ast::EventDecl>(owner)) {
        add("timestamp", "property", "timestamp");
        for (const auto& pr : ev->props) add(pr.name.text, "property", pr.type.text);
      }
      return items;
    }
    for (const std::string& k : parse::Keywords()) add(k, "keyword", "keyword");
    for (const auto& bi : stdlib::kBuiltins) add(std::string(bi.name), "builtin", "builtin");
    if (p) {
      for (const auto& [n, s] : p->module.symbols)
        add(n, check::SymbolKindName(s.kind), check::SymbolKindName(s.kind));
      for (const auto& [n, _] : p->module.identities) add(n, "identity", "identity");
    }
    // Keywords use kind 14.
    for (auto& i : items)
      if (i["detail"] == "keyword") i["kind"] = 14;
    return items;
  }

  json Formatting(const json& params) {
    Document& doc = DocOf(params);
    if (doc.text.size() > base::kMaxSourceBytes)
      throw RpcError{kRequestFailed, "the document is over 16 MiB"};
    base::SourceManager sm;
    base::Diagnostics diags(sm);
    base::FileId id = sm.Add("main.aud", doc.text);
    auto file = parse::ParseFile(id, diags);
    if (!file || diags.HasErrors())
      throw RpcError{kRequestFailed, "the document has syntax errors; fix them before formatting"};
    std::string formatted = fmt::FormatFile(*file, sm);
    json edits = json::array();
    if (formatted == doc.text) return edits;
    std::vector<uint32_t> starts = LineStarts(doc.text);
    edits.push_back({{"range",
                      {{"start", {{"line", 0}, {"character", 0}}},
                       {"end", ToLspPosition(doc.text, starts, doc.text.size(), utf8)}}},
                     {"newText", formatted}});
    return edits;
  }

  json DocumentSymbols(const json& params) {
    Document& doc = DocOf(params);
    json out = json::array();
    auto pit = projects.find(ProjectKeyOf(doc.uri));
    if (pit == projects.end() || !pit->second.project) return out;
    ProjectState& ps = pit->second;
    auto fit = ps.file_of.find(doc.uri);
    if (fit == ps.file_of.end()) return out;
    const check::Project& p = *ps.project;
    auto sym = [&](const std::string& name, const std::string& kind, base::SourceRange whole,
                   base::SourceRange sel) {
      if (!whole.valid() || whole.begin > sel.begin || whole.end < sel.end) whole = sel;
      return json{{"name", name},
                  {"detail", kind},
                  {"kind", SymbolKindNumber(kind)},
                  {"range", LspRange(p, whole)},
                  {"selectionRange", LspRange(p, sel)}};
    };
    for (const auto& f : p.files) {
      if (f->file != fit->second) continue;
      for (const ast::Decl& d : f->decls) {
        std::visit(
            [&](const auto& node) {
              using T = std::decay_t<decltype(node)>;
              if constexpr (std::is_same_v<T, ast::ImportDecl> ||
                            std::is_same_v<T, ast::PublishDecl>) {
                return;
              } else {
                std::string kind;
                if constexpr (std::is_same_v<T, ast::IdentityDecl>) {
                  kind = "identity";
                } else {
                  const check::Symbol* s = p.module.Find(node.name.text);
                  kind = s ? check::SymbolKindName(s->kind) : "name";
                }
                json j = sym(node.name.text, kind, d.range, node.name.range);
                json children = json::array();
                if constexpr (std::is_same_v<T, ast::EventDecl>)
                  for (const auto& pr : node.props)
                    children.push_back(sym(pr.name.text, "property", pr.range, pr.name.range));
                if constexpr (std::is_same_v<T, ast::AudienceDecl>)
                  for (const auto& item : node.items)
                    for (const auto& a : item.attributes)
                      children.push_back(sym(a.name.text, "attribute", a.range, a.name.range));
                if (!children.empty()) j["children"] = children;
                out.push_back(j);
              }
            },
            d.node);
      }
    }
    return out;
  }

  // Quick fixes: the fix-its the client sends back in `data.fixits` of the
  // diagnostics it asks about (the server's own publishDiagnostics).
  json CodeActions(const json& params) {
    DocOf(params);
    json out = json::array();
    const json& context = Member(params, "context");
    const json& diags = Member(context, "diagnostics");
    if (!diags.is_array()) throw RpcError{kInvalidParams, "`diagnostics` must be an array"};
    for (const json& d : diags) {
      if (!d.is_object() || !d.contains("data") || !d["data"].is_object()) continue;
      const json& fixits = d["data"].value("fixits", json::array());
      if (!fixits.is_array()) continue;
      for (const json& f : fixits) {
        if (!f.is_object() || !f.contains("uri") || !f["uri"].is_string() || !f.contains("range") ||
            !f.contains("newText") || !f["newText"].is_string())
          continue;
        json edit = {{"range", f["range"]}, {"newText", f["newText"]}};
        out.push_back(
            {{"title", "replace with `" + f["newText"].get<std::string>() + "`"},
             {"kind", "quickfix"},
             {"diagnostics", json::array({d})},
             {"isPreferred", true},
             {"edit", {{"changes", {{f["uri"].get<std::string>(), json::array({edit})}}}}}});
      }
    }
    return out;
  }

  json Dispatch(const std::string& method, const json& params) {
    if (method == "initialize") return Initialize(params);
    if (method == "shutdown") {
      shutdown = true;
      return nullptr;
    }
    if (method == "textDocument/hover") return Hover(params);
    if (method == "textDocument/definition") return Definition(params);
    if (method == "textDocument/references") return References(params);
    if (method == "textDocument/completion") return Completion(params);
    if (method == "textDocument/formatting") return Formatting(params);
    if (method == "textDocument/documentSymbol") return DocumentSymbols(params);
    if (method == "textDocument/codeAction") return CodeActions(params);
    throw RpcError{kMethodNotFound, "unknown method `" + method + "`"};
  }

  void Notify(const std::string& method, const json& params) {
    if (method == "exit") {
      exited = true;
      return;
    }
    if (!initialized) return;  // dropped before initialize (LSP 3.17)
    if (method == "textDocument/didOpen")
      DidOpen(params);
    else if (method == "textDocument/didChange")
      DidChange(params);
    else if (method == "textDocument/didClose")
      DidClose(params);
    // Every other notification (initialized, didSave, $/..., unknown) is ignored.
  }
};

Server::Server(ServerOptions options) : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
}
Server::~Server() = default;
bool Server::exited() const { return state_->exited; }
int Server::exit_code() const { return state_->shutdown ? 0 : 1; }

std::string Server::FramingError(ReadStatus status) const {
  if (status == ReadStatus::TooLarge)
    return Dump(
        ErrorResponse(nullptr, kInvalidRequest,
                      "message over " + std::to_string(kMaxMessageBytes >> 20) + " MiB dropped"));
  return Dump(
      ErrorResponse(nullptr, kParseError, "header without a valid `Content-Length` dropped"));
}

std::vector<std::string> Server::Handle(std::string_view body) {
  State& s = *state_;
  std::vector<std::string> replies;
  s.out.clear();
  if (JsonDepth(body, kMaxJsonDepth) > kMaxJsonDepth) {
    replies.push_back(Dump(
        ErrorResponse(nullptr, kInvalidRequest,
                      "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels")));
    return replies;
  }
  json msg = json::parse(body.begin(), body.end(), nullptr, false);
  if (msg.is_discarded()) {
    replies.push_back(Dump(ErrorResponse(nullptr, kParseError, "malformed JSON")));
    return replies;
  }
  if (!msg.is_object()) {
    replies.push_back(Dump(ErrorResponse(
        nullptr, kInvalidRequest,
        msg.is_array() ? "batches are not supported" : "a message must be a JSON object")));
    return replies;
  }
  json id = nullptr;
  bool has_id = msg.contains("id");
  if (has_id) {
    id = msg["id"];
    if (!id.is_string() && !id.is_number_integer() && !id.is_number_unsigned() && !id.is_null()) {
      replies.push_back(
          Dump(ErrorResponse(nullptr, kInvalidRequest, "`id` must be an integer or a string")));
      return replies;
    }
  }
  auto method_it = msg.find("method");
  if (msg.value("jsonrpc", json()) != "2.0" || method_it == msg.end() || !method_it->is_string()) {
    // A response to a request of ours (we send none): ignore it.
    if (has_id && (msg.contains("result") || msg.contains("error")) && method_it == msg.end())
      return replies;
    replies.push_back(Dump(ErrorResponse(
        id, kInvalidRequest, "a request needs `\"jsonrpc\": \"2.0\"` and a string `method`")));
    return replies;
  }
  const std::string method = method_it->get<std::string>();
  json params = msg.contains("params") ? msg["params"] : json::object();
  if (!has_id) {
    try {
      s.Notify(method, params);
    } catch (const RpcError&) {
      // Notifications get no reply; a malformed one changes nothing.
    } catch (const std::exception&) {
    }
  } else {
    json response;
    try {
      if (!s.initialized && method != "initialize")
        throw RpcError{kServerNotInitialized,
                       "the server is not initialized (send `initialize` first)"};
      if (s.initialized && method == "initialize")
        throw RpcError{kInvalidRequest, "the server is already initialized"};
      if (s.shutdown) throw RpcError{kInvalidRequest, "the server is shut down (send `exit`)"};
      response = {{"jsonrpc", "2.0"}, {"id", id}, {"result", s.Dispatch(method, params)}};
    } catch (const RpcError& e) {
      response = ErrorResponse(id, e.code, e.message);
    } catch (const std::exception&) {
      response =
          ErrorResponse(id, kInternalError, "internal error while handling `" + method + "`");
    }
    replies.push_back(Dump(response));
  }
  for (const json& n : s.out) replies.push_back(Dump(n));
  s.out.clear();
  return replies;
}

std::string Frame(std::string_view body) {
  return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

ReadStatus ReadMessage(std::istream& in, size_t max_bytes, std::string* body) {
  constexpr size_t kMaxHeaderLine = 4096;
  std::optional<size_t> length;
  bool bad = false;
  bool any = false;
  while (true) {
    std::string line;
    int c;
    while ((c = in.get()) != EOF && c != '\n') {
      if (line.size() < kMaxHeaderLine)
        line.push_back(static_cast<char>(c));
      else
        bad = true;
    }
    if (c == EOF) return ReadStatus::Eof;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (!any) continue;  // blank lines between messages
      break;
    }
    any = true;
    size_t colon = line.find(':');
    if (colon == std::string::npos) {
      bad = true;
      continue;
    }
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char ch) { return std::tolower(ch); });
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    if (name == "content-length") {
      if (value.empty() || value.size() > 19 ||
          value.find_first_not_of("0123456789") != std::string::npos) {
        bad = true;
        continue;
      }
      length = std::stoull(value);
    }
  }
  if (bad || !length) return ReadStatus::BadHeader;
  if (*length > max_bytes) {
    // Consume the body without keeping it.
    char buf[65536];
    size_t left = *length;
    while (left > 0 && in) {
      in.read(buf, static_cast<std::streamsize>(std::min(left, sizeof buf)));
      left -= static_cast<size_t>(in.gcount());
      if (in.gcount() == 0) break;
    }
    return left > 0 ? ReadStatus::Eof : ReadStatus::TooLarge;
  }
  body->assign(*length, '\0');
  in.read(body->data(), static_cast<std::streamsize>(*length));
  if (static_cast<size_t>(in.gcount()) != *length) return ReadStatus::Eof;
  return ReadStatus::Message;
}

int Serve(std::istream& in, std::ostream& out, const ServerOptions& options) {
  Server server(options);
  std::string body;
  while (true) {
    ReadStatus st = ReadMessage(in, kMaxMessageBytes, &body);
    if (st == ReadStatus::Eof) return 1;
    std::vector<std::string> replies;
    if (st == ReadStatus::Message)
      replies = server.Handle(body);
    else
      replies.push_back(server.FramingError(st));
    for (const std::string& r : replies) out << Frame(r);
    out.flush();
    if (server.exited()) return server.exit_code();
  }
}

}  // namespace aud::lsp
