// The DuckDB engine of bench/run, driven by bench_queries over stdin/stdout:
// one JSON command per line in, one JSON reply per line out. Data is loaded
// once (from the CSV files bench_queries writes) into a DuckDB database file
// that later runs reuse; only the query itself is timed (the thread count is
// set before the clock starts).
//
// Commands:
//   {"cmd":"open","db":PATH}                   opens or creates the database
//   {"cmd":"load","dir":DIR}                   (re)creates the tables from DIR/*.csv
//   {"cmd":"query","sql":SQL,"threads":N,"mode":"pids"|"row","want":BOOL}
//       "pids": the first column holds member pids; replies with their count
//               (and the pids when "want");
//       "row":  replies with the first row's values as strings.

import { DuckDBInstance } from '@duckdb/node-api';
import readline from 'node:readline';

const EVENT_TYPES = [
  'page', 'Products Searched', 'Product Viewed', 'Product Added', 'Cart Viewed',
  'Checkout Started', 'Order Completed', 'Signed Up', 'Signed In', 'Unsubscribed',
];

let instance = null;
let con = null;

function reply(obj) {
  process.stdout.write(JSON.stringify(obj, (k, v) => (typeof v === 'bigint' ? v.toString() : v)) + '\n');
}

function sqlString(s) {
  return "'" + String(s).replaceAll("'", "''") + "'";
}

async function load(dir) {
  const t0 = performance.now();
  const types = EVENT_TYPES.map(sqlString).join(', ');
  await con.run('DROP TABLE IF EXISTS events');
  await con.run('DROP TABLE IF EXISTS profiles');
  await con.run('DROP TYPE IF EXISTS evtype');
  await con.run(`CREATE TYPE evtype AS ENUM (${types})`);
  // The CSV is already in (pid, seq) order; insertion order is kept, so the
  // table is clustered by profile like aud's store (zone maps on pid and seq).
  await con.run(`
    CREATE TABLE events AS
    SELECT pid, seq, ts, ([${types}])[type + 1]::evtype AS type, revenue, price, quantity,
           category, currency, query, page_name, method
    FROM read_csv(${sqlString(dir + '/events.csv')}, header = true, columns = {
      'pid': 'UINTEGER', 'seq': 'UBIGINT', 'ts': 'BIGINT', 'type': 'UTINYINT',
      'revenue': 'DOUBLE', 'price': 'DOUBLE', 'quantity': 'BIGINT', 'category': 'VARCHAR',
      'currency': 'VARCHAR', 'query': 'VARCHAR', 'page_name': 'VARCHAR', 'method': 'VARCHAR'})`);
  await con.run(`
    CREATE TABLE profiles AS
    SELECT * FROM read_csv(${sqlString(dir + '/profiles.csv')}, header = true, columns = {
      'pid': 'UINTEGER', 'key': 'VARCHAR', 'country': 'VARCHAR', 'tier': 'VARCHAR',
      'email_opt_in': 'BOOLEAN'})`);
  await con.run('CHECKPOINT');
  const n = await con.runAndReadAll('SELECT count(*) FROM events');
  return { ms: performance.now() - t0, rows: n.getRows()[0][0] };
}

async function query(cmd) {
  await con.run(`SET threads = ${Number(cmd.threads) | 0}`);
  const t0 = performance.now();
  const result = await con.runAndReadAll(cmd.sql);
  const ms = performance.now() - t0;
  if (cmd.mode === 'row') {
    const rows = result.getRows();
    return { ms, row: rows.length ? rows[0].map((v) => (v === null ? null : String(v))) : [] };
  }
  const column = result.columnCount > 0 ? result.getColumns()[0] : [];
  const out = { ms, count: column.length };
  if (cmd.want) out.pids = column.map(Number);
  return out;
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  let cmd;
  try {
    cmd = JSON.parse(line);
    if (cmd.cmd === 'open') {
      instance = await DuckDBInstance.create(cmd.db);
      con = await instance.connect();
      const v = await con.runAndReadAll('SELECT version()');
      reply({ ok: true, version: v.getRows()[0][0] });
    } else if (cmd.cmd === 'load') {
      reply({ ok: true, ...(await load(cmd.dir)) });
    } else if (cmd.cmd === 'query') {
      reply({ ok: true, ...(await query(cmd)) });
    } else {
      reply({ ok: false, error: `unknown command ${cmd.cmd}` });
    }
  } catch (e) {
    reply({ ok: false, error: String(e && e.message ? e.message : e) });
  }
}
