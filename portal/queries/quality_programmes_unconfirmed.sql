-- Programmes no partner has confirmed: neither the home nor the host institution has an accepted confirmation
-- in effect (not rolled back). Most recent start first, the first $limit, with the count in all.
SELECT p.programme_id AS record, p.title AS name, home.name AS home_name, host.name AS host_name, p.start_date,
       'programmes?programme=' || p.programme_id AS link, count(*) OVER () AS total
FROM visible_programmes($scope) AS p
LEFT JOIN institutions AS home ON home.institution_id = p.home_institution_id
LEFT JOIN institutions AS host ON host.institution_id = p.host_institution_id
WHERE p.programme_id NOT IN (SELECT programme_id FROM programme_confirmed_by())
ORDER BY date_first(p.start_date) DESC NULLS LAST, p.programme_id
LIMIT $limit
