-- One institution's cases before and after a reference event ($reference_lane 'programme' or 'equipment',
-- $reference_id), by side ('before', 'after', 'during' = the period overlaps the event's dates) and technique;
-- technique NULL is the side's total. Weighted by cases: mean length of stay over the cases whose row reports
-- it, complication rate over the cases whose row reports complications; the cases that do not are counted.
WITH reference AS (
    SELECT date_first(start_date) AS window_first, date_last(coalesce(end_date, start_date)) AS window_last
    FROM visible_programmes($scope)
    WHERE $reference_lane = 'programme' AND programme_id = $reference_id
    UNION ALL
    SELECT date_first(acquired_date), date_last(acquired_date)
    FROM visible_equipment($scope)
    WHERE $reference_lane = 'equipment' AND equipment_id = $reference_id
), sided AS (
    SELECT CASE WHEN date_last(p.period) < r.window_first THEN 'before'
                WHEN date_first(p.period) > r.window_last THEN 'after' ELSE 'during' END AS side,
           p.technique, p.cases, p.mean_length_of_stay_days AS los, p.complications
    FROM visible_procedures($scope) AS p, reference AS r
    WHERE p.institution_id = $institution AND ($department IS NULL OR p.department = $department)
      AND ($procedure IS NULL OR p.procedure = $procedure)
), sides AS (
    SELECT unnest(['before', 'after', 'during']) AS side
), grouped AS (
    SELECT side, technique, sum(cases)::BIGINT AS cases,
           sum(cases) FILTER (los IS NOT NULL)::BIGINT AS cases_with_los,
           sum(los * cases) FILTER (los IS NOT NULL) / sum(cases) FILTER (los IS NOT NULL) AS mean_los,
           sum(cases) FILTER (complications IS NOT NULL)::BIGINT AS cases_with_complications,
           sum(complications)::BIGINT AS complications,
           sum(complications) / sum(cases) FILTER (complications IS NOT NULL) AS complication_rate
    FROM sided
    GROUP BY GROUPING SETS ((side, technique), (side))
)
SELECT s.side, g.technique, coalesce(g.cases, 0) AS cases, coalesce(g.cases_with_los, 0) AS cases_with_los,
       coalesce(g.cases, 0) - coalesce(g.cases_with_los, 0) AS cases_without_los, g.mean_los,
       coalesce(g.cases_with_complications, 0) AS cases_with_complications,
       coalesce(g.cases, 0) - coalesce(g.cases_with_complications, 0) AS cases_without_complications,
       g.complications, g.complication_rate,
       g.cases / sum(g.cases) FILTER (g.technique IS NULL) OVER (PARTITION BY s.side) AS share
FROM sides AS s LEFT JOIN grouped AS g USING (side)
ORDER BY s.side = 'before' DESC, s.side = 'after' DESC, g.technique NULLS FIRST
