-- Amounts whose own currency has no fx rate for their year, so they cannot be converted into any other
-- currency (US dollars need none). The first $limit, most recent year first, with the count in all.
SELECT cost_kind, record_id AS record, record_name AS name, amount, currency, year,
       CASE cost_kind WHEN 'programme' THEN 'programmes?programme=' ELSE 'equipment?equipment=' END || record_id
           AS link,
       count(*) OVER () AS total
FROM converted_costs($scope, $reporting_currency)
WHERE amount IS NOT NULL AND currency_per_usd IS NULL
ORDER BY year DESC, cost_kind, record_id
LIMIT $limit
