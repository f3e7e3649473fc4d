-- Equipment investments acquired in the year range that match the filters, most recent first: the
-- $limit most recent, with how many match in all (lane_total). Each row carries its timeline columns,
-- its cost as recorded and converted (with both rates of the acquisition year, in units per US dollar),
-- the titles of the visible programmes it supports, and the procedure cases recorded with it (NULL when none are recorded). An empty quantity means 1 (the contract).
WITH selected AS (
    SELECT * FROM selected_equipment($scope, $reporting_currency, $year_from, $year_to, $categories, $institutions,
                                     $countries)
), recent AS (
    SELECT *, count(*) OVER () AS lane_total
    FROM selected
    ORDER BY date_first(acquired_date) DESC, equipment_id
    LIMIT $limit
), supported AS (
    SELECT r.equipment_id, list(p.title ORDER BY date_first(p.start_date), p.title) AS programmes
    FROM recent AS r, unnest(r.programme_ids) AS u(programme_id)
    JOIN visible_programmes($scope) AS p USING (programme_id)
    GROUP BY r.equipment_id
), cases AS (
    SELECT equipment_id, sum(cases) AS cases
    FROM visible_procedures($scope)
    WHERE equipment_id IN (SELECT equipment_id FROM recent)
    GROUP BY equipment_id
)
SELECT 'equipment' AS lane, r.equipment_id AS item_id, r.label, r.category AS kind,
       r.acquired_date AS start_date, NULL::VARCHAR AS end_date, date_first(r.acquired_date) AS first_day,
       date_last(r.acquired_date) AS last_day, true AS end_reported, r.lane_total,
       r.name, r.institution_id, r.institution_name, r.country, r.department, r.manufacturer, r.model,
       coalesce(r.quantity, 1) AS quantity, r.status, r.funding_source, r.amount, r.currency, r.year, r.converted,
       r.currency_per_usd, r.reporting_per_usd, r.rate_missing, s.programmes, c.cases, r.source
FROM recent AS r
LEFT JOIN supported AS s USING (equipment_id)
LEFT JOIN cases AS c USING (equipment_id)
ORDER BY first_day DESC, item_id
