-- One trainee's timeline ($person, a person_code), for viewers who may see names: the programme's start and
-- end (the return) and each visible check, with the first and last day each date can mean, in time order.
WITH person AS (
    SELECT t.programme_id, t._name, p.title, p.start_date, p.end_date
    FROM visible_trainees($scope) AS t
    JOIN visible_programmes($scope) AS p USING (programme_id)
    WHERE $scope['names'] AND person_code(t.programme_id, t._name) = $person
)
SELECT 'start' AS mark, start_date AS date, date_first(start_date) AS first_day, date_last(start_date) AS last_day,
       title, NULL AS status, NULL AS practising, NULL AS institution_name, NULL::INTEGER AS procedures_performed
FROM person
UNION ALL
SELECT 'end', end_date, date_first(end_date), date_last(end_date), title, NULL, NULL, NULL, NULL
FROM person WHERE end_date IS NOT NULL
UNION ALL
SELECT 'check', f.date, date_first(f.date), date_last(f.date), person.title, f.status, f.practising, i.name,
       f.procedures_performed
FROM person
JOIN follow_ups AS f ON f.programme_id = person.programme_id AND f.person_name = person._name
                    AND f.role = 'trainee' AND in_scope($scope, f.source)
LEFT JOIN institutions AS i ON i.institution_id = f.institution_id
ORDER BY first_day, mark DESC
