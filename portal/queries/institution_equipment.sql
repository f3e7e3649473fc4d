-- The equipment investments at $institution, oldest first (at most $limit, with the total), each with its
-- original cost with its currency (as text, e.g. "95,000,000 MNT"), its status and its source. An empty quantity means one (the contract's rule).
SELECT equipment_id, name, category, nullif(concat_ws(' ', manufacturer, model), '') AS make_model, department,
       acquired_date, coalesce(quantity, 1) AS quantity,
       format(CASE WHEN cost_amount = round(cost_amount) THEN '{:,.0f} {}' ELSE '{:,.2f} {}' END, cost_amount,
              cost_currency) AS cost,
       funding_source, status, source,
       count(*) OVER () AS total
FROM visible_equipment($scope)
WHERE institution_id = $institution
ORDER BY date_first(acquired_date), equipment_id
LIMIT $limit
