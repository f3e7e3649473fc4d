-- Retention of a briefing pack's trainees, one row per point (6..60 months after the end), in the columns of
-- cohort_retention: the trainees of the programme ($programme), or of every programme whose home or host is
-- the institution ($institution) or lies in the country ($country); the other two are NULL.
WITH places AS (
    SELECT institution_id FROM visible_institutions($scope)
    WHERE institution_id = $institution OR country = $country
), programmes_in AS (
    SELECT programme_id FROM visible_programmes($scope)
    WHERE programme_id = $programme OR home_institution_id IN (SELECT institution_id FROM places)
       OR host_institution_id IN (SELECT institution_id FROM places)
)
SELECT cohort, cohort_name, false AS name_shared, * EXCLUDE (cohort, cohort_name)
FROM retention_bands($scope, $as_of, 'subject', coalesce((SELECT list(programme_id) FROM programmes_in), []))
ORDER BY months
