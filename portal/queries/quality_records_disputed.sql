-- Records a side disputes: each record of a pending change or rejected at review (a pending
-- confirmation disputes nothing), with the partner institution that sent it, the state and the reviewer's
-- reason, linked to the page that shows the record; its name as stored (as proposed, for a record not stored
-- yet: name_proposed). Newest first, the first $limit, with the count in all.
WITH disputed AS (
    SELECT s.submission_id, coalesce(r.state, s.state) AS state, s.reason, s.institution_id, s.sent_at, r.sheet, r.proposed, r.rowid AS record_order
    FROM submissions AS s JOIN submission_records AS r USING (submission_id)
    WHERE (coalesce(r.state, s.state) = 'rejected' OR (s.state = 'pending' AND s.kind <> 'confirmation'))
      AND ($scope['institution'] IS NULL OR s.institution_id = $scope['institution'])
),
keyed AS (
    SELECT d.*,
           CASE d.sheet WHEN 'institutions' THEN d.proposed->>'institution_id'
                        WHEN 'equipment' THEN d.proposed->>'equipment_id'
                        WHEN 'events' THEN d.proposed->>'event_id'
                        WHEN 'procedures' THEN coalesce(d.proposed->>'record_id', concat_ws(' · ',
                            d.proposed->>'period', d.proposed->>'department', d.proposed->>'procedure',
                            d.proposed->>'technique'))
                        ELSE d.proposed->>'programme_id' END AS key,
           -- the record's name as stored now: a partner's proposed title is what is disputed, not what it is
           CASE d.sheet WHEN 'programmes' THEN p.title WHEN 'institutions' THEN n.name WHEN 'equipment' THEN e.name
                        WHEN 'events' THEN v.title WHEN 'procedures' THEN c.procedure END AS stored_name
    FROM disputed AS d
    LEFT JOIN visible_programmes($scope) AS p
        ON d.sheet = 'programmes' AND p.programme_id = d.proposed->>'programme_id'
    LEFT JOIN visible_institutions($scope) AS n
        ON d.sheet = 'institutions' AND n.institution_id = d.proposed->>'institution_id'
    LEFT JOIN visible_equipment($scope) AS e ON d.sheet = 'equipment' AND e.equipment_id = d.proposed->>'equipment_id'
    LEFT JOIN visible_events($scope) AS v ON d.sheet = 'events' AND v.event_id = d.proposed->>'event_id'
    -- only the procedures a disputed record names: the table may hold millions
    LEFT JOIN (SELECT record_id, any_value(procedure) AS procedure FROM visible_procedures($scope)
               WHERE record_id IN (SELECT proposed->>'record_id' FROM disputed WHERE sheet = 'procedures')
               GROUP BY record_id) AS c
        ON d.sheet = 'procedures' AND c.record_id = d.proposed->>'record_id'
)
SELECT d.sheet || ': ' || d.key AS record,
       CASE WHEN d.sheet IN ('participants', 'follow_ups') THEN
                CASE WHEN $scope['names'] THEN d.proposed->>'person_name' END  -- part of the key: as stored
            WHEN d.sheet = 'procedures' AND d.proposed->>'record_id' IS NULL THEN d.proposed->>'procedure'
            ELSE coalesce(d.stored_name, d.proposed->>'title', d.proposed->>'name', d.proposed->>'procedure') END
           AS name,
       d.stored_name IS NULL AND d.sheet IN ('programmes', 'institutions', 'equipment', 'events')
           OR d.sheet = 'procedures' AND d.proposed->>'record_id' IS NOT NULL AND d.stored_name IS NULL
           AS name_proposed,
       i.name AS partner, d.state, CASE WHEN d.state <> 'pending' THEN d.reason ELSE '' END AS reason,  -- none yet
       d.submission_id,
       CASE WHEN d.sheet IN ('programmes', 'participants', 'follow_ups')
                THEN 'programmes?programme=' || (d.proposed->>'programme_id')
            WHEN d.sheet = 'equipment' THEN 'equipment?equipment=' || (d.proposed->>'equipment_id')
            WHEN d.sheet = 'events' AND d.proposed->>'programme_id' IS NOT NULL
                THEN 'programmes?programme=' || (d.proposed->>'programme_id')
            WHEN d.sheet = 'procedures' THEN 'impact?institution=' || (d.proposed->>'institution_id')
            ELSE 'partners?institution=' || (d.proposed->>'institution_id') END AS link,
       count(*) OVER () AS total
FROM keyed AS d LEFT JOIN institutions AS i USING (institution_id)
ORDER BY d.submission_id DESC, d.record_order
LIMIT $limit
