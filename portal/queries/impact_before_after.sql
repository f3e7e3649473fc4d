-- One institution's cases before and after a reference event ($reference_lane 'programme' or 'equipment',
-- $reference_id), by side ('before', 'after', 'during' = the period overlaps the event's dates) and technique;
-- technique NULL is the side's total. Weighted by cases: mean length of stay over the cases whose row reports
-- it, complication rate over the cases whose row reports complications; the cases that do not are counted.
-- Cases come from procedure_totals, except in the months the window's boundaries cut (read from the rows).
WITH reference AS (
    SELECT date_first(start_date) AS window_first, date_last(coalesce(end_date, start_date)) AS window_last
    FROM visible_programmes($scope)
    WHERE $reference_lane = 'programme' AND programme_id = $reference_id
    UNION ALL
    SELECT date_first(acquired_date), date_last(acquired_date)
    FROM visible_equipment($scope)
    WHERE $reference_lane = 'equipment' AND equipment_id = $reference_id
), boundary_months AS (
    -- The months a window boundary cuts (a window starting after the 1st, or ending before the month's last
    -- day): their rows dated to the day can fall on either side, so these months are read from the rows.
    SELECT strftime(window_first, '%Y-%m') AS month FROM reference WHERE dayofmonth(window_first) > 1
    UNION
    SELECT strftime(window_last, '%Y-%m') FROM reference WHERE window_last < last_day(window_last)
), periods AS (
    -- Every other month lies wholly before, inside or after the window: its totals rows are enough.
    SELECT month AS period, technique, cases, cases_with_los, case_days_of_stay, cases_with_complications,
           complications
    FROM visible_procedure_totals($scope)
    WHERE institution_id = $institution AND ($department IS NULL OR department = $department)
      AND ($procedure IS NULL OR procedure = $procedure) AND month NOT IN (SELECT month FROM boundary_months)
    UNION ALL
    SELECT period, technique, cases, CASE WHEN mean_length_of_stay_days IS NOT NULL THEN cases END,
           mean_length_of_stay_days * cases, CASE WHEN complications IS NOT NULL THEN cases END, complications
    FROM visible_procedures($scope)
    WHERE institution_id = $institution AND ($department IS NULL OR department = $department)
      AND ($procedure IS NULL OR procedure = $procedure)
      AND left(period, 7) IN (SELECT month FROM boundary_months)
), sided AS (
    -- ISO text compares like the dates it names: a period (YYYY, YYYY-MM or YYYY-MM-DD) ends before the
    -- window when it sorts before the window's first day cut to the period's length; likewise after.
    SELECT CASE WHEN p.period < left(r.window_first::VARCHAR, length(p.period)) THEN 'before'
                WHEN p.period > left(r.window_last::VARCHAR, length(p.period)) THEN 'after' ELSE 'during' END
               AS side,
           p.technique, p.cases, p.cases_with_los, p.case_days_of_stay, p.cases_with_complications, p.complications
    FROM periods AS p, reference AS r
), sides AS (
    SELECT unnest(['before', 'after', 'during']) AS side
), grouped AS (
    SELECT side, technique, sum(cases)::BIGINT AS cases, sum(cases_with_los)::BIGINT AS cases_with_los,
           sum(case_days_of_stay) / sum(cases_with_los) AS mean_los,
           sum(cases_with_complications)::BIGINT AS cases_with_complications,
           sum(complications)::BIGINT AS complications,
           sum(complications) / sum(cases_with_complications) AS complication_rate
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
