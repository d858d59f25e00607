-- Q4: the funnel viewed -> added within 1h -> ordered within 1d, in event
-- order (`seq`). For each add, the latest view before it is the best start
-- (ASOF JOIN: the nearest earlier seq of the same pid); for each order, the
-- latest qualifying add before it. (Faster here than the same with window
-- functions over the three event types.)
WITH v AS (SELECT pid, seq, ts FROM events WHERE type = 'Product Viewed' AND ts <= {AS_OF}),
     a AS (SELECT pid, seq, ts FROM events WHERE type = 'Product Added' AND ts <= {AS_OF}),
     o AS (SELECT pid, seq, ts FROM events WHERE type = 'Order Completed' AND ts <= {AS_OF}),
     a_ok AS (SELECT a.pid, a.seq, a.ts FROM a ASOF JOIN v ON a.pid = v.pid AND a.seq > v.seq
              WHERE a.ts - v.ts <= 3600000)
SELECT DISTINCT o.pid
FROM o ASOF JOIN a_ok ON o.pid = a_ok.pid AND o.seq > a_ok.seq
WHERE o.ts - a_ok.ts <= 86400000
ORDER BY o.pid
