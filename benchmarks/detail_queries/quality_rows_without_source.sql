-- Rows that cite no source, in every sheet: the sheet, the record's key and name, and a link (relative, so it
-- also works under a path prefix) to the page that shows it. Participants link to their programme, events to
-- their programme, equipment or institution, procedures to their institution's impact; fx rates have no page
-- (and no name: ''). The first $limit in sheet order, with how many there are in all (total).
WITH missing AS (
    SELECT 1 AS sheet_order, 'institutions' AS sheet, institution_id AS record, name,
           'partners?institution=' || institution_id AS link
    FROM visible_institutions($scope) WHERE source IS NULL
    UNION ALL
    SELECT 2, 'programmes', programme_id, title, 'programmes?programme=' || programme_id
    FROM visible_programmes($scope) WHERE source IS NULL
    UNION ALL
    SELECT 3, 'participants', programme_id, person_name, 'programmes?programme=' || programme_id
    FROM visible_participants($scope) WHERE source IS NULL
    UNION ALL
    SELECT 4, 'equipment', equipment_id, name, 'equipment?equipment=' || equipment_id
    FROM visible_equipment($scope) WHERE source IS NULL
    UNION ALL
    SELECT 5, 'events', event_id, title,
           CASE WHEN programme_id IS NOT NULL THEN 'programmes?programme=' || programme_id
                WHEN equipment_id IS NOT NULL THEN 'equipment?equipment=' || equipment_id
                ELSE 'partners?institution=' || institution_id END
    FROM visible_events($scope) WHERE source IS NULL
    UNION ALL
    SELECT 6, 'procedures', coalesce(p.record_id, concat_ws(' · ', p.period, p.department, p.procedure, p.technique)),
           i.name, 'impact?institution=' || p.institution_id
    FROM visible_procedures($scope) AS p
    JOIN institutions AS i USING (institution_id)
    WHERE p.source IS NULL
    UNION ALL
    SELECT 7, 'fx_rates', currency || ' ' || year, '', NULL
    FROM fx_rates WHERE source IS NULL
)
SELECT sheet, record, name, link, count(*) OVER () AS total
FROM missing
ORDER BY sheet_order, record, name
LIMIT $limit
