-- One equipment investment ($equipment_id), if the viewer may see it: everything recorded about it, its
-- institution, and its cost as recorded and converted (with both rates of the acquisition year, in units per
-- US dollar as fx_rates states them). An empty quantity means 1, as the contract says.
SELECT e.* REPLACE (coalesce(e.quantity, 1) AS quantity), i.name AS institution_name, i.city, i.country,
       c.amount, c.currency, c.year, c.converted, c.currency_per_usd, c.reporting_per_usd,
       c.rate_missing
FROM visible_equipment($scope) AS e
JOIN institutions AS i USING (institution_id)
JOIN converted_costs($scope, $reporting_currency) AS c
    ON c.cost_kind = 'equipment' AND c.record_id = e.equipment_id
WHERE e.equipment_id = $equipment_id
