-- Institutions the published programmes name, with what the viewer may see.
SELECT * FROM visible_institutions($scope) ORDER BY institution_id
