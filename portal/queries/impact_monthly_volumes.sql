-- Procedure cases at one institution per month and technique (the $months most recent months), for the
-- volumes chart. Rows known to the month or the day go in the month date_first(period) falls in. Rows
-- known only by year cannot be placed in a month: they come back one row per year with month and
-- technique NULL ("month not reported"), never in January, with their totals beside every row.
-- months_total is how many months have cases in all. Read from the procedure totals, summed by month.
WITH placed AS (
    SELECT CASE WHEN length(month) > 4 THEN date_first(month) END AS month,
           year(date_first(month)) AS year, CASE WHEN length(month) > 4 THEN technique END AS technique,
           sum(cases)::BIGINT AS cases, sum(records)::BIGINT AS records
    FROM visible_procedure_totals($scope)
    WHERE institution_id = $institution AND ($department IS NULL OR department = $department)
      AND ($procedure IS NULL OR procedure = $procedure)
    GROUP BY ALL
), ranked AS (
    SELECT *, CASE WHEN month IS NOT NULL
                   THEN dense_rank() OVER (PARTITION BY month IS NULL ORDER BY month DESC) END AS recency
    FROM placed
)
SELECT month, year, technique, cases, records, (SELECT count(DISTINCT month) FROM placed) AS months_total,
       (SELECT coalesce(sum(cases), 0) FROM placed WHERE month IS NULL)::BIGINT AS year_only_cases,
       (SELECT coalesce(sum(records), 0) FROM placed WHERE month IS NULL)::BIGINT AS year_only_records
FROM ranked
WHERE recency IS NULL OR recency <= $months
ORDER BY month NULLS LAST, year, technique
