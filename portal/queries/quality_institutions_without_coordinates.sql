-- Institutions with no coordinates, which no map can show: hospitals and universities cannot lack them after
-- the import's checks, ministries, agencies and others may. The first $limit by name, with the count in all.
SELECT institution_id AS record, name, kind, country, 'partners?institution=' || institution_id AS link,
       count(*) OVER () AS total
FROM visible_institutions($scope)
WHERE latitude IS NULL OR longitude IS NULL
ORDER BY lower(name), institution_id
LIMIT $limit
