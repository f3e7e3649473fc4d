-- Equipment spending in the reporting currency, for the same selection as equipment_items: one row per
-- (institution, category), per (year, category), per category, and one total row (dimension says which).
-- Beside each sum: the items it covers, how many have no reported cost and how many could not be converted
-- for want of an fx rate (neither is counted as 0). Institutions are the $institution_limit that spent most;
-- the total row says how many institutions there are in all.
WITH selected AS (
    SELECT * FROM selected_equipment($scope, $reporting_currency, $year_from, $year_to, $categories, $institutions,
                                     $countries)
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
