-- The records of one sheet a partner may correct on the form, newest first, each labelled by its key and as
-- JSON with the values its scope shows (hidden ones NULL), so the form opens filled with the record as it stands.
-- `total` counts them all beside the LIMIT (procedures may be many). Each sheet picks its first $limit by label
-- and date before the JSON is written: only the records kept are turned into JSON.
SELECT label, record, (
    SELECT count(*) FROM visible_programmes($scope) WHERE $sheet = 'programmes') + (
    SELECT count(*) FROM visible_equipment($scope) WHERE $sheet = 'equipment') + (
    SELECT count(*) FROM visible_events($scope) WHERE $sheet = 'events') + (
    SELECT count(*) FROM visible_participants($scope) AS r JOIN visible_programmes($scope) USING (programme_id)
    WHERE $sheet = 'participants') + (
    SELECT count(*) FROM visible_follow_ups($scope) WHERE $sheet = 'follow_ups') + (
    SELECT count(*) FROM visible_procedures($scope) WHERE $sheet = 'procedures') AS total
FROM (
    SELECT label, newest, to_json(record)::VARCHAR AS record FROM (
        SELECT programme_id AS label, date_last(start_date) AS newest, p AS record
        FROM visible_programmes($scope) AS p WHERE $sheet = 'programmes'
        ORDER BY newest DESC NULLS LAST, label LIMIT $limit)
    UNION ALL
    SELECT label, newest, to_json(record)::VARCHAR AS record FROM (
        SELECT equipment_id AS label, date_last(acquired_date) AS newest, e AS record
        FROM visible_equipment($scope) AS e WHERE $sheet = 'equipment'
        ORDER BY newest DESC NULLS LAST, label LIMIT $limit)
    UNION ALL
    SELECT label, newest, to_json(record)::VARCHAR AS record FROM (
        SELECT event_id AS label, date_last(date) AS newest, v AS record
        FROM visible_events($scope) AS v WHERE $sheet = 'events'
        ORDER BY newest DESC NULLS LAST, label LIMIT $limit)
    UNION ALL
    -- a participant is as new as its programme's start
    SELECT label, newest, to_json(record)::VARCHAR AS record FROM (
        SELECT concat_ws(' · ', r.programme_id, r.person_name, r.role) AS label, date_last(p.start_date) AS newest,
               r AS record
        FROM visible_participants($scope) AS r JOIN visible_programmes($scope) AS p USING (programme_id)
        WHERE $sheet = 'participants'
        ORDER BY newest DESC NULLS LAST, label LIMIT $limit)
    UNION ALL
    SELECT label, newest, to_json(record)::VARCHAR AS record FROM (
        SELECT concat_ws(' · ', f.programme_id, f.person_name, f.role, f.date) AS label, date_last(f.date) AS newest,
               f AS record
        FROM visible_follow_ups($scope) AS f WHERE $sheet = 'follow_ups'
        ORDER BY newest DESC NULLS LAST, label LIMIT $limit)
    UNION ALL
    -- record_id, when given, is the key; the composite key's parts tell the others apart
    SELECT label, newest, to_json(record)::VARCHAR AS record FROM (
        SELECT concat_ws(' · ', d.record_id, d.institution_id, d.period, d.procedure, d.technique, d.department,
                         d.equipment_id) AS label, date_last(d.period) AS newest, d AS record
        FROM visible_procedures($scope) AS d WHERE $sheet = 'procedures'
        ORDER BY newest DESC NULLS LAST, label LIMIT $limit)
)
ORDER BY newest DESC NULLS LAST, label
