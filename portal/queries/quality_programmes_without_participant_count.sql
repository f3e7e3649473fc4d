-- Programmes that report no participants_count, so the people-trained totals leave them out: the first $limit,
-- most recent start first, with the trainees the participants sheet lists for each and the count in all.
WITH listed AS (
    SELECT programme_id, count(*) FILTER (role = 'trainee') AS trainees_listed
    FROM visible_participants($scope)
    GROUP BY programme_id
)
SELECT p.programme_id AS record, p.title AS name, p.kind, p.status, p.start_date,
       coalesce(l.trainees_listed, 0) AS trainees_listed,
       'programmes?programme=' || p.programme_id AS link, count(*) OVER () AS total
FROM visible_programmes($scope) AS p
LEFT JOIN listed AS l USING (programme_id)
WHERE p.participants_count IS NULL
ORDER BY date_first(p.start_date) DESC, p.programme_id
LIMIT $limit
