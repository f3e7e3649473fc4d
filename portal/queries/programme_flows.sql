-- Programmes from home to host institution, one row per (home, host, kind), for the flow map (with each end's
-- city and country for its hover text).
-- weight is the participants reported, or the number of programmes where no participants are reported.
-- The $limit heaviest flows, with how many there are in all (flows_total), so the map stays light.
SELECT home.institution_id AS home_id, home.name AS home_name, home.city AS home_city, home.country AS home_country,
       home.latitude AS home_latitude, home.longitude AS home_longitude, host.institution_id AS host_id,
       host.name AS host_name, host.city AS host_city, host.country AS host_country,
       host.latitude AS host_latitude, host.longitude AS host_longitude, p.kind,
       count(*) AS programmes,
       sum(p.participants_count) AS participants,
       count(*) FILTER (p.participants_count IS NULL) AS participants_not_reported,
       CASE WHEN count(p.participants_count) > 0 THEN sum(p.participants_count) ELSE count(*) END AS weight,
       count(p.participants_count) > 0 AS weight_is_participants,
       count(*) OVER () AS flows_total
FROM visible_programmes($scope) AS p
JOIN institutions AS home ON home.institution_id = p.home_institution_id
JOIN institutions AS host ON host.institution_id = p.host_institution_id
WHERE year(date_first(p.start_date)) BETWEEN $year_from AND $year_to
  AND home.latitude IS NOT NULL AND host.latitude IS NOT NULL
GROUP BY ALL
ORDER BY weight DESC, home_id, host_id, kind  -- ties in a fixed order, so the API pages through them
LIMIT $limit
