# aud explain twice --sql --dialect postgres --as-of 2026-03-01
-- aud explain twice --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=twice
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
q0_0 AS (SELECT e.pid, e.pos, e.ts FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND TRUE),
q0_1 AS (SELECT o.pid, o.pos, o.ts FROM (SELECT e.pid, e.pos, e.ts FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping') o WHERE EXISTS (SELECT 1 FROM q0_0 c WHERE c.pid = o.pid AND c.pos < o.pos)),
s0 AS (SELECT DISTINCT pid FROM q0_1),
base AS (SELECT p.pid, (s0.pid IS NOT NULL) AS s0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid),
l1 AS (SELECT *, COALESCE(s0, FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain twice --sql --dialect duckdb --as-of 2026-03-01
-- aud explain twice --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=twice
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
q0_0 AS (SELECT e.pid, e.pos, e.ts FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND TRUE),
q0_1 AS (SELECT o.pid, o.pos, o.ts FROM (SELECT e.pid, e.pos, e.ts FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping') o WHERE EXISTS (SELECT 1 FROM q0_0 c WHERE c.pid = o.pid AND c.pos < o.pos)),
s0 AS (SELECT DISTINCT pid FROM q0_1),
base AS (SELECT p.pid, (s0.pid IS NOT NULL) AS s0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid),
l1 AS (SELECT *, COALESCE(s0, FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain twice_fast --sql --dialect postgres --as-of 2026-03-01
-- aud explain twice_fast --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f1=twice_fast
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
q1_0 AS (SELECT e.pid, e.pos, e.ts FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND TRUE),
q1_1 AS (SELECT o.pid, o.pos, o.ts FROM (SELECT e.pid, e.pos, e.ts FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping') o WHERE EXISTS (SELECT 1 FROM q1_0 c WHERE c.pid = o.pid AND c.pos < o.pos AND o.ts - c.ts <= CAST(3600000 AS BIGINT))),
s1 AS (SELECT DISTINCT pid FROM q1_1),
base AS (SELECT p.pid, (s1.pid IS NOT NULL) AS s1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid),
l1 AS (SELECT *, COALESCE(s1, FALSE) AS f1 FROM base)
SELECT pid, f1 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain twice_fast --sql --dialect duckdb --as-of 2026-03-01
-- aud explain twice_fast --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f1=twice_fast
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
q1_0 AS (SELECT e.pid, e.pos, e.ts FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND TRUE),
q1_1 AS (SELECT o.pid, o.pos, o.ts FROM (SELECT e.pid, e.pos, e.ts FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping') o WHERE EXISTS (SELECT 1 FROM q1_0 c WHERE c.pid = o.pid AND c.pos < o.pos AND o.ts - c.ts <= CAST(3600000 AS BIGINT))),
s1 AS (SELECT DISTINCT pid FROM q1_1),
base AS (SELECT p.pid, (s1.pid IS NOT NULL) AS s1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid),
l1 AS (SELECT *, COALESCE(s1, FALSE) AS f1 FROM base)
SELECT pid, f1 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
