#pragma once
// The file connector's files (runtime/connectors/README.md): per publication a
// full snapshot `<audience>.<ext>` and per apply a delta
// `<audience>.delta-<yyyymmddThhmmss.mmmZ>-<serial>.<ext>`. The snapshot is the
// connector's state, so it is read back (and must parse) before each change.
// Exposed for the connector, tests and tools that compare a destination with
// the recorded state.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/connectors/connector.h"

namespace aud::connectors {

// The two formats.
enum class FileFormat : uint8_t { Csv, Jsonl };

// "csv" or "jsonl".
const char* FileExtension(FileFormat f);

// `<audience>.<ext>`.
std::string SnapshotFileName(const std::string& audience, FileFormat f);

// `<audience>.delta-<yyyymmddThhmmss.mmmZ of applied_at>-<serial>.<ext>`:
// unique per apply (Publication::serial), the same for a re-sent batch.
std::string DeltaFileName(const std::string& audience, int64_t applied_at, uint64_t serial,
                          FileFormat f);

// One row of a snapshot or delta. `cells` follow the field names asked for:
// CSV cell text, or JSON value text (`null` when absent) for JSONL.
struct FileRow {
  // CSV cells are the file's text: a string value neutralised against
  // formulas keeps its leading `'` here.
  std::string op;             // delta only: enter | update | exit
  std::string identity_kind;  // declared | visitor ("" only for an exit of unknown kind)
  std::vector<std::string> cells;
};

// Parses snapshot (`delta` false) or delta text; rows by key. Columns are
// matched to `field_names` by name (a missing column gives empty cells / JSON
// null, extra columns are ignored). Returns false with `error` ("line N:
// why") on anything that is not a file this connector would write: bad
// CSV/JSON, a wrong header, a missing or duplicate key, an unknown identity
// kind or op, a nested JSON value. `csv_formula_escape`: CSV keys were
// written through CsvEscapeFormula and are read back through
// CsvUnescapeFormula (cells stay as written).
bool ParseFileRows(std::string_view text, FileFormat f, bool delta,
                   const std::vector<std::string>& field_names,
                   std::map<std::string, FileRow>* rows, std::string* error,
                   bool csv_formula_escape = true);

// The cell text the connector writes for `v` (before CSV quoting; string
// cells neutralised by CsvEscapeFormula when `csv_formula_escape`); the
// refresh step (readback.h) compares snapshots with it.
std::string FileCellText(const Value& v, FileFormat f, bool csv_formula_escape = true);

// The connection's `csv_formula_escape` setting (default true).
bool CsvFormulaEscapeOf(const config::Connection& connection);

// Renders rows (sorted by key) as a snapshot or delta in the canonical form:
// CSV with a header row, RFC 4180 quoting and CRLF line ends; JSONL with one
// object per line, LF, keys `op` (delta), `key`, `identity_kind`, then the
// fields. Exit rows of a delta have empty cells / null fields.
// `csv_formula_escape`: CSV keys go through CsvEscapeFormula (cells are
// written as they are: the connector escapes string values when it makes them).
std::string RenderFileRows(const std::map<std::string, FileRow>& rows, FileFormat f, bool delta,
                           const std::vector<std::string>& field_names,
                           bool csv_formula_escape = true);

}  // namespace aud::connectors
