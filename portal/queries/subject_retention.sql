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
SELECT 'subject' AS cohort, NULL AS cohort_name, false AS name_shared, s.months,
       count(*) AS trainees,
       count(*) FILTER (band = 'home') AS home,
       count(*) FILTER (band = 'country') AS country,
       count(*) FILTER (band = 'left') AS "left",
       count(*) FILTER (band = 'not_followed_up') AS not_followed_up,
       count(*) FILTER (band <> 'not_followed_up') AS followed_up,
       count(*) FILTER (band <> 'not_followed_up' AND practising = 'yes') AS practising_yes,
       count(*) FILTER (band <> 'not_followed_up' AND practising = 'partly') AS practising_partly,
       count(*) FILTER (band <> 'not_followed_up' AND practising = 'no') AS practising_no,
       count(*) FILTER (band <> 'not_followed_up' AND practising IS NULL) AS practising_not_reported,
       sum(s.cases_reported) AS cases_reported
FROM trainee_situations($scope, $as_of) AS s
WHERE s.programme_id IN (SELECT programme_id FROM programmes_in)
GROUP BY s.months
ORDER BY s.months
