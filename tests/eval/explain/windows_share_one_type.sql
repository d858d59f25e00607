# aud explain recent --sql --dialect postgres --as-of 2026-03-01
-- aud explain recent --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=recent
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND e.ts > CAST(1772236800000 AS BIGINT)) x GROUP BY x.pid),
s1 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND e.ts > CAST(1771718400000 AS BIGINT)) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid),
l1 AS (SELECT *, COALESCE((COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AND COALESCE(COALESCE((s1 >= CAST(2 AS BIGINT)), FALSE), FALSE)), FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain recent --sql --dialect duckdb --as-of 2026-03-01
-- aud explain recent --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=recent
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND e.ts > CAST(1772236800000 AS BIGINT)) x GROUP BY x.pid),
s1 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND e.ts > CAST(1771718400000 AS BIGINT)) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid),
l1 AS (SELECT *, COALESCE((COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AND COALESCE(COALESCE((s1 >= CAST(2 AS BIGINT)), FALSE), FALSE)), FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain couponed --sql --dialect postgres --as-of 2026-03-01
-- aud explain couponed --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f1=couponed
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s2 AS (SELECT x.pid, COALESCE(SUM(x.v ORDER BY x.pos), CAST(0 AS DOUBLE PRECISION)) AS v FROM (SELECT e.pid, e.pos, COALESCE(CAST((e.pf ->> 'revenue') AS DOUBLE PRECISION), CAST(CAST((e.pi ->> 'revenue') AS BIGINT) AS DOUBLE PRECISION)) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND e.ts > CAST(1771718400000 AS BIGINT)) x GROUP BY x.pid),
s3 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(COALESCE(((e.ps ->> 'coupon') = CAST('X' AS TEXT)), FALSE), FALSE) AND e.ts > CAST(1771718400000 AS BIGINT)) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s2.v, CAST('0' AS DOUBLE PRECISION)) AS s2, COALESCE(s3.v, CAST(0 AS BIGINT)) AS s3 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s2 ON s2.pid = p.pid LEFT JOIN s3 ON s3.pid = p.pid),
l1 AS (SELECT *, COALESCE((COALESCE(COALESCE((s2 >= CAST('30' AS DOUBLE PRECISION)), FALSE), FALSE) AND COALESCE(COALESCE((s3 >= CAST(1 AS BIGINT)), FALSE), FALSE)), FALSE) AS f1 FROM base)
SELECT pid, f1 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain couponed --sql --dialect duckdb --as-of 2026-03-01
-- aud explain couponed --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f1=couponed
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s2 AS (SELECT x.pid, COALESCE(list_reduce(list(x.v ORDER BY x.pos) FILTER (WHERE x.v IS NOT NULL), (a, b) -> a + b), CAST(0 AS DOUBLE)) AS v FROM (SELECT e.pid, e.pos, COALESCE(CAST(json_extract_string(e.pf, '$."revenue"') AS DOUBLE), CAST(CAST(json_extract_string(e.pi, '$."revenue"') AS BIGINT) AS DOUBLE)) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND e.ts > CAST(1771718400000 AS BIGINT)) x GROUP BY x.pid),
s3 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(COALESCE((json_extract_string(e.ps, '$."coupon"') = CAST('X' AS VARCHAR)), FALSE), FALSE) AND e.ts > CAST(1771718400000 AS BIGINT)) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s2.v, CAST('0' AS DOUBLE)) AS s2, COALESCE(s3.v, CAST(0 AS BIGINT)) AS s3 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s2 ON s2.pid = p.pid LEFT JOIN s3 ON s3.pid = p.pid),
l1 AS (SELECT *, COALESCE((COALESCE(COALESCE((s2 >= CAST('30' AS DOUBLE)), FALSE), FALSE) AND COALESCE(COALESCE((s3 >= CAST(1 AS BIGINT)), FALSE), FALSE)), FALSE) AS f1 FROM base)
SELECT pid, f1 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain loyal --sql --dialect postgres --as-of 2026-03-01
-- aud explain loyal --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f4=loyal
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'plan' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid),
s5 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, tr.t0, COALESCE(s5.v, CAST(0 AS BIGINT)) AS s5 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s5 ON s5.pid = p.pid),
l1 AS (SELECT *, COALESCE((COALESCE(COALESCE((s5 >= CAST(3 AS BIGINT)), FALSE), FALSE) AND COALESCE(COALESCE((t0 = CAST('pro' AS TEXT)), FALSE), FALSE)), FALSE) AS f4 FROM base)
SELECT pid, f4 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain loyal --sql --dialect duckdb --as-of 2026-03-01
-- aud explain loyal --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f4=loyal
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'plan' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid),
s5 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, tr.t0, COALESCE(s5.v, CAST(0 AS BIGINT)) AS s5 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s5 ON s5.pid = p.pid),
l1 AS (SELECT *, COALESCE((COALESCE(COALESCE((s5 >= CAST(3 AS BIGINT)), FALSE), FALSE) AND COALESCE(COALESCE((t0 = CAST('pro' AS VARCHAR)), FALSE), FALSE)), FALSE) AS f4 FROM base)
SELECT pid, f4 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain big --sql --dialect postgres --as-of 2026-03-01
-- aud explain big --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f2=big
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'plan' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid),
s4 AS (SELECT x.pid, COALESCE(SUM(x.v ORDER BY x.pos), CAST(0 AS DOUBLE PRECISION)) AS v FROM (SELECT e.pid, e.pos, COALESCE(CAST((e.pf ->> 'revenue') AS DOUBLE PRECISION), CAST(CAST((e.pi ->> 'revenue') AS BIGINT) AS DOUBLE PRECISION)) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, tr.t0, COALESCE(s4.v, CAST('0' AS DOUBLE PRECISION)) AS s4 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s4 ON s4.pid = p.pid),
l1 AS (SELECT *, COALESCE((COALESCE(COALESCE((s4 >= CAST('100' AS DOUBLE PRECISION)), FALSE), FALSE) AND COALESCE(COALESCE((t0 = CAST('pro' AS TEXT)), FALSE), FALSE)), FALSE) AS f2 FROM base)
SELECT pid, f2 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain big --sql --dialect duckdb --as-of 2026-03-01
-- aud explain big --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f2=big
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'plan' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid),
s4 AS (SELECT x.pid, COALESCE(list_reduce(list(x.v ORDER BY x.pos) FILTER (WHERE x.v IS NOT NULL), (a, b) -> a + b), CAST(0 AS DOUBLE)) AS v FROM (SELECT e.pid, e.pos, COALESCE(CAST(json_extract_string(e.pf, '$."revenue"') AS DOUBLE), CAST(CAST(json_extract_string(e.pi, '$."revenue"') AS BIGINT) AS DOUBLE)) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, tr.t0, COALESCE(s4.v, CAST('0' AS DOUBLE)) AS s4 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s4 ON s4.pid = p.pid),
l1 AS (SELECT *, COALESCE((COALESCE(COALESCE((s4 >= CAST('100' AS DOUBLE)), FALSE), FALSE) AND COALESCE(COALESCE((t0 = CAST('pro' AS VARCHAR)), FALSE), FALSE)), FALSE) AS f2 FROM base)
SELECT pid, f2 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain any_of --sql --dialect postgres --as-of 2026-03-01
-- aud explain any_of --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=recent f1=couponed f2=big f3=any_of
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'plan' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND e.ts > CAST(1772236800000 AS BIGINT)) x GROUP BY x.pid),
s1 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND e.ts > CAST(1771718400000 AS BIGINT)) x GROUP BY x.pid),
s2 AS (SELECT x.pid, COALESCE(SUM(x.v ORDER BY x.pos), CAST(0 AS DOUBLE PRECISION)) AS v FROM (SELECT e.pid, e.pos, COALESCE(CAST((e.pf ->> 'revenue') AS DOUBLE PRECISION), CAST(CAST((e.pi ->> 'revenue') AS BIGINT) AS DOUBLE PRECISION)) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND e.ts > CAST(1771718400000 AS BIGINT)) x GROUP BY x.pid),
s3 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(COALESCE(((e.ps ->> 'coupon') = CAST('X' AS TEXT)), FALSE), FALSE) AND e.ts > CAST(1771718400000 AS BIGINT)) x GROUP BY x.pid),
s4 AS (SELECT x.pid, COALESCE(SUM(x.v ORDER BY x.pos), CAST(0 AS DOUBLE PRECISION)) AS v FROM (SELECT e.pid, e.pos, COALESCE(CAST((e.pf ->> 'revenue') AS DOUBLE PRECISION), CAST(CAST((e.pi ->> 'revenue') AS BIGINT) AS DOUBLE PRECISION)) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, tr.t0, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1, COALESCE(s2.v, CAST('0' AS DOUBLE PRECISION)) AS s2, COALESCE(s3.v, CAST(0 AS BIGINT)) AS s3, COALESCE(s4.v, CAST('0' AS DOUBLE PRECISION)) AS s4 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid LEFT JOIN s2 ON s2.pid = p.pid LEFT JOIN s3 ON s3.pid = p.pid LEFT JOIN s4 ON s4.pid = p.pid),
l1 AS (SELECT *, COALESCE((COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AND COALESCE(COALESCE((s1 >= CAST(2 AS BIGINT)), FALSE), FALSE)), FALSE) AS f0, COALESCE((COALESCE(COALESCE((s2 >= CAST('30' AS DOUBLE PRECISION)), FALSE), FALSE) AND COALESCE(COALESCE((s3 >= CAST(1 AS BIGINT)), FALSE), FALSE)), FALSE) AS f1, COALESCE((COALESCE(COALESCE((s4 >= CAST('100' AS DOUBLE PRECISION)), FALSE), FALSE) AND COALESCE(COALESCE((t0 = CAST('pro' AS TEXT)), FALSE), FALSE)), FALSE) AS f2 FROM base),
l2 AS (SELECT *, COALESCE((COALESCE((COALESCE(f0, FALSE) OR COALESCE(f1, FALSE)), FALSE) OR COALESCE(f2, FALSE)), FALSE) AS f3 FROM l1)
SELECT pid, f0, f1, f2, f3 FROM l2 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain any_of --sql --dialect duckdb --as-of 2026-03-01
-- aud explain any_of --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=recent f1=couponed f2=big f3=any_of
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'plan' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND e.ts > CAST(1772236800000 AS BIGINT)) x GROUP BY x.pid),
s1 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND e.ts > CAST(1771718400000 AS BIGINT)) x GROUP BY x.pid),
s2 AS (SELECT x.pid, COALESCE(list_reduce(list(x.v ORDER BY x.pos) FILTER (WHERE x.v IS NOT NULL), (a, b) -> a + b), CAST(0 AS DOUBLE)) AS v FROM (SELECT e.pid, e.pos, COALESCE(CAST(json_extract_string(e.pf, '$."revenue"') AS DOUBLE), CAST(CAST(json_extract_string(e.pi, '$."revenue"') AS BIGINT) AS DOUBLE)) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND e.ts > CAST(1771718400000 AS BIGINT)) x GROUP BY x.pid),
s3 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(COALESCE((json_extract_string(e.ps, '$."coupon"') = CAST('X' AS VARCHAR)), FALSE), FALSE) AND e.ts > CAST(1771718400000 AS BIGINT)) x GROUP BY x.pid),
s4 AS (SELECT x.pid, COALESCE(list_reduce(list(x.v ORDER BY x.pos) FILTER (WHERE x.v IS NOT NULL), (a, b) -> a + b), CAST(0 AS DOUBLE)) AS v FROM (SELECT e.pid, e.pos, COALESCE(CAST(json_extract_string(e.pf, '$."revenue"') AS DOUBLE), CAST(CAST(json_extract_string(e.pi, '$."revenue"') AS BIGINT) AS DOUBLE)) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, tr.t0, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1, COALESCE(s2.v, CAST('0' AS DOUBLE)) AS s2, COALESCE(s3.v, CAST(0 AS BIGINT)) AS s3, COALESCE(s4.v, CAST('0' AS DOUBLE)) AS s4 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid LEFT JOIN s2 ON s2.pid = p.pid LEFT JOIN s3 ON s3.pid = p.pid LEFT JOIN s4 ON s4.pid = p.pid),
l1 AS (SELECT *, COALESCE((COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AND COALESCE(COALESCE((s1 >= CAST(2 AS BIGINT)), FALSE), FALSE)), FALSE) AS f0, COALESCE((COALESCE(COALESCE((s2 >= CAST('30' AS DOUBLE)), FALSE), FALSE) AND COALESCE(COALESCE((s3 >= CAST(1 AS BIGINT)), FALSE), FALSE)), FALSE) AS f1, COALESCE((COALESCE(COALESCE((s4 >= CAST('100' AS DOUBLE)), FALSE), FALSE) AND COALESCE(COALESCE((t0 = CAST('pro' AS VARCHAR)), FALSE), FALSE)), FALSE) AS f2 FROM base),
l2 AS (SELECT *, COALESCE((COALESCE((COALESCE(f0, FALSE) OR COALESCE(f1, FALSE)), FALSE) OR COALESCE(f2, FALSE)), FALSE) AS f3 FROM l1)
SELECT pid, f0, f1, f2, f3 FROM l2 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
