-- What one programme cost, and what the equipment linked to it cost: each amount as reported (currency and
-- year), both rates of that year (units per US dollar) and the figure in the reporting currency.
-- converted is NULL when the amount is not reported or a rate is missing (rate_missing says which;
-- rates_missing counts those rows).
-- Rates are left out of rows whose amount is not reported: nothing was converted there.
SELECT c.cost_kind, c.record_id, c.record_name, c.amount, c.currency, c.year,
       CASE WHEN c.amount IS NOT NULL THEN c.currency_per_usd END AS currency_per_usd,
       CASE WHEN c.amount IS NOT NULL THEN c.reporting_per_usd END AS reporting_per_usd,
       c.converted, c.rate_missing, count(*) FILTER (c.rate_missing) OVER () AS rates_missing, c.source
FROM converted_costs($scope, $reporting_currency) AS c
WHERE (c.cost_kind = 'programme' AND c.record_id = $programme)
   OR (c.cost_kind = 'equipment' AND c.record_id IN (
        SELECT equipment_id FROM visible_equipment($scope)
        WHERE list_contains(programme_ids, $programme)))
ORDER BY c.cost_kind DESC, c.year, c.record_id
