# aud explain round_avg --sql --dialect postgres --as-of 2026-03-01
-- aud explain round_avg --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- helpers, once per session
SET extra_float_digits = 1;
CREATE OR REPLACE FUNCTION pg_temp.aud_round(x DOUBLE PRECISION, d BIGINT)
RETURNS DOUBLE PRECISION LANGUAGE sql IMMUTABLE STRICT AS $aud$
SELECT CASE
  WHEN x = 0 OR x IN (CAST('Infinity' AS DOUBLE PRECISION), CAST('-Infinity' AS DOUBLE PRECISION), CAST('NaN' AS DOUBLE PRECISION)) THEN x
  WHEN d >= scale(n) THEN x
  WHEN d < -400 THEN CASE WHEN x < 0 THEN CAST('-0' AS DOUBLE PRECISION) ELSE CAST('0' AS DOUBLE PRECISION) END
  ELSE (SELECT CASE
      WHEN r = 0 THEN CASE WHEN x < 0 THEN CAST('-0' AS DOUBLE PRECISION) ELSE CAST('0' AS DOUBLE PRECISION) END
      WHEN abs(r) >= 179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792 THEN CASE WHEN x < 0 THEN CAST('-Infinity' AS DOUBLE PRECISION) ELSE CAST('Infinity' AS DOUBLE PRECISION) END
      ELSE CAST(r AS DOUBLE PRECISION) END
    FROM (SELECT round(n, CAST(d AS INTEGER)) AS r) q)
END
FROM (SELECT CAST(CAST(x AS TEXT) AS NUMERIC) AS n) s
$aud$;
-- members: one row per profile, ordered by pid; columns f0=round_avg
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, CASE WHEN COUNT(x.v) > 0 THEN COALESCE(SUM(x.v ORDER BY x.pos), CAST(0 AS DOUBLE PRECISION)) / COUNT(x.v) END AS v FROM (SELECT e.pid, e.pos, COALESCE(CAST((e.pf ->> 'revenue') AS DOUBLE PRECISION), CAST(CAST((e.pi ->> 'revenue') AS BIGINT) AS DOUBLE PRECISION)) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, s0.v AS s0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((CASE WHEN CAST(0 AS BIGINT) IS NULL THEN NULL ELSE pg_temp.aud_round(s0, GREATEST(LEAST(CAST(0 AS BIGINT), CAST(1000 AS BIGINT)), CAST(-1000 AS BIGINT))) END >= CAST(CAST(100 AS BIGINT) AS DOUBLE PRECISION)), FALSE), FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain round_avg --sql --dialect duckdb --as-of 2026-03-01
-- aud explain round_avg --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- helpers, once per session
CREATE OR REPLACE TEMP MACRO aud_round_q(x, d, m, e, k) AS CASE
  WHEN k > 20 THEN CAST(0 AS HUGEINT)
  ELSE CAST(m AS HUGEINT) // CAST(power(10, k) AS HUGEINT) + CASE WHEN 2 * (CAST(m AS HUGEINT) % CAST(power(10, k) AS HUGEINT)) >= CAST(power(10, k) AS HUGEINT) THEN 1 ELSE 0 END END;
CREATE OR REPLACE TEMP MACRO aud_round_r(x, d, q) AS CASE
  WHEN q = 0 THEN CASE WHEN x < 0 THEN CAST('-0.0' AS DOUBLE) ELSE CAST(0 AS DOUBLE) END
  WHEN length(CAST(q AS VARCHAR)) - d > 309 OR (length(CAST(q AS VARCHAR)) - d = 309 AND rpad(CAST(q AS VARCHAR), 309, '0') >= '179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792') THEN CASE WHEN x < 0 THEN CAST('-inf' AS DOUBLE) ELSE CAST('inf' AS DOUBLE) END
  ELSE CASE WHEN x < 0 THEN -1 ELSE 1 END * CAST(CAST(q AS VARCHAR) || 'e' || CAST(-d AS VARCHAR) AS DOUBLE) END;
CREATE OR REPLACE TEMP MACRO aud_round_m(x, d, m, e) AS CASE
  WHEN d >= -e THEN x
  ELSE aud_round_r(x, d, aud_round_q(x, d, m, e, -e - d)) END;
CREATE OR REPLACE TEMP MACRO aud_round_t(x, d, t) AS aud_round_m(x, d,
  replace(split_part(t, 'e', 1), '.', ''),
  CASE WHEN strpos(t, 'e') > 0 THEN CAST(split_part(t, 'e', 2) AS BIGINT) ELSE 0 END
  - CASE WHEN strpos(split_part(t, 'e', 1), '.') > 0 THEN length(split_part(split_part(t, 'e', 1), '.', 2)) ELSE 0 END);
CREATE OR REPLACE TEMP MACRO aud_round(x, d) AS CASE
  WHEN x IS NULL OR d IS NULL THEN NULL
  WHEN x = 0 OR isinf(x) OR isnan(x) THEN x
  ELSE aud_round_t(x, d, lower(CAST(abs(x) AS VARCHAR))) END;
-- members: one row per profile, ordered by pid; columns f0=round_avg
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s0 AS (SELECT x.pid, CASE WHEN COUNT(x.v) > 0 THEN COALESCE(list_reduce(list(x.v ORDER BY x.pos) FILTER (WHERE x.v IS NOT NULL), (a, b) -> a + b), CAST(0 AS DOUBLE)) / COUNT(x.v) END AS v FROM (SELECT e.pid, e.pos, COALESCE(CAST(json_extract_string(e.pf, '$."revenue"') AS DOUBLE), CAST(CAST(json_extract_string(e.pi, '$."revenue"') AS BIGINT) AS DOUBLE)) AS v FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, s0.v AS s0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s0 ON s0.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((CASE WHEN CAST(0 AS BIGINT) IS NULL THEN NULL ELSE aud_round(s0, GREATEST(LEAST(CAST(0 AS BIGINT), CAST(1000 AS BIGINT)), CAST(-1000 AS BIGINT))) END >= CAST(CAST(100 AS BIGINT) AS DOUBLE)), FALSE), FALSE) AS f0 FROM base)
SELECT pid, f0 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain tens_of_50 --sql --dialect postgres --as-of 2026-03-01
-- aud explain tens_of_50 --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- helpers, once per session
SET extra_float_digits = 1;
CREATE OR REPLACE FUNCTION pg_temp.aud_round(x DOUBLE PRECISION, d BIGINT)
RETURNS DOUBLE PRECISION LANGUAGE sql IMMUTABLE STRICT AS $aud$
SELECT CASE
  WHEN x = 0 OR x IN (CAST('Infinity' AS DOUBLE PRECISION), CAST('-Infinity' AS DOUBLE PRECISION), CAST('NaN' AS DOUBLE PRECISION)) THEN x
  WHEN d >= scale(n) THEN x
  WHEN d < -400 THEN CASE WHEN x < 0 THEN CAST('-0' AS DOUBLE PRECISION) ELSE CAST('0' AS DOUBLE PRECISION) END
  ELSE (SELECT CASE
      WHEN r = 0 THEN CASE WHEN x < 0 THEN CAST('-0' AS DOUBLE PRECISION) ELSE CAST('0' AS DOUBLE PRECISION) END
      WHEN abs(r) >= 179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792 THEN CASE WHEN x < 0 THEN CAST('-Infinity' AS DOUBLE PRECISION) ELSE CAST('Infinity' AS DOUBLE PRECISION) END
      ELSE CAST(r AS DOUBLE PRECISION) END
    FROM (SELECT round(n, CAST(d AS INTEGER)) AS r) q)
END
FROM (SELECT CAST(CAST(x AS TEXT) AS NUMERIC) AS n) s
$aud$;
-- members: one row per profile, ordered by pid; columns f2=tens_of_50
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s1 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(COALESCE((CASE WHEN CAST(((((-CAST(CAST(1 AS BIGINT) AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) + CAST('18446744073709551616' AS NUMERIC) + CAST('9223372036854775808' AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) - CAST('9223372036854775808' AS NUMERIC) AS BIGINT) IS NULL THEN NULL ELSE pg_temp.aud_round(COALESCE(CAST((e.pf ->> 'revenue') AS DOUBLE PRECISION), CAST(CAST((e.pi ->> 'revenue') AS BIGINT) AS DOUBLE PRECISION)), GREATEST(LEAST(CAST(((((-CAST(CAST(1 AS BIGINT) AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) + CAST('18446744073709551616' AS NUMERIC) + CAST('9223372036854775808' AS NUMERIC)) % CAST('18446744073709551616' AS NUMERIC)) - CAST('9223372036854775808' AS NUMERIC) AS BIGINT), CAST(1000 AS BIGINT)), CAST(-1000 AS BIGINT))) END = CAST(CAST(50 AS BIGINT) AS DOUBLE PRECISION)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s1 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f2 FROM base)
SELECT pid, f2 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain tens_of_50 --sql --dialect duckdb --as-of 2026-03-01
-- aud explain tens_of_50 --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- helpers, once per session
CREATE OR REPLACE TEMP MACRO aud_round_q(x, d, m, e, k) AS CASE
  WHEN k > 20 THEN CAST(0 AS HUGEINT)
  ELSE CAST(m AS HUGEINT) // CAST(power(10, k) AS HUGEINT) + CASE WHEN 2 * (CAST(m AS HUGEINT) % CAST(power(10, k) AS HUGEINT)) >= CAST(power(10, k) AS HUGEINT) THEN 1 ELSE 0 END END;
CREATE OR REPLACE TEMP MACRO aud_round_r(x, d, q) AS CASE
  WHEN q = 0 THEN CASE WHEN x < 0 THEN CAST('-0.0' AS DOUBLE) ELSE CAST(0 AS DOUBLE) END
  WHEN length(CAST(q AS VARCHAR)) - d > 309 OR (length(CAST(q AS VARCHAR)) - d = 309 AND rpad(CAST(q AS VARCHAR), 309, '0') >= '179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792') THEN CASE WHEN x < 0 THEN CAST('-inf' AS DOUBLE) ELSE CAST('inf' AS DOUBLE) END
  ELSE CASE WHEN x < 0 THEN -1 ELSE 1 END * CAST(CAST(q AS VARCHAR) || 'e' || CAST(-d AS VARCHAR) AS DOUBLE) END;
CREATE OR REPLACE TEMP MACRO aud_round_m(x, d, m, e) AS CASE
  WHEN d >= -e THEN x
  ELSE aud_round_r(x, d, aud_round_q(x, d, m, e, -e - d)) END;
CREATE OR REPLACE TEMP MACRO aud_round_t(x, d, t) AS aud_round_m(x, d,
  replace(split_part(t, 'e', 1), '.', ''),
  CASE WHEN strpos(t, 'e') > 0 THEN CAST(split_part(t, 'e', 2) AS BIGINT) ELSE 0 END
  - CASE WHEN strpos(split_part(t, 'e', 1), '.') > 0 THEN length(split_part(split_part(t, 'e', 1), '.', 2)) ELSE 0 END);
CREATE OR REPLACE TEMP MACRO aud_round(x, d) AS CASE
  WHEN x IS NULL OR d IS NULL THEN NULL
  WHEN x = 0 OR isinf(x) OR isnan(x) THEN x
  ELSE aud_round_t(x, d, lower(CAST(abs(x) AS VARCHAR))) END;
-- members: one row per profile, ordered by pid; columns f2=tens_of_50
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid FROM aud_profiles p),
s1 AS (SELECT x.pid, COUNT(*) AS v FROM (SELECT e.pid, e.pos FROM ev e LEFT JOIN tr ON tr.pid = e.pid WHERE e.type = 'track:Order Completed' AND COALESCE(COALESCE((CASE WHEN CAST(((((-CAST(CAST(1 AS BIGINT) AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) + CAST('18446744073709551616' AS HUGEINT) + CAST('9223372036854775808' AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) - CAST('9223372036854775808' AS HUGEINT) AS BIGINT) IS NULL THEN NULL ELSE aud_round(COALESCE(CAST(json_extract_string(e.pf, '$."revenue"') AS DOUBLE), CAST(CAST(json_extract_string(e.pi, '$."revenue"') AS BIGINT) AS DOUBLE)), GREATEST(LEAST(CAST(((((-CAST(CAST(1 AS BIGINT) AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) + CAST('18446744073709551616' AS HUGEINT) + CAST('9223372036854775808' AS HUGEINT)) % CAST('18446744073709551616' AS HUGEINT)) - CAST('9223372036854775808' AS HUGEINT) AS BIGINT), CAST(1000 AS BIGINT)), CAST(-1000 AS BIGINT))) END = CAST(CAST(50 AS BIGINT) AS DOUBLE)), FALSE), FALSE) AND TRUE) x GROUP BY x.pid),
base AS (SELECT p.pid, COALESCE(s1.v, CAST(0 AS BIGINT)) AS s1 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid LEFT JOIN s1 ON s1.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((s1 >= CAST(1 AS BIGINT)), FALSE), FALSE) AS f2 FROM base)
SELECT pid, f2 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain score_03 --sql --dialect postgres --as-of 2026-03-01
-- aud explain score_03 --sql --dialect postgres (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- helpers, once per session
SET extra_float_digits = 1;
CREATE OR REPLACE FUNCTION pg_temp.aud_round(x DOUBLE PRECISION, d BIGINT)
RETURNS DOUBLE PRECISION LANGUAGE sql IMMUTABLE STRICT AS $aud$
SELECT CASE
  WHEN x = 0 OR x IN (CAST('Infinity' AS DOUBLE PRECISION), CAST('-Infinity' AS DOUBLE PRECISION), CAST('NaN' AS DOUBLE PRECISION)) THEN x
  WHEN d >= scale(n) THEN x
  WHEN d < -400 THEN CASE WHEN x < 0 THEN CAST('-0' AS DOUBLE PRECISION) ELSE CAST('0' AS DOUBLE PRECISION) END
  ELSE (SELECT CASE
      WHEN r = 0 THEN CASE WHEN x < 0 THEN CAST('-0' AS DOUBLE PRECISION) ELSE CAST('0' AS DOUBLE PRECISION) END
      WHEN abs(r) >= 179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792 THEN CASE WHEN x < 0 THEN CAST('-Infinity' AS DOUBLE PRECISION) ELSE CAST('Infinity' AS DOUBLE PRECISION) END
      ELSE CAST(r AS DOUBLE PRECISION) END
    FROM (SELECT round(n, CAST(d AS INTEGER)) AS r) q)
END
FROM (SELECT CAST(CAST(x AS TEXT) AS NUMERIC) AS n) s
$aud$;
-- members: one row per profile, ordered by pid; columns f1=score_03
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, CASE WHEN kind = 'i' THEN CAST(i AS DOUBLE PRECISION) ELSE f END AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'score' AND ts <= CAST(1772323200000 AS BIGINT) AND kind IN ('i', 'f')) x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((CASE WHEN CAST(1 AS BIGINT) IS NULL THEN NULL ELSE pg_temp.aud_round(t0, GREATEST(LEAST(CAST(1 AS BIGINT), CAST(1000 AS BIGINT)), CAST(-1000 AS BIGINT))) END = CAST('0.3' AS DOUBLE PRECISION)), FALSE), FALSE) AS f1 FROM base)
SELECT pid, f1 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
# aud explain score_03 --sql --dialect duckdb --as-of 2026-03-01
-- aud explain score_03 --sql --dialect duckdb (as_of 2026-03-01T00:00:00Z)
-- over the tables aud_profiles, aud_events, aud_traits, aud_ids, aud_imports (docs/sql-engine.md)
-- helpers, once per session
CREATE OR REPLACE TEMP MACRO aud_round_q(x, d, m, e, k) AS CASE
  WHEN k > 20 THEN CAST(0 AS HUGEINT)
  ELSE CAST(m AS HUGEINT) // CAST(power(10, k) AS HUGEINT) + CASE WHEN 2 * (CAST(m AS HUGEINT) % CAST(power(10, k) AS HUGEINT)) >= CAST(power(10, k) AS HUGEINT) THEN 1 ELSE 0 END END;
CREATE OR REPLACE TEMP MACRO aud_round_r(x, d, q) AS CASE
  WHEN q = 0 THEN CASE WHEN x < 0 THEN CAST('-0.0' AS DOUBLE) ELSE CAST(0 AS DOUBLE) END
  WHEN length(CAST(q AS VARCHAR)) - d > 309 OR (length(CAST(q AS VARCHAR)) - d = 309 AND rpad(CAST(q AS VARCHAR), 309, '0') >= '179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792') THEN CASE WHEN x < 0 THEN CAST('-inf' AS DOUBLE) ELSE CAST('inf' AS DOUBLE) END
  ELSE CASE WHEN x < 0 THEN -1 ELSE 1 END * CAST(CAST(q AS VARCHAR) || 'e' || CAST(-d AS VARCHAR) AS DOUBLE) END;
CREATE OR REPLACE TEMP MACRO aud_round_m(x, d, m, e) AS CASE
  WHEN d >= -e THEN x
  ELSE aud_round_r(x, d, aud_round_q(x, d, m, e, -e - d)) END;
CREATE OR REPLACE TEMP MACRO aud_round_t(x, d, t) AS aud_round_m(x, d,
  replace(split_part(t, 'e', 1), '.', ''),
  CASE WHEN strpos(t, 'e') > 0 THEN CAST(split_part(t, 'e', 2) AS BIGINT) ELSE 0 END
  - CASE WHEN strpos(split_part(t, 'e', 1), '.') > 0 THEN length(split_part(split_part(t, 'e', 1), '.', 2)) ELSE 0 END);
CREATE OR REPLACE TEMP MACRO aud_round(x, d) AS CASE
  WHEN x IS NULL OR d IS NULL THEN NULL
  WHEN x = 0 OR isinf(x) OR isnan(x) THEN x
  ELSE aud_round_t(x, d, lower(CAST(abs(x) AS VARCHAR))) END;
-- members: one row per profile, ordered by pid; columns f1=score_03
WITH ev AS (SELECT pid, pos, type, ts, pi, pf, pb, ps, pt FROM aud_events WHERE ts <= CAST(1772323200000 AS BIGINT)),
tr AS (SELECT p.pid, t0.v AS t0 FROM aud_profiles p LEFT JOIN (SELECT pid, v FROM (SELECT pid, CASE WHEN kind = 'i' THEN CAST(i AS DOUBLE) ELSE f END AS v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts DESC, pos DESC) AS rn FROM aud_traits WHERE name = 'score' AND ts <= CAST(1772323200000 AS BIGINT) AND kind IN ('i', 'f')) x WHERE rn = 1) t0 ON t0.pid = p.pid),
base AS (SELECT p.pid, tr.t0 FROM aud_profiles p LEFT JOIN tr ON tr.pid = p.pid),
l1 AS (SELECT *, COALESCE(COALESCE((CASE WHEN CAST(1 AS BIGINT) IS NULL THEN NULL ELSE aud_round(t0, GREATEST(LEAST(CAST(1 AS BIGINT), CAST(1000 AS BIGINT)), CAST(-1000 AS BIGINT))) END = CAST('0.3' AS DOUBLE)), FALSE), FALSE) AS f1 FROM base)
SELECT pid, f1 FROM l1 ORDER BY pid;
-- identities: (pid, identity, value)
WITH tr AS (SELECT p.pid FROM aud_profiles p)
SELECT pid, identity, value FROM (SELECT pid, 0 AS identity, value AS value FROM aud_ids WHERE ns = 'userId' AND value <> '') x;
