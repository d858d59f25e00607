// The DuckDB side of bench/ingest: one process, one run, from cold JSON
// lines to the members of the benchmark segment, as `aud eval` does it.
// read_json with the columns the segment reads, one-hop identity stitching
// (an event without userId takes the smallest userId its anonymousId was
// seen with), then "3+ orders over 50 in the 30 days before as_of, latest
// country Nordic". No messageId deduplication (aud does it; DuckDB is
// spared it). Prints {"ms":..., "members":...}.
//
//   node bench/duckdb/ingest.mjs FILE THREADS AS_OF

import { DuckDBInstance } from '@duckdb/node-api';

const [file, threads, asOf] = process.argv.slice(2);
const t0 = performance.now();
const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
await con.run(`SET threads = ${Number(threads) | 0}`);
const q = (s) => "'" + String(s).replaceAll("'", "''") + "'";
const at = `TIMESTAMPTZ ${q(asOf)}`;
const result = await con.runAndReadAll(`
  WITH ev AS (
    SELECT type, event, userId, anonymousId, "timestamp" AS ts,
           properties.revenue AS revenue, traits.country AS country
    FROM read_json(${q(file)}, format = 'newline_delimited', ignore_errors = true,
      columns = {'type': 'VARCHAR', 'event': 'VARCHAR', 'userId': 'VARCHAR',
                 'anonymousId': 'VARCHAR', 'timestamp': 'TIMESTAMPTZ',
                 'properties': 'STRUCT(revenue DOUBLE)', 'traits': 'STRUCT(country VARCHAR)'})
  ),
  ids AS (
    SELECT anonymousId AS anon, min(userId) AS uid FROM ev
    WHERE userId IS NOT NULL AND anonymousId IS NOT NULL GROUP BY anonymousId
  ),
  keyed AS (
    SELECT coalesce(ev.userId, ids.uid, ev.anonymousId) AS k, ev.*
    FROM ev LEFT JOIN ids ON ev.userId IS NULL AND ids.anon = ev.anonymousId
  ),
  orders AS (
    SELECT k, count(*) AS n FROM keyed
    WHERE type = 'track' AND event = 'Order Completed' AND revenue > 50
      AND ts > ${at} - INTERVAL 30 DAY AND ts <= ${at}
    GROUP BY k
  ),
  country AS (
    SELECT k, arg_max(country, ts) AS c FROM keyed
    WHERE type = 'identify' AND country IS NOT NULL AND ts <= ${at} GROUP BY k
  )
  SELECT count(*) FROM orders JOIN country USING (k)
  WHERE n >= 3 AND c IN ('SE', 'NO', 'DK', 'FI')`);
const members = String(result.getRows()[0][0]);
process.stdout.write(JSON.stringify({ ms: performance.now() - t0, members }) + '\n');
