// Runs `test` declarations (testing.h): fixtures -> an in-memory store ->
// profiles at as_of -> the driver's evaluator -> expectations compared.

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <unordered_map>

#include "compiler/base/file_read.h"
#include "runtime/driver/driver.h"
#include "runtime/eval/eval.h"
#include "runtime/ingest/ingest.h"
#include "runtime/plan/phases.h"
#include "runtime/store/profiles.h"
#include "runtime/testing/testing.h"

namespace aud::testing {

namespace {

// A fixture file is read whole; larger ones are refused.
constexpr uint64_t kMaxFixtureBytes = 64ull << 20;

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

// The text of an attribute value as `aud eval` shows it.
std::string ValueText(const eval::Column& c, uint32_t p) {
  if (!c.valid.Test(p)) return "missing";
  switch (c.type) {
    case ir::Type::Float:
      return std::isfinite(c.floats[p]) ? ast::FloatText(c.floats[p]) : "not a finite number";
    case ir::Type::String: return Quoted(c.strings[p]);
    case ir::Type::Timestamp: return "@" + ir::FormatTime(c.ints[p]);
    case ir::Type::Bool: return c.ints[p] ? "true" : "false";
    default: return std::to_string(c.ints[p]);
  }
}

// Whether the column's value at `p` equals the expected literal (checked by
// the checker to fit the attribute's type).
bool ValueEquals(const eval::Column& c, uint32_t p, const ast::Expr& e) {
  if (!c.valid.Test(p)) return false;
  using K = ast::ExprKind;
  const ast::Expr* v = &e;
  bool neg = false;
  if (v->kind == K::Unary && !v->children.empty()) {
    neg = true;
    v = v->children[0].get();
  }
  switch (c.type) {
    case ir::Type::Float: {
      double want = v->kind == K::IntLit ? static_cast<double>(v->int_value) : v->float_value;
      if (neg) want = -want;
      double got = c.floats[p];
      double scale = std::max({1.0, std::fabs(want), std::fabs(got)});
      return std::fabs(got - want) <= 1e-9 * scale;
    }
    case ir::Type::Int:
      return v->kind == K::IntLit && c.ints[p] == (neg ? -v->int_value : v->int_value);
    case ir::Type::Bool: return v->kind == K::BoolLit && (c.ints[p] != 0) == v->bool_value;
    case ir::Type::String: return v->kind == K::StringLit && c.strings[p] == v->string_value;
    case ir::Type::Timestamp: {
      int64_t want = 0;
      if (v->kind == K::TimeLit)
        want = v->time.millis;
      else if (v->kind != K::StringLit || !eval::ParseTimestamp(v->string_value, &want))
        return false;
      return c.ints[p] == want;
    }
    default: return false;
  }
}

// The segments, audiences and consents a test's expectations read (with
// the consents of the destinations a publication expectation names).
std::vector<std::string> Targets(const check::Project& project, const ast::TestDecl& t) {
  std::vector<std::string> out;
  auto add = [&](const std::string& n) {
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  };
  for (const auto& item : t.items) {
    if (item.kind <= ast::TestItem::Given) continue;
    add(item.target.text);
    if (item.kind == ast::TestItem::Sends || item.kind == ast::TestItem::Skips)
      for (const auto& c : plan::DestOf(project, item.destination.text).consents) add(c);
  }
  return out;
}

// Whether a destination field's value equals the expected literal.
bool FieldEquals(const connectors::Value& v, const ast::Expr& e) {
  using K = ast::ExprKind;
  const ast::Expr* x = &e;
  bool neg = false;
  if (x->kind == K::Unary && !x->children.empty()) {
    neg = true;
    x = x->children[0].get();
  }
  switch (v.kind) {
    case connectors::Value::Bool: return x->kind == K::BoolLit && v.b == x->bool_value;
    case connectors::Value::Int:
      if (x->kind == K::IntLit) return v.i == (neg ? -x->int_value : x->int_value);
      [[fallthrough]];
    case connectors::Value::Float: {
      if (x->kind != K::IntLit && x->kind != K::FloatLit) return false;
      double want = x->kind == K::IntLit ? static_cast<double>(x->int_value) : x->float_value;
      if (neg) want = -want;
      double got = v.kind == connectors::Value::Int ? static_cast<double>(v.i) : v.f;
      return std::fabs(got - want) <= 1e-9 * std::max({1.0, std::fabs(want), std::fabs(got)});
    }
    case connectors::Value::String: {
      if (x->kind == K::StringLit) return v.s == x->string_value;
      int64_t a = 0, b = 0;
      return x->kind == K::TimeLit && eval::ParseTimestamp(v.s, &a) && (b = x->time.millis, a == b);
    }
    default: return false;
  }
}

std::string FieldText(const connectors::Value& v) {
  switch (v.kind) {
    case connectors::Value::Bool: return v.b ? "true" : "false";
    case connectors::Value::Int: return std::to_string(v.i);
    case connectors::Value::Float:
      return std::isfinite(v.f) ? ast::FloatText(v.f) : "not a finite number";
    case connectors::Value::String: return "\"" + v.s + "\"";
    default: return "missing";
  }
}

class TestRun {
 public:
  TestRun(const check::Project& project, const ir::Program& program, const Options& options,
          const ast::TestDecl& test)
      : project_(project), program_(program), options_(options), test_(test) {}

  TestResult Run() {
    const base::SourceManager& sm = project_.sources;
    r_.name = test_.name.text;
    if (test_.name.range.valid()) {
      r_.file = sm.file(test_.name.range.file).path;
      r_.line = sm.Position(test_.name.range.file, test_.name.range.begin).line;
    }
    for (const auto& item : test_.items)
      if (item.kind == ast::TestItem::AsOf) r_.as_of = item.as_of.millis;
    if (!Load()) return Finish();
    Evaluate();
    return Finish();
  }

 private:
  TestResult Finish() {
    r_.passed = r_.error.empty();
    for (const Outcome& o : r_.outcomes) r_.passed = r_.passed && o.passed;
    return std::move(r_);
  }

  // The fixtures: every `given "file"` (in order), then the inline ones.
  bool Load() {
    std::string data;
    const std::string root = driver::CanonicalDir(options_.project_dir);
    bool from_files = false;
    for (const auto& item : test_.items) {
      if (item.kind != ast::TestItem::GivenFile) continue;
      from_files = true;
      const std::string& rel = item.path.value;
      std::filesystem::path path = std::filesystem::path(options_.project_dir) / rel;
      if (std::filesystem::path(rel).is_absolute() || !base::ResolvesInside(root, path)) {
        r_.error = "fixture file " + Quoted(rel) +
                   " does not exist or resolves outside the project folder; keep fixtures "
                   "inside the project";
        return false;
      }
      base::ReadResult rd = base::ReadRegularFile(path, kMaxFixtureBytes);
      if (!rd.ok()) {
        r_.error = "cannot read fixture file " + Quoted(rel) + ": " + rd.why;
        return false;
      }
      if (!CheckFileLines(rel, rd.text)) return false;
      data += rd.text;
      if (!data.empty() && data.back() != '\n') data += '\n';
    }
    data += FixtureLines(test_, project_.module);

    ingest::Result in = ingest::IngestBuffer(data, "test " + test_.name.text, IngestOptions());
    if (!in.error.empty() || in.stats.Bad() > 0) {
      // Inline fixtures are typed by the checker; this is a file's doing.
      r_.error = "the fixtures hold " + std::to_string(in.stats.Bad()) + " bad line(s)";
      return false;
    }
    if (from_files) {
      std::string undeclared;
      for (const auto& [key, n] : in.stats.event_types) {
        bool declared = false;
        for (const ir::Event& e : program_.events) declared = declared || e.store_key == key;
        if (!declared)
          undeclared += (undeclared.empty() ? "" : ", ") + key + " (" + std::to_string(n) + ")";
      }
      if (!undeclared.empty()) {
        r_.error = "the fixture files hold events no `event` declares: " + undeclared +
                   "; declare them or remove them from the fixtures";
        return false;
      }
    }
    store_ = std::move(in.store);
    r_.events = in.stats.events;
    profiles_ = store::BuildProfiles(store_, r_.as_of);
    r_.profiles = profiles_.count;
    for (uint32_t p = 0; p < profiles_.count; ++p) {
      for (uint32_t k = profiles_.user_id_offsets[p]; k < profiles_.user_id_offsets[p + 1]; ++k)
        profile_of_.emplace(std::string(store_.dict.Get(profiles_.user_ids[k])), p);
      for (uint32_t k = profiles_.anonymous_id_offsets[p];
           k < profiles_.anonymous_id_offsets[p + 1]; ++k)
        profile_of_.emplace(std::string(store_.dict.Get(profiles_.anonymous_ids[k])), p);
    }
    return true;
  }

  ingest::Options IngestOptions() const {
    driver::Options dopt;
    dopt.dir = options_.project_dir;
    ingest::Options io = driver::IngestOptions(dopt, project_);
    io.globs.clear();
    io.names.clear();
    io.quarantine_dir.clear();  // nothing is written anywhere
    io.strict = false;          // bad lines are counted, then refused above
    return io;
  }

  // A fixture file's lines, one by one, so that a bad one is named by its line.
  bool CheckFileLines(const std::string& rel, const std::string& text) {
    ingest::Options io = IngestOptions();
    size_t line = 0;
    for (size_t at = 0; at < text.size();) {
      size_t nl = text.find('\n', at);
      std::string_view one(text.data() + at, (nl == std::string::npos ? text.size() : nl) - at);
      at = nl == std::string::npos ? text.size() : nl + 1;
      ++line;
      if (one.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      ingest::Result in = ingest::IngestBuffer(one, rel, io);
      if (in.stats.Bad() == 0 && in.error.empty()) continue;
      std::string why = in.error;
      for (const auto& [reason, n] : in.stats.bad)
        if (n) why = reason;
      r_.error = "fixture file " + Quoted(rel) + " line " + std::to_string(line) +
                 " is not an accepted Segment message (" + why + ")";
      return false;
    }
    return true;
  }

  void Evaluate() {
    driver::Options dopt;
    dopt.dir = options_.project_dir;
    dopt.engine = options_.engine;
    dopt.jit_cache = false;  // nothing under `.aud/` is read or written
    eval::Options eo;
    eo.project_dir = options_.project_dir;
    eo.only = Targets(project_, test_);
    eo.threads = 1;
    std::unique_ptr<eval::Evaluator> ev = driver::Bind(dopt, program_, store_, eo, &r_.notice);
    if (!ev->error().empty()) {
      r_.error = ev->error();
      return;
    }
    res_ = ev->Run(profiles_);
    if (!res_.ok()) {
      r_.error = res_.error;
      return;
    }
    ev_ = ev.get();
    for (const auto& item : test_.items)
      if (item.kind > ast::TestItem::Given) r_.outcomes.push_back(Check(item));
    ev_ = nullptr;
  }

  // The profile an id names, or -1 (with a diff line saying so).
  int64_t Resolve(const std::string& id, Outcome* o) {
    auto it = profile_of_.find(id);
    if (it != profile_of_.end()) return it->second;
    o->diff.push_back(
        {id, "a profile of the fixtures", "no fixture at or before as_of mentions it"});
    return -1;
  }

  // The profile an id names if it is a member, or -1 (with a diff line saying why not).
  int64_t ResolveMember(const std::string& id, const eval::Bitset& members, Outcome* o) {
    const int64_t p = Resolve(id, o);
    if (p < 0) return -1;
    if (!members.Test(static_cast<uint32_t>(p))) {
      o->diff.push_back({id, "member", "not a member"});
      return -1;
    }
    return p;
  }

  Outcome Check(const ast::TestItem& item) {
    Outcome o;
    const base::SourceManager& sm = project_.sources;
    if (item.range.valid()) {
      o.text = std::string(sm.Text(item.range));
      o.line = sm.Position(item.range.file, item.range.begin).line;
    }
    const int32_t f = program_.FindFormula(item.target.text);
    if (f == ir::kNone) {
      o.diff.push_back(
          {"", "a segment, audience or consent", "`" + item.target.text + "` was not lowered"});
      return o;
    }
    const eval::Bitset& members = res_.members[static_cast<size_t>(f)];
    switch (item.kind) {
      case ast::TestItem::Contains:
      case ast::TestItem::Excludes: {
        const bool want = item.kind == ast::TestItem::Contains;
        for (const auto& s : item.profiles) {
          int64_t p = Resolve(s.value, &o);
          if (p < 0) continue;
          bool is = members.Test(static_cast<uint32_t>(p));
          if (is != want)
            o.diff.push_back(
                {s.value, want ? "member" : "not a member", is ? "member" : "not a member"});
        }
        break;
      }
      case ast::TestItem::Members: {
        std::set<uint32_t> expected;
        for (const auto& s : item.profiles) {
          int64_t p = Resolve(s.value, &o);
          if (p < 0) continue;
          expected.insert(static_cast<uint32_t>(p));
          if (!members.Test(static_cast<uint32_t>(p)))
            o.diff.push_back({s.value, "member", "not a member"});
        }
        for (uint32_t p = 0; p < profiles_.count; ++p)
          if (members.Test(p) && !expected.count(p))
            o.diff.push_back({profiles_.key[p], "not a member", "member"});
        break;
      }
      case ast::TestItem::Attribute: {
        const int64_t p = ResolveMember(item.profiles[0].value, members, &o);
        if (p < 0) break;
        const auto pu = static_cast<uint32_t>(p);
        const ir::Audience* aud = program_.FindAudience(item.target.text);
        const eval::Column* col = nullptr;
        for (uint32_t a : aud ? aud->attributes : std::vector<uint32_t>{})
          if (program_.formulas[a].name == item.member.text) col = &res_.values[a];
        if (!col) {
          o.diff.push_back(
              {item.profiles[0].value, "attribute `" + item.member.text + "`", "none"});
          break;
        }
        bool ok = item.value ? ValueEquals(*col, pu, *item.value) : !col->valid.Test(pu);
        if (!ok)
          o.diff.push_back({item.profiles[0].value,
                            item.value ? std::string(sm.Text(item.value->range)) : "missing",
                            ValueText(*col, pu)});
        break;
      }
      case ast::TestItem::Identities: {
        const int64_t p = ResolveMember(item.profiles[0].value, members, &o);
        if (p < 0) break;
        const auto pu = static_cast<uint32_t>(p);
        int32_t id = ir::kNone;
        for (size_t i = 0; i < program_.identities.size(); ++i)
          if (program_.identities[i].name == item.member.text) id = static_cast<int32_t>(i);
        std::vector<std::string> want;
        for (const auto& v : item.values) want.push_back(v.value);
        std::sort(want.begin(), want.end());
        want.erase(std::unique(want.begin(), want.end()), want.end());
        std::vector<std::string> got;
        if (id != ir::kNone) got = ev_->Identities(profiles_, pu)[static_cast<size_t>(id)];
        if (got != want) o.diff.push_back({item.profiles[0].value, List(want), List(got)});
        break;
      }
      case ast::TestItem::Sends:
      case ast::TestItem::Skips: Publication(item, members, &o); break;
      default: break;
    }
    o.passed = o.diff.empty();
    return o;
  }

  // Who a publication sends, under which key, with which fields, and why the
  // others are skipped: the planner's phases 2 and 3 (consents, keys).
  void Publication(const ast::TestItem& item, const eval::Bitset& members, Outcome* o) {
    const std::string& id = item.profiles[0].value;
    int64_t pi = Resolve(id, o);
    if (pi < 0) return;
    const auto p = static_cast<uint32_t>(pi);
    const ir::Audience* aud = program_.FindAudience(item.target.text);
    plan::Dest d = plan::DestOf(project_, item.destination.text);
    if (!aud) {
      o->diff.push_back({id, "an audience", "`" + item.target.text + "` was not lowered"});
      return;
    }
    plan::Exposure exposure;
    std::vector<uint32_t> ids = aud->identities;
    if (d.decl) {
      std::string error;
      if (!plan::ExposureOf(d, program_, *aud, &exposure, &error)) {
        o->diff.push_back({id, "a publication aud plan accepts", error});
        return;
      }
      ids.assign(exposure.sent_ids.begin(), exposure.sent_ids.end());
    }
    std::sort(ids.begin(), ids.end(), [&](uint32_t a, uint32_t b) {
      return program_.identities[a].name < program_.identities[b].name;
    });
    int32_t key_id = ir::kNone;
    for (size_t i = 0; i < program_.identities.size(); ++i)
      if (d.decl && program_.identities[i].name == d.key) key_id = static_cast<int32_t>(i);
    std::vector<const eval::Bitset*> consents;
    bool consenting = true;
    for (const auto& c : d.consents) {
      int32_t f = program_.FindFormula(c);
      if (f == ir::kNone) continue;
      consents.push_back(&res_.members[static_cast<size_t>(f)]);
      consenting = consenting && consents.back()->Test(p);
    }
    plan::Skipped skipped;
    std::vector<uint32_t> desired =
        plan::ConsentingMembers(members, consents, profiles_.count, &skipped);
    std::map<uint32_t, std::vector<std::vector<std::string>>> id_cache;
    auto identity_values = [&](uint32_t q) -> const std::vector<std::vector<std::string>>& {
      auto it = id_cache.find(q);
      if (it == id_cache.end()) it = id_cache.emplace(q, ev_->Identities(profiles_, q)).first;
      return it->second;
    };
    std::vector<eval::Column> traits = eval::TraitValues(program_, store_, profiles_, desired);
    std::unordered_map<uint32_t, uint32_t> trait_row;
    for (uint32_t i = 0; i < desired.size(); ++i) trait_row[desired[i]] = i;
    plan::RowInput ri;
    ri.program = &program_;
    ri.profiles = &profiles_;
    ri.result = &res_;
    ri.audience = aud;
    ri.dest = &d;
    ri.exposure = &exposure;
    ri.identities = ids;
    ri.key_identity = key_id;
    ri.identity_values = identity_values;
    ri.trait_value = [&](uint32_t q, size_t t) {
      return plan::ValueOf(traits[t], trait_row.at(q));
    };
    std::map<std::string, connectors::Row> rows = plan::KeyedRows(ri, desired, &skipped);
    const connectors::Row* row = nullptr;
    for (const auto& [key, r] : rows)
      if (r.profile == profiles_.key[p]) row = &r;
    std::string reason;
    if (!row) {
      if (!members.Test(p))
        reason = "not_member";
      else if (!consenting)
        reason = "no_consent";
      else if (key_id != ir::kNone && identity_values(p)[static_cast<size_t>(key_id)].empty())
        reason = "no_key";
      else
        reason = "duplicate_key";
    }
    if (item.kind == ast::TestItem::Skips) {
      if (row)
        o->diff.push_back(
            {id, "skipped: " + item.reason.text, "sent under key \"" + row->key + "\""});
      else if (reason != item.reason.text)
        o->diff.push_back({id, "skipped: " + item.reason.text, "skipped: " + reason});
      return;
    }
    if (!row) {
      o->diff.push_back({id, "sent", "skipped: " + reason});
      return;
    }
    if (item.key && row->key != item.key->value)
      o->diff.push_back({id, "key \"" + item.key->value + "\"", "key \"" + row->key + "\""});
    const base::SourceManager& sm = project_.sources;
    for (const auto& f : item.fields) {
      const connectors::Field* got = nullptr;
      for (const auto& rf : row->fields)
        if (rf.name == f.name.text) got = &rf;
      const std::string want = "\"" + f.name.text + "\" = " + std::string(sm.Text(f.value->range));
      if (!got)
        o->diff.push_back({id, want, "no field \"" + f.name.text + "\""});
      else if (!FieldEquals(got->value, *f.value))
        o->diff.push_back({id, want, "\"" + f.name.text + "\" = " + FieldText(got->value)});
    }
  }

  static std::string List(const std::vector<std::string>& v) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + Quoted(v[i]);
    return out + "]";
  }

  const check::Project& project_;
  const ir::Program& program_;
  const Options& options_;
  const ast::TestDecl& test_;
  TestResult r_;
  store::EventStore store_;
  store::Profiles profiles_;
  std::unordered_map<std::string, uint32_t> profile_of_;
  eval::Result res_;
  const eval::Evaluator* ev_ = nullptr;
};

}  // namespace

size_t Report::Failed() const {
  size_t n = 0;
  for (const auto& t : tests) n += t.passed ? 0 : 1;
  return n;
}

std::vector<std::string> UnknownTests(const check::Module& module,
                                      const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& n : names)
    if (!module.tests.count(n)) out.push_back(n);
  return out;
}

Report Run(const check::Project& project, const ir::Program& program, const Options& options) {
  Report rep;
  const std::set<std::string> wanted(options.names.begin(), options.names.end());
  for (const auto& file : project.files) {
    for (const ast::Decl& decl : file->decls) {
      const auto* t = std::get_if<ast::TestDecl>(&decl.node);
      if (!t || (!wanted.empty() && !wanted.count(t->name.text))) continue;
      rep.tests.push_back(TestRun(project, program, options, *t).Run());
    }
  }
  return rep;
}

}  // namespace aud::testing
