-- Institutions to choose from, sorted by name: the English name with the local-script one beside it (and
-- the id where two share a label). At most $limit, always including the requested $institution.
WITH labelled AS (
    SELECT institution_id, name, name || coalesce(' · ' || name_local, '') AS label
    FROM visible_institutions($scope)
)
SELECT institution_id,
       CASE WHEN count(*) OVER (PARTITION BY label) > 1 THEN label || ' [' || institution_id || ']' ELSE label END
           AS label,
       count(*) OVER () AS total
FROM labelled
QUALIFY row_number() OVER (ORDER BY lower(name), institution_id) <= $limit OR institution_id = $institution
ORDER BY lower(name), institution_id
