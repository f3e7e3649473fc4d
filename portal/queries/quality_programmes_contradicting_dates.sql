-- Programmes whose status contradicts their dates on $today: "completed" with an end date still to come,
-- "ongoing" more than $grace_days days after its end date, "planned" with a start date already past. A partial
-- date counts only when every day it can mean does ("2024" ended on 2024-12-31 at the latest). The first
-- $limit, most recent first, with the count in all; problem names the contradiction.
WITH judged AS (
    SELECT *, CASE
        WHEN status = 'completed' AND date_first(end_date) > $today::DATE THEN 'completed_future_end'
        WHEN status = 'ongoing' AND date_last(end_date) < $today::DATE - $grace_days::INTEGER THEN 'ongoing_past_end'
        WHEN status = 'planned' AND date_last(start_date) < $today::DATE THEN 'planned_past_start'
    END AS problem
    FROM visible_programmes($scope)
)
SELECT programme_id AS record, title AS name, problem, start_date, end_date,
       'programmes?programme=' || programme_id AS link, count(*) OVER () AS total
FROM judged
WHERE problem IS NOT NULL
ORDER BY date_first(start_date) DESC, programme_id
LIMIT $limit
