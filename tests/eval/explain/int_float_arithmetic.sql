# aud explain math --sql --dialect postgres --as-of 2026-03-01
-- aud explain math --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f2=math f3=math.sum_ii f4=math.diff_ii f5=math.prod_ii f6=math.sum_if f7=math.prod_if f8=math.lit f9=math.lit_f
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0, t1.v AS t1, t2.v AS t2 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'a' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'b' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t1 ON t1.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, CASE WHEN kind = 'i' THEN CAST(i AS DOUBLE PRECISION) ELSE f END AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'x' AND ts <= CAST(1772323200000 AS BIGINT) AND kind IN ('i', 'f')) x WHERE rn = 1) t2 ON t2.pid = p.pid),
base AS (SELECT p.pid, tr.t0, tr.t1, tr.t2 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE((t0 IS NOT NULL), FALSE) AS f2, CAST(((((CAST(t0 AS NUMERIC) + CAST(t1 AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) + CAST('18446744073709551616' AS NUMERIC) + CAST('9223372036854775808' AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) - CAST('9223372036854775808' AS NUMERIC) AS BIGINT) AS f3, CAST(((((CAST(t0 AS NUMERIC) - CAST(t1 AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) + CAST('18446744073709551616' AS NUMERIC) + CAST('9223372036854775808' AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) - CAST('9223372036854775808' AS NUMERIC) AS BIGINT) AS f4, CAST(((((CAST(t0 AS NUMERIC) * CAST(t1 AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) + CAST('18446744073709551616' AS NUMERIC) + CAST('9223372036854775808' AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) - CAST('9223372036854775808' AS NUMERIC) AS BIGINT) AS f5, (CAST(t0 AS DOUBLE PRECISION) + t2) AS f6, (CAST(t0 AS DOUBLE PRECISION) * t2) AS f7, CAST(((((CAST(CAST(((((CAST(CAST(2 AS BIGINT) AS NUMERIC) * CAST(CAST(3 AS BIGINT) AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) + CAST('18446744073709551616' AS NUMERIC) + CAST('9223372036854775808' AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) - CAST('9223372036854775808' AS NUMERIC) AS BIGINT) AS NUMERIC) + CAST(CAST(1 AS BIGINT) AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) + CAST('18446744073709551616' AS NUMERIC) + CAST('9223372036854775808' AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) - CAST('9223372036854775808' AS NUMERIC) AS BIGINT) AS f8, (CAST(CAST(2 AS BIGINT) AS DOUBLE PRECISION) * CAST('1.5' AS DOUBLE PRECISION)) AS f9 FROM base)
SELECT pid, f2, f3, f4, f5, f6, f7, f8, f9 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain math --sql --dialect duckdb --as-of 2026-03-01
-- aud explain math --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f2=math f3=math.sum_ii f4=math.diff_ii f5=math.prod_ii f6=math.sum_if f7=math.prod_if f8=math.lit f9=math.lit_f
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0, t1.v AS t1, t2.v AS t2 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'a' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'b' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t1 ON t1.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, CASE WHEN kind = 'i' THEN CAST(i AS DOUBLE) ELSE f END AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'x' AND ts <= CAST(1772323200000 AS BIGINT) AND kind IN ('i', 'f')) x WHERE rn = 1) t2 ON t2.pid = p.pid),
base AS (SELECT p.pid, tr.t0, tr.t1, tr.t2 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE((t0 IS NOT NULL), FALSE) AS f2, CAST(((((CAST(t0 AS HUGEINT) + CAST(t1 AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) + CAST('18446744073709551616' AS HUGEINT) + CAST('9223372036854775808' AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) - CAST('9223372036854775808' AS HUGEINT) AS BIGINT) AS f3, CAST(((((CAST(t0 AS HUGEINT) - CAST(t1 AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) + CAST('18446744073709551616' AS HUGEINT) + CAST('9223372036854775808' AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) - CAST('9223372036854775808' AS HUGEINT) AS BIGINT) AS f4, CAST(((((CAST(t0 AS HUGEINT) * CAST(t1 AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) + CAST('18446744073709551616' AS HUGEINT) + CAST('9223372036854775808' AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) - CAST('9223372036854775808' AS HUGEINT) AS BIGINT) AS f5, (CAST(t0 AS DOUBLE) + t2) AS f6, (CAST(t0 AS DOUBLE) * t2) AS f7, CAST(((((CAST(CAST(((((CAST(CAST(2 AS BIGINT) AS HUGEINT) * CAST(CAST(3 AS BIGINT) AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) + CAST('18446744073709551616' AS HUGEINT) + CAST('9223372036854775808' AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) - CAST('9223372036854775808' AS HUGEINT) AS BIGINT) AS HUGEINT) + CAST(CAST(1 AS BIGINT) AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) + CAST('18446744073709551616' AS HUGEINT) + CAST('9223372036854775808' AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) - CAST('9223372036854775808' AS HUGEINT) AS BIGINT) AS f8, (CAST(CAST(2 AS BIGINT) AS DOUBLE) * CAST('1.5' AS DOUBLE)) AS f9 FROM base)
SELECT pid, f2, f3, f4, f5, f6, f7, f8, f9 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain equal_mixed --sql --dialect postgres --as-of 2026-03-01
-- aud explain equal_mixed --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f1=equal_mixed
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0, t2.v AS t2 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'a' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, CASE WHEN kind = 'i' THEN CAST(i AS DOUBLE PRECISION) ELSE f END AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'x' AND ts <= CAST(1772323200000 AS BIGINT) AND kind IN ('i', 'f')) x WHERE rn = 1) t2 ON t2.pid = p.pid),
base AS (SELECT p.pid, tr.t0, tr.t2 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((CAST(t0 AS DOUBLE PRECISION) = t2), FALSE), FALSE) AS f1 FROM base)
SELECT pid, f1 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain equal_mixed --sql --dialect duckdb --as-of 2026-03-01
-- aud explain equal_mixed --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f1=equal_mixed
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0, t2.v AS t2 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'a' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, CASE WHEN kind = 'i' THEN CAST(i AS DOUBLE) ELSE f END AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'x' AND ts <= CAST(1772323200000 AS BIGINT) AND kind IN ('i', 'f')) x WHERE rn = 1) t2 ON t2.pid = p.pid),
base AS (SELECT p.pid, tr.t0, tr.t2 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((CAST(t0 AS DOUBLE) = t2), FALSE), FALSE) AS f1 FROM base)
SELECT pid, f1 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain bigger_mixed --sql --dialect postgres --as-of 2026-03-01
-- aud explain bigger_mixed --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=bigger_mixed
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0, t2.v AS t2 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'a' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, CASE WHEN kind = 'i' THEN CAST(i AS DOUBLE PRECISION) ELSE f END AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'x' AND ts <= CAST(1772323200000 AS BIGINT) AND kind IN ('i', 'f')) x WHERE rn = 1) t2 ON t2.pid = p.pid),
base AS (SELECT p.pid, tr.t0, tr.t2 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((CAST(t0 AS DOUBLE PRECISION) > t2), FALSE), FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain bigger_mixed --sql --dialect duckdb --as-of 2026-03-01
-- aud explain bigger_mixed --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=bigger_mixed
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0, t2.v AS t2 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'a' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, CASE WHEN kind = 'i' THEN CAST(i AS DOUBLE) ELSE f END AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'x' AND ts <= CAST(1772323200000 AS BIGINT) AND kind IN ('i', 'f')) x WHERE rn = 1) t2 ON t2.pid = p.pid),
base AS (SELECT p.pid, tr.t0, tr.t2 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((CAST(t0 AS DOUBLE) > t2), FALSE), FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
