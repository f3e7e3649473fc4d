-- Equipment investments that report no cost (cost_amount empty), left out of every spending total: the first
-- $limit, most recently acquired first, with their institution and the count in all. Only for viewers who may
-- see costs.
SELECT e.equipment_id AS record, e.name, i.name AS institution_name, e.acquired_date, e.funding_source,
       'equipment?equipment=' || e.equipment_id AS link, count(*) OVER () AS total
FROM visible_equipment($scope) AS e
JOIN institutions AS i USING (institution_id)
WHERE $scope['costs'] AND e.cost_amount IS NULL
ORDER BY date_first(e.acquired_date) DESC, e.equipment_id
LIMIT $limit
