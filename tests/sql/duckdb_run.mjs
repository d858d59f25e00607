// Runs SQL statements in an in-memory DuckDB through @duckdb/node-api (the
// package bench/duckdb uses) for tests/sql: argv[2] is a JSON file
// {"setup": [statements], "queries": [statements]}; prints
// {"rows": [rows per query]} with every value as text (floats in shortest
// round-trip form, `-0`, `Infinity`; booleans `t`/`f`; NULL as null), or
// {"error": message}. The package's folder is $AUD_DUCKDB_NODE_MODULES.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(process.env.AUD_DUCKDB_NODE_MODULES + '/');
const { DuckDBInstance } = require('@duckdb/node-api');

function text(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (Object.is(v, -0)) return '-0';
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
    return String(v);
  }
  return String(v);
}

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
try {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  for (const s of job.setup) await c.run(s);
  const out = [];
  for (const q of job.queries) {
    const r = await c.runAndReadAll(q);
    out.push(r.getRows().map((row) => row.map(text)));
  }
  process.stdout.write(JSON.stringify({ rows: out }));
} catch (e) {
  process.stdout.write(JSON.stringify({ error: String(e && e.message ? e.message : e) }));
}
