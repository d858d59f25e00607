# aud explain pings --sql --dialect postgres --as-of 2026-03-01
-- aud explain pings --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=pings f1=pings.since_feb f2=pings.before_noon f3=pings.low_tags f4=pings.high_tags
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND COALESCE(COALESCE((e.ts >= CAST(1769904000000 AS BIGINT)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
s2 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND COALESCE(COALESCE((e.ts < CAST(1769947200000 AS BIGINT)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
s3 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND COALESCE(COALESCE((((e.ps ->> 'tag') COLLATE "C") < (CAST('a' AS TEXT) COLLATE "C")), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
s4 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND COALESCE(COALESCE((((e.ps ->> 'tag') COLLATE "C") >= (CAST('a' AS TEXT) COLLATE "C")), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1, COALESCE(s2.v, CAST(0 AS BIGINT)) AS s2, COALESCE(s3.v, CAST(0 AS BIGINT)) AS s3, COALESCE(s4.v, CAST(0 AS BIGINT)) AS s4 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid LEFT JOIN s2 ON s2.pid = p.pid LEFT JOIN s3 ON s3.pid = p.pid LEFT JOIN s4 ON s4.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0, s1 AS f1, s2 AS f2, s3 AS f3, s4 AS f4 FROM base)
SELECT pid, f0, f1, f2, f3, f4 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain pings --sql --dialect duckdb --as-of 2026-03-01
-- aud explain pings --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=pings f1=pings.since_feb f2=pings.before_noon f3=pings.low_tags f4=pings.high_tags
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND TRUE) x GROUP BY x.pid),
s1 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND COALESCE(COALESCE((e.ts >= CAST(1769904000000 AS BIGINT)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
s2 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND COALESCE(COALESCE((e.ts < CAST(1769947200000 AS BIGINT)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
s3 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND COALESCE(COALESCE((json_extract_string(e.ps, '$."tag"') < CAST('a' AS VARCHAR)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
s4 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Ping' AND COALESCE(COALESCE((json_extract_string(e.ps, '$."tag"') >= CAST('a' AS VARCHAR)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1, COALESCE(s2.v, CAST(0 AS BIGINT)) AS s2, COALESCE(s3.v, CAST(0 AS BIGINT)) AS s3, COALESCE(s4.v, CAST(0 AS BIGINT)) AS s4 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid LEFT JOIN s2 ON s2.pid = p.pid LEFT JOIN s3 ON s3.pid = p.pid LEFT JOIN s4 ON s4.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0, s1 AS f1, s2 AS f2, s3 AS f3, s4 AS f4 FROM base)
SELECT pid, f0, f1, f2, f3, f4 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
