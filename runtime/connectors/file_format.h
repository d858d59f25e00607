#pragma once
// Text encodings shared by the file connector and the profile store: JSON
// values in a stable form (a value written, read back and written again gives
// the same bytes), RFC 4180 CSV fields and records, and UTC time stamps.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/base/escape.h"
#include "runtime/connectors/connector.h"

namespace aud::connectors {

// Appends `s` as a JSON string literal (the one writer of every JSON output:
// compiler/base/escape.h).
using base::AppendJsonString;

// Shortest round-trip text of a double (`310.5`, `3`, `1e+20`); non-finite
// values have no JSON form and give "".
std::string FormatDouble(double v);

// A value as JSON: null, true/false, an integer, a number (non-finite: null)
// or a string.
std::string ValueToJson(const Value& v);

// Fields as one JSON object in their order (`{"name":value,...}`): the
// profile store's `attributes` column, and what its read-back compares.
std::string FieldsJson(const std::vector<Field>& fields);

// A value as CSV cell text (before quoting): null is empty, bools are
// `true`/`false`, numbers as in JSON, strings as they are.
std::string ValueToCsvText(const Value& v);

// Appends one CSV field, quoted (RFC 4180: in `"`, inner `"` doubled) when it
// holds a comma, a quote, CR or LF.
void AppendCsvField(std::string_view field, std::string* out);

// Appends a whole record: fields joined by commas, terminated by CRLF.
void AppendCsvRecord(const std::vector<std::string>& fields, std::string* out);

// Splits CSV text into records (RFC 4180; records end with CRLF or LF, the
// last one may lack it). Returns false with `error` ("line N: why") on an
// unterminated quote or text after a closing quote.
bool ParseCsv(std::string_view text, std::vector<std::vector<std::string>>* records,
              std::vector<uint32_t>* lines, std::string* error);

// UTC `yyyymmddThhmmssZ` of a time in ms (seconds truncated toward -inf).
std::string CompactUtc(int64_t millis);

// UTC `yyyymmddThhmmss.mmmZ` of a time in ms.
std::string CompactUtcMillis(int64_t millis);

// Whether a CSV cell would start a spreadsheet formula: it begins with `=`,
// `+`, `-`, `@`, TAB or CR (OWASP, "CSV injection").
bool CsvFormulaStart(std::string_view cell);
// The cell neutralised: a leading `'` before a formula start, and before a
// leading `'` too, so CsvUnescapeFormula gives back exactly the original.
std::string CsvEscapeFormula(std::string cell);
// Undoes CsvEscapeFormula: drops the `'` of `'` + a formula start or `''`.
std::string CsvUnescapeFormula(std::string cell);

// UTC RFC 3339 text of a time in ms (base::FormatRfc3339): `2026-01-02T03:04:05Z`, with `.120`
// when the milliseconds are not zero.
std::string Rfc3339Utc(int64_t millis);

}  // namespace aud::connectors
