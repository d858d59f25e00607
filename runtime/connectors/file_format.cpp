// JSON, CSV and time-stamp text for the file connector and the profile store.
#include "runtime/connectors/file_format.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "compiler/base/civil_time.h"

namespace aud::connectors {

std::string FormatDouble(double v) {
  if (!std::isfinite(v)) return "";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string ValueToJson(const Value& v) {
  switch (v.kind) {
    case Value::Null: return "null";
    case Value::Bool: return v.b ? "true" : "false";
    case Value::Int: return std::to_string(v.i);
    case Value::Float: {
      std::string t = FormatDouble(v.f);
      return t.empty() ? "null" : t;
    }
    case Value::String: {
      std::string out;
      AppendJsonString(v.s, &out);
      return out;
    }
  }
  return "null";
}

std::string FieldsJson(const std::vector<Field>& fields) {
  std::string out = "{";
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out.push_back(',');
    AppendJsonString(fields[i].name, &out);
    out.push_back(':');
    out += ValueToJson(fields[i].value);
  }
  out.push_back('}');
  return out;
}

std::string ValueToCsvText(const Value& v) {
  switch (v.kind) {
    case Value::Null: return "";
    case Value::Bool: return v.b ? "true" : "false";
    case Value::Int: return std::to_string(v.i);
    case Value::Float: return FormatDouble(v.f);
    case Value::String: return v.s;
  }
  return "";
}

void AppendCsvField(std::string_view field, std::string* out) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(field);
    return;
  }
  out->push_back('"');
  for (char c : field) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendCsvRecord(const std::vector<std::string>& fields, std::string* out) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out->push_back(',');
    AppendCsvField(fields[i], out);
  }
  out->append("\r\n");
}

bool ParseCsv(std::string_view text, std::vector<std::vector<std::string>>* records,
              std::vector<uint32_t>* lines, std::string* error) {
  records->clear();
  lines->clear();
  uint32_t line = 1;
  size_t i = 0;
  while (i < text.size()) {
    std::vector<std::string> record;
    uint32_t record_line = line;
    // One record: fields until an unquoted line end or the end of the text.
    for (;;) {
      std::string field;
      if (i < text.size() && text[i] == '"') {
        uint32_t quote_line = line;
        ++i;
        for (;;) {
          if (i >= text.size()) {
            *error = "line " + std::to_string(quote_line) + ": unterminated quoted field";
            return false;
          }
          char c = text[i++];
          if (c == '"') {
            if (i < text.size() && text[i] == '"') {
              field.push_back('"');
              ++i;
              continue;
            }
            break;
          }
          if (c == '\n') ++line;
          field.push_back(c);
        }
        if (i < text.size() && text[i] != ',' && text[i] != '\n' &&
            !(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') &&
            !(text[i] == '\r' && i + 1 == text.size())) {
          *error = "line " + std::to_string(line) + ": text after a closing quote";
          return false;
        }
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n') {
          if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] == '\n')) break;
          if (text[i] == '"') {
            *error = "line " + std::to_string(line) + ": quote inside an unquoted field";
            return false;
          }
          field.push_back(text[i++]);
        }
      }
      record.push_back(std::move(field));
      if (i < text.size() && text[i] == ',') {
        ++i;
        continue;
      }
      if (i < text.size() && text[i] == '\r') ++i;
      if (i < text.size() && text[i] == '\n') {
        ++i;
        ++line;
      }
      break;
    }
    records->push_back(std::move(record));
    lines->push_back(record_line);
  }
  return true;
}

namespace {

// `20260102T030405Z`, with `.120` before the `Z` when `with_millis`.
std::string Compact(int64_t millis, bool with_millis) {
  const base::CivilTime b = base::CivilFromMillis(millis);
  char buf[56];
  int n = std::snprintf(buf, sizeof buf, "%04lld%02u%02uT%02u%02u%02u",
                        static_cast<long long>(b.date.year), b.date.month, b.date.day, b.hour,
                        b.minute, b.second);
  std::string out(buf, static_cast<size_t>(n));
  if (with_millis) {
    std::snprintf(buf, sizeof buf, ".%03u", b.milli);
    out += buf;
  }
  return out + "Z";
}

}  // namespace

std::string CompactUtc(int64_t millis) { return Compact(millis, false); }

std::string CompactUtcMillis(int64_t millis) { return Compact(millis, true); }

bool CsvFormulaStart(std::string_view cell) {
  if (cell.empty()) return false;
  switch (cell[0]) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r': return true;
    default: return false;
  }
}

std::string CsvEscapeFormula(std::string cell) {
  if (CsvFormulaStart(cell) || (!cell.empty() && cell[0] == '\'')) cell.insert(0, 1, '\'');
  return cell;
}

std::string CsvUnescapeFormula(std::string cell) {
  if (cell.size() >= 2 && cell[0] == '\'' &&
      (CsvFormulaStart(std::string_view(cell).substr(1)) || cell[1] == '\''))
    cell.erase(0, 1);
  return cell;
}

std::string Rfc3339Utc(int64_t millis) { return base::FormatRfc3339(millis); }

}  // namespace aud::connectors
