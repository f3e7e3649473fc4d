-- Programmes that report no cost (cost_amount empty): the first $limit, most recent start first, with the count
-- in all. Only for viewers who may see costs (the Data quality page is the ministry's): for others every cost
-- is hidden, not missing.
SELECT p.programme_id AS record, p.title AS name, p.kind, p.status, p.start_date, p.funding_source,
       'programmes?programme=' || p.programme_id AS link, count(*) OVER () AS total
FROM visible_programmes($scope) AS p
WHERE $scope['costs'] AND p.cost_amount IS NULL
ORDER BY date_first(p.start_date) DESC, p.programme_id
LIMIT $limit
