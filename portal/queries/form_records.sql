-- The records of one sheet a partner may correct on the form, newest first, each labelled by its key and as
-- JSON with the values its scope shows (hidden ones NULL), so the form opens filled with the record as it stands.
-- `total` counts them all beside the LIMIT (procedures may be many).
SELECT label, record, count(*) OVER () AS total FROM (
    SELECT programme_id AS label, to_json(p)::VARCHAR AS record, date_last(start_date) AS newest
    FROM visible_programmes($scope) AS p WHERE $sheet = 'programmes'
    UNION ALL
    SELECT equipment_id, to_json(e)::VARCHAR, date_last(acquired_date)
    FROM visible_equipment($scope) AS e WHERE $sheet = 'equipment'
    UNION ALL
    SELECT event_id, to_json(v)::VARCHAR, date_last(date) FROM visible_events($scope) AS v WHERE $sheet = 'events'
    UNION ALL
    -- a participant is as new as its programme's start
    SELECT concat_ws(' · ', r.programme_id, r.person_name, r.role), to_json(r)::VARCHAR, date_last(p.start_date)
    FROM visible_participants($scope) AS r JOIN visible_programmes($scope) AS p USING (programme_id)
    WHERE $sheet = 'participants'
    UNION ALL
    SELECT concat_ws(' · ', f.programme_id, f.person_name, f.role, f.date), to_json(f)::VARCHAR, date_last(f.date)
    FROM visible_follow_ups($scope) AS f WHERE $sheet = 'follow_ups'
    UNION ALL
    -- record_id, when given, is the key; the composite key's parts tell the others apart
    SELECT concat_ws(' · ', d.record_id, d.institution_id, d.period, d.procedure, d.technique, d.department,
                     d.equipment_id), to_json(d)::VARCHAR, date_last(d.period)
    FROM visible_procedures($scope) AS d WHERE $sheet = 'procedures'
)
ORDER BY newest DESC NULLS LAST, label
LIMIT $limit
