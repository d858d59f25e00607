#pragma once
// The SQL generator (docs/sql-engine.md): a third executor of the IR. It
// compiles the formulas an evaluation uses into one SQL query over the
// event-table layout of docs/sql-engine.md (aud_profiles, aud_events,
// aud_traits, aud_ids, aud_imports), in a dialect (PostgreSQL or DuckDB).
// The query gives one row per profile with one column per used formula,
// under the semantics written on ir::Op, ir::Slot and ir::Window.

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/ir/ir.h"

namespace aud::sql {

// What differs between SQL engines: quoting, types, JSON access, collation,
// wide integer arithmetic, float literals, helper functions.
class Dialect {
 public:
  virtual ~Dialect() = default;
  // The dialect's name: `postgres` or `duckdb`.
  virtual const char* Name() const = 0;
  // The SQL type of an IR type (Bool, Int, Float, String, Timestamp, Duration).
  virtual std::string TypeOf(ir::Type t) const = 0;
  // The JSON column type of the property objects.
  virtual std::string JsonType() const = 0;
  // The text of key `key` of JSON object `column`, NULL when absent.
  virtual std::string JsonText(const std::string& column, const std::string& key) const = 0;
  // `expr` compared by bytes (string order).
  virtual std::string ByteOrder(const std::string& expr) const = 0;
  // An exact integer type wide enough for the product of two int64.
  virtual std::string WideInt() const = 0;
  // A float literal (shortest round-trip text, `-0`, infinities).
  virtual std::string FloatLiteral(double v) const = 0;
  // `s` with ASCII whitespace (space, \t, \n, \v, \f, \r) stripped at both ends.
  virtual std::string TrimAscii(const std::string& s) const = 0;
  // The float sum of `value` over a group in the order of `order` (0 for no rows).
  virtual std::string OrderedFloatSum(const std::string& value, const std::string& order) const = 0;
  // round(x, digits) as docs/reference/language.md §4.1 defines it.
  virtual std::string Round(const std::string& x, const std::string& digits) const = 0;
  // Statements to run once per session before the query (helper functions).
  virtual std::string Prelude() const = 0;
  // The statements creating the layout's tables (empty, temporary).
  virtual std::string CreateTables() const = 0;
};

// The dialect named `name` (`postgres` or `duckdb`), or null.
const Dialect* FindDialect(const std::string& name);
// The dialect names, for messages: "postgres, duckdb".
std::string DialectNames();

// The generated statements of one evaluation.
struct Query {
  std::string error;  // non-empty: nothing was generated
  // One row per profile of aud_profiles, ordered by pid: `pid`, then one
  // column per entry of `formulas` (a condition: boolean, never NULL; an
  // attribute: its value, NULL when missing).
  std::string members;
  std::vector<uint32_t> formulas;  // ir::Program::formulas, in column order
  // Rows (pid, identity, value): every identity value of every profile
  // (normalized, non-empty; duplicates possible), identity an index into
  // ir::Program::identities.
  std::string identities;
  // Rows (import, entries, matched) for each used import (ir::Program::imports).
  std::string imports;
  std::vector<uint32_t> used_imports;
};

// Generates the statements for the formulas `uses` marks (ir::UsesOf) at the
// instant `as_of` (ms since the epoch), in `dialect`.
Query Generate(const ir::Program& program, const ir::Uses& uses, const Dialect& dialect,
               int64_t as_of);

// `aud explain NAME --sql`: the layout, the dialect's prelude and the query
// for the segment, audience or consent `name` at `as_of`.
std::string Explain(const ir::Program& program, const std::string& name, const Dialect& dialect,
                    int64_t as_of);

}  // namespace aud::sql
