-- Programmes, equipment acquisitions and events on one time axis: the most recent $per_lane of each
-- in the year range, with how many there are in all. Dates stay as written, with their first/last day.
WITH items AS (
    SELECT 'programme' AS lane, programme_id AS item_id, title AS label, kind,
           start_date, end_date, date_first(start_date) AS first_day,
           coalesce(date_last(end_date), date_last(start_date)) AS last_day, end_date IS NOT NULL AS end_reported
    FROM visible_programmes($scope)
    UNION ALL
    SELECT 'equipment', equipment_id, name || coalesce(' (' || manufacturer || coalesce(' ' || model, '') || ')', ''),
           category, acquired_date, NULL, date_first(acquired_date), date_last(acquired_date), true
    FROM visible_equipment($scope)
    UNION ALL
    SELECT 'event', event_id, title, kind, date, NULL, date_first(date), date_last(date), true
    FROM visible_events($scope)
), in_range AS (
    SELECT *, count(*) OVER (PARTITION BY lane) AS lane_total,
           row_number() OVER (PARTITION BY lane ORDER BY first_day DESC, item_id) AS recency
    FROM items
    WHERE year(first_day) BETWEEN $year_from AND $year_to
)
SELECT lane, item_id, label, kind, start_date, end_date, first_day, last_day, end_reported, lane_total
FROM in_range
WHERE recency <= $per_lane
ORDER BY CASE lane WHEN 'programme' THEN 1 WHEN 'equipment' THEN 2 ELSE 3 END, first_day, item_id
