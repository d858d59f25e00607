// The `file` connector: per publication a full snapshot and a delta per
// apply, as CSV or JSONL, in the connection's `dir`. The snapshot on disk is
// the connector's only state: each batch reads it, applies the batch and
// writes delta then snapshot atomically, so a batch re-sent after a crash
// (same applied_at) rewrites byte-identical files.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "runtime/connectors/connector.h"
#include "runtime/connectors/file_format.h"
#include "runtime/connectors/file_io.h"
#include "runtime/connectors/file_snapshot.h"

namespace aud::connectors {

namespace {

constexpr const char* kReserved[] = {"op", "key", "identity_kind"};

const char* KindName(bool visitor) { return visitor ? "visitor" : "declared"; }

// JSON value text in the form ValueToJson writes, so unchanged rows keep
// their bytes when a snapshot is read and written again.
bool JsonToText(const nlohmann::json& v, std::string* out) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: *out = "null"; return true;
    case nlohmann::json::value_t::boolean: *out = v.get<bool>() ? "true" : "false"; return true;
    case nlohmann::json::value_t::number_integer:
      *out = std::to_string(v.get<int64_t>());
      return true;
    case nlohmann::json::value_t::number_unsigned:
      *out = std::to_string(v.get<uint64_t>());
      return true;
    case nlohmann::json::value_t::number_float: {
      *out = FormatDouble(v.get<double>());
      if (out->empty()) *out = "null";
      return true;
    }
    case nlohmann::json::value_t::string:
      out->clear();
      AppendJsonString(v.get_ref<const std::string&>(), out);
      return true;
    default: return false;
  }
}

bool ValidKind(const std::string& k) { return k == "declared" || k == "visitor"; }
bool ValidOp(const std::string& op) { return op == "enter" || op == "update" || op == "exit"; }

bool ParseCsvRows(std::string_view text, bool delta, const std::vector<std::string>& field_names,
                  std::map<std::string, FileRow>* rows, std::string* error, bool formula_escape) {
  std::vector<std::vector<std::string>> records;
  std::vector<uint32_t> lines;
  if (!ParseCsv(text, &records, &lines, error)) return false;
  if (records.empty()) {
    *error = "line 1: missing header row";
    return false;
  }
  const std::vector<std::string>& header = records[0];
  size_t fixed = delta ? 3 : 2;
  bool header_ok = header.size() >= fixed && header[fixed - 2] == "key" &&
                   header[fixed - 1] == "identity_kind" && (!delta || header[0] == "op");
  if (!header_ok) {
    *error = std::string("line 1: the header must start with ") +
             (delta ? "`op,key,identity_kind`" : "`key,identity_kind`");
    return false;
  }
  std::vector<int> column(field_names.size(), -1);
  for (size_t f = 0; f < field_names.size(); ++f)
    for (size_t c = fixed; c < header.size(); ++c)
      if (header[c] == field_names[f]) column[f] = static_cast<int>(c);
  for (size_t r = 1; r < records.size(); ++r) {
    const auto& rec = records[r];
    // Built only for an error: most files have many rows and none.
    auto where = [&] { return "line " + std::to_string(lines[r]) + ": "; };
    if (rec.size() != header.size()) {
      *error = where() + "expected " + std::to_string(header.size()) + " fields, found " +
               std::to_string(rec.size());
      return false;
    }
    FileRow row;
    if (delta) {
      row.op = rec[0];
      if (!ValidOp(row.op)) {
        *error = where() + "unknown op `" + row.op + "`";
        return false;
      }
    }
    const std::string key = formula_escape ? CsvUnescapeFormula(rec[fixed - 2]) : rec[fixed - 2];
    row.identity_kind = rec[fixed - 1];
    if (key.empty()) {
      *error = where() + "empty key";
      return false;
    }
    if (!ValidKind(row.identity_kind) && !(row.op == "exit" && row.identity_kind.empty())) {
      *error = where() + "identity_kind must be `declared` or `visitor`";
      return false;
    }
    for (int c : column) row.cells.push_back(c < 0 ? std::string() : rec[static_cast<size_t>(c)]);
    if (!rows->emplace(key, std::move(row)).second) {
      *error = where() + "duplicate key";
      return false;
    }
  }
  return true;
}

bool ParseJsonlRows(std::string_view text, bool delta, const std::vector<std::string>& field_names,
                    std::map<std::string, FileRow>* rows, std::string* error) {
  uint32_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    auto where = [&] { return "line " + std::to_string(line_no) + ": "; };
    nlohmann::json obj = nlohmann::json::parse(line, nullptr, false);
    if (obj.is_discarded()) {
      *error = where() + "invalid JSON";
      return false;
    }
    if (!obj.is_object()) {
      *error = where() + "not a JSON object";
      return false;
    }
    auto text_of = [&](const char* name, std::string* out) {
      auto it = obj.find(name);
      if (it == obj.end() || !it->is_string()) return false;
      *out = it->get<std::string>();
      return true;
    };
    FileRow row;
    std::string key;
    if (delta && (!text_of("op", &row.op) || !ValidOp(row.op))) {
      *error = where() + "`op` must be `enter`, `update` or `exit`";
      return false;
    }
    if (!text_of("key", &key) || key.empty()) {
      *error = where() + "`key` must be a non-empty string";
      return false;
    }
    bool kind_ok = text_of("identity_kind", &row.identity_kind) && ValidKind(row.identity_kind);
    if (!kind_ok && !(row.op == "exit" && row.identity_kind.empty())) {
      *error = where() + "`identity_kind` must be `declared` or `visitor`";
      return false;
    }
    for (const std::string& name : field_names) {
      auto it = obj.find(name);
      std::string cell = "null";
      if (it != obj.end() && !JsonToText(*it, &cell)) {
        *error = where() + "field `" + name + "` holds an array or object";
        return false;
      }
      row.cells.push_back(std::move(cell));
    }
    if (!rows->emplace(key, std::move(row)).second) {
      *error = where() + "duplicate key";
      return false;
    }
  }
  return true;
}

class FileConnector final : public Connector {
 public:
  FileConnector(std::string name, FileFormat format, std::string dir_value, std::string dir,
                bool formula_escape)
      : name_(std::move(name)),
        format_(format),
        dir_value_(std::move(dir_value)),
        dir_(std::move(dir)),
        formula_escape_(formula_escape) {}

  Limits limits() const override { return Limits{0, 1}; }

  std::string Begin(const Publication& pub) override {
    std::string error;
    if (!CheckPublication(pub, &error) || !EnsureDir(&error)) return Prefix(error);
    return "";
  }

  BatchResult Apply(const Publication& pub, const Batch& batch) override {
    BatchResult result;
    std::string error;
    if (!CheckPublication(pub, &error) || !EnsureDir(&error) ||
        !ApplyBatch(pub, batch, &result, &error))
      result.error = Prefix(error);
    return result;
  }

 private:
  std::string Prefix(const std::string& e) const { return "connection `" + name_ + "`: " + e; }
  std::string Shown(const std::string& file) const {
    return dir_value_.back() == '/' ? dir_value_ + file : dir_value_ + "/" + file;
  }

  // The audience becomes a file name and the fields become columns: refuse
  // what would escape the folder or make two columns of one name.
  bool CheckPublication(const Publication& pub, std::string* error) const {
    const std::string& a = pub.audience;
    bool name_ok = !a.empty() && a[0] != '.' && a.find_first_of("/\\") == std::string::npos &&
                   a.find('\0') == std::string::npos;
    if (!name_ok) {
      *error = "audience name `" + a + "` cannot be a file name";
      return false;
    }
    std::set<std::string> seen;
    for (const std::string& f : pub.field_names) {
      for (const char* r : kReserved)
        if (f == r) {
          *error = "audience `" + a + "`: field `" + f + "` clashes with a column of the file";
          return false;
        }
      if (!seen.insert(f).second) {
        *error = "audience `" + a + "`: field `" + f + "` is mapped twice";
        return false;
      }
    }
    return true;
  }

  bool EnsureDir(std::string* error) const {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec || !std::filesystem::is_directory(dir_, ec)) {
      *error = "cannot create folder `" + dir_value_ + "`" +
               (ec ? ": " + ec.message() : std::string(": not a folder"));
      return false;
    }
    // Exports hold personal data: a folder inside the project is private
    // (0700) even when it predates aud's umask (cli/main.cpp); a folder given
    // as an absolute path keeps the mode its owner chose.
    if (std::filesystem::path(dir_value_).is_relative())
      std::filesystem::permissions(
          dir_, std::filesystem::perms::group_all | std::filesystem::perms::others_all,
          std::filesystem::perm_options::remove, ec);
    return true;
  }

  // Reads `file` of the folder into rows; a missing file is empty.
  bool ReadRows(const std::string& file, bool delta, const Publication& pub,
                std::map<std::string, FileRow>* rows, std::string* error) const {
    std::string text;
    bool missing = false;
    if (!ReadWholeFile(dir_ + "/" + file, &text, &missing, Shown(file), error)) return missing;
    if (!ParseFileRows(text, format_, delta, pub.field_names, rows, error, formula_escape_)) {
      *error = Shown(file) + ": " + *error + " (fix or remove the file)";
      return false;
    }
    return true;
  }

  bool ApplyBatch(const Publication& pub, const Batch& batch, BatchResult* result,
                  std::string* error) const {
    const std::string snap_name = SnapshotFileName(pub.audience, format_);
    const std::string delta_name = DeltaFileName(pub.audience, pub.applied_at, pub.serial, format_);
    std::map<std::string, FileRow> snapshot, delta;
    if (!ReadRows(snap_name, false, pub, &snapshot, error)) return false;
    // A delta of this apply already on disk: an earlier batch of the same
    // apply, or this very batch before a crash. Merging keeps both cases
    // right, and keeps the kind of keys that already left the snapshot.
    if (!ReadRows(delta_name, true, pub, &delta, error)) return false;

    for (const std::string& key : batch.removes) {
      FileRow exit_row;
      exit_row.op = "exit";
      if (auto it = snapshot.find(key); it != snapshot.end()) {
        exit_row.identity_kind = it->second.identity_kind;
        snapshot.erase(it);
      } else if (auto d = delta.find(key); d != delta.end()) {
        exit_row.identity_kind = d->second.identity_kind;
      }
      exit_row.cells.assign(pub.field_names.size(),
                            format_ == FileFormat::Csv ? std::string() : std::string("null"));
      delta[key] = std::move(exit_row);
    }
    for (const Row& row : batch.upserts) {
      if (row.key.empty()) {
        result->rejected.push_back({row.key, "empty key"});
        continue;
      }
      FileRow out;
      out.identity_kind = KindName(row.visitor);
      for (const std::string& name : pub.field_names) {
        const Value* v = nullptr;
        for (const Field& f : row.fields)
          if (f.name == name) v = &f.value;
        Value null_value;
        if (!v) v = &null_value;
        out.cells.push_back(FileCellText(*v, format_, formula_escape_));
      }
      snapshot[row.key] = out;
      out.op = row.op == Row::Enter ? "enter" : "update";
      delta[row.key] = std::move(out);
    }

    // Delta first: if we stop between the two writes, the re-sent batch
    // still finds the kinds of exited keys in it.
    if (!WriteFileAtomic(dir_, delta_name,
                         RenderFileRows(delta, format_, true, pub.field_names, formula_escape_),
                         Shown(delta_name), error))
      return false;
    if (batch.drop) return RemoveFileDurable(dir_, snap_name, Shown(snap_name), error);
    return WriteFileAtomic(
        dir_, snap_name, RenderFileRows(snapshot, format_, false, pub.field_names, formula_escape_),
        Shown(snap_name), error);
  }

  std::string name_;
  FileFormat format_;
  std::string dir_value_;  // as written in aud.toml, for messages
  std::string dir_;        // resolved against the project folder
  bool formula_escape_;    // `csv_formula_escape` (CSV only)
};

}  // namespace

std::string FileCellText(const Value& v, FileFormat f, bool csv_formula_escape) {
  if (f == FileFormat::Jsonl) return ValueToJson(v);
  // Numbers are never formulas: only string cells are neutralised.
  if (csv_formula_escape && v.kind == Value::String) return CsvEscapeFormula(ValueToCsvText(v));
  return ValueToCsvText(v);
}

bool CsvFormulaEscapeOf(const config::Connection& connection) {
  if (auto it = connection.values.find("csv_formula_escape"); it != connection.values.end())
    if (const bool* b = std::get_if<bool>(&it->second)) return *b;
  return true;
}

const char* FileExtension(FileFormat f) { return f == FileFormat::Csv ? "csv" : "jsonl"; }

std::string SnapshotFileName(const std::string& audience, FileFormat f) {
  return audience + "." + FileExtension(f);
}

std::string DeltaFileName(const std::string& audience, int64_t applied_at, uint64_t serial,
                          FileFormat f) {
  return audience + ".delta-" + CompactUtcMillis(applied_at) + "-" + std::to_string(serial) + "." +
         FileExtension(f);
}

bool ParseFileRows(std::string_view text, FileFormat f, bool delta,
                   const std::vector<std::string>& field_names,
                   std::map<std::string, FileRow>* rows, std::string* error,
                   bool csv_formula_escape) {
  rows->clear();
  // Spreadsheets save UTF-8 with a byte-order mark: a hand-edited file
  // starting with one is still ours.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return f == FileFormat::Csv
             ? ParseCsvRows(text, delta, field_names, rows, error, csv_formula_escape)
             : ParseJsonlRows(text, delta, field_names, rows, error);
}

std::string RenderFileRows(const std::map<std::string, FileRow>& rows, FileFormat f, bool delta,
                           const std::vector<std::string>& field_names, bool csv_formula_escape) {
  std::string out;
  if (f == FileFormat::Csv) {
    std::vector<std::string> fields;
    if (delta) fields.emplace_back("op");
    fields.emplace_back("key");
    fields.emplace_back("identity_kind");
    fields.insert(fields.end(), field_names.begin(), field_names.end());
    AppendCsvRecord(fields, &out);
    for (const auto& [key, row] : rows) {
      fields.clear();
      if (delta) fields.push_back(row.op);
      fields.push_back(csv_formula_escape ? CsvEscapeFormula(key) : key);
      fields.push_back(row.identity_kind);
      fields.insert(fields.end(), row.cells.begin(), row.cells.end());
      AppendCsvRecord(fields, &out);
    }
    return out;
  }
  for (const auto& [key, row] : rows) {
    out.push_back('{');
    if (delta) {
      out.append("\"op\":");
      AppendJsonString(row.op, &out);
      out.push_back(',');
    }
    out.append("\"key\":");
    AppendJsonString(key, &out);
    out.append(",\"identity_kind\":");
    AppendJsonString(row.identity_kind, &out);
    for (size_t i = 0; i < field_names.size(); ++i) {
      out.push_back(',');
      AppendJsonString(field_names[i], &out);
      out.push_back(':');
      out.append(i < row.cells.size() ? row.cells[i] : "null");
    }
    out.append("}\n");
  }
  return out;
}

std::unique_ptr<Connector> MakeFile(const config::Connection& connection, const Context& ctx,
                                    std::string* error) {
  auto text = [&](const char* key) -> const std::string* {
    auto it = connection.values.find(key);
    if (it == connection.values.end()) return nullptr;
    return std::get_if<std::string>(&it->second);
  };
  const std::string* format = text("format");
  const std::string* dir = text("dir");
  const std::string where = "connection `" + connection.name + "`: ";
  if (!format || (*format != "csv" && *format != "jsonl")) {
    *error = where + "`format` must be \"csv\" or \"jsonl\"";
    return nullptr;
  }
  if (!dir || dir->empty()) {
    *error = where + "`dir` must be a non-empty string";
    return nullptr;
  }
  std::filesystem::path resolved(*dir);
  if (resolved.is_relative()) resolved = std::filesystem::path(ctx.project_dir) / resolved;
  const bool formula_escape = CsvFormulaEscapeOf(connection);
  return std::make_unique<FileConnector>(
      connection.name, *format == "csv" ? FileFormat::Csv : FileFormat::Jsonl, *dir,
      resolved.lexically_normal().string(), formula_escape);
}

}  // namespace aud::connectors
