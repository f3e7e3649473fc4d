-- Programmes whose participants_count differs from the number of trainees listed in participants. Compared
-- only when the programme reports a count and lists at least one participant (of any role). The first $limit
-- by id, with the trainees and all people listed, and the count in all.
WITH listed AS (
    SELECT programme_id, count(*) FILTER (role = 'trainee') AS trainees_listed, count(*) AS people_listed
    FROM visible_participants($scope)
    GROUP BY programme_id
)
SELECT p.programme_id AS record, p.title AS name, p.participants_count, l.trainees_listed, l.people_listed,
       'programmes?programme=' || p.programme_id AS link, count(*) OVER () AS total
FROM visible_programmes($scope) AS p
JOIN listed AS l USING (programme_id)
WHERE p.participants_count <> l.trainees_listed
ORDER BY p.programme_id
LIMIT $limit
