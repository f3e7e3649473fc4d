-- Amounts that cannot be shown in the reporting currency although their own currency has a rate: fx_rates has
-- no $reporting_currency rate for their year (an amount whose own rate is missing is in
-- quality_costs_without_own_rate instead). The first $limit, most recent year first, with the count in all.
SELECT cost_kind, record_id AS record, record_name AS name, amount, currency, year,
       CASE cost_kind WHEN 'programme' THEN 'programmes?programme=' ELSE 'equipment?equipment=' END || record_id
           AS link,
       count(*) OVER () AS total
FROM converted_costs($scope, $reporting_currency)
WHERE rate_missing AND currency_per_usd IS NOT NULL
ORDER BY year DESC, cost_kind, record_id
LIMIT $limit
