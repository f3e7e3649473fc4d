-- Equipment investments linked to no programme (programme_ids empty): the first $limit, most recently acquired
-- first, with their institution and the count in all.
SELECT e.equipment_id AS record, e.name, i.name AS institution_name, e.acquired_date,
       'equipment?equipment=' || e.equipment_id AS link, count(*) OVER () AS total
FROM visible_equipment($scope) AS e
JOIN institutions AS i USING (institution_id)
WHERE coalesce(len(e.programme_ids), 0) = 0
ORDER BY date_first(e.acquired_date) DESC, e.equipment_id
LIMIT $limit
