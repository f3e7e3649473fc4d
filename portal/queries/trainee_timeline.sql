-- One trainee's timeline ($person, a person_code), for viewers who may see names: every programme in which a
-- trainee of that name took part (participants carry no person id across programmes: name and role are the
-- only key, so two trainees of one name read as one), each programme's start and end (the return) and each
-- visible check, with the first and last day each date can mean, in time order. programmes: how many.
WITH chosen AS (
    SELECT t._name FROM visible_trainees($scope) AS t
    WHERE $scope['names'] AND person_code(t.programme_id, t._name) = $person
), person AS (
    SELECT t.programme_id, t._name, p.title, p.start_date, p.end_date
    FROM visible_trainees($scope) AS t
    JOIN visible_programmes($scope) AS p USING (programme_id)
    WHERE t._name IN (SELECT _name FROM chosen)
), marks AS (
    SELECT 'start' AS mark, start_date AS date, date_first(start_date) AS first_day,
           date_last(start_date) AS last_day, programme_id, title, NULL AS status, NULL AS practising,
           NULL AS institution_name, NULL::INTEGER AS procedures_performed
    FROM person
    UNION ALL
    SELECT 'end', end_date, date_first(end_date), date_last(end_date), programme_id, title, NULL, NULL, NULL, NULL
    FROM person WHERE end_date IS NOT NULL
    UNION ALL
    SELECT 'check', f.date, date_first(f.date), date_last(f.date), person.programme_id, person.title, f.status,
           f.practising, i.name, f.procedures_performed
    FROM person
    JOIN follow_ups AS f ON f.programme_id = person.programme_id AND f.person_name = person._name
                        AND f.role = 'trainee' AND in_scope($scope, f.source)
    LEFT JOIN institutions AS i ON i.institution_id = f.institution_id
)
SELECT *, (SELECT count(*) FROM person) AS programmes
FROM marks
ORDER BY first_day, mark DESC, programme_id
