// Reading back a publication's destination (readback.h): the file
// connector's snapshot and the built-in profile store, each reduced to a
// comparable text per key.

#include "runtime/connectors/readback.h"

#include <sqlite3.h>

#include <filesystem>
#include <system_error>

#include "runtime/connectors/file_format.h"
#include "runtime/connectors/file_io.h"
#include "runtime/connectors/file_snapshot.h"
#include "runtime/connectors/http_client.h"
#include "runtime/connectors/postgres.h"
#include "runtime/connectors/profile_store.h"

namespace aud::connectors {

namespace {

const std::string* Text(const config::Connection& c, const char* key) {
  auto it = c.values.find(key);
  if (it == c.values.end()) return nullptr;
  return std::get_if<std::string>(&it->second);
}

bool IsProfileStore(const config::Connection* c) { return !c || c->type == "profile_store"; }

// The file connection's format and folder (resolved as MakeFile does); false
// when the connection is not a valid file connection.
bool FileTarget(const config::Connection& c, const std::string& project_dir, FileFormat* format,
                std::string* written, std::string* resolved) {
  const std::string* f = Text(c, "format");
  const std::string* d = Text(c, "dir");
  if (!f || (*f != "csv" && *f != "jsonl") || !d || d->empty()) return false;
  *format = *f == "csv" ? FileFormat::Csv : FileFormat::Jsonl;
  *written = *d;
  std::filesystem::path p(*d);
  if (p.is_relative()) p = std::filesystem::path(project_dir) / p;
  *resolved = p.lexically_normal().string();
  return true;
}

// A file row as one comparable text: the identity kind and the cells.
std::string FileContent(const std::string& kind, const std::vector<std::string>& cells) {
  std::string out = kind;
  for (const auto& c : cells) {
    out += '\x1f';
    out += std::to_string(c.size());
    out += ':';
    out += c;
  }
  return out;
}

void ReadFileSnapshot(const config::Connection& c, const Context& ctx, const std::string& audience,
                      const std::vector<std::string>& field_names, ReadBack* out) {
  FileFormat format;
  std::string written, dir;
  if (!FileTarget(c, ctx.project_dir, &format, &written, &dir)) {
    out->error = "connection `" + c.name + "`: not a valid file connection";
    return;
  }
  out->identity = DestinationIdentity(&c);
  const std::string name = SnapshotFileName(audience, format);
  out->where = (written.back() == '/' ? written : written + "/") + name;
  std::string text, error;
  bool missing = false;
  if (!ReadWholeFile(dir + "/" + name, &text, &missing, out->where, &error)) {
    if (!missing) out->error = error;
    return;  // a missing snapshot (or folder) holds nothing
  }
  std::map<std::string, FileRow> rows;
  if (!ParseFileRows(text, format, false, field_names, &rows, &error, CsvFormulaEscapeOf(c))) {
    out->error = out->where + ": " + error + " (fix or remove the file)";
    return;
  }
  for (auto& [key, row] : rows) out->rows.emplace(key, FileContent(row.identity_kind, row.cells));
}

void ReadProfileStore(const Context& ctx, const std::string& audience, ReadBack* out) {
  const std::string path = ProfileStorePath(ctx.project_dir, ctx.environment);
  out->where =
      ctx.environment.empty() ? ".aud/profiles.db" : ".aud/env/" + ctx.environment + "/profiles.db";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return;  // nothing there
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    out->error = out->where + ": cannot open: " + (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return;
  }
  sqlite3_busy_timeout(db, 15000);
  sqlite3_stmt* st = nullptr;
  const char* sql =
      "SELECT profile, attributes FROM memberships WHERE audience = ?1 AND status != 'exited'";
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) {
    out->error = out->where + ": not a profile store (" + sqlite3_errmsg(db) + ")";
    sqlite3_close(db);
    return;
  }
  sqlite3_bind_text(st, 1, audience.data(), static_cast<int>(audience.size()), SQLITE_TRANSIENT);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    auto text = [&](int i) {
      const unsigned char* t = sqlite3_column_text(st, i);
      return t ? std::string(reinterpret_cast<const char*>(t),
                             static_cast<size_t>(sqlite3_column_bytes(st, i)))
               : std::string();
    };
    out->rows.emplace(text(0), text(1));
  }
  if (rc != SQLITE_DONE) {
    out->error = out->where + ": read failed: " + sqlite3_errmsg(db);
    out->rows.clear();
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
}

}  // namespace

std::string DestinationIdentity(const config::Connection* connection) {
  if (connection && connection->type == "postgres") {
    // The table and the variable naming the database (never its value).
    auto it = connection->values.find("dsn");
    const auto* ref =
        it == connection->values.end() ? nullptr : std::get_if<config::SecretRef>(&it->second);
    const std::string* table = Text(*connection, "table");
    return Sha256Hex(
        std::string("postgres\n") + (ref ? ref->env : "") + "\n" + (table ? *table : ""), 32);
  }
  if (!connection || connection->type != "file") return "";
  FileFormat format;
  std::string written, resolved;
  if (!FileTarget(*connection, ".", &format, &written, &resolved)) return "";
  // The folder as written (relative to the project, so a moved project
  // keeps it; `exports/` and `./exports` are `exports`) and the format.
  std::string dir = std::filesystem::path(written).lexically_normal().string();
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return Sha256Hex("file\n" + dir + "\n" + FileExtension(format), 32);
}

ReadBack ReadBackPublication(const config::Connection* connection, const Context& ctx,
                             const std::string& audience,
                             const std::vector<std::string>& field_names,
                             const std::string& destination) {
  ReadBack out;
  if (IsProfileStore(connection)) {
    if (connection && connection->values.count("dsn")) {
      ReadBackPgProfileStore(*connection, ctx, audience, &out);
      if (!out.error.empty()) out.rows.clear();
      return out;
    }
    out.readable = true;
    ReadProfileStore(ctx, audience, &out);
  } else if (connection->type == "file") {
    out.readable = true;
    ReadFileSnapshot(*connection, ctx, audience, field_names, &out);
  } else if (connection->type == "postgres") {
    out = ReadBackPostgres(*connection, ctx, audience, destination);
  }
  if (!out.error.empty()) out.rows.clear();
  return out;
}

std::string ExpectedContent(const config::Connection* connection, const Row& row,
                            const std::vector<std::string>& field_names) {
  if (IsProfileStore(connection)) return FieldsJson(row.fields);
  if (connection->type == "postgres") return NormalizedJson(FieldsJson(row.fields));
  FileFormat format = FileFormat::Csv;
  if (const std::string* f = Text(*connection, "format"); f && *f == "jsonl")
    format = FileFormat::Jsonl;
  std::vector<std::string> cells;
  for (const std::string& name : field_names) {
    const Value* v = nullptr;
    for (const Field& f : row.fields)
      if (f.name == name) v = &f.value;
    Value null_value;
    cells.push_back(FileCellText(v ? *v : null_value, format, CsvFormulaEscapeOf(*connection)));
  }
  return FileContent(row.visitor ? "visitor" : "declared", cells);
}

}  // namespace aud::connectors
