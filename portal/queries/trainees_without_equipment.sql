-- Trainees back home without the equipment their technique needs, person by person (names as the scope
-- allows): the first $limit by institution, programme and person, and the count in all.
SELECT w.person_name, w.title AS programme_title, i.name AS institution_name, w.checked, w.categories,
       count(*) OVER () AS total
FROM trainees_without_equipment($scope) AS w
JOIN institutions AS i USING (institution_id)
ORDER BY i.name, w.programme_id, w.person_number
LIMIT $limit
