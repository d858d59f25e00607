-- Q1: 3+ orders over 50 in 30 days, country SE, never unsubscribed.
-- {AS_OF} is the evaluation instant in ms (events after it do not exist);
-- windows are in ms: 30 days = 2592000000.
SELECT pid
FROM profiles
WHERE country = 'SE'
  AND pid IN (SELECT pid FROM events
              WHERE type = 'Order Completed' AND revenue > 50
                AND ts > {AS_OF} - 2592000000 AND ts <= {AS_OF}
              GROUP BY pid HAVING count(*) >= 3)
  AND pid NOT IN (SELECT pid FROM events WHERE type = 'Unsubscribed' AND ts <= {AS_OF})
ORDER BY pid
