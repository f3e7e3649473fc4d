-- Trainees whose programme ended (by its last possible day) more than 12 months before $today and who have
-- no follow-up at all: the people to call first. The first $limit by programme and name, and the count in all.
SELECT t.programme_id AS record, t.person_name AS name, p.title AS programme_title, p.end_date,
       'trainees?cohort_by=programme&cohort=' || t.programme_id AS link, count(*) OVER () AS total
FROM visible_trainees($scope) AS t
JOIN visible_programmes($scope) AS p USING (programme_id)
WHERE p.end_date IS NOT NULL AND date_last(p.end_date) + INTERVAL 12 MONTH < $today
  AND NOT EXISTS (SELECT 1 FROM follow_ups AS f
                  WHERE f.programme_id = t.programme_id AND f.person_name = t._name AND f.role = 'trainee')
ORDER BY t.programme_id, t._name
LIMIT $limit
