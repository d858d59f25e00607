# aud explain people --sql --dialect postgres --as-of 2026-03-01
-- aud explain people --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f1=people f2=people.age f3=people.score f4=people.vip f5=people.since
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0, t1.v AS t1, t2.v AS t2, t3.v AS t3 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'age' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, CASE WHEN kind = 'i' THEN CAST(i AS DOUBLE PRECISION) ELSE f END AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'score' AND ts <= CAST(1772323200000 AS BIGINT) AND kind IN ('i', 'f')) x WHERE rn = 1) t1 ON t1.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, t AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'since' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's' AND t IS NOT NULL) x WHERE rn = 1) t2 ON t2.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, b AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'vip' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'b') x WHERE rn = 1) t3 ON t3.pid = p.pid),
base AS (SELECT p.pid, tr.t0, tr.t1, tr.t2, tr.t3 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE((t0 IS NOT NULL), FALSE) AS f1, t0 AS f2, t1 AS f3, t3 AS f4, t2 AS f5 FROM base)
SELECT pid, f1, f2, f3, f4, f5 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain people --sql --dialect duckdb --as-of 2026-03-01
-- aud explain people --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f1=people f2=people.age f3=people.score f4=people.vip f5=people.since
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0, t1.v AS t1, t2.v AS t2, t3.v AS t3 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'age' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, CASE WHEN kind = 'i' THEN CAST(i AS DOUBLE) ELSE f END AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'score' AND ts <= CAST(1772323200000 AS BIGINT) AND kind IN ('i', 'f')) x WHERE rn = 1) t1 ON t1.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, t AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'since' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's' AND t IS NOT NULL) x WHERE rn = 1) t2 ON t2.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, b AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'vip' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'b') x WHERE rn = 1) t3 ON t3.pid = p.pid),
base AS (SELECT p.pid, tr.t0, tr.t1, tr.t2, tr.t3 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE((t0 IS NOT NULL), FALSE) AS f1, t0 AS f2, t1 AS f3, t3 AS f4, t2 AS f5 FROM base)
SELECT pid, f1, f2, f3, f4, f5 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain vip_since_2025 --sql --dialect postgres --as-of 2026-03-01
-- aud explain vip_since_2025 --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f6=vip_since_2025
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t2.v AS t2, t3.v AS t3 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, t AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'since' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's' AND t IS NOT NULL) x WHERE rn = 1) t2 ON t2.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, b AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'vip' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'b') x WHERE rn = 1) t3 ON t3.pid = p.pid),
base AS (SELECT p.pid, tr.t2, tr.t3 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE((COALESCE(COALESCE((t3 = TRUE), FALSE), FALSE) AND COALESCE(COALESCE((t2 < CAST(1767225600000 AS BIGINT)), FALSE), FALSE)), FALSE) AS f6 FROM base)
SELECT pid, f6 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain vip_since_2025 --sql --dialect duckdb --as-of 2026-03-01
-- aud explain vip_since_2025 --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f6=vip_since_2025
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t2.v AS t2, t3.v AS t3 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, t AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'since' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's' AND t IS NOT NULL) x WHERE rn = 1) t2 ON t2.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, b AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'vip' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'b') x WHERE rn = 1) t3 ON t3.pid = p.pid),
base AS (SELECT p.pid, tr.t2, tr.t3 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE((COALESCE(COALESCE((t3 = TRUE), FALSE), FALSE) AND COALESCE(COALESCE((t2 < CAST(1767225600000 AS BIGINT)), FALSE), FALSE)), FALSE) AS f6 FROM base)
SELECT pid, f6 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain early --sql --dialect postgres --as-of 2026-03-01
-- aud explain early --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=early
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t2.v AS t2 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, t AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'since' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's' AND t IS NOT NULL) x WHERE rn = 1) t2 ON t2.pid = p.pid),
base AS (SELECT p.pid, tr.t2 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((t2 <= CAST(1748736000000 AS BIGINT)), FALSE), FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain early --sql --dialect duckdb --as-of 2026-03-01
-- aud explain early --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=early
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t2.v AS t2 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, t AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'since' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's' AND t IS NOT NULL) x WHERE rn = 1) t2 ON t2.pid = p.pid),
base AS (SELECT p.pid, tr.t2 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((t2 <= CAST(1748736000000 AS BIGINT)), FALSE), FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
