# aud explain a_no_c_b --sql --dialect postgres --as-of 2026-03-01
-- aud explain a_no_c_b --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=a_no_c_b
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
q0_0 AS (SELECT e.pid, e.pos, e.ts FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:A' AND TRUE),
q0_1 AS (SELECT o.pid, o.pos, o.ts FROM (SELECT e.pid, e.pos, e.ts FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:B') o WHERE EXISTS (SELECT 1 FROM q0_0 c WHERE c.pid = o.pid AND c.pos < o.pos AND NOT EXISTS (SELECT 1 FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:C' AND e.pid = c.pid AND e.pos > c.pos AND e.pos < o.pos))),
s0 AS (SELECT DISTINCT pid FROM q0_1),
base AS (SELECT p.pid, (s0.pid IS NOT NULL) AS s0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid),
l1 AS (SELECT *, COALESCE(s0, FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain a_no_c_b --sql --dialect duckdb --as-of 2026-03-01
-- aud explain a_no_c_b --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=a_no_c_b
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
q0_0 AS (SELECT e.pid, e.pos, e.ts FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:A' AND TRUE),
q0_1 AS (SELECT o.pid, o.pos, o.ts FROM (SELECT e.pid, e.pos, e.ts FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:B') o WHERE EXISTS (SELECT 1 FROM q0_0 c WHERE c.pid = o.pid AND c.pos < o.pos AND NOT EXISTS (SELECT 1 FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:C' AND e.pid = c.pid AND e.pos > c.pos AND e.pos < o.pos))),
s0 AS (SELECT DISTINCT pid FROM q0_1),
base AS (SELECT p.pid, (s0.pid IS NOT NULL) AS s0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid),
l1 AS (SELECT *, COALESCE(s0, FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
