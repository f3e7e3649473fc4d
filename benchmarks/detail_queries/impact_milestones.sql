-- One institution's programmes (where it is the home institution; cancelled ones left out) and equipment
-- acquisitions: the markers of the volumes chart and the reference events a before/after comparison can use.
-- The marker is the start (acquisition) date; the reference window runs from its first possible day to the
-- last possible day of the end date (of the start date when no end is reported). A case is "before" when its
-- period ends before the window, "after" when it starts after it, else "during". The default reference is
-- the first completed programme with cases on both sides, else the first acquisition with cases on both
-- sides, else the first completed programme, else the first acquisition (preference 1 to 4; 5 otherwise).
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
), periods AS (
    SELECT date_first(period) AS period_first, date_last(period) AS period_last, sum(cases) AS cases
    FROM visible_procedures($scope)
    WHERE institution_id = $institution AND ($department IS NULL OR department = $department)
      AND ($procedure IS NULL OR procedure = $procedure)
    GROUP BY ALL
), counted AS (
    SELECT m.lane, m.item_id, any_value(m.label) AS label, any_value(m.kind) AS kind,
           any_value(m.status) AS status, any_value(m.start_date) AS start_date, any_value(m.end_date) AS end_date,
           any_value(m.window_first) AS window_first, any_value(m.window_last) AS window_last,
           coalesce(sum(p.cases) FILTER (p.period_last < m.window_first), 0)::BIGINT AS cases_before,
           coalesce(sum(p.cases) FILTER (p.period_first > m.window_last), 0)::BIGINT AS cases_after,
           coalesce(sum(p.cases) FILTER (p.period_last >= m.window_first AND p.period_first <= m.window_last),
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
