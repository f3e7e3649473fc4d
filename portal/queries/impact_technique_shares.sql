-- Share of one institution's cases by technique per quarter (the $quarters most recent quarters), for the
-- technique-shift chart. Only rows known to the month or the day can be placed in a quarter. Read from the procedure totals.
WITH placed AS (
    SELECT date_trunc('quarter', date_first(month))::DATE AS quarter, technique, sum(cases)::BIGINT AS cases
    FROM visible_procedure_totals($scope)
    WHERE institution_id = $institution AND ($department IS NULL OR department = $department)
      AND ($procedure IS NULL OR procedure = $procedure) AND length(month) > 4
    GROUP BY ALL
), ranked AS (
    SELECT *, cases / sum(cases) OVER (PARTITION BY quarter) AS share,
           sum(cases) OVER (PARTITION BY quarter) AS quarter_cases,
           dense_rank() OVER (ORDER BY quarter DESC) AS recency
    FROM placed
)
SELECT quarter, technique, cases, quarter_cases, share, (SELECT count(DISTINCT quarter) FROM placed) AS quarters_total
FROM ranked
WHERE recency <= $quarters
ORDER BY quarter, technique
