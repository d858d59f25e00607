# aud explain out --sql --dialect postgres --as-of 2026-03-01
-- aud explain out --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=out f1=out.big f2=out.items f3=out.vip f4=out.is_big f5=out.note f6=out.none
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0, t1.v AS t1 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'big' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, b AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'vip' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'b') x WHERE rn = 1) t1 ON t1.pid = p.pid),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, CAST(((((COALESCE(SUM(CAST(x.v AS NUMERIC)), 0)) % CAST('18446744073709551616' AS NUMERIC)) + CAST('18446744073709551616' AS NUMERIC) + CAST('9223372036854775808' AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) - CAST('9223372036854775808' AS NUMERIC) AS BIGINT) AS v FROM (SELECT e.pid, e.pos, CAST((e.pi ->> 'quantity') AS BIGINT) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s2 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, (e.ps ->> 'note') AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos DESC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s3 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, (e.ps ->> 'note') AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos ASC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(COALESCE((CAST((e.pi ->> 'quantity') AS BIGINT) > CAST(1000 AS BIGINT)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, tr.t0, tr.t1, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1, s2.v AS s2, s3.v AS s3 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid LEFT JOIN s2 ON s2.pid = p.pid LEFT JOIN s3 ON s3.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0, t0 AS f1, s1 AS f2, t1 AS f3, COALESCE((t0 > CAST(0 AS BIGINT)), FALSE) AS f4, s2 AS f5, s3 AS f6 FROM base)
SELECT pid, f0, f1, f2, f3, f4, f5, f6 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain out --sql --dialect duckdb --as-of 2026-03-01
-- aud explain out --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=out f1=out.big f2=out.items f3=out.vip f4=out.is_big f5=out.note f6=out.none
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0, t1.v AS t1 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, i AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'big' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'i') x WHERE rn = 1) t0 ON t0.pid = p.pid LEFT JOIN (SELECT pid, v FROM (SELECT pid, b AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'vip' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 'b') x WHERE rn = 1) t1 ON t1.pid = p.pid),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, CAST(((((COALESCE(SUM(CAST(x.v AS HUGEINT)), 0)) % CAST('18446744073709551616' AS HUGEINT)) + CAST('18446744073709551616' AS HUGEINT) + CAST('9223372036854775808' AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) - CAST('9223372036854775808' AS HUGEINT) AS BIGINT) AS v FROM (SELECT e.pid, e.pos, CAST(json_extract_string(e.pi, '$."quantity"') AS BIGINT) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s2 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, json_extract_string(e.ps, '$."note"') AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos DESC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
s3 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, json_extract_string(e.ps, '$."note"') AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos ASC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(COALESCE((CAST(json_extract_string(e.pi, '$."quantity"') AS BIGINT) > CAST(1000 AS BIGINT)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, tr.t0, tr.t1, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1, s2.v AS s2, s3.v AS s3 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid LEFT JOIN s2 ON s2.pid = p.pid LEFT JOIN s3 ON s3.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0, t0 AS f1, s1 AS f2, t1 AS f3, COALESCE((t0 > CAST(0 AS BIGINT)), FALSE) AS f4, s2 AS f5, s3 AS f6 FROM base)
SELECT pid, f0, f1, f2, f3, f4, f5, f6 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
