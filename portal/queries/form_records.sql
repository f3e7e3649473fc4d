-- The records of one sheet a partner may correct on the form (one-column keys), each as JSON with the values
-- its scope shows (hidden ones NULL), so the form opens filled with the record as it stands.
SELECT programme_id AS record_id, to_json(p)::VARCHAR AS record FROM visible_programmes($scope) AS p
WHERE $sheet = 'programmes'
UNION ALL
SELECT equipment_id, to_json(e)::VARCHAR FROM visible_equipment($scope) AS e WHERE $sheet = 'equipment'
UNION ALL
SELECT event_id, to_json(v)::VARCHAR FROM visible_events($scope) AS v WHERE $sheet = 'events'
ORDER BY record_id
LIMIT 2000
