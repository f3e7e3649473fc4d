-- Visible follow-ups with their programme's end, of one programme ($programme) or all (NULL): one row per
-- person per check (names as the scope allows); the first $limit in programme, person and date order, and the
-- count in all.
SELECT f.programme_id, p.title AS programme_title, p.end_date, f.person_name, f.role, f.date, f.status,
       f.institution_id, i.name AS institution_name, f.practising, f.procedures_performed, f.position, f.source,
       count(*) OVER () AS total
FROM visible_follow_ups($scope) AS f
JOIN visible_programmes($scope) AS p USING (programme_id)
LEFT JOIN institutions AS i ON i.institution_id = f.institution_id
WHERE $programme IS NULL OR f.programme_id = $programme
ORDER BY f.programme_id, f.role, f.person_name, f.date
LIMIT $limit
