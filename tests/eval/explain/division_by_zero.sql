# aud explain ratios --sql --dialect postgres --as-of 2026-03-01
-- aud explain ratios --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f2=ratios f3=ratios.aov f4=ratios.per_visit f5=ratios.by_zero_float f6=ratios.half f7=ratios.third
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0, t1.v AS t1 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'visits' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, CASE WHEN kind = 'i' THEN CAST(i AS DOUBLE PRECISION) ELSE f END AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'zero' AND ts <= CAST(1772323200000 AS BIGINT) AND kind IN ('i', 'f')) x WHERE rn = 1) t1 ON t1.pid = p.pid),
s0 AS (SELECT x.pid, COALESCE(SUM(x.v ORDER BY x.pos), CAST(0 AS DOUBLE PRECISION)) AS v FROM (SELECT e.pid, e.pos, COALESCE(CAST((e.pf ->> 'revenue') AS DOUBLE PRECISION), CAST(CAST((e.pi ->> 'revenue') AS BIGINT) AS DOUBLE PRECISION)) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, tr.t0, tr.t1, COALESCE(s0.v, CAST('0' AS DOUBLE PRECISION)) AS s0, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid),
l1 AS (SELECT *, COALESCE((t0 IS NOT NULL), FALSE) AS f2, CASE WHEN CAST(s1 AS DOUBLE PRECISION) = 0 THEN NULL ELSE s0 / CAST(s1 AS DOUBLE PRECISION) END AS f3, CASE WHEN CAST(t0 AS DOUBLE PRECISION) = 0 THEN NULL ELSE CAST(s1 AS DOUBLE PRECISION) / CAST(t0 AS DOUBLE PRECISION) END AS f4, CASE WHEN t1 = 0 THEN NULL ELSE CAST(t0 AS DOUBLE PRECISION) / t1 END AS f5, CASE WHEN CAST(CAST(2 AS BIGINT) AS DOUBLE PRECISION) = 0 THEN NULL ELSE CAST(t0 AS DOUBLE PRECISION) / CAST(CAST(2 AS BIGINT) AS DOUBLE PRECISION) END AS f6, CASE WHEN CAST(CAST(3 AS BIGINT) AS DOUBLE PRECISION) = 0 THEN NULL ELSE CAST(CAST(1 AS BIGINT) AS DOUBLE PRECISION) / CAST(CAST(3 AS BIGINT) AS DOUBLE PRECISION) END AS f7 FROM base)
SELECT pid, f2, f3, f4, f5, f6, f7 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain ratios --sql --dialect duckdb --as-of 2026-03-01
-- aud explain ratios --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f2=ratios f3=ratios.aov f4=ratios.per_visit f5=ratios.by_zero_float f6=ratios.half f7=ratios.third
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0, t1.v AS t1 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'visits' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, CASE WHEN kind = 'i' THEN CAST(i AS DOUBLE) ELSE f END AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'zero' AND ts <= CAST(1772323200000 AS BIGINT) AND kind IN ('i', 'f')) x WHERE rn = 1) t1 ON t1.pid = p.pid),
s0 AS (SELECT x.pid, COALESCE(list_reduce(list(x.v ORDER BY x.pos) FILTER (WHERE x.v IS NOT NULL), (a, b) -> a + b), CAST(0 AS DOUBLE)) AS v FROM (SELECT e.pid, e.pos, COALESCE(CAST(json_extract_string(e.pf, '$."revenue"') AS DOUBLE), CAST(CAST(json_extract_string(e.pi, '$."revenue"') AS BIGINT) AS DOUBLE)) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, tr.t0, tr.t1, COALESCE(s0.v, CAST('0' AS DOUBLE)) AS s0, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid),
l1 AS (SELECT *, COALESCE((t0 IS NOT NULL), FALSE) AS f2, CASE WHEN CAST(s1 AS DOUBLE) = 0 THEN NULL ELSE s0 / CAST(s1 AS DOUBLE) END AS f3, CASE WHEN CAST(t0 AS DOUBLE) = 0 THEN NULL ELSE CAST(s1 AS DOUBLE) / CAST(t0 AS DOUBLE) END AS f4, CASE WHEN t1 = 0 THEN NULL ELSE CAST(t0 AS DOUBLE) / t1 END AS f5, CASE WHEN CAST(CAST(2 AS BIGINT) AS DOUBLE) = 0 THEN NULL ELSE CAST(t0 AS DOUBLE) / CAST(CAST(2 AS BIGINT) AS DOUBLE) END AS f6, CASE WHEN CAST(CAST(3 AS BIGINT) AS DOUBLE) = 0 THEN NULL ELSE CAST(CAST(1 AS BIGINT) AS DOUBLE) / CAST(CAST(3 AS BIGINT) AS DOUBLE) END AS f7 FROM base)
SELECT pid, f2, f3, f4, f5, f6, f7 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain high_aov --sql --dialect postgres --as-of 2026-03-01
-- aud explain high_aov --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=high_aov
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COALESCE(SUM(x.v ORDER BY x.pos), CAST(0 AS DOUBLE PRECISION)) AS v FROM (SELECT e.pid, e.pos, COALESCE(CAST((e.pf ->> 'revenue') AS DOUBLE PRECISION), CAST(CAST((e.pi ->> 'revenue') AS BIGINT) AS DOUBLE PRECISION)) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST('0' AS DOUBLE PRECISION)) AS s0, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((CASE WHEN CAST(s1 AS DOUBLE PRECISION) = 0 THEN NULL ELSE s0 / CAST(s1 AS DOUBLE PRECISION) END > CAST(CAST(10 AS BIGINT) AS DOUBLE PRECISION)), FALSE), FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain high_aov --sql --dialect duckdb --as-of 2026-03-01
-- aud explain high_aov --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=high_aov
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COALESCE(list_reduce(list(x.v ORDER BY x.pos) FILTER (WHERE x.v IS NOT NULL), (a, b) -> a + b), CAST(0 AS DOUBLE)) AS v FROM (SELECT e.pid, e.pos, COALESCE(CAST(json_extract_string(e.pf, '$."revenue"') AS DOUBLE), CAST(CAST(json_extract_string(e.pi, '$."revenue"') AS BIGINT) AS DOUBLE)) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST('0' AS DOUBLE)) AS s0, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((CASE WHEN CAST(s1 AS DOUBLE) = 0 THEN NULL ELSE s0 / CAST(s1 AS DOUBLE) END > CAST(CAST(10 AS BIGINT) AS DOUBLE)), FALSE), FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain no_aov --sql --dialect postgres --as-of 2026-03-01
-- aud explain no_aov --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f1=no_aov
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COALESCE(SUM(x.v ORDER BY x.pos), CAST(0 AS DOUBLE PRECISION)) AS v FROM (SELECT e.pid, e.pos, COALESCE(CAST((e.pf ->> 'revenue') AS DOUBLE PRECISION), CAST(CAST((e.pi ->> 'revenue') AS BIGINT) AS DOUBLE PRECISION)) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST('0' AS DOUBLE PRECISION)) AS s0, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid),
l1 AS (SELECT *, COALESCE((NOT COALESCE((CASE WHEN CAST(s1 AS DOUBLE PRECISION) = 0 THEN NULL ELSE s0 / CAST(s1 AS DOUBLE PRECISION) END IS NOT NULL), FALSE)), FALSE) AS f1 FROM base)
SELECT pid, f1 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain no_aov --sql --dialect duckdb --as-of 2026-03-01
-- aud explain no_aov --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f1=no_aov
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COALESCE(list_reduce(list(x.v ORDER BY x.pos) FILTER (WHERE x.v IS NOT NULL), (a, b) -> a + b), CAST(0 AS DOUBLE)) AS v FROM (SELECT e.pid, e.pos, COALESCE(CAST(json_extract_string(e.pf, '$."revenue"') AS DOUBLE), CAST(CAST(json_extract_string(e.pi, '$."revenue"') AS BIGINT) AS DOUBLE)) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST('0' AS DOUBLE)) AS s0, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid),
l1 AS (SELECT *, COALESCE((NOT COALESCE((CASE WHEN CAST(s1 AS DOUBLE) = 0 THEN NULL ELSE s0 / CAST(s1 AS DOUBLE) END IS NOT NULL), FALSE)), FALSE) AS f1 FROM base)
SELECT pid, f1 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
