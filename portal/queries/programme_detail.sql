-- One programme, if the viewer may see it, with its home and host institutions (names in both scripts) and
-- which side has confirmed it (schema.sql: programme_confirmed_by).
SELECT p.programme_id, p.title, p.kind, p.status, p.start_date, p.end_date, p.specialty, p.topics,
       p.participants_count, p.funding_source, p.description, p.source,
       home.name AS home_name, home.name_local AS home_name_local, home.city AS home_city,
       home.country AS home_country,
       host.name AS host_name, host.name_local AS host_name_local, host.city AS host_city,
       host.country AS host_country, coalesce(c.confirmed_by, 'none') AS confirmation
FROM visible_programmes($scope) AS p
JOIN institutions AS home ON home.institution_id = p.home_institution_id
JOIN institutions AS host ON host.institution_id = p.host_institution_id
LEFT JOIN programme_confirmed_by() AS c ON c.programme_id = p.programme_id
WHERE p.programme_id = $programme
