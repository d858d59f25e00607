-- Q2: signed up in the last 7 days.
SELECT DISTINCT pid
FROM events
WHERE type = 'Signed Up' AND ts > {AS_OF} - 604800000 AND ts <= {AS_OF}
ORDER BY pid
