# aud explain out --sql --dialect postgres --as-of 2026-03-01
-- aud explain out --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=out f1=out.first_at f2=out.last_at f3=out.prop_at
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, e.ts AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos ASC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND TRUE) x GROUP BY x.pid),
s2 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, e.ts AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos DESC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND TRUE) x GROUP BY x.pid),
s3 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, CAST((e.pt ->> 'at') AS BIGINT) AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos DESC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0, s1.v AS s1, s2.v AS s2, s3.v AS s3 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid LEFT JOIN s2 ON s2.pid = p.pid LEFT JOIN s3 ON s3.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0, s1 AS f1, s2 AS f2, s3 AS f3 FROM base)
SELECT pid, f0, f1, f2, f3 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain out --sql --dialect duckdb --as-of 2026-03-01
-- aud explain out --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=out f1=out.first_at f2=out.last_at f3=out.prop_at
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, e.ts AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos ASC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND TRUE) x GROUP BY x.pid),
s2 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, e.ts AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos DESC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND TRUE) x GROUP BY x.pid),
s3 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, CAST(json_extract_string(e.pt, '$."at"') AS BIGINT) AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos DESC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0, s1.v AS s1, s2.v AS s2, s3.v AS s3 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid LEFT JOIN s2 ON s2.pid = p.pid LEFT JOIN s3 ON s3.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0, s1 AS f1, s2 AS f2, s3 AS f3 FROM base)
SELECT pid, f0, f1, f2, f3 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
