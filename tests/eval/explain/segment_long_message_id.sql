# aud explain pingers --sql --dialect postgres --as-of 2026-03-01
-- aud explain pingers --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=pingers f1=pingers.pings
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0, s0 AS f1 FROM base)
SELECT pid, f0, f1 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain pingers --sql --dialect duckdb --as-of 2026-03-01
-- aud explain pingers --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=pingers f1=pingers.pings
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0, s0 AS f1 FROM base)
SELECT pid, f0, f1 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
