// Warehouse sources (warehouse.h): Segment's warehouse layout in PostgreSQL
// -> rows -> StoreBuilder, with per-table received_at watermarks and
// immutable segment files of the rows read so far.

#include "runtime/warehouse/warehouse.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_set>

#include "compiler/base/escape.h"
#include "compiler/base/file_write.h"
#include "runtime/connectors/pg_session.h"
#include "runtime/store/builder.h"
#include "runtime/store/hash.h"

namespace aud::warehouse {

namespace {

constexpr uint64_t kFormat = 1;           // bump when the segment or manifest format changes
constexpr const char* kMagic = "audwh1";  // first bytes of a segment file
constexpr int kFetch = 5000;              // rows per FETCH

enum class Call : uint8_t { Track, Identify, Page, Screen, Alias, Group };

// One table to read and how its rows become calls.
struct Spec {
  std::string table;
  Call call = Call::Track;
  std::string key;  // the store type key (`track:` rows of `tracks` take theirs from event_text)
  std::vector<Field> fields;
  bool undeclared_tracks = false;  // `tracks`: only events without a declared table
};

// A value of a row (field: index into its spec's fields).
struct Val {
  uint32_t field = 0;
  store::ValueKind kind = store::ValueKind::Int;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  std::string s;
};

// One accepted row.
struct Row {
  uint32_t spec = 0;  // index into the source's specs
  uint32_t source = 0;
  int64_t ts = 0;           // ms
  int64_t received_us = 0;  // µs
  std::string id, user_id, anonymous_id;
  std::string extra;  // tracks: event_text; alias: previous_id; group: group_id
  std::vector<Val> vals;
};

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

std::string Quote(const std::string& name) { return "\"" + name + "\""; }

const char* KindName(Kind k) {
  switch (k) {
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::String: return "string";
    case Kind::Bool: return "bool";
    case Kind::Timestamp: return "timestamp";
  }
  return "?";
}

bool IsInt(const std::string& t) { return t == "smallint" || t == "integer" || t == "bigint"; }
bool IsFloat(const std::string& t) {
  return t == "real" || t == "double precision" || t == "numeric";
}
bool IsText(const std::string& t) {
  return t == "text" || t == "character varying" || t == "character";
}
bool IsTime(const std::string& t) {
  return t == "timestamp with time zone" || t == "timestamp without time zone";
}

// Whether a column of PostgreSQL type `t` holds values of the declared kind.
bool Compatible(Kind k, const std::string& t) {
  switch (k) {
    case Kind::Int: return IsInt(t);
    case Kind::Float: return IsInt(t) || IsFloat(t);
    case Kind::String: return IsText(t);
    case Kind::Bool: return t == "boolean";
    case Kind::Timestamp: return IsTime(t) || IsText(t);
  }
  return false;
}

// --- segment files and the manifest ---------------------------------------------

class Writer {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U32(uint32_t v) { out_.append(reinterpret_cast<const char*>(&v), 4); }
  void I64(int64_t v) { out_.append(reinterpret_cast<const char*>(&v), 8); }
  void F64(double v) { out_.append(reinterpret_cast<const char*>(&v), 8); }
  void Str(const std::string& s) {
    U32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

class ReaderBytes {
 public:
  explicit ReaderBytes(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ == in_.size(); }
  template <typename T>
  T Get() {
    T v{};
    if (in_.size() - pos_ < sizeof(T)) {
      ok_ = false;
      return v;
    }
    std::memcpy(&v, in_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string Str() {
    uint32_t n = Get<uint32_t>();
    if (!ok_ || n > in_.size() - pos_) {
      ok_ = false;
      return {};
    }
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

std::string EncodeRows(const std::vector<Row>& rows, size_t from) {
  Writer w;
  w.out() = kMagic;
  w.I64(static_cast<int64_t>(rows.size() - from));
  for (size_t k = from; k < rows.size(); ++k) {
    const Row& r = rows[k];
    w.U32(r.spec);
    w.I64(r.ts);
    w.I64(r.received_us);
    w.Str(r.id);
    w.Str(r.user_id);
    w.Str(r.anonymous_id);
    w.Str(r.extra);
    w.U32(static_cast<uint32_t>(r.vals.size()));
    for (const Val& v : r.vals) {
      w.U32(v.field);
      w.U8(static_cast<uint8_t>(v.kind));
      switch (v.kind) {
        case store::ValueKind::Int: w.I64(v.i); break;
        case store::ValueKind::Float: w.F64(v.f); break;
        case store::ValueKind::Bool: w.U8(v.b ? 1 : 0); break;
        case store::ValueKind::String: w.Str(v.s); break;
      }
    }
  }
  w.I64(static_cast<int64_t>(store::Hash64(w.out())));
  return std::move(w.out());
}

bool DecodeRows(std::string_view in, uint32_t source, size_t num_specs,
                const std::vector<size_t>& num_fields, std::vector<Row>* rows) {
  const size_t magic = std::strlen(kMagic);
  if (in.size() < magic + 16 || in.substr(0, magic) != kMagic) return false;
  uint64_t sum;
  std::memcpy(&sum, in.data() + in.size() - 8, 8);
  if (sum != store::Hash64(in.substr(0, in.size() - 8))) return false;
  ReaderBytes r(in.substr(magic, in.size() - magic - 8));
  int64_t n = r.Get<int64_t>();
  for (int64_t k = 0; r.ok() && k < n; ++k) {
    Row row;
    row.source = source;
    row.spec = r.Get<uint32_t>();
    row.ts = r.Get<int64_t>();
    row.received_us = r.Get<int64_t>();
    row.id = r.Str();
    row.user_id = r.Str();
    row.anonymous_id = r.Str();
    row.extra = r.Str();
    uint32_t nv = r.Get<uint32_t>();
    if (!r.ok() || row.spec >= num_specs) return false;
    for (uint32_t j = 0; r.ok() && j < nv; ++j) {
      Val v;
      v.field = r.Get<uint32_t>();
      uint8_t kind = r.Get<uint8_t>();
      if (v.field >= num_fields[row.spec] || kind > 3) return false;
      v.kind = static_cast<store::ValueKind>(kind);
      switch (v.kind) {
        case store::ValueKind::Int: v.i = r.Get<int64_t>(); break;
        case store::ValueKind::Float: v.f = r.Get<double>(); break;
        case store::ValueKind::Bool: v.b = r.Get<uint8_t>() != 0; break;
        case store::ValueKind::String: v.s = r.Str(); break;
      }
      row.vals.push_back(std::move(v));
    }
    rows->push_back(std::move(row));
  }
  return r.ok() && r.done();
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return static_cast<bool>(in) || in.eof();
}

// Writes `data` to `path` (0600) through a fsynced temp file renamed into
// place, then fsyncs the folder so the rename is durable.
bool WriteFileAtomic(const std::string& path, const std::string& data, std::string* error) {
  std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = "cannot write `" + tmp + "`: " + std::strerror(errno);
    return false;
  }
  if (!base::WriteAll(fd, data.data(), data.size())) {
    *error = "cannot write `" + tmp + "`: " + std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    return false;
  }
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = "cannot write `" + path + "`: " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  const size_t slash = path.rfind('/');
  base::SyncDir(slash == std::string::npos ? "" : path.substr(0, slash));
  return true;
}

// Per table: the watermark and the ids read at it (excluded from the next read).
struct Mark {
  std::string text;  // received_at as PostgreSQL prints it ("" none yet)
  int64_t us = 0;
  std::vector<std::string> ids;  // rows read with received_at == the watermark
};

// The state of one source's cache folder (`manifest`, a text file).
struct Manifest {
  std::string fingerprint;  // of the source's specs (what is read and how)
  std::vector<std::string> segments;
  std::map<std::string, Mark> marks;  // table -> mark
  std::map<std::string, uint64_t> quarantined;
  uint64_t duplicates = 0;
};

// Fields are tab-separated; text values never hold tabs or newlines
// (escaped as \t, \n, \\).
std::string Esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '\\') {
      o += "\\\\";
    } else if (c == '\t') {
      o += "\\t";
    } else if (c == '\n') {
      o += "\\n";
    } else {
      o += c;
    }
  }
  return o;
}
std::string Unesc(const std::string& s) {
  std::string o;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char c = s[++i];
      o += c == 't' ? '\t' : c == 'n' ? '\n' : c;
    } else {
      o += s[i];
    }
  }
  return o;
}
std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> out;
  size_t b = 0;
  while (true) {
    size_t e = line.find('\t', b);
    out.push_back(Unesc(line.substr(b, e == std::string::npos ? std::string::npos : e - b)));
    if (e == std::string::npos) break;
    b = e + 1;
  }
  return out;
}

std::string EncodeManifest(const Manifest& m) {
  std::string o = "aud-warehouse\t" + std::to_string(kFormat) + "\n";
  o += "fingerprint\t" + m.fingerprint + "\n";
  for (const auto& s : m.segments) o += "segment\t" + Esc(s) + "\n";
  for (const auto& [t, mk] : m.marks) {
    o += "mark\t" + Esc(t) + "\t" + Esc(mk.text) + "\t" + std::to_string(mk.us);
    for (const auto& id : mk.ids) {
      o += '\t';
      o += Esc(id);
    }
    o += "\n";
  }
  for (const auto& [r, n] : m.quarantined)
    o += "quarantined\t" + Esc(r) + "\t" + std::to_string(n) + "\n";
  o += "duplicates\t" + std::to_string(m.duplicates) + "\n";
  return o;
}

bool DecodeManifest(const std::string& text, Manifest* m) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != "aud-warehouse\t" + std::to_string(kFormat)) return false;
  while (std::getline(in, line)) {
    std::vector<std::string> f = SplitTabs(line);
    if (f[0] == "fingerprint" && f.size() == 2) {
      m->fingerprint = f[1];
    } else if (f[0] == "segment" && f.size() == 2) {
      m->segments.push_back(f[1]);
    } else if (f[0] == "mark" && f.size() >= 4) {
      Mark& mk = m->marks[f[1]];
      mk.text = f[2];
      mk.us = std::strtoll(f[3].c_str(), nullptr, 10);
      mk.ids.assign(f.begin() + 4, f.end());
    } else if (f[0] == "quarantined" && f.size() == 3) {
      m->quarantined[f[1]] = std::strtoull(f[2].c_str(), nullptr, 10);
    } else if (f[0] == "duplicates" && f.size() == 2) {
      m->duplicates = std::strtoull(f[1].c_str(), nullptr, 10);
    } else {
      return false;
    }
  }
  return !m->fingerprint.empty();
}

// --- reading one source ---------------------------------------------------------

// The specs of a source: declared event tables, then `tracks` (the other
// events: ids and time only), `identifies`, `aliases`, `groups`.
std::vector<Spec> SpecsOf(const Request& req) {
  std::vector<Spec> specs;
  for (const EventTable& e : req.events) {
    Spec s;
    s.table = e.table;
    s.key = e.key;
    s.call = e.key == "page" ? Call::Page : e.key == "screen" ? Call::Screen : Call::Track;
    s.fields = e.fields;
    specs.push_back(std::move(s));
  }
  // Undeclared `page` / `screen` calls: ids and time only (they link ids
  // and count, as undeclared calls do from JSON lines).
  for (const char* kind : {"page", "screen"}) {
    bool declared = false;
    for (const EventTable& e : req.events) declared = declared || e.key == kind;
    if (declared) continue;
    Spec s;
    s.table = std::string(kind) + "s";
    s.key = kind;
    s.call = s.key == "page" ? Call::Page : Call::Screen;
    specs.push_back(std::move(s));
  }
  Spec tracks;
  tracks.table = "tracks";
  tracks.undeclared_tracks = true;
  specs.push_back(tracks);
  Spec identifies;
  identifies.table = "identifies";
  identifies.call = Call::Identify;
  identifies.fields = req.traits;
  specs.push_back(identifies);
  Spec aliases;
  aliases.table = "aliases";
  aliases.call = Call::Alias;
  specs.push_back(aliases);
  Spec groups;
  groups.table = "groups";
  groups.call = Call::Group;
  specs.push_back(groups);
  return specs;
}

std::string FingerprintOf(const Source& src, const std::vector<Spec>& specs) {
  std::string text = "schema " + src.schema + "\n";
  for (const Spec& s : specs) {
    text += s.table + " " + std::to_string(static_cast<int>(s.call)) + " " + s.key + "\n";
    for (const Field& f : s.fields)
      text += "  " + f.name + " " + f.column + " " + KindName(f.kind) + "\n";
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(store::Hash64(text, kFormat)));
  return buf;
}

// Reads one source: cached rows from its segments, new rows from the database.
class SourceRun {
 public:
  // `seen`: the ids kept so far in every source (deduplication is across
  // sources, as across files).
  SourceRun(const Request& req, const Source& src, uint32_t index, Counters* counters,
            std::unordered_set<std::string>* seen)
      : src_(src), index_(index), c_(*counters), seen_(*seen), specs_(SpecsOf(req)) {
    who_ = "source `" + src.name + "`";
    dir_ = req.cache_dir + "/" + src.name;
    for (const Spec& s : specs_) num_fields_.push_back(s.fields.size());
    declared_specs_ = req.events.size();
  }

  // Appends the source's rows (cached and new) to `rows`; false with `error`.
  bool Run(std::vector<Row>* rows, std::vector<std::string>* warnings, std::string* error) {
    connectors::PgSession pg(who_, src_.dsn_var, src_.dsn, 0);
    if (!pg.Connect(error)) return false;
    // Which tables and columns exist, with their types.
    connectors::PgRows found;
    if (!pg.Exec("SELECT 1 FROM pg_namespace WHERE nspname = $1", {src_.schema}, &found, error))
      return false;
    if (found.empty()) {
      *error = who_ + ": schema `" + src_.schema +
               "` does not exist in the database of the DSN in `" + src_.dsn_var +
               "`; fix `schema` in `[sources." + src_.name +
               "]` of aud.toml (Segment names it "
               "after the source)";
      return false;
    }
    if (!pg.Exec("SELECT table_name, column_name, data_type FROM information_schema.columns "
                 "WHERE table_schema = $1",
                 {src_.schema}, &found, error))
      return false;
    for (const auto& r : found) columns_[r[0]][r[1]] = r[2];
    // Events read from their own tables are left out of `tracks`; an event
    // whose table is missing is read from `tracks` (ids and time only).
    for (const Spec& s : specs_)
      if (!s.undeclared_tracks && s.call == Call::Track && columns_.count(s.table))
        declared_tracks_.push_back(s.table);
    // Which declared tables exist decides what `tracks` gives: part of the
    // fingerprint, so a table appearing or going away means a full read.
    // The database itself too (not the DSN: its name, address and port),
    // so rows cached from another database are never reused.
    connectors::PgRows db;
    if (!pg.Exec("SELECT current_database(), coalesce(host(inet_server_addr()), ''), "
                 "coalesce(inet_server_port()::text, '')",
                 {}, &db, error))
      return false;
    std::string fp = FingerprintOf(src_, specs_);
    {
      std::string present = src_.dsn_var + "\n";
      for (const auto& v : db.at(0)) present += v + "\n";
      for (const auto& t : declared_tracks_) present += t + "\n";
      char buf[17];
      std::snprintf(buf, sizeof buf, "%016llx",
                    static_cast<unsigned long long>(store::Hash64(present)));
      fp += "-";
      fp += buf;
    }
    LoadCache(fp, rows);

    const size_t first_new = rows->size();
    std::vector<std::string> missing;
    for (uint32_t k = 0; k < specs_.size(); ++k) {
      const Spec& s = specs_[k];
      if (!columns_.count(s.table)) {
        // Segment creates `identifies`, `aliases`, ... with the first call
        // of the kind: only a declared event's table is worth a warning.
        const bool declared = k < declared_specs_;
        (declared ? missing : c_.missing_tables).push_back(src_.schema + "." + s.table);
        continue;
      }
      if (!ReadTable(pg, k, rows, error)) return false;
    }
    if (!missing.empty()) {
      std::string list;
      for (const auto& m : missing) {
        if (!list.empty()) list += ", ";
        list += "`" + m + "`";
        c_.missing_tables.push_back(m);
      }
      warnings->push_back(who_ + ": " + std::to_string(missing.size()) + " table" +
                          (missing.size() == 1 ? " is" : "s are") +
                          " not in the warehouse (Segment creates a table when its first call "
                          "is loaded; a declared event without its table is read from `tracks`, "
                          "without properties): " +
                          list);
    }
    // Save the new rows as one more immutable segment, then the manifest.
    std::string save_error;
    if (!SaveCache(fp, *rows, first_new, &save_error))
      warnings->push_back(who_ + ": the warehouse cache was not written (" + save_error +
                          "); the next run reads every row again");
    return true;
  }

  // Cumulative quarantine and duplicate counts of the source (cached + this run).
  const Manifest& manifest() const { return manifest_; }
  const std::vector<Spec>& specs() const { return specs_; }

 private:
  void LoadCache(const std::string& fp, std::vector<Row>* rows) {
    std::string text;
    Manifest m;
    const size_t before = rows->size();
    bool ok =
        ReadFile(dir_ + "/manifest", &text) && DecodeManifest(text, &m) && m.fingerprint == fp;
    for (size_t i = 0; ok && i < m.segments.size(); ++i) {
      std::string data;
      ok = ReadFile(dir_ + "/" + m.segments[i], &data) &&
           DecodeRows(data, index_, specs_.size(), num_fields_, rows);
    }
    if (!ok) {
      rows->resize(before);
      manifest_ = Manifest{};
      c_.full_reload = true;
      return;
    }
    manifest_ = std::move(m);
    c_.rows_cached += rows->size() - before;
    for (size_t k = before; k < rows->size(); ++k) seen_.insert((*rows)[k].id);
  }

  bool SaveCache(const std::string& fp, const std::vector<Row>& rows, size_t first_new,
                 std::string* error) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) {
      *error = "cannot create `" + dir_ + "`: " + ec.message();
      return false;
    }
    Manifest m = manifest_;
    m.fingerprint = fp;
    if (rows.size() > first_new || manifest_.segments.empty()) {
      // A new name per segment: the number after the last one.
      size_t n = m.segments.size() + 1;
      std::string name = "segment-" + std::to_string(n) + ".rows";
      if (!WriteFileAtomic(dir_ + "/" + name, EncodeRows(rows, first_new), error)) return false;
      m.segments.push_back(name);
    }
    m.marks = marks_;
    if (!WriteFileAtomic(dir_ + "/manifest", EncodeManifest(m), error)) return false;
    // Segments no manifest names (an earlier fingerprint) go away.
    std::set<std::string> keep(m.segments.begin(), m.segments.end());
    for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
      std::string name = e.path().filename().string();
      if (name.rfind("segment-", 0) == 0 && !keep.count(name)) std::filesystem::remove(e, ec);
    }
    manifest_ = std::move(m);
    return true;
  }

  // The select expression of a column that may be absent (NULL then): its
  // text with a `v` in front, so an empty string is NULL.
  std::string Text(const std::string& table, const std::string& column, bool as_time) const {
    auto t = columns_.find(table);
    auto c = t->second.find(column);
    if (c == t->second.end()) return "NULL::text";
    std::string e = Quote(column);
    if (as_time && IsTime(c->second)) {
      std::string utc = c->second == "timestamp with time zone" ? e + " AT TIME ZONE 'UTC'" : e;
      e = "to_char(" + utc + ", 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
    } else {
      e += "::text";
    }
    return "'v' || " + e;
  }

  bool Column(const std::string& table, const std::string& column, std::string* type) const {
    const auto& cols = columns_.at(table);
    auto it = cols.find(column);
    if (it == cols.end()) return false;
    *type = it->second;
    return true;
  }

  bool ReadTable(connectors::PgSession& pg, uint32_t spec_index, std::vector<Row>* rows,
                 std::string* error) {
    const Spec& s = specs_[spec_index];
    const std::string qualified = src_.schema + "." + s.table;
    auto refuse = [&](const std::string& column, const std::string& why) {
      *error = who_ + ": column `" + qualified + "." + column + "` " + why;
      return false;
    };
    // The columns every row needs.
    std::string type;
    if (!Column(s.table, "id", &type))
      return refuse("id", "is missing: a Segment table has the message id in `id`");
    for (const char* col : {"timestamp", "received_at"}) {
      if (!Column(s.table, col, &type))
        return refuse(col, "is missing: a Segment table has `timestamp` and `received_at`");
      if (!IsTime(type))
        return refuse(col, "is `" + type +
                               "`, not a timestamp; load the table with Segment's "
                               "types (timestamp with time zone)");
    }
    const char* extra = s.call == Call::Alias   ? "previous_id"
                        : s.call == Call::Group ? "group_id"
                        : s.undeclared_tracks   ? "event_text"
                                                : nullptr;
    if (extra && !Column(s.table, extra, &type))
      return refuse(extra, "is missing: Segment's `" + s.table + "` table has it");
    if (s.undeclared_tracks && !declared_tracks_.empty() && !Column(s.table, "event", &type))
      return refuse("event", "is missing: Segment's `tracks` table has it");
    for (const Field& f : s.fields) {
      if (!Column(s.table, f.column, &type)) continue;  // no non-null value loaded yet
      if (!Compatible(f.kind, type))
        return refuse(
            f.column,
            "is `" + type + "` but `" + f.name + "` is declared `" + KindName(f.kind) + "` (" +
                (s.call == Call::Identify ? "a trait" : "a property of `" + s.table + "`") +
                "); change the column's type or the declaration");
    }
    std::string sql = "SELECT " + Text(s.table, "id", false) +
                      ", 'v' || floor(extract(epoch from \"timestamp\") * 1000)::int8::text"
                      ", 'v' || floor(extract(epoch from received_at) * 1000000)::int8::text"
                      ", received_at::text, " +
                      Text(s.table, "user_id", false) + ", " +
                      Text(s.table, "anonymous_id", false) + ", " +
                      (extra ? Text(s.table, extra, false) : std::string("NULL::text"));
    for (const Field& f : s.fields)
      sql += ", " + Text(s.table, f.column, f.kind == Kind::Timestamp);
    sql += " FROM " + Quote(src_.schema) + "." + Quote(s.table);
    std::vector<std::optional<std::string>> params;
    std::vector<std::string> where;
    Mark& mark = marks_[s.table];
    if (auto it = manifest_.marks.find(s.table); it != manifest_.marks.end()) mark = it->second;
    if (!mark.text.empty()) {
      params.push_back(mark.text);
      params.push_back(connectors::PgTextArray(mark.ids));
      where.push_back(
          "received_at >= $1::timestamptz AND NOT (received_at = $1::timestamptz AND "
          "id::text = ANY($2::text[]))");
    }
    if (s.undeclared_tracks && !declared_tracks_.empty()) {
      // A NULL event is kept (and quarantined as `missing-event`).
      params.push_back(connectors::PgTextArray(declared_tracks_));
      where.push_back("(event IS NULL OR NOT (event = ANY($" + std::to_string(params.size()) +
                      "::text[])))");
    }
    for (size_t i = 0; i < where.size(); ++i) sql += (i ? " AND " : " WHERE ") + where[i];

    TableCounters& tc = c_.tables[src_.name + "." + s.table];
    if (!pg.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", error)) return false;
    if (!pg.Exec("DECLARE aud_rows NO SCROLL CURSOR FOR " + sql, params, nullptr, error)) {
      std::string ignored;
      pg.Exec("ROLLBACK", &ignored);
      return false;
    }
    connectors::PgRows batch;
    while (true) {
      if (!pg.Exec("FETCH " + std::to_string(kFetch) + " FROM aud_rows", {}, &batch, error))
        return false;  // (a lost connection: the error names the source)
      for (auto& r : batch) Accept(spec_index, r, &mark, &tc, rows);
      if (batch.size() < static_cast<size_t>(kFetch)) break;
    }
    if (!pg.Exec("COMMIT", error)) return false;
    tc.watermark = mark.text;
    return true;
  }

  static bool Present(const std::string& v) { return !v.empty(); }
  static std::string Value(const std::string& v) { return v.substr(1); }

  void Quarantine(const char* reason, TableCounters* tc) {
    ++tc->quarantined;
    ++c_.quarantined;
    ++c_.quarantined_by_reason[reason];
    ++manifest_.quarantined[reason];
  }

  void Accept(uint32_t spec_index, std::vector<std::string>& r, Mark* mark, TableCounters* tc,
              std::vector<Row>* rows) {
    const Spec& s = specs_[spec_index];
    ++tc->rows_read;
    ++c_.rows_read;
    // The watermark moves with every row read, accepted or not.
    if (!r[3].empty()) {
      int64_t us = std::strtoll(r[2].c_str() + 1, nullptr, 10);
      if (mark->text.empty() || us > mark->us) {
        mark->text = r[3];
        mark->us = us;
        mark->ids.clear();
      }
      if (us == mark->us && Present(r[0])) mark->ids.push_back(Value(r[0]));
    }
    if (!Present(r[0])) return Quarantine("missing-message-id", tc);
    if (!Present(r[1])) return Quarantine("missing-timestamp", tc);
    if (r[3].empty()) return Quarantine("missing-received-at", tc);
    Row row;
    row.source = index_;
    row.spec = spec_index;
    row.id = Value(r[0]);
    row.ts = std::strtoll(r[1].c_str() + 1, nullptr, 10);
    row.received_us = std::strtoll(r[2].c_str() + 1, nullptr, 10);
    if (Present(r[4])) row.user_id = Value(r[4]);
    if (Present(r[5])) row.anonymous_id = Value(r[5]);
    if (Present(r[6])) row.extra = Value(r[6]);
    switch (s.call) {
      case Call::Alias:
        if (row.extra.empty() || row.user_id.empty()) return Quarantine("missing-id", tc);
        break;
      case Call::Group:
        if (row.extra.empty()) return Quarantine("missing-id", tc);
        [[fallthrough]];
      default:
        if (row.user_id.empty() && row.anonymous_id.empty()) return Quarantine("missing-id", tc);
    }
    if (s.undeclared_tracks && row.extra.empty()) return Quarantine("missing-event", tc);
    for (uint32_t j = 0; j < s.fields.size(); ++j) {
      const std::string& v = r[7 + j];
      if (!Present(v)) continue;
      Val val;
      val.field = j;
      const std::string text = Value(v);
      std::string type;
      Column(s.table, s.fields[j].column, &type);
      if (IsInt(type)) {
        val.kind = store::ValueKind::Int;
        val.i = std::strtoll(text.c_str(), nullptr, 10);
      } else if (IsFloat(type)) {
        val.kind = store::ValueKind::Float;
        val.f = std::strtod(text.c_str(), nullptr);
      } else if (type == "boolean") {
        val.kind = store::ValueKind::Bool;
        val.b = text == "true" || text == "t";
      } else {
        val.kind = store::ValueKind::String;
        val.s = text;
      }
      row.vals.push_back(std::move(val));
    }
    if (!seen_.insert(row.id).second) {
      ++tc->duplicates;
      ++c_.duplicates;
      ++manifest_.duplicates;
      return;
    }
    ++tc->accepted;
    ++c_.accepted;
    rows->push_back(std::move(row));
  }

 private:
  const Source& src_;
  uint32_t index_;
  Counters& c_;
  std::unordered_set<std::string>& seen_;
  std::vector<Spec> specs_;
  std::vector<size_t> num_fields_;
  size_t declared_specs_ = 0;  // specs_[0, this): the declared events' tables
  std::vector<std::string> declared_tracks_;
  std::string who_, dir_;
  std::map<std::string, std::map<std::string, std::string>> columns_;  // table -> column -> type
  Manifest manifest_;
  std::map<std::string, Mark> marks_;
};

}  // namespace

std::string SnakeCase(const std::string& name) {
  std::string out;
  auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (upper(c)) {
      // A word starts at an upper-case letter after a lower-case one or a
      // digit, or before a lower-case one inside a run (`HTMLParser`).
      bool after_word = i > 0 && (lower(name[i - 1]) || digit(name[i - 1]));
      bool run_end = i > 0 && upper(name[i - 1]) && i + 1 < name.size() && lower(name[i + 1]);
      if ((after_word || run_end) && !out.empty() && out.back() != '_') out += '_';
      out += static_cast<char>(c - 'A' + 'a');
    } else if (lower(c) || digit(c)) {
      out += c;
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

std::string CountersJson(const Counters& c) {
  std::string o = "{\"rows_read\":" + std::to_string(c.rows_read) +
                  ",\"accepted\":" + std::to_string(c.accepted) +
                  ",\"quarantined\":" + std::to_string(c.quarantined) +
                  ",\"duplicates\":" + std::to_string(c.duplicates) +
                  ",\"rows_cached\":" + std::to_string(c.rows_cached) +
                  ",\"full_reload\":" + (c.full_reload ? "true" : "false") +
                  ",\"quarantined_by_reason\":{";
  bool first = true;
  for (const auto& [r, n] : c.quarantined_by_reason) {
    o += (first ? "" : ",") + base::JsonString(r) + ":" + std::to_string(n);
    first = false;
  }
  o += "},\"tables\":{";
  first = true;
  for (const auto& [t, tc] : c.tables) {
    o += (first ? "" : ",") + base::JsonString(t) +
         ":{\"rows_read\":" + std::to_string(tc.rows_read) +
         ",\"accepted\":" + std::to_string(tc.accepted) +
         ",\"quarantined\":" + std::to_string(tc.quarantined) +
         ",\"duplicates\":" + std::to_string(tc.duplicates) +
         ",\"watermark\":" + base::JsonString(tc.watermark) + "}";
    first = false;
  }
  o += "},\"missing_tables\":[";
  for (size_t i = 0; i < c.missing_tables.size(); ++i)
    o += (i ? "," : "") + base::JsonString(c.missing_tables[i]);
  return o + "]}";
}

ingest::Result Ingest(const Request& request, Counters* counters) {
  auto t0 = std::chrono::steady_clock::now();
  Counters local;
  Counters& c = counters ? *counters : local;
  c = Counters{};
  ingest::Result result;
  std::vector<Row> rows;
  std::vector<std::unique_ptr<SourceRun>> runs;
  {
    std::unordered_set<std::string> seen;
    for (uint32_t i = 0; i < request.sources.size(); ++i) {
      runs.push_back(std::make_unique<SourceRun>(request, request.sources[i], i, &c, &seen));
      if (!runs.back()->Run(&rows, &result.warnings, &result.error)) return result;
    }
  }
  // No file order in a warehouse: time, then received_at, then the message id.
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.ts != b.ts) return a.ts < b.ts;
    if (a.received_us != b.received_us) return a.received_us < b.received_us;
    return a.id < b.id;
  });
  ingest::Stats& st = result.stats;
  for (const auto& run : runs) {
    st.duplicates += run->manifest().duplicates;
    for (const auto& [r, n] : run->manifest().quarantined) st.bad[r] += n;
  }
  store::StoreBuilder builder;
  builder.Reserve(rows.size());
  std::vector<store::InputValue> vals;
  uint64_t order = 0;
  for (const Row& r : rows) {
    ++order;
    const Spec& s = runs[r.source]->specs()[r.spec];
    vals.clear();
    for (const Val& v : r.vals) {
      store::InputValue iv;
      iv.name = s.fields[v.field].name;
      iv.kind = v.kind;
      iv.i = v.i;
      iv.f = v.f;
      iv.b = v.b;
      iv.s = v.s;
      vals.push_back(iv);
    }
    uint16_t type = 0;
    switch (s.call) {
      case Call::Track:
      case Call::Page:
      case Call::Screen: {
        bool ok = s.undeclared_tracks ? builder.TrackType(r.extra, &type)
                                      : builder.TypeIndex(s.key, &type);
        if (!ok) {
          ++st.bad["too-many-event-types"];
          continue;
        }
        ++st.events;
        builder.AddEvent(type, r.ts, order, r.user_id, r.anonymous_id, vals.data(), vals.size());
        break;
      }
      case Call::Identify:
        ++st.identifies;
        builder.AddIdentify(r.ts, order, r.user_id, r.anonymous_id, vals.data(), vals.size());
        break;
      case Call::Alias:
        ++st.aliases;
        builder.AddAlias(r.ts, order, r.extra, r.user_id, r.anonymous_id);
        break;
      case Call::Group:
        ++st.groups;
        builder.AddGroup(r.ts, order, r.user_id, r.anonymous_id, r.extra, vals.data(), vals.size());
        break;
    }
  }
  st.lines = st.events + st.identifies + st.aliases + st.groups + st.duplicates + st.Bad();
  st.parse_seconds = Seconds(t0);
  auto t1 = std::chrono::steady_clock::now();
  result.store = builder.Finish();
  st.build_seconds = Seconds(t1);
  for (const store::EventType& t : result.store.types) st.event_types[t.key] = t.rows;
  if (request.strict && st.Bad() > 0) {
    std::string e = std::to_string(st.Bad()) + " quarantined warehouse row" +
                    (st.Bad() == 1 ? "" : "s") + " with --strict:";
    bool first = true;
    for (const auto& [reason, n] : st.bad) {
      e += (first ? " " : ", ") + reason + " " + std::to_string(n);
      first = false;
    }
    result.error = e + "; fix the rows in the warehouse, or run without --strict to skip them";
  }
  return result;
}

}  // namespace aud::warehouse
