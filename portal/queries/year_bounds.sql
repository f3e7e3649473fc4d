-- The first and last year anything visible happened: the range of the year controls.
SELECT min(year) AS first_year, max(year) AS last_year FROM (
    SELECT year(date_first(start_date)) AS year FROM visible_programmes($scope)
    UNION ALL
    SELECT year(date_first(acquired_date)) FROM visible_equipment($scope)
    UNION ALL
    SELECT year(date_first(date)) FROM visible_events($scope)
)
