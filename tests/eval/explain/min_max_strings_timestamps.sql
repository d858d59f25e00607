# aud explain extremes --sql --dialect postgres --as-of 2026-03-01
-- aud explain extremes --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=extremes f1=extremes.min_cur f2=extremes.max_cur f3=extremes.first_ship f4=extremes.last_ship f5=extremes.first_at f6=extremes.last_at
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT y.*, ROW_NUMBER() OVER (PARTITION BY y.pid ORDER BY (y.v IS NULL), (y.v COLLATE "C") ASC, y.pos) AS r FROM (SELECT e.pid, e.pos, (e.ps ->> 'currency') AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) y) x GROUP BY x.pid),
s2 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT y.*, ROW_NUMBER() OVER (PARTITION BY y.pid ORDER BY (y.v IS NULL), (y.v COLLATE "C") DESC, y.pos) AS r FROM (SELECT e.pid, e.pos, (e.ps ->> 'currency') AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) y) x GROUP BY x.pid),
s3 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT y.*, ROW_NUMBER() OVER (PARTITION BY y.pid ORDER BY (y.v IS NULL), y.v ASC, y.pos) AS r FROM (SELECT e.pid, e.pos, CAST((e.pt ->> 'shipped_at') AS BIGINT) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) y) x GROUP BY x.pid),
s4 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT y.*, ROW_NUMBER() OVER (PARTITION BY y.pid ORDER BY (y.v IS NULL), y.v DESC, y.pos) AS r FROM (SELECT e.pid, e.pos, CAST((e.pt ->> 'shipped_at') AS BIGINT) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) y) x GROUP BY x.pid),
s5 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT y.*, ROW_NUMBER() OVER (PARTITION BY y.pid ORDER BY (y.v IS NULL), y.v ASC, y.pos) AS r FROM (SELECT e.pid, e.pos, e.ts AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) y) x GROUP BY x.pid),
s6 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT y.*, ROW_NUMBER() OVER (PARTITION BY y.pid ORDER BY (y.v IS NULL), y.v DESC, y.pos) AS r FROM (SELECT e.pid, e.pos, e.ts AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) y) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0, s1.v AS s1, s2.v AS s2, s3.v AS s3, s4.v AS s4, s5.v AS s5, s6.v AS s6 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid LEFT JOIN s2 ON s2.pid = p.pid LEFT JOIN s3 ON s3.pid = p.pid LEFT JOIN s4 ON s4.pid = p.pid LEFT JOIN s5 ON s5.pid = p.pid LEFT JOIN s6 ON s6.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0, s1 AS f1, s2 AS f2, s3 AS f3, s4 AS f4, s5 AS f5, s6 AS f6 FROM base)
SELECT pid, f0, f1, f2, f3, f4, f5, f6 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain extremes --sql --dialect duckdb --as-of 2026-03-01
-- aud explain extremes --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=extremes f1=extremes.min_cur f2=extremes.max_cur f3=extremes.first_ship f4=extremes.last_ship f5=extremes.first_at f6=extremes.last_at
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT y.*, ROW_NUMBER() OVER (PARTITION BY y.pid ORDER BY (y.v IS NULL), y.v ASC, y.pos) AS r FROM (SELECT e.pid, e.pos, json_extract_string(e.ps, '$."currency"') AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) y) x GROUP BY x.pid),
s2 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT y.*, ROW_NUMBER() OVER (PARTITION BY y.pid ORDER BY (y.v IS NULL), y.v DESC, y.pos) AS r FROM (SELECT e.pid, e.pos, json_extract_string(e.ps, '$."currency"') AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) y) x GROUP BY x.pid),
s3 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT y.*, ROW_NUMBER() OVER (PARTITION BY y.pid ORDER BY (y.v IS NULL), y.v ASC, y.pos) AS r FROM (SELECT e.pid, e.pos, CAST(json_extract_string(e.pt, '$."shipped_at"') AS BIGINT) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) y) x GROUP BY x.pid),
s4 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT y.*, ROW_NUMBER() OVER (PARTITION BY y.pid ORDER BY (y.v IS NULL), y.v DESC, y.pos) AS r FROM (SELECT e.pid, e.pos, CAST(json_extract_string(e.pt, '$."shipped_at"') AS BIGINT) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) y) x GROUP BY x.pid),
s5 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT y.*, ROW_NUMBER() OVER (PARTITION BY y.pid ORDER BY (y.v IS NULL), y.v ASC, y.pos) AS r FROM (SELECT e.pid, e.pos, e.ts AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) y) x GROUP BY x.pid),
s6 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT y.*, ROW_NUMBER() OVER (PARTITION BY y.pid ORDER BY (y.v IS NULL), y.v DESC, y.pos) AS r FROM (SELECT e.pid, e.pos, e.ts AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) y) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0, s1.v AS s1, s2.v AS s2, s3.v AS s3, s4.v AS s4, s5.v AS s5, s6.v AS s6 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid LEFT JOIN s2 ON s2.pid = p.pid LEFT JOIN s3 ON s3.pid = p.pid LEFT JOIN s4 ON s4.pid = p.pid LEFT JOIN s5 ON s5.pid = p.pid LEFT JOIN s6 ON s6.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0, s1 AS f1, s2 AS f2, s3 AS f3, s4 AS f4, s5 AS f5, s6 AS f6 FROM base)
SELECT pid, f0, f1, f2, f3, f4, f5, f6 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
