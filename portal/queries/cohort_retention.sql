-- Retention per cohort and point (6..60 months after the end), the figures of retention_bands (schema.sql).
-- $cohort_by: programme, host, specialty or return_year.
-- cohort_trainees is the cohort's size (at its earliest point every trainee counts) and largest_rank numbers
-- the cohorts from the largest, so a page can chart the largest few. name_shared: another cohort has the same
-- name (two programmes with one title, two hosts with one name), so the name alone does not tell them apart.
WITH figures AS (
    SELECT * FROM retention_bands($scope, $as_of, $cohort_by, NULL)
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
