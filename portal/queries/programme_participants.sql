-- The people of one programme: name, role, profession, where they work and their position.
SELECT pp.person_name, pp.role, pp.profession, i.name AS institution_name, pp.position, pp.source
FROM visible_participants($scope) AS pp
LEFT JOIN institutions AS i ON i.institution_id = pp.institution_id
WHERE pp.programme_id = $programme
ORDER BY CASE pp.role WHEN 'trainee' THEN 1 WHEN 'trainer' THEN 2 WHEN 'visiting_expert' THEN 3 ELSE 4 END,
         pp.person_name
