-- The visible programmes one equipment investment ($equipment_id) supports (its programme_ids), oldest first.
SELECT p.programme_id, p.title, p.kind, p.start_date, p.end_date, p.status, home.name AS home_name,
       host.name AS host_name
FROM visible_equipment($scope) AS e, unnest(e.programme_ids) AS u(programme_id)
JOIN visible_programmes($scope) AS p USING (programme_id)
JOIN institutions AS home ON home.institution_id = p.home_institution_id
JOIN institutions AS host ON host.institution_id = p.host_institution_id
WHERE e.equipment_id = $equipment_id
ORDER BY date_first(p.start_date), p.title
