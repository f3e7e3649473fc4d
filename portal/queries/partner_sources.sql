-- Where the facts on the partners page for $institution come from: every source cited by the records shown
-- (the institution and its counterparts, their programmes, visiting experts, events, its equipment and
-- agreements), with how many records of each sheet cite it. Records without a source are counted under NULL.
WITH programmes AS (
    SELECT * FROM visible_programmes($scope)
), experts AS (
    SELECT x.*, p.home_institution_id FROM visible_participants($scope) AS x
    JOIN programmes AS p USING (programme_id)
    WHERE x.role = 'visiting_expert' AND $institution IN (p.home_institution_id, x.institution_id)
      AND x.institution_id <> p.home_institution_id
), events AS (
    SELECT * FROM visible_events($scope)
    WHERE $institution IN (institution_id, partner_institution_id)
      AND (kind = 'agreement' OR coalesce(partner_institution_id, institution_id) <> institution_id)
), records AS (
    SELECT 'programmes' AS sheet, programme_id AS record_id, source FROM programmes
    WHERE $institution IN (home_institution_id, host_institution_id) AND home_institution_id <> host_institution_id
    UNION
    SELECT 'programmes', programme_id, (SELECT source FROM programmes AS p WHERE p.programme_id = e.programme_id)
    FROM experts AS e
    UNION
    SELECT 'participants', programme_id || '/' || person_name || '/' || role, source FROM experts
    UNION
    SELECT 'events', event_id, source FROM events
    UNION
    SELECT 'equipment', equipment_id, source FROM visible_equipment($scope)
    WHERE institution_id = $institution
), counterparts AS (
    SELECT host_institution_id AS institution_id FROM programmes WHERE home_institution_id = $institution
    UNION SELECT home_institution_id FROM programmes WHERE host_institution_id = $institution
    UNION SELECT institution_id FROM experts UNION SELECT home_institution_id FROM experts
    UNION SELECT institution_id FROM events UNION SELECT partner_institution_id FROM events
), shown AS (
    SELECT * FROM records
    UNION
    SELECT 'institutions', institution_id, source FROM visible_institutions($scope)
    WHERE institution_id IN (SELECT institution_id FROM counterparts) OR institution_id = $institution
)
SELECT source,
       count(*) FILTER (sheet = 'institutions') AS institutions,
       count(*) FILTER (sheet = 'programmes') AS programmes,
       count(*) FILTER (sheet = 'participants') AS participants,
       count(*) FILTER (sheet = 'events') AS events,
       count(*) FILTER (sheet = 'equipment') AS equipment,
       count(*) AS records, count(*) OVER () AS total
FROM shown
GROUP BY source
ORDER BY records DESC, source NULLS LAST
LIMIT $limit
