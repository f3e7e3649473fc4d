-- How many illustrative programmes and institutions the viewer has on screen (0: no notice needed).
SELECT (SELECT count(*) FROM visible_programmes($scope) WHERE is_illustrative(source))
     + (SELECT count(*) FROM visible_institutions($scope) WHERE is_illustrative(source)) AS illustrative
