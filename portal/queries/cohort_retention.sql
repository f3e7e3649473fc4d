-- Retention per cohort and point (6..60 months after the end): trainees in each band, practising among
-- those followed up, and cases they reported. $cohort_by: programme, host, specialty or return_year.
-- cohort_trainees is the cohort's size (at its earliest point every trainee counts) and largest_rank numbers
-- the cohorts from the largest, so a page can chart the largest few. name_shared: another cohort has the same
-- name (two programmes with one title, two hosts with one name), so the name alone does not tell them apart.
WITH figures AS (
    SELECT CASE $cohort_by WHEN 'programme' THEN s.programme_id WHEN 'host' THEN s.host_institution_id
                           WHEN 'specialty' THEN s.specialty ELSE s.return_year::VARCHAR END AS cohort,
           any_value(CASE $cohort_by WHEN 'programme' THEN s.title WHEN 'host' THEN i.name
                                     WHEN 'specialty' THEN s.specialty ELSE s.return_year::VARCHAR END) AS cohort_name,
           s.months,
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
    LEFT JOIN institutions AS i ON i.institution_id = s.host_institution_id
    GROUP BY ALL
), names AS (
    SELECT cohort_name, count(DISTINCT cohort) > 1 AS name_shared FROM figures GROUP BY cohort_name
), sized AS (
    SELECT f.*, coalesce(n.name_shared, false) AS name_shared,
           max(f.trainees) OVER (PARTITION BY f.cohort) AS cohort_trainees
    FROM figures AS f LEFT JOIN names AS n USING (cohort_name)
)
SELECT *, dense_rank() OVER (ORDER BY cohort_trainees DESC, cohort NULLS LAST) AS largest_rank
FROM sized
ORDER BY cohort, months
