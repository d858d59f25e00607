# aud explain nordic_buyers --sql --dialect postgres --as-of 2026-03-01
-- aud explain nordic_buyers --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=buyers f1=email_ok f2=nordic_buyers f3=nordic_buyers.spent
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0, t1.v AS t1 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'country' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, b AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'email_opt_in' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'b') x WHERE rn = 1) t1 ON t1.pid = p.pid),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, COALESCE(SUM(x.v ORDER BY x.pos), CAST(0 AS DOUBLE PRECISION)) AS v FROM (SELECT e.pid, e.pos, COALESCE(CAST((e.pf ->> 'revenue') AS DOUBLE PRECISION), CAST(CAST((e.pi ->> 'revenue') AS BIGINT) AS DOUBLE PRECISION)) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, tr.t0, tr.t1, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0, COALESCE(s1.v, CAST('0' AS DOUBLE PRECISION)) AS s1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0, COALESCE(COALESCE((t1 = TRUE), FALSE), FALSE) AS f1, s1 AS f3 FROM base),
l2 AS (SELECT *, COALESCE((COALESCE((COALESCE(f0, FALSE) AND COALESCE(f1, FALSE)), FALSE) AND COALESCE(COALESCE((t0 IN (CAST('SE' AS TEXT), CAST('NO' AS TEXT))), FALSE), FALSE)), FALSE) AS f2 FROM l1)
SELECT pid, f0, f1, f2, f3 FROM l2 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain nordic_buyers --sql --dialect duckdb --as-of 2026-03-01
-- aud explain nordic_buyers --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=buyers f1=email_ok f2=nordic_buyers f3=nordic_buyers.spent
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0, t1.v AS t1 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'country' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, b AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'email_opt_in' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'b') x WHERE rn = 1) t1 ON t1.pid = p.pid),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, COALESCE(list_reduce(list(x.v ORDER BY x.pos) FILTER (WHERE x.v IS NOT NULL), (a, b) -> a + b), CAST(0 AS DOUBLE)) AS v FROM (SELECT e.pid, e.pos, COALESCE(CAST(json_extract_string(e.pf, '$."revenue"') AS DOUBLE), CAST(CAST(json_extract_string(e.pi, '$."revenue"') AS BIGINT) AS DOUBLE)) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, tr.t0, tr.t1, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0, COALESCE(s1.v, CAST('0' AS DOUBLE)) AS s1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0, COALESCE(COALESCE((t1 = TRUE), FALSE), FALSE) AS f1, s1 AS f3 FROM base),
l2 AS (SELECT *, COALESCE((COALESCE((COALESCE(f0, FALSE) AND COALESCE(f1, FALSE)), FALSE) AND COALESCE(COALESCE((t0 IN (CAST('SE' AS VARCHAR), CAST('NO' AS VARCHAR))), FALSE), FALSE)), FALSE) AS f2 FROM l1)
SELECT pid, f0, f1, f2, f3 FROM l2 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain not_consented --sql --dialect postgres --as-of 2026-03-01
-- aud explain not_consented --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=buyers f1=email_ok f4=not_consented
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t1.v AS t1 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, b AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'email_opt_in' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'b') x WHERE rn = 1) t1 ON t1.pid = p.pid),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, tr.t1, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0, COALESCE(COALESCE((t1 = TRUE), FALSE), FALSE) AS f1 FROM base),
l2 AS (SELECT *, COALESCE((COALESCE(f0, FALSE) AND COALESCE((NOT COALESCE(f1, FALSE)), FALSE)), FALSE) AS f4 FROM l1)
SELECT pid, f0, f1, f4 FROM l2 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain not_consented --sql --dialect duckdb --as-of 2026-03-01
-- aud explain not_consented --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=buyers f1=email_ok f4=not_consented
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t1.v AS t1 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, b AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'email_opt_in' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'b') x WHERE rn = 1) t1 ON t1.pid = p.pid),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, tr.t1, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0, COALESCE(COALESCE((t1 = TRUE), FALSE), FALSE) AS f1 FROM base),
l2 AS (SELECT *, COALESCE((COALESCE(f0, FALSE) AND COALESCE((NOT COALESCE(f1, FALSE)), FALSE)), FALSE) AS f4 FROM l1)
SELECT pid, f0, f1, f4 FROM l2 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
