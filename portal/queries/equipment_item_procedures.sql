-- Procedure cases recorded with one equipment investment ($equipment_id), by month and technique. A period
-- known only to the year keeps its year as written (month is then 'YYYY'), never a guessed month. At most
-- one row per month and technique, so the result stays small; item_cases is the item's total. Read from the procedure totals, whose month is that month already.
SELECT month, technique, sum(cases) AS cases, sum(sum(cases)) OVER () AS item_cases
FROM visible_procedure_totals($scope)
WHERE equipment_id = $equipment_id
GROUP BY ALL
ORDER BY month, technique
