# aud explain nordic --sql --dialect postgres --as-of 2026-03-01
-- aud explain nordic --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=nordic
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'country' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((t0 IN (CAST('SE' AS TEXT), CAST('NO' AS TEXT), CAST('DK' AS TEXT), CAST('FI' AS TEXT))), FALSE), FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain nordic --sql --dialect duckdb --as-of 2026-03-01
-- aud explain nordic --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=nordic
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'country' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((t0 IN (CAST('SE' AS VARCHAR), CAST('NO' AS VARCHAR), CAST('DK' AS VARCHAR), CAST('FI' AS VARCHAR))), FALSE), FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain not_nordic --sql --dialect postgres --as-of 2026-03-01
-- aud explain not_nordic --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f1=not_nordic
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'country' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE((NOT COALESCE(COALESCE((t0 IN (CAST('SE' AS TEXT), CAST('NO' AS TEXT), CAST('DK' AS TEXT), CAST('FI' AS TEXT))), FALSE), FALSE)), FALSE) AS f1 FROM base)
SELECT pid, f1 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain not_nordic --sql --dialect duckdb --as-of 2026-03-01
-- aud explain not_nordic --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f1=not_nordic
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'country' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE((NOT COALESCE(COALESCE((t0 IN (CAST('SE' AS VARCHAR), CAST('NO' AS VARCHAR), CAST('DK' AS VARCHAR), CAST('FI' AS VARCHAR))), FALSE), FALSE)), FALSE) AS f1 FROM base)
SELECT pid, f1 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain round_score --sql --dialect postgres --as-of 2026-03-01
-- aud explain round_score --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f2=round_score
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t1.v AS t1 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, CASE WHEN kind = 'i' THEN CAST(i AS DOUBLE PRECISION) ELSE f END AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'score' AND ts <= CAST(1772323200000 AS BIGINT) AND kind IN ('i', 'f')) x WHERE rn = 1) t1 ON t1.pid = p.pid),
base AS (SELECT p.pid, tr.t1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((t1 IN (CAST(CAST(1 AS BIGINT) AS DOUBLE PRECISION), CAST('2.5' AS DOUBLE PRECISION), CAST(CAST(3 AS BIGINT) AS DOUBLE PRECISION))), FALSE), FALSE) AS f2 FROM base)
SELECT pid, f2 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain round_score --sql --dialect duckdb --as-of 2026-03-01
-- aud explain round_score --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f2=round_score
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t1.v AS t1 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, CASE WHEN kind = 'i' THEN CAST(i AS DOUBLE) ELSE f END AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'score' AND ts <= CAST(1772323200000 AS BIGINT) AND kind IN ('i', 'f')) x WHERE rn = 1) t1 ON t1.pid = p.pid),
base AS (SELECT p.pid, tr.t1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((t1 IN (CAST(CAST(1 AS BIGINT) AS DOUBLE), CAST('2.5' AS DOUBLE), CAST(CAST(3 AS BIGINT) AS DOUBLE))), FALSE), FALSE) AS f2 FROM base)
SELECT pid, f2 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
