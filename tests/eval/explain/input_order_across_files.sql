# aud explain ties --sql --dialect postgres --as-of 2026-03-01
-- aud explain ties --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=ties f1=ties.first_sku f2=ties.last_sku f3=ties.country f4=ties.add_then_view f5=ties.view_then_add
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'country' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Product Viewed' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, (e.ps ->> 'sku') AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos ASC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Product Viewed' AND TRUE) x GROUP BY x.pid),
s2 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, (e.ps ->> 'sku') AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos DESC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Product Viewed' AND TRUE) x GROUP BY x.pid),
q3_0 AS (SELECT e.pid, e.pos, e.ts FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Product Added' AND TRUE),
q3_1 AS (SELECT o.pid, o.pos, o.ts FROM (SELECT e.pid, e.pos, e.ts FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Product Viewed') o WHERE EXISTS (SELECT 1 FROM q3_0 c WHERE c.pid = o.pid AND c.pos < o.pos)),
s3 AS (SELECT DISTINCT pid FROM q3_1),
q4_0 AS (SELECT e.pid, e.pos, e.ts FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Product Viewed' AND TRUE),
q4_1 AS (SELECT o.pid, o.pos, o.ts FROM (SELECT e.pid, e.pos, e.ts FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Product Added') o WHERE EXISTS (SELECT 1 FROM q4_0 c WHERE c.pid = o.pid AND c.pos < o.pos)),
s4 AS (SELECT DISTINCT pid FROM q4_1),
base AS (SELECT p.pid, tr.t0, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0, s1.v AS s1, s2.v AS s2, (s3.pid IS NOT NULL) AS s3, (s4.pid IS NOT NULL) AS s4 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid LEFT JOIN s2 ON s2.pid = p.pid LEFT JOIN s3 ON s3.pid = p.pid LEFT JOIN s4 ON s4.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0, s1 AS f1, s2 AS f2, t0 AS f3, s3 AS f4, s4 AS f5 FROM base)
SELECT pid, f0, f1, f2, f3, f4, f5 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain ties --sql --dialect duckdb --as-of 2026-03-01
-- aud explain ties --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=ties f1=ties.first_sku f2=ties.last_sku f3=ties.country f4=ties.add_then_view f5=ties.view_then_add
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'country' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Product Viewed' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, json_extract_string(e.ps, '$."sku"') AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos ASC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Product Viewed' AND TRUE) x GROUP BY x.pid),
s2 AS (SELECT x.pid, MAX(CASE WHEN x.r = 1 THEN x.v END) AS v FROM (SELECT e.pid, e.pos, json_extract_string(e.ps, '$."sku"') AS v, ROW_NUMBER() OVER (PARTITION BY e.pid ORDER BY e.pos DESC) AS r FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Product Viewed' AND TRUE) x GROUP BY x.pid),
q3_0 AS (SELECT e.pid, e.pos, e.ts FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Product Added' AND TRUE),
q3_1 AS (SELECT o.pid, o.pos, o.ts FROM (SELECT e.pid, e.pos, e.ts FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Product Viewed') o WHERE EXISTS (SELECT 1 FROM q3_0 c WHERE c.pid = o.pid AND c.pos < o.pos)),
s3 AS (SELECT DISTINCT pid FROM q3_1),
q4_0 AS (SELECT e.pid, e.pos, e.ts FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Product Viewed' AND TRUE),
q4_1 AS (SELECT o.pid, o.pos, o.ts FROM (SELECT e.pid, e.pos, e.ts FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Product Added') o WHERE EXISTS (SELECT 1 FROM q4_0 c WHERE c.pid = o.pid AND c.pos < o.pos)),
s4 AS (SELECT DISTINCT pid FROM q4_1),
base AS (SELECT p.pid, tr.t0, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0, s1.v AS s1, s2.v AS s2, (s3.pid IS NOT NULL) AS s3, (s4.pid IS NOT NULL) AS s4 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid LEFT JOIN s2 ON s2.pid = p.pid LEFT JOIN s3 ON s3.pid = p.pid LEFT JOIN s4 ON s4.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0, s1 AS f1, s2 AS f2, t0 AS f3, s3 AS f4, s4 AS f5 FROM base)
SELECT pid, f0, f1, f2, f3, f4, f5 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
