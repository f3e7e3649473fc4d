-- Each programme's outcome result for IATI: its home institution's procedure cases in the 12 months before
-- the programme and in the 12 months after it, as the Impact page places cases around a reference event
-- (before: the period ends before the programme's first possible day; after: it starts after its last).
-- Equal windows, so the two counts compare; rows known only by year cannot be placed and are left out.
-- Only programmes (not cancelled) whose home institution has cases in both windows; in id order.
WITH windows AS (
    SELECT programme_id, home_institution_id AS institution_id, date_first(start_date) AS window_first,
           date_last(coalesce(end_date, start_date)) AS window_last
    FROM visible_programmes($scope)
    WHERE status <> 'cancelled'
), counted AS (
    SELECT w.programme_id, w.window_first, w.window_last,
           sum(t.cases) FILTER (date_first(t.month) >= w.window_first - INTERVAL 12 MONTH
                                AND date_last(t.month) < w.window_first) AS cases_before,
           sum(t.cases) FILTER (date_first(t.month) > w.window_last
                                AND date_last(t.month) <= w.window_last + INTERVAL 12 MONTH) AS cases_after
    FROM windows AS w
    JOIN visible_procedure_totals($scope) AS t ON t.institution_id = w.institution_id AND length(t.month) > 4
    GROUP BY ALL
)
SELECT programme_id, (window_first - INTERVAL 12 MONTH)::DATE AS before_first,
       (window_first - INTERVAL 1 DAY)::DATE AS before_last, (window_last + INTERVAL 1 DAY)::DATE AS after_first,
       (window_last + INTERVAL 12 MONTH)::DATE AS after_last, cases_before::BIGINT AS cases_before,
       cases_after::BIGINT AS cases_after
FROM counted
WHERE cases_before > 0 AND cases_after > 0
ORDER BY programme_id
