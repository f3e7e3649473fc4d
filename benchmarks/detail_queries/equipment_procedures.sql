-- Procedure cases recorded with the equipment of the same selection as equipment_items, summed by item and
-- technique over every recorded period: the $limit items with the most cases, with how many items have
-- any case recorded (items_total) and the cases of them all (cases_total).
WITH selected AS (
    SELECT * FROM selected_equipment($scope, $reporting_currency, $year_from, $year_to, $categories, $institutions,
                                     $countries)
), cases AS (
    SELECT s.equipment_id, s.label, s.category, p.technique, sum(p.cases) AS cases
    FROM visible_procedures($scope) AS p
    JOIN selected AS s USING (equipment_id)
    GROUP BY ALL
), ranked AS (
    SELECT *, dense_rank() OVER (ORDER BY item_cases DESC, equipment_id) AS item_rank
    FROM (SELECT *, sum(cases) OVER (PARTITION BY equipment_id) AS item_cases FROM cases)
)
SELECT equipment_id, label, category, technique, cases, item_cases,
       (SELECT count(DISTINCT equipment_id) FROM cases) AS items_total, (SELECT sum(cases) FROM cases) AS cases_total
FROM ranked
WHERE item_rank <= $limit
ORDER BY item_rank, technique
