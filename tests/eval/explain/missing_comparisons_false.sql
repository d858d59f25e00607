# aud explain is_se --sql --dialect postgres --as-of 2026-03-01
-- aud explain is_se --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f2=is_se
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t1.v AS t1 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'country' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t1 ON t1.pid = p.pid),
base AS (SELECT p.pid, tr.t1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((t1 = CAST('SE' AS TEXT)), FALSE), FALSE) AS f2 FROM base)
SELECT pid, f2 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain is_se --sql --dialect duckdb --as-of 2026-03-01
-- aud explain is_se --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f2=is_se
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t1.v AS t1 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'country' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t1 ON t1.pid = p.pid),
base AS (SELECT p.pid, tr.t1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((t1 = CAST('SE' AS VARCHAR)), FALSE), FALSE) AS f2 FROM base)
SELECT pid, f2 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain not_se --sql --dialect postgres --as-of 2026-03-01
-- aud explain not_se --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f5=not_se
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t1.v AS t1 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'country' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t1 ON t1.pid = p.pid),
base AS (SELECT p.pid, tr.t1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((t1 <> CAST('SE' AS TEXT)), FALSE), FALSE) AS f5 FROM base)
SELECT pid, f5 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain not_se --sql --dialect duckdb --as-of 2026-03-01
-- aud explain not_se --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f5=not_se
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t1.v AS t1 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'country' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t1 ON t1.pid = p.pid),
base AS (SELECT p.pid, tr.t1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((t1 <> CAST('SE' AS VARCHAR)), FALSE), FALSE) AS f5 FROM base)
SELECT pid, f5 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain not_is_se --sql --dialect postgres --as-of 2026-03-01
-- aud explain not_is_se --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f4=not_is_se
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t1.v AS t1 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'country' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t1 ON t1.pid = p.pid),
base AS (SELECT p.pid, tr.t1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE((NOT COALESCE(COALESCE((t1 = CAST('SE' AS TEXT)), FALSE), FALSE)), FALSE) AS f4 FROM base)
SELECT pid, f4 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain not_is_se --sql --dialect duckdb --as-of 2026-03-01
-- aud explain not_is_se --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f4=not_is_se
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t1.v AS t1 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'country' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t1 ON t1.pid = p.pid),
base AS (SELECT p.pid, tr.t1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE((NOT COALESCE(COALESCE((t1 = CAST('SE' AS VARCHAR)), FALSE), FALSE)), FALSE) AS f4 FROM base)
SELECT pid, f4 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain adult --sql --dialect postgres --as-of 2026-03-01
-- aud explain adult --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=adult
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'age' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((t0 >= CAST(18 AS BIGINT)), FALSE), FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain adult --sql --dialect duckdb --as-of 2026-03-01
-- aud explain adult --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=adult
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'age' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((t0 >= CAST(18 AS BIGINT)), FALSE), FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain minor --sql --dialect postgres --as-of 2026-03-01
-- aud explain minor --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f3=minor
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'age' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((t0 < CAST(18 AS BIGINT)), FALSE), FALSE) AS f3 FROM base)
SELECT pid, f3 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain minor --sql --dialect duckdb --as-of 2026-03-01
-- aud explain minor --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f3=minor
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'age' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((t0 < CAST(18 AS BIGINT)), FALSE), FALSE) AS f3 FROM base)
SELECT pid, f3 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain either --sql --dialect postgres --as-of 2026-03-01
-- aud explain either --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f1=either
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'age' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE((COALESCE(COALESCE((t0 >= CAST(18 AS BIGINT)), FALSE), FALSE) OR COALESCE(COALESCE((t0 < CAST(18 AS BIGINT)), FALSE), FALSE)), FALSE) AS f1 FROM base)
SELECT pid, f1 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain either --sql --dialect duckdb --as-of 2026-03-01
-- aud explain either --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f1=either
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'age' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE((COALESCE(COALESCE((t0 >= CAST(18 AS BIGINT)), FALSE), FALSE) OR COALESCE(COALESCE((t0 < CAST(18 AS BIGINT)), FALSE), FALSE)), FALSE) AS f1 FROM base)
SELECT pid, f1 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain unknown_age --sql --dialect postgres --as-of 2026-03-01
-- aud explain unknown_age --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f6=unknown_age
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'age' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE((NOT COALESCE((COALESCE(COALESCE((t0 >= CAST(18 AS BIGINT)), FALSE), FALSE) OR COALESCE(COALESCE((t0 < CAST(18 AS BIGINT)), FALSE), FALSE)), FALSE)), FALSE) AS f6 FROM base)
SELECT pid, f6 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain unknown_age --sql --dialect duckdb --as-of 2026-03-01
-- aud explain unknown_age --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f6=unknown_age
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'age' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE((NOT COALESCE((COALESCE(COALESCE((t0 >= CAST(18 AS BIGINT)), FALSE), FALSE) OR COALESCE(COALESCE((t0 < CAST(18 AS BIGINT)), FALSE), FALSE)), FALSE)), FALSE) AS f6 FROM base)
SELECT pid, f6 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
