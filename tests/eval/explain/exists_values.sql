# aud explain has_country --sql --dialect postgres --as-of 2026-03-01
-- aud explain has_country --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f5=has_country
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'country' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE((t0 IS NOT NULL), FALSE) AS f5 FROM base)
SELECT pid, f5 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain has_country --sql --dialect duckdb --as-of 2026-03-01
-- aud explain has_country --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f5=has_country
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'country' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE((t0 IS NOT NULL), FALSE) AS f5 FROM base)
SELECT pid, f5 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain used_coupon --sql --dialect postgres --as-of 2026-03-01
-- aud explain used_coupon --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f6=used_coupon
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s3 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(((e.ps ->> 'coupon') IS NOT NULL), FALSE) AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s3.v, CAST(0 AS BIGINT)) AS s3 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s3 ON s3.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s3 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f6 FROM base)
SELECT pid, f6 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain used_coupon --sql --dialect duckdb --as-of 2026-03-01
-- aud explain used_coupon --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f6=used_coupon
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s3 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE((json_extract_string(e.ps, '$."coupon"') IS NOT NULL), FALSE) AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s3.v, CAST(0 AS BIGINT)) AS s3 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s3 ON s3.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s3 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f6 FROM base)
SELECT pid, f6 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain checks --sql --dialect postgres --as-of 2026-03-01
-- aud explain checks --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=checks f1=checks.has_max f2=checks.has_sum f3=checks.has_count f4=checks.has_ratio
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'country' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT y.*, ROW_NUMBER() OVER (PARTITION BY y.pid ORDER BY (y.v IS NULL), y.v DESC, y.pos) AS r FROM (SELECT e.pid, e.pos, COALESCE(CAST((e.pf ->> 'revenue') AS DOUBLE PRECISION), CAST(CAST((e.pi ->> 'revenue') AS BIGINT) AS DOUBLE PRECISION)) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) y) x GROUP BY x.pid),
s2 AS (SELECT x.pid, COALESCE(SUM(x.v ORDER BY x.pos), CAST(0 AS DOUBLE PRECISION)) AS v FROM (SELECT e.pid, e.pos, COALESCE(CAST((e.pf ->> 'revenue') AS DOUBLE PRECISION), CAST(CAST((e.pi ->> 'revenue') AS BIGINT) AS DOUBLE PRECISION)) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, tr.t0, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0, s1.v AS s1, COALESCE(s2.v, CAST('0' AS DOUBLE PRECISION)) AS s2 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid LEFT JOIN s2 ON s2.pid = p.pid),
l1 AS (SELECT *, COALESCE((COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) OR COALESCE((t0 IS NOT NULL), FALSE)), FALSE) AS f0, (s1 IS NOT NULL) AS f1, (s2 IS NOT NULL) AS f2, (s0 IS NOT NULL) AS f3, (CASE WHEN CAST(s0 AS DOUBLE PRECISION) = 0 THEN NULL ELSE s2 / CAST(s0 AS DOUBLE PRECISION) END IS NOT NULL) AS f4 FROM base)
SELECT pid, f0, f1, f2, f3, f4 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain checks --sql --dialect duckdb --as-of 2026-03-01
-- aud explain checks --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=checks f1=checks.has_max f2=checks.has_sum f3=checks.has_count f4=checks.has_ratio
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'country' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT y.*, ROW_NUMBER() OVER (PARTITION BY y.pid ORDER BY (y.v IS NULL), y.v DESC, y.pos) AS r FROM (SELECT e.pid, e.pos, COALESCE(CAST(json_extract_string(e.pf, '$."revenue"') AS DOUBLE), CAST(CAST(json_extract_string(e.pi, '$."revenue"') AS BIGINT) AS DOUBLE)) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) y) x GROUP BY x.pid),
s2 AS (SELECT x.pid, COALESCE(list_reduce(list(x.v ORDER BY x.pos) FILTER (WHERE x.v IS NOT NULL), (a, b) -> a + b), CAST(0 AS DOUBLE)) AS v FROM (SELECT e.pid, e.pos, COALESCE(CAST(json_extract_string(e.pf, '$."revenue"') AS DOUBLE), CAST(CAST(json_extract_string(e.pi, '$."revenue"') AS BIGINT) AS DOUBLE)) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, tr.t0, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0, s1.v AS s1, COALESCE(s2.v, CAST('0' AS DOUBLE)) AS s2 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid LEFT JOIN s2 ON s2.pid = p.pid),
l1 AS (SELECT *, COALESCE((COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) OR COALESCE((t0 IS NOT NULL), FALSE)), FALSE) AS f0, (s1 IS NOT NULL) AS f1, (s2 IS NOT NULL) AS f2, (s0 IS NOT NULL) AS f3, (CASE WHEN CAST(s0 AS DOUBLE) = 0 THEN NULL ELSE s2 / CAST(s0 AS DOUBLE) END IS NOT NULL) AS f4 FROM base)
SELECT pid, f0, f1, f2, f3, f4 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
