# aud explain any_age --sql --dialect postgres --as-of 2026-03-01
-- aud explain any_age --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=any_age
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'age' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((CAST(((((CAST(t0 AS NUMERIC) + CAST(CAST(1 AS BIGINT) AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) + CAST('18446744073709551616' AS NUMERIC) + CAST('9223372036854775808' AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) - CAST('9223372036854775808' AS NUMERIC) AS BIGINT) > CAST(((((-CAST(CAST(1000 AS BIGINT) AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) + CAST('18446744073709551616' AS NUMERIC) + CAST('9223372036854775808' AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) - CAST('9223372036854775808' AS NUMERIC) AS BIGINT)), FALSE), FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain any_age --sql --dialect duckdb --as-of 2026-03-01
-- aud explain any_age --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=any_age
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'age' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((CAST(((((CAST(t0 AS HUGEINT) + CAST(CAST(1 AS BIGINT) AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) + CAST('18446744073709551616' AS HUGEINT) + CAST('9223372036854775808' AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) - CAST('9223372036854775808' AS HUGEINT) AS BIGINT) > CAST(((((-CAST(CAST(1000 AS BIGINT) AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) + CAST('18446744073709551616' AS HUGEINT) + CAST('9223372036854775808' AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) - CAST('9223372036854775808' AS HUGEINT) AS BIGINT)), FALSE), FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain math --sql --dialect postgres --as-of 2026-03-01
-- aud explain math --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f1=math f2=math.next_age f3=math.total f4=math.neg f5=math.double_age f6=math.left
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0, t1.v AS t1 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'age' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, CASE WHEN kind = 'i' THEN CAST(i AS DOUBLE PRECISION) ELSE f END AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'bonus' AND ts <= CAST(1772323200000 AS BIGINT) AND kind IN ('i', 'f')) x WHERE rn = 1) t1 ON t1.pid = p.pid),
base AS (SELECT p.pid, tr.t0, tr.t1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE((COALESCE((t0 IS NOT NULL), FALSE) OR COALESCE((t1 IS NOT NULL), FALSE)), FALSE) AS f1, CAST(((((CAST(t0 AS NUMERIC) + CAST(CAST(1 AS BIGINT) AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) + CAST('18446744073709551616' AS NUMERIC) + CAST('9223372036854775808' AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) - CAST('9223372036854775808' AS NUMERIC) AS BIGINT) AS f2, (CAST(t0 AS DOUBLE PRECISION) + t1) AS f3, (-t1) AS f4, CAST(((((CAST(t0 AS NUMERIC) * CAST(CAST(2 AS BIGINT) AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) + CAST('18446744073709551616' AS NUMERIC) + CAST('9223372036854775808' AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) - CAST('9223372036854775808' AS NUMERIC) AS BIGINT) AS f5, CAST(((((CAST(CAST(100 AS BIGINT) AS NUMERIC) - CAST(t0 AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) + CAST('18446744073709551616' AS NUMERIC) + CAST('9223372036854775808' AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) - CAST('9223372036854775808' AS NUMERIC) AS BIGINT) AS f6 FROM base)
SELECT pid, f1, f2, f3, f4, f5, f6 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain math --sql --dialect duckdb --as-of 2026-03-01
-- aud explain math --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f1=math f2=math.next_age f3=math.total f4=math.neg f5=math.double_age f6=math.left
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0, t1.v AS t1 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'age' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, CASE WHEN kind = 'i' THEN CAST(i AS DOUBLE) ELSE f END AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'bonus' AND ts <= CAST(1772323200000 AS BIGINT) AND kind IN ('i', 'f')) x WHERE rn = 1) t1 ON t1.pid = p.pid),
base AS (SELECT p.pid, tr.t0, tr.t1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE((COALESCE((t0 IS NOT NULL), FALSE) OR COALESCE((t1 IS NOT NULL), FALSE)), FALSE) AS f1, CAST(((((CAST(t0 AS HUGEINT) + CAST(CAST(1 AS BIGINT) AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) + CAST('18446744073709551616' AS HUGEINT) + CAST('9223372036854775808' AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) - CAST('9223372036854775808' AS HUGEINT) AS BIGINT) AS f2, (CAST(t0 AS DOUBLE) + t1) AS f3, (-t1) AS f4, CAST(((((CAST(t0 AS HUGEINT) * CAST(CAST(2 AS BIGINT) AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) + CAST('18446744073709551616' AS HUGEINT) + CAST('9223372036854775808' AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) - CAST('9223372036854775808' AS HUGEINT) AS BIGINT) AS f5, CAST(((((CAST(CAST(100 AS BIGINT) AS HUGEINT) - CAST(t0 AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) + CAST('18446744073709551616' AS HUGEINT) + CAST('9223372036854775808' AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) - CAST('9223372036854775808' AS HUGEINT) AS BIGINT) AS f6 FROM base)
SELECT pid, f1, f2, f3, f4, f5, f6 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
