-- Key figures for the Overview, within the viewer's scope; NULL counts say how much is not reported.
WITH visible_programmes AS (
    SELECT * FROM programmes
    WHERE ($scope_institution IS NULL OR $scope_institution IN (home_institution_id, host_institution_id))
      AND ($include_illustrative OR NOT is_illustrative(source))
), visible_institutions AS (
    SELECT * FROM institutions
    WHERE ($include_illustrative OR NOT is_illustrative(source))
      AND ($scope_institution IS NULL OR institution_id = $scope_institution
           OR institution_id IN (SELECT home_institution_id FROM visible_programmes)
           OR institution_id IN (SELECT host_institution_id FROM visible_programmes))
)
SELECT
    (SELECT count(*) FROM visible_programmes) AS programmes,
    (SELECT sum(participants_count) FROM visible_programmes) AS people_trained,
    (SELECT count(*) FILTER (participants_count IS NULL) FROM visible_programmes) AS people_not_reported,
    (SELECT count(*) FROM visible_institutions) AS institutions,
    (SELECT count(DISTINCT country) FROM visible_institutions) AS countries,
    (SELECT count(*) FROM equipment
      WHERE institution_id IN (SELECT institution_id FROM visible_institutions)
        AND ($include_illustrative OR NOT is_illustrative(source))) AS equipment_items,
    (SELECT count(*) FROM events
      WHERE institution_id IN (SELECT institution_id FROM visible_institutions)
        AND ($include_illustrative OR NOT is_illustrative(source))) AS events,
    (SELECT sum(cases) FROM procedures
      WHERE institution_id IN (SELECT institution_id FROM visible_institutions)
        AND ($include_illustrative OR NOT is_illustrative(source))) AS procedure_cases
