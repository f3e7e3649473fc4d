-- The choices of the Programmes page's facets: every value the visible programmes use, in one row of lists.
-- Institutions come as two aligned lists (ids, names), sorted by name; countries as ISO alpha-3 codes.
WITH p AS (
    SELECT p.*, home.country AS home_country, host.country AS host_country
    FROM visible_programmes($scope) AS p
    JOIN institutions AS home ON home.institution_id = p.home_institution_id
    JOIN institutions AS host ON host.institution_id = p.host_institution_id
), partners AS (
    SELECT DISTINCT i.institution_id, i.name
    FROM institutions AS i
    WHERE i.institution_id IN (SELECT home_institution_id FROM p UNION SELECT host_institution_id FROM p)
)
SELECT
    (SELECT coalesce(list(DISTINCT home_country ORDER BY home_country), []) FROM p) AS home_countries,
    (SELECT coalesce(list(DISTINCT host_country ORDER BY host_country), []) FROM p) AS host_countries,
    (SELECT coalesce(list(institution_id ORDER BY name, institution_id), []) FROM partners) AS institution_ids,
    (SELECT coalesce(list(name ORDER BY name, institution_id), []) FROM partners) AS institution_names,
    (SELECT coalesce(list(DISTINCT kind ORDER BY kind), []) FROM p) AS kinds,
    (SELECT coalesce(list(DISTINCT specialty ORDER BY specialty) FILTER (specialty IS NOT NULL), []) FROM p)
        AS specialties,
    (SELECT coalesce(list(DISTINCT status ORDER BY status), []) FROM p) AS statuses,
    (SELECT coalesce(list(DISTINCT funding_source ORDER BY funding_source) FILTER (funding_source IS NOT NULL), [])
     FROM p) AS funding_sources
