-- Programmes matching the Programmes page's facets (an empty list leaves a facet open; $institutions: home or
-- host, $homes and $hosts: that end only), starting in the year range: the most recent $limit of them, oldest
-- first, with how many match in all. Timeline columns as in overview_timeline.sql (lane 'programme'), then the
-- table's columns, then totals over every match, each with the count of values it could not include.
-- `confirmation`: which side has confirmed the programme (schema.sql: programme_confirmed_by): 'both', 'host',
-- 'home' or 'none'.
WITH matching AS (
    SELECT p.*, home.name AS home_name, home.country AS home_country, host.name AS host_name,
           host.country AS host_country, date_first(p.start_date) AS first_day,
           coalesce(date_last(p.end_date), date_last(p.start_date)) AS last_day,
           cost.converted, cost.rate_missing,
           coalesce(c.confirmed_by, 'none') AS confirmation
    FROM visible_programmes($scope) AS p
    LEFT JOIN programme_confirmed_by() AS c ON c.programme_id = p.programme_id
    JOIN institutions AS home ON home.institution_id = p.home_institution_id
    JOIN institutions AS host ON host.institution_id = p.host_institution_id
    LEFT JOIN converted_costs($scope, $reporting_currency) AS cost
        ON cost.cost_kind = 'programme' AND cost.record_id = p.programme_id
    WHERE year(date_first(p.start_date)) BETWEEN $year_from AND $year_to
      AND (len($home_countries::VARCHAR[]) = 0 OR list_contains($home_countries::VARCHAR[], home.country))
      AND (len($host_countries::VARCHAR[]) = 0 OR list_contains($host_countries::VARCHAR[], host.country))
      AND (len($institutions::VARCHAR[]) = 0 OR list_has_any($institutions::VARCHAR[],
                                                               [p.home_institution_id, p.host_institution_id]))
      AND (len($homes::VARCHAR[]) = 0 OR list_contains($homes::VARCHAR[], p.home_institution_id))
      AND (len($hosts::VARCHAR[]) = 0 OR list_contains($hosts::VARCHAR[], p.host_institution_id))
      AND (len($kinds::VARCHAR[]) = 0 OR list_contains($kinds::VARCHAR[], p.kind))
      AND (len($specialties::VARCHAR[]) = 0 OR list_contains($specialties::VARCHAR[], p.specialty))
      AND (len($statuses::VARCHAR[]) = 0 OR list_contains($statuses::VARCHAR[], p.status))
      AND (len($funding_sources::VARCHAR[]) = 0 OR list_contains($funding_sources::VARCHAR[], p.funding_source))
      AND (len($confirmations::VARCHAR[]) = 0 OR list_contains($confirmations::VARCHAR[], confirmation))
), counted AS (
    SELECT *,
           count(*) OVER () AS lane_total,
           sum(participants_count) OVER () AS participants_total,
           count(*) FILTER (participants_count IS NULL) OVER () AS participants_not_reported,
           sum(converted) OVER () AS converted_total,
           count(*) FILTER (cost_amount IS NULL) OVER () AS cost_not_reported,
           count(*) FILTER (rate_missing) OVER () AS cost_rate_missing,
           row_number() OVER (ORDER BY first_day DESC, programme_id) AS recency
    FROM matching
)
SELECT 'programme' AS lane, programme_id AS item_id, title AS label, kind, start_date, end_date, first_day,
       last_day, end_date IS NOT NULL AS end_reported, lane_total,
       status, home_name, home_country, host_name, host_country, participants_count, cost_amount, cost_currency,
       converted, rate_missing, confirmation,
       participants_total, participants_not_reported, converted_total, cost_not_reported, cost_rate_missing
FROM counted
WHERE recency <= $limit
ORDER BY first_day, item_id
