# aud explain big_order --sql --dialect postgres --as-of 2026-03-01
-- aud explain big_order --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=big_order
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(COALESCE((COALESCE(CAST((e.pf ->> 'revenue') AS DOUBLE PRECISION), CAST(CAST((e.pi ->> 'revenue') AS BIGINT) AS DOUBLE PRECISION)) >= CAST(CAST(100 AS BIGINT) AS DOUBLE PRECISION)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain big_order --sql --dialect duckdb --as-of 2026-03-01
-- aud explain big_order --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=big_order
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(COALESCE((COALESCE(CAST(json_extract_string(e.pf, '$."revenue"') AS DOUBLE), CAST(CAST(json_extract_string(e.pi, '$."revenue"') AS BIGINT) AS DOUBLE)) >= CAST(CAST(100 AS BIGINT) AS DOUBLE)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain no_big_order --sql --dialect postgres --as-of 2026-03-01
-- aud explain no_big_order --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f4=no_big_order
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(COALESCE((COALESCE(CAST((e.pf ->> 'revenue') AS DOUBLE PRECISION), CAST(CAST((e.pi ->> 'revenue') AS BIGINT) AS DOUBLE PRECISION)) >= CAST(CAST(100 AS BIGINT) AS DOUBLE PRECISION)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid),
l1 AS (SELECT *, COALESCE((NOT COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE)), FALSE) AS f4 FROM base)
SELECT pid, f4 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain no_big_order --sql --dialect duckdb --as-of 2026-03-01
-- aud explain no_big_order --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f4=no_big_order
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(COALESCE((COALESCE(CAST(json_extract_string(e.pf, '$."revenue"') AS DOUBLE), CAST(CAST(json_extract_string(e.pi, '$."revenue"') AS BIGINT) AS DOUBLE)) >= CAST(CAST(100 AS BIGINT) AS DOUBLE)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid),
l1 AS (SELECT *, COALESCE((NOT COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE)), FALSE) AS f4 FROM base)
SELECT pid, f4 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain flags --sql --dialect postgres --as-of 2026-03-01
-- aud explain flags --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f1=flags f2=flags.any f3=flags.recent
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s1 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s2 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND e.ts > CAST(1771718400000 AS BIGINT)) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1, COALESCE(s2.v, CAST(0 AS BIGINT)) AS s2 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid LEFT JOIN s2 ON s2.pid = p.pid),
l1 AS (SELECT *, COALESCE((COALESCE(COALESCE((s1 >= CAST(1 AS BIGINT)), FALSE), FALSE) OR COALESCE((NOT COALESCE(COALESCE((s1 >= CAST(1 AS BIGINT)), FALSE), FALSE)), FALSE)), FALSE) AS f1, COALESCE((s1 >= CAST(1 AS BIGINT)), FALSE) AS f2, COALESCE((s2 >= CAST(1 AS BIGINT)), FALSE) AS f3 FROM base)
SELECT pid, f1, f2, f3 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain flags --sql --dialect duckdb --as-of 2026-03-01
-- aud explain flags --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f1=flags f2=flags.any f3=flags.recent
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s1 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s2 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND e.ts > CAST(1771718400000 AS BIGINT)) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1, COALESCE(s2.v, CAST(0 AS BIGINT)) AS s2 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid LEFT JOIN s2 ON s2.pid = p.pid),
l1 AS (SELECT *, COALESCE((COALESCE(COALESCE((s1 >= CAST(1 AS BIGINT)), FALSE), FALSE) OR COALESCE((NOT COALESCE(COALESCE((s1 >= CAST(1 AS BIGINT)), FALSE), FALSE)), FALSE)), FALSE) AS f1, COALESCE((s1 >= CAST(1 AS BIGINT)), FALSE) AS f2, COALESCE((s2 >= CAST(1 AS BIGINT)), FALSE) AS f3 FROM base)
SELECT pid, f1, f2, f3 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
