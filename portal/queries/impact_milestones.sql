-- One institution's programmes (where it is the home institution; cancelled ones left out) and equipment
-- acquisitions: the markers of the volumes chart and the reference events a before/after comparison can use.
-- The marker is the start (acquisition) date; the reference window runs from its first possible day to the
-- last possible day of the end date (of the start date when no end is reported). A case is "before" when its
-- period ends before the window, "after" when it starts after it, else "during". The default reference is
-- the first completed programme with cases on both sides, else the first acquisition with cases on both
-- sides, else the first completed programme, else the first acquisition (preference 1 to 4; 5 otherwise).
-- Cases come from procedure_totals, except in the months a window boundary cuts (read from the rows).
WITH milestones AS (
    SELECT 'programme' AS lane, programme_id AS item_id, title AS label, kind, status, start_date, end_date,
           date_first(start_date) AS window_first, date_last(coalesce(end_date, start_date)) AS window_last
    FROM visible_programmes($scope)
    WHERE home_institution_id = $institution AND status <> 'cancelled'
    UNION ALL
    SELECT 'equipment', equipment_id,
           name || coalesce(' (' || manufacturer || coalesce(' ' || model, '') || ')', ''), category, status,
           acquired_date, NULL, date_first(acquired_date), date_last(acquired_date)
    FROM visible_equipment($scope)
    WHERE institution_id = $institution
), boundary_months AS (
    -- The months a window boundary cuts (a window starting after the 1st, or ending before the month's last
    -- day): their rows dated to the day can fall on either side, so these months are read from the rows.
    SELECT strftime(window_first, '%Y-%m') AS month FROM milestones WHERE dayofmonth(window_first) > 1
    UNION
    SELECT strftime(window_last, '%Y-%m') FROM milestones WHERE window_last < last_day(window_last)
), periods AS (
    -- Every other month lies wholly before, inside or after each window: its totals row is enough.
    SELECT month AS period, sum(cases) AS cases
    FROM visible_procedure_totals($scope)
    WHERE institution_id = $institution AND ($department IS NULL OR department = $department)
      AND ($procedure IS NULL OR procedure = $procedure) AND month NOT IN (SELECT month FROM boundary_months)
    GROUP BY ALL
    UNION ALL
    SELECT period, sum(cases)
    FROM visible_procedures($scope)
    WHERE institution_id = $institution AND ($department IS NULL OR department = $department)
      AND ($procedure IS NULL OR procedure = $procedure)
      AND left(period, 7) IN (SELECT month FROM boundary_months)
    GROUP BY ALL
), counted AS (
    -- ISO text compares like the dates it names: a period (YYYY, YYYY-MM or YYYY-MM-DD) ends before the
    -- window when it sorts before the window's first day cut to the period's length; likewise after.
    SELECT m.lane, m.item_id, any_value(m.label) AS label, any_value(m.kind) AS kind,
           any_value(m.status) AS status, any_value(m.start_date) AS start_date, any_value(m.end_date) AS end_date,
           any_value(m.window_first) AS window_first, any_value(m.window_last) AS window_last,
           coalesce(sum(p.cases) FILTER (p.period < left(m.window_first::VARCHAR, length(p.period))), 0)::BIGINT
               AS cases_before,
           coalesce(sum(p.cases) FILTER (p.period > left(m.window_last::VARCHAR, length(p.period))), 0)::BIGINT
               AS cases_after,
           coalesce(sum(p.cases) FILTER (p.period >= left(m.window_first::VARCHAR, length(p.period))
                                         AND p.period <= left(m.window_last::VARCHAR, length(p.period))),
                    0)::BIGINT AS cases_during
    FROM milestones AS m LEFT JOIN periods AS p ON true
    GROUP BY m.lane, m.item_id
), preferred AS (
    SELECT *, CASE WHEN lane = 'programme' AND status = 'completed' AND cases_before > 0 AND cases_after > 0 THEN 1
                   WHEN lane = 'equipment' AND cases_before > 0 AND cases_after > 0 THEN 2
                   WHEN lane = 'programme' AND status = 'completed' THEN 3
                   WHEN lane = 'equipment' THEN 4 ELSE 5 END AS preference
    FROM counted
)
SELECT lane || ':' || item_id AS key, lane, item_id, label, kind, status, start_date, end_date,
       date_first(start_date) AS marker_first, date_last(start_date) AS marker_last, window_first, window_last,
       window_first - 1 AS before_until, window_last + 1 AS after_from, cases_before, cases_after, cases_during,
       preference, row_number() OVER (ORDER BY preference, window_first, lane, item_id) = 1 AS is_default,
       count(*) OVER () AS milestones_total
FROM preferred
ORDER BY window_first, lane, item_id
LIMIT 500
