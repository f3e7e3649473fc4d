-- Trainees a viewer who may see names can pick for a timeline, those never checked included: each with the
-- code of their link, programme and number of visible checks. The first $limit by name, and the count in all.
SELECT person_code(t.programme_id, t._name) AS person, t.person_name, p.title AS programme_title,
       count(f.date) AS checks, count(*) OVER () AS total
FROM visible_trainees($scope) AS t
JOIN visible_programmes($scope) AS p USING (programme_id)
LEFT JOIN follow_ups AS f
    ON f.programme_id = t.programme_id AND f.person_name = t._name AND f.role = 'trainee'
   AND in_scope($scope, f.source)
WHERE $scope['names']
GROUP BY t.programme_id, t._name, t.person_name, p.title
ORDER BY t._name, p.title, person
LIMIT $limit
