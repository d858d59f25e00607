// The two SQL dialects (sql.h): PostgreSQL and DuckDB. Every engine-specific
// choice is here; docs/sql-engine.md explains each one.

#include <cmath>
#include <string>

#include "compiler/sql/sql.h"

namespace aud::sql {

namespace {

// The smallest decimal that a double rounds to infinity: 2^1024 - 2^970.
constexpr const char* kOverflow =
    "1797693134862315807937289714053034150799341327100378269361737789804449682927647509466490"
    "1797758720709633028641669288791094655554785194040263065748867150582068190890200070838367"
    "6273854845817711531764475730270069855571366959622842914819860834936475292719074168444365"
    "510704342711559699508093042880177904174497792";

// The six ASCII whitespace bytes as an SQL string expression.
constexpr const char* kSpaces = "(chr(32) || chr(9) || chr(10) || chr(11) || chr(12) || chr(13))";

std::string Shortest(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v < 0 ? "-Infinity" : "Infinity";
  return ir::FormatFloat(v);
}

// The layout (docs/sql-engine.md), with the dialect's JSON and float types.
std::string Tables(const std::string& json, const std::string& dbl, bool temp) {
  const std::string create = temp ? "CREATE TEMPORARY TABLE " : "CREATE TABLE ";
  return create + "aud_profiles (pid BIGINT NOT NULL, key TEXT NOT NULL);\n" + create +
         "aud_events (pid BIGINT NOT NULL, pos BIGINT NOT NULL, type TEXT NOT NULL, ts BIGINT NOT "
         "NULL, pi " +
         json + ", pf " + json + ", pb " + json + ", ps " + json + ", pt " + json + ");\n" +
         create +
         "aud_traits (pid BIGINT NOT NULL, name TEXT NOT NULL, ts BIGINT NOT NULL, pos BIGINT NOT "
         "NULL, kind TEXT NOT NULL, i BIGINT, f " +
         dbl + ", b BOOLEAN, s TEXT, t BIGINT);\n" + create +
         "aud_ids (pid BIGINT NOT NULL, ns TEXT NOT NULL, value TEXT NOT NULL);\n" + create +
         "aud_imports (import BIGINT NOT NULL, value TEXT NOT NULL);\n";
}

class Postgres final : public Dialect {
 public:
  const char* Name() const override { return "postgres"; }
  std::string TypeOf(ir::Type t) const override {
    switch (t) {
      case ir::Type::Bool: return "BOOLEAN";
      case ir::Type::Float: return "DOUBLE PRECISION";
      case ir::Type::String: return "TEXT";
      case ir::Type::Int:
      case ir::Type::Timestamp:
      case ir::Type::Duration: return "BIGINT";
    }
    return "BIGINT";
  }
  std::string JsonType() const override { return "JSONB"; }
  std::string JsonText(const std::string& column, const std::string& key) const override {
    return "(" + column + " ->> " + Quote(key) + ")";
  }
  std::string ByteOrder(const std::string& expr) const override {
    return "(" + expr + " COLLATE \"C\")";
  }
  std::string WideInt() const override { return "NUMERIC"; }
  std::string FloatLiteral(double v) const override {
    return "CAST('" + Shortest(v) + "' AS DOUBLE PRECISION)";
  }
  std::string TrimAscii(const std::string& s) const override {
    return "btrim(" + s + ", " + kSpaces + ")";
  }
  std::string OrderedFloatSum(const std::string& value, const std::string& order) const override {
    // An ordered aggregate is fed in that order and never split (no partial
    // aggregation), so the additions happen in event order.
    return "COALESCE(SUM(" + value + " ORDER BY " + order + "), CAST(0 AS DOUBLE PRECISION))";
  }
  std::string Round(const std::string& x, const std::string& digits) const override {
    return "pg_temp.aud_round(" + x + ", " + digits + ")";
  }
  std::string Prelude() const override {
    // round(): the shortest round-trip text (extra_float_digits = 1) as an
    // exact NUMERIC, NUMERIC's round (halves away from zero), back to the
    // nearest double; zeros keep x's sign; beyond the float range: infinite.
    return std::string(
               "SET extra_float_digits = 1;\n"
               "CREATE OR REPLACE FUNCTION pg_temp.aud_round(x DOUBLE PRECISION, d BIGINT)\n"
               "RETURNS DOUBLE PRECISION LANGUAGE sql IMMUTABLE STRICT AS $aud$\n"
               "SELECT CASE\n"
               "  WHEN x = 0 OR x IN (CAST('Infinity' AS DOUBLE PRECISION), CAST('-Infinity' AS "
               "DOUBLE PRECISION), CAST('NaN' AS DOUBLE PRECISION)) THEN x\n"
               "  WHEN d >= scale(n) THEN x\n"
               "  WHEN d < -400 THEN CASE WHEN x < 0 THEN CAST('-0' AS DOUBLE PRECISION) ELSE "
               "CAST('0' AS DOUBLE PRECISION) END\n"
               "  ELSE (SELECT CASE\n"
               "      WHEN r = 0 THEN CASE WHEN x < 0 THEN CAST('-0' AS DOUBLE PRECISION) ELSE "
               "CAST('0' AS DOUBLE PRECISION) END\n"
               "      WHEN abs(r) >= ") +
           kOverflow +
           " THEN CASE WHEN x < 0 THEN CAST('-Infinity' AS DOUBLE PRECISION) ELSE "
           "CAST('Infinity' AS DOUBLE PRECISION) END\n"
           "      ELSE CAST(r AS DOUBLE PRECISION) END\n"
           "    FROM (SELECT round(n, CAST(d AS INTEGER)) AS r) q)\n"
           "END\n"
           "FROM (SELECT CAST(CAST(x AS TEXT) AS NUMERIC) AS n) s\n"
           "$aud$;\n";
  }
  std::string CreateTables() const override { return Tables("JSONB", "DOUBLE PRECISION", true); }
  static std::string Quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
      if (c == '\'') out += '\'';
      out += c;
    }
    return out + "'";
  }
};

class DuckDb final : public Dialect {
 public:
  const char* Name() const override { return "duckdb"; }
  std::string TypeOf(ir::Type t) const override {
    switch (t) {
      case ir::Type::Bool: return "BOOLEAN";
      case ir::Type::Float: return "DOUBLE";
      case ir::Type::String: return "VARCHAR";
      case ir::Type::Int:
      case ir::Type::Timestamp:
      case ir::Type::Duration: return "BIGINT";
    }
    return "BIGINT";
  }
  std::string JsonType() const override { return "JSON"; }
  std::string JsonText(const std::string& column, const std::string& key) const override {
    // A JSONPath with the key quoted, so dotted names (`context.page.path`)
    // are one key.
    std::string path = "$.\"";
    for (char c : key) {
      if (c == '"' || c == '\\') path += '\\';
      path += c;
    }
    path += '"';
    return "json_extract_string(" + column + ", " + Postgres::Quote(path) + ")";
  }
  std::string ByteOrder(const std::string& expr) const override { return expr; }
  std::string WideInt() const override { return "HUGEINT"; }
  std::string FloatLiteral(double v) const override {
    if (std::isnan(v)) return "CAST('nan' AS DOUBLE)";
    if (std::isinf(v)) return v < 0 ? "CAST('-inf' AS DOUBLE)" : "CAST('inf' AS DOUBLE)";
    return "CAST('" + ir::FormatFloat(v) + "' AS DOUBLE)";
  }
  std::string TrimAscii(const std::string& s) const override {
    return "trim(" + s + ", " + kSpaces + ")";
  }
  std::string OrderedFloatSum(const std::string& value, const std::string& order) const override {
    // DuckDB may add a SUM's inputs in any order; a list in event order
    // folded from the left adds them one by one, in order.
    return "COALESCE(list_reduce(list(" + value + " ORDER BY " + order + ") FILTER (WHERE " +
           value + " IS NOT NULL), (a, b) -> a + b), CAST(0 AS DOUBLE))";
  }
  std::string Round(const std::string& x, const std::string& digits) const override {
    return "aud_round(" + x + ", " + digits + ")";
  }
  std::string Prelude() const override {
    // round(): DuckDB prints a double with its shortest round-trip digits;
    // the digits m and exponent e (|x| = m * 10^e) are rounded in HUGEINT
    // (m has at most 19 digits), then the decimal q * 10^-d is read back.
    return std::string(
               "CREATE OR REPLACE TEMP MACRO aud_round_q(x, d, m, e, k) AS CASE\n"
               "  WHEN k > 20 THEN CAST(0 AS HUGEINT)\n"
               "  ELSE CAST(m AS HUGEINT) // CAST(power(10, k) AS HUGEINT) + CASE WHEN 2 * "
               "(CAST(m AS HUGEINT) % CAST(power(10, k) AS HUGEINT)) >= CAST(power(10, k) AS "
               "HUGEINT) THEN 1 ELSE 0 END END;\n"
               "CREATE OR REPLACE TEMP MACRO aud_round_r(x, d, q) AS CASE\n"
               "  WHEN q = 0 THEN CASE WHEN x < 0 THEN CAST('-0.0' AS DOUBLE) ELSE CAST(0 AS "
               "DOUBLE) END\n"
               "  WHEN length(CAST(q AS VARCHAR)) - d > 309 OR (length(CAST(q AS VARCHAR)) - d = "
               "309 AND rpad(CAST(q AS VARCHAR), 309, '0') >= '") +
           std::string(kOverflow).substr(0, 309) +
           "') THEN CASE WHEN x < 0 THEN CAST('-inf' AS DOUBLE) ELSE CAST('inf' AS DOUBLE) END\n"
           "  ELSE CASE WHEN x < 0 THEN -1 ELSE 1 END * CAST(CAST(q AS VARCHAR) || 'e' || "
           "CAST(-d AS VARCHAR) AS DOUBLE) END;\n"
           "CREATE OR REPLACE TEMP MACRO aud_round_m(x, d, m, e) AS CASE\n"
           "  WHEN d >= -e THEN x\n"
           "  ELSE aud_round_r(x, d, aud_round_q(x, d, m, e, -e - d)) END;\n"
           "CREATE OR REPLACE TEMP MACRO aud_round_t(x, d, t) AS aud_round_m(x, d,\n"
           "  replace(split_part(t, 'e', 1), '.', ''),\n"
           "  CASE WHEN strpos(t, 'e') > 0 THEN CAST(split_part(t, 'e', 2) AS BIGINT) ELSE 0 END\n"
           "  - CASE WHEN strpos(split_part(t, 'e', 1), '.') > 0 THEN "
           "length(split_part(split_part(t, 'e', 1), '.', 2)) ELSE 0 END);\n"
           "CREATE OR REPLACE TEMP MACRO aud_round(x, d) AS CASE\n"
           "  WHEN x IS NULL OR d IS NULL THEN NULL\n"
           "  WHEN x = 0 OR isinf(x) OR isnan(x) THEN x\n"
           "  ELSE aud_round_t(x, d, lower(CAST(abs(x) AS VARCHAR))) END;\n";
  }
  std::string CreateTables() const override { return Tables("JSON", "DOUBLE", true); }
};

}  // namespace

const Dialect* FindDialect(const std::string& name) {
  static const Postgres pg;
  static const DuckDb duck;
  if (name == "postgres") return &pg;
  if (name == "duckdb") return &duck;
  return nullptr;
}

std::string DialectNames() { return "postgres, duckdb"; }

}  // namespace aud::sql
