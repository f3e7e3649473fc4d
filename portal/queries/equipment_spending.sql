-- Equipment spending in the reporting currency, for the same selection as equipment_items: one row per
-- (institution, category), per (year, category), per category, and one total row (dimension says which).
-- Beside each sum: the items it covers, how many have no reported cost and how many could not be converted
-- for want of an fx rate (neither is counted as 0). Institutions are the $institution_limit that spent most;
-- the total row says how many institutions there are in all.
WITH selected AS (
    SELECT e.*, i.name AS institution_name, i.country, c.amount, c.currency, c.year, c.converted,
           c.reporting_per_usd / c.currency_per_usd AS rate, c.rate_missing,
           e.name || ' · ' || i.name AS label
    FROM visible_equipment($scope) AS e
    JOIN institutions AS i USING (institution_id)
    JOIN converted_costs($scope, $reporting_currency) AS c
        ON c.cost_kind = 'equipment' AND c.record_id = e.equipment_id
    WHERE c.year BETWEEN $year_from AND $year_to
      AND (len($categories) = 0 OR list_contains($categories, e.category))
      AND (len($institutions) = 0 OR list_contains($institutions, e.institution_id))
      AND (len($countries) = 0 OR list_contains($countries, i.country))
), grouped AS (
    SELECT CASE WHEN grouping(institution_id) = 0 THEN 'institution' WHEN grouping(year) = 0 THEN 'year'
                WHEN grouping(category) = 0 THEN 'category' ELSE 'total' END AS dimension,
           institution_id, institution_name, year, category,
           count(*) AS items, sum(converted) AS spending, count(*) FILTER (amount IS NULL) AS not_reported,
           count(*) FILTER (rate_missing) AS rate_missing, count(DISTINCT institution_id) AS institutions
    FROM selected
    GROUP BY GROUPING SETS ((institution_id, institution_name, category), (year, category), (category), ())
), ranked AS (
    SELECT *, dense_rank() OVER (PARTITION BY dimension
                                 ORDER BY institution_spending DESC NULLS LAST, institution_name, institution_id)
                  AS institution_rank
    FROM (SELECT *, sum(spending) OVER (PARTITION BY dimension, institution_id) AS institution_spending FROM grouped)
)
SELECT dimension, CASE dimension WHEN 'institution' THEN institution_name WHEN 'year' THEN year::VARCHAR
                                 WHEN 'category' THEN category END AS bar,
       institution_id, year, category, items, spending, not_reported, rate_missing, institutions
FROM ranked
WHERE dimension <> 'institution' OR institution_rank <= $institution_limit
ORDER BY dimension, institution_rank, year, category
