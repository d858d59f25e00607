-- Q3: sum of order revenue >= 500 or 5+ add-to-carts.
SELECT pid
FROM events
WHERE ts <= {AS_OF} AND type IN ('Order Completed', 'Product Added')
GROUP BY pid
HAVING coalesce(sum(revenue) FILTER (WHERE type = 'Order Completed'), 0) >= 500
    OR count(*) FILTER (WHERE type = 'Product Added') >= 5
ORDER BY pid
