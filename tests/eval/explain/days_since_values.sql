# aud explain recency --sql --dialect postgres --as-of 2026-03-01
-- aud explain recency --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f1=recency f2=recency.since_order f3=recency.since_signup
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, t AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'signed_up_at' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's' AND t IS NOT NULL) x WHERE rn = 1) t0 ON t0.pid = p.pid),
s0 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, e.ts AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos DESC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, tr.t0, s0.v AS s0, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid),
l1 AS (SELECT *, COALESCE((COALESCE(COALESCE((s1 >= CAST(1 AS BIGINT)), FALSE), FALSE) OR COALESCE((t0 IS NOT NULL), FALSE)), FALSE) AS f1, (CAST(CAST(1772323200000 AS BIGINT) - s0 AS DOUBLE PRECISION) / CAST(86400000 AS DOUBLE PRECISION)) AS f2, (CAST(CAST(1772323200000 AS BIGINT) - t0 AS DOUBLE PRECISION) / CAST(86400000 AS DOUBLE PRECISION)) AS f3 FROM base)
SELECT pid, f1, f2, f3 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain recency --sql --dialect duckdb --as-of 2026-03-01
-- aud explain recency --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f1=recency f2=recency.since_order f3=recency.since_signup
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, t AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'signed_up_at' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's' AND t IS NOT NULL) x WHERE rn = 1) t0 ON t0.pid = p.pid),
s0 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, e.ts AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos DESC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, tr.t0, s0.v AS s0, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid),
l1 AS (SELECT *, COALESCE((COALESCE(COALESCE((s1 >= CAST(1 AS BIGINT)), FALSE), FALSE) OR COALESCE((t0 IS NOT NULL), FALSE)), FALSE) AS f1, (CAST(CAST(1772323200000 AS BIGINT) - s0 AS DOUBLE) / CAST(86400000 AS DOUBLE)) AS f2, (CAST(CAST(1772323200000 AS BIGINT) - t0 AS DOUBLE) / CAST(86400000 AS DOUBLE)) AS f3 FROM base)
SELECT pid, f1, f2, f3 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain active_week --sql --dialect postgres --as-of 2026-03-01
-- aud explain active_week --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=active_week
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, e.ts AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos DESC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, s0.v AS s0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE(((CAST(CAST(1772323200000 AS BIGINT) - s0 AS DOUBLE PRECISION) / CAST(86400000 AS DOUBLE PRECISION)) <= CAST(CAST(7 AS BIGINT) AS DOUBLE PRECISION)), FALSE), FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain active_week --sql --dialect duckdb --as-of 2026-03-01
-- aud explain active_week --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=active_week
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, e.ts AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos DESC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, s0.v AS s0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE(((CAST(CAST(1772323200000 AS BIGINT) - s0 AS DOUBLE) / CAST(86400000 AS DOUBLE)) <= CAST(CAST(7 AS BIGINT) AS DOUBLE)), FALSE), FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
