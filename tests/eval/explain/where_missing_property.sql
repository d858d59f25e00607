# aud explain counts --sql --dialect postgres --as-of 2026-03-01
-- aud explain counts --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=counts f1=counts.gt50 f2=counts.ne50 f3=counts.not_eq50 f4=counts.not_sek f5=counts.has_cur
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(COALESCE((COALESCE(CAST((e.pf ->> 'revenue') AS DOUBLE PRECISION), CAST(CAST((e.pi ->> 'revenue') AS BIGINT) AS DOUBLE PRECISION)) > CAST(CAST(50 AS BIGINT) AS DOUBLE PRECISION)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
s2 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(COALESCE((COALESCE(CAST((e.pf ->> 'revenue') AS DOUBLE PRECISION), CAST(CAST((e.pi ->> 'revenue') AS BIGINT) AS DOUBLE PRECISION)) <> CAST(CAST(50 AS BIGINT) AS DOUBLE PRECISION)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
s3 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE((NOT COALESCE(COALESCE((COALESCE(CAST((e.pf ->> 'revenue') AS DOUBLE PRECISION), CAST(CAST((e.pi ->> 'revenue') AS BIGINT) AS DOUBLE PRECISION)) = CAST(CAST(50 AS BIGINT) AS DOUBLE PRECISION)), FALSE), FALSE)), FALSE) AND TRUE) x GROUP BY x.pid),
s4 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(COALESCE(((e.ps ->> 'currency') <> CAST('SEK' AS TEXT)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
s5 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(((e.ps ->> 'currency') IS NOT NULL), FALSE) AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1, COALESCE(s2.v, CAST(0 AS BIGINT)) AS s2, COALESCE(s3.v, CAST(0 AS BIGINT)) AS s3, COALESCE(s4.v, CAST(0 AS BIGINT)) AS s4, COALESCE(s5.v, CAST(0 AS BIGINT)) AS s5 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid LEFT JOIN s2 ON s2.pid = p.pid LEFT JOIN s3 ON s3.pid = p.pid LEFT JOIN s4 ON s4.pid = p.pid LEFT JOIN s5 ON s5.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0, s1 AS f1, s2 AS f2, s3 AS f3, s4 AS f4, s5 AS f5 FROM base)
SELECT pid, f0, f1, f2, f3, f4, f5 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain counts --sql --dialect duckdb --as-of 2026-03-01
-- aud explain counts --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=counts f1=counts.gt50 f2=counts.ne50 f3=counts.not_eq50 f4=counts.not_sek f5=counts.has_cur
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(COALESCE((COALESCE(CAST(json_extract_string(e.pf, '$."revenue"') AS DOUBLE), CAST(CAST(json_extract_string(e.pi, '$."revenue"') AS BIGINT) AS DOUBLE)) > CAST(CAST(50 AS BIGINT) AS DOUBLE)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
s2 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(COALESCE((COALESCE(CAST(json_extract_string(e.pf, '$."revenue"') AS DOUBLE), CAST(CAST(json_extract_string(e.pi, '$."revenue"') AS BIGINT) AS DOUBLE)) <> CAST(CAST(50 AS BIGINT) AS DOUBLE)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
s3 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE((NOT COALESCE(COALESCE((COALESCE(CAST(json_extract_string(e.pf, '$."revenue"') AS DOUBLE), CAST(CAST(json_extract_string(e.pi, '$."revenue"') AS BIGINT) AS DOUBLE)) = CAST(CAST(50 AS BIGINT) AS DOUBLE)), FALSE), FALSE)), FALSE) AND TRUE) x GROUP BY x.pid),
s4 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(COALESCE((json_extract_string(e.ps, '$."currency"') <> CAST('SEK' AS VARCHAR)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
s5 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE((json_extract_string(e.ps, '$."currency"') IS NOT NULL), FALSE) AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1, COALESCE(s2.v, CAST(0 AS BIGINT)) AS s2, COALESCE(s3.v, CAST(0 AS BIGINT)) AS s3, COALESCE(s4.v, CAST(0 AS BIGINT)) AS s4, COALESCE(s5.v, CAST(0 AS BIGINT)) AS s5 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid LEFT JOIN s2 ON s2.pid = p.pid LEFT JOIN s3 ON s3.pid = p.pid LEFT JOIN s4 ON s4.pid = p.pid LEFT JOIN s5 ON s5.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0, s1 AS f1, s2 AS f2, s3 AS f3, s4 AS f4, s5 AS f5 FROM base)
SELECT pid, f0, f1, f2, f3, f4, f5 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
