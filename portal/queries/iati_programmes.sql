-- Programmes to publish as IATI activities, in id order, with what the viewer may see.
SELECT * FROM visible_programmes($scope) ORDER BY programme_id
