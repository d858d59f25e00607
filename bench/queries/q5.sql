-- Q5: searched with no order within 1d, or no login for 60 days.
-- A search qualifies when its day has passed by {AS_OF} and the first order
-- after it in event order (ASOF LEFT JOIN: the nearest later seq) is more
-- than a day later, or there is none. 60 days = 5184000000 ms.
WITH s AS (SELECT pid, seq, ts FROM events
           WHERE type = 'Products Searched' AND ts <= {AS_OF} - 86400000),
     o AS (SELECT pid, seq, ts FROM events WHERE type = 'Order Completed' AND ts <= {AS_OF})
SELECT s.pid FROM s ASOF LEFT JOIN o ON s.pid = o.pid AND o.seq > s.seq
WHERE o.ts IS NULL OR o.ts > s.ts + 86400000
UNION
SELECT pid FROM profiles
WHERE pid NOT IN (SELECT pid FROM events
                  WHERE type = 'Signed In' AND ts > {AS_OF} - 5184000000 AND ts <= {AS_OF})
ORDER BY pid
