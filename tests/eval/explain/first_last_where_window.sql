# aud explain orders --sql --dialect postgres --as-of 2026-03-01
-- aud explain orders --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=orders f1=orders.first_big f2=orders.last_big f3=orders.last_recent f4=orders.first_2026
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, (e.ps ->> 'order_id') AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos ASC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(COALESCE((COALESCE(CAST((e.pf ->> 'revenue') AS DOUBLE PRECISION), CAST(CAST((e.pi ->> 'revenue') AS BIGINT) AS DOUBLE PRECISION)) > CAST(CAST(50 AS BIGINT) AS DOUBLE PRECISION)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
s2 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, (e.ps ->> 'order_id') AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos DESC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(COALESCE((COALESCE(CAST((e.pf ->> 'revenue') AS DOUBLE PRECISION), CAST(CAST((e.pi ->> 'revenue') AS BIGINT) AS DOUBLE PRECISION)) > CAST(CAST(50 AS BIGINT) AS DOUBLE PRECISION)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
s3 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, (e.ps ->> 'order_id') AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos DESC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND e.ts > CAST(1771718400000 AS BIGINT)) x GROUP BY x.pid),
s4 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, (e.ps ->> 'order_id') AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos ASC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND e.ts >= CAST(1767225600000 AS BIGINT) AND e.ts < CAST(1798761600000 AS BIGINT)) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0, s1.v AS s1, s2.v AS s2, s3.v AS s3, s4.v AS s4 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid LEFT JOIN s2 ON s2.pid = p.pid LEFT JOIN s3 ON s3.pid = p.pid LEFT JOIN s4 ON s4.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0, s1 AS f1, s2 AS f2, s3 AS f3, s4 AS f4 FROM base)
SELECT pid, f0, f1, f2, f3, f4 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain orders --sql --dialect duckdb --as-of 2026-03-01
-- aud explain orders --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=orders f1=orders.first_big f2=orders.last_big f3=orders.last_recent f4=orders.first_2026
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, json_extract_string(e.ps, '$."order_id"') AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos ASC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(COALESCE((COALESCE(CAST(json_extract_string(e.pf, '$."revenue"') AS DOUBLE), CAST(CAST(json_extract_string(e.pi, '$."revenue"') AS BIGINT) AS DOUBLE)) > CAST(CAST(50 AS BIGINT) AS DOUBLE)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
s2 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, json_extract_string(e.ps, '$."order_id"') AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos DESC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(COALESCE((COALESCE(CAST(json_extract_string(e.pf, '$."revenue"') AS DOUBLE), CAST(CAST(json_extract_string(e.pi, '$."revenue"') AS BIGINT) AS DOUBLE)) > CAST(CAST(50 AS BIGINT) AS DOUBLE)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
s3 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, json_extract_string(e.ps, '$."order_id"') AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos DESC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND e.ts > CAST(1771718400000 AS BIGINT)) x GROUP BY x.pid),
s4 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, json_extract_string(e.ps, '$."order_id"') AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos ASC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND e.ts >= CAST(1767225600000 AS BIGINT) AND e.ts < CAST(1798761600000 AS BIGINT)) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0, s1.v AS s1, s2.v AS s2, s3.v AS s3, s4.v AS s4 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid LEFT JOIN s2 ON s2.pid = p.pid LEFT JOIN s3 ON s3.pid = p.pid LEFT JOIN s4 ON s4.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0, s1 AS f1, s2 AS f2, s3 AS f3, s4 AS f4 FROM base)
SELECT pid, f0, f1, f2, f3, f4 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
