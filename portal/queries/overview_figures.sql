-- Key figures for the Overview: programmes starting in the year range, within the viewer's scope.
-- Counts of missing values travel with every sum, so nothing unreported is read as zero.
WITH programmes_in_range AS (
    SELECT * FROM visible_programmes($scope)
    WHERE year(date_first(start_date)) BETWEEN $year_from AND $year_to
), partners AS (
    SELECT home_institution_id AS institution_id FROM programmes_in_range
    UNION SELECT host_institution_id FROM programmes_in_range
), equipment_in_range AS (
    SELECT * FROM visible_equipment($scope)
    WHERE year(date_first(acquired_date)) BETWEEN $year_from AND $year_to
), costs AS (
    SELECT * FROM converted_costs($scope, $reporting_currency)
    WHERE year BETWEEN $year_from AND $year_to
)
SELECT
    (SELECT count(*) FROM programmes_in_range) AS programmes,
    (SELECT sum(participants_count) FROM programmes_in_range) AS people_trained,
    (SELECT count(*) FILTER (participants_count IS NULL) FROM programmes_in_range) AS people_not_reported,
    (SELECT count(*) FROM partners) AS partner_institutions,
    (SELECT count(DISTINCT country) FROM institutions WHERE institution_id IN (SELECT institution_id FROM partners))
        AS countries,
    (SELECT count(*) FROM equipment_in_range) AS equipment_items,
    (SELECT sum(converted) FROM costs) AS investment,
    (SELECT count(*) FROM costs) AS cost_records,
    (SELECT count(*) FILTER (amount IS NULL) FROM costs) AS investment_not_reported,
    (SELECT count(*) FILTER (rate_missing) FROM costs) AS investment_rate_missing
