# aud explain gmail --sql --dialect postgres --as-of 2026-03-01
-- aud explain gmail --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f2=gmail
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'email' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(CASE WHEN t0 IS NULL OR CAST('@gmail.com' AS TEXT) IS NULL THEN FALSE ELSE COALESCE((length(t0) >= length(CAST('@gmail.com' AS TEXT)) AND right(t0, length(CAST('@gmail.com' AS TEXT))) = CAST('@gmail.com' AS TEXT)), FALSE) END, FALSE) AS f2 FROM base)
SELECT pid, f2 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain gmail --sql --dialect duckdb --as-of 2026-03-01
-- aud explain gmail --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f2=gmail
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'email' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(CASE WHEN t0 IS NULL OR CAST('@gmail.com' AS VARCHAR) IS NULL THEN FALSE ELSE COALESCE((length(t0) >= length(CAST('@gmail.com' AS VARCHAR)) AND right(t0, length(CAST('@gmail.com' AS VARCHAR))) = CAST('@gmail.com' AS VARCHAR)), FALSE) END, FALSE) AS f2 FROM base)
SELECT pid, f2 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain not_gmail --sql --dialect postgres --as-of 2026-03-01
-- aud explain not_gmail --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f3=not_gmail
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'email' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE((NOT COALESCE(CASE WHEN t0 IS NULL OR CAST('@gmail.com' AS TEXT) IS NULL THEN FALSE ELSE COALESCE((length(t0) >= length(CAST('@gmail.com' AS TEXT)) AND right(t0, length(CAST('@gmail.com' AS TEXT))) = CAST('@gmail.com' AS TEXT)), FALSE) END, FALSE)), FALSE) AS f3 FROM base)
SELECT pid, f3 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain not_gmail --sql --dialect duckdb --as-of 2026-03-01
-- aud explain not_gmail --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f3=not_gmail
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'email' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE((NOT COALESCE(CASE WHEN t0 IS NULL OR CAST('@gmail.com' AS VARCHAR) IS NULL THEN FALSE ELSE COALESCE((length(t0) >= length(CAST('@gmail.com' AS VARCHAR)) AND right(t0, length(CAST('@gmail.com' AS VARCHAR))) = CAST('@gmail.com' AS VARCHAR)), FALSE) END, FALSE)), FALSE) AS f3 FROM base)
SELECT pid, f3 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain docs_reader --sql --dialect postgres --as-of 2026-03-01
-- aud explain docs_reader --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=docs_reader
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'page' AND COALESCE(CASE WHEN (e.ps ->> 'url') IS NULL OR CAST('/docs/' AS TEXT) IS NULL THEN FALSE ELSE COALESCE((substr((e.ps ->> 'url'), 1, length(CAST('/docs/' AS TEXT))) = CAST('/docs/' AS TEXT)), FALSE) END, FALSE) AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain docs_reader --sql --dialect duckdb --as-of 2026-03-01
-- aud explain docs_reader --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f0=docs_reader
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'page' AND COALESCE(CASE WHEN json_extract_string(e.ps, '$."url"') IS NULL OR CAST('/docs/' AS VARCHAR) IS NULL THEN FALSE ELSE COALESCE((substr(json_extract_string(e.ps, '$."url"'), 1, length(CAST('/docs/' AS VARCHAR))) = CAST('/docs/' AS VARCHAR)), FALSE) END, FALSE) AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s0.v, CAST(0 AS BIGINT)) AS s0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s0 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain pricing --sql --dialect postgres --as-of 2026-03-01
-- aud explain pricing --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f4=pricing
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s1 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'page' AND COALESCE(CASE WHEN (e.ps ->> 'url') IS NULL OR CAST('pricing' AS TEXT) IS NULL THEN FALSE ELSE COALESCE((CAST('pricing' AS TEXT) = '' OR strpos((e.ps ->> 'url'), CAST('pricing' AS TEXT)) > 0), FALSE) END, FALSE) AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s1 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f4 FROM base)
SELECT pid, f4 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain pricing --sql --dialect duckdb --as-of 2026-03-01
-- aud explain pricing --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f4=pricing
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s1 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'page' AND COALESCE(CASE WHEN json_extract_string(e.ps, '$."url"') IS NULL OR CAST('pricing' AS VARCHAR) IS NULL THEN FALSE ELSE COALESCE((CAST('pricing' AS VARCHAR) = '' OR strpos(json_extract_string(e.ps, '$."url"'), CAST('pricing' AS VARCHAR)) > 0), FALSE) END, FALSE) AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s1 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f4 FROM base)
SELECT pid, f4 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain empty_needle --sql --dialect postgres --as-of 2026-03-01
-- aud explain empty_needle --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f1=empty_needle
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'email' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(CASE WHEN t0 IS NULL OR CAST('' AS TEXT) IS NULL THEN FALSE ELSE COALESCE((CAST('' AS TEXT) = '' OR strpos(t0, CAST('' AS TEXT)) > 0), FALSE) END, FALSE) AS f1 FROM base)
SELECT pid, f1 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain empty_needle --sql --dialect duckdb --as-of 2026-03-01
-- aud explain empty_needle --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- members: one row per profile, ordered by pid; columns f1=empty_needle
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, s AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'email' AND ts <= CAST(1772323200000 AS BIGINT) AND kind = 's') x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(CASE WHEN t0 IS NULL OR CAST('' AS VARCHAR) IS NULL THEN FALSE ELSE COALESCE((CAST('' AS VARCHAR) = '' OR strpos(t0, CAST('' AS VARCHAR)) > 0), FALSE) END, FALSE) AS f1 FROM base)
SELECT pid, f1 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
