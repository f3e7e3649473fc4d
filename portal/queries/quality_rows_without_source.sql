-- Rows that cite no source, in every sheet: the sheet, the record's key and name, and a link (relative, so it
-- also works under a path prefix) to the page that shows it. Participants link to their programme, events to
-- their programme, equipment or institution, procedures to their institution's impact; fx rates have no page
-- (and no name: ''). The first $limit in sheet order, with how many there are in all (total).
-- Procedures are counted off procedure_totals and only the first $limit of their rows are kept: counting and
-- sorting every procedure row without a source is what grows with the procedures. (The scan for them skips the
-- row groups whose statistics say every row has a source.)
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
    SELECT 7, 'fx_rates', currency || ' ' || year, '', NULL
    FROM fx_rates WHERE source IS NULL
), procedure_rows AS (
    SELECT 6 AS sheet_order, 'procedures' AS sheet,
           coalesce(p.record_id, concat_ws(' · ', p.period, p.department, p.procedure, p.technique)) AS record,
           i.name, 'impact?institution=' || p.institution_id AS link
    FROM visible_procedures($scope) AS p
    JOIN institutions AS i USING (institution_id)
    WHERE p.source IS NULL
    ORDER BY record, name
    LIMIT $limit  -- no more can be shown
)
SELECT sheet, record, name, link,
       ((SELECT count(*) FROM missing)
        + (SELECT coalesce(sum(t.records_without_source), 0) FROM visible_procedure_totals($scope) AS t
           JOIN institutions AS i USING (institution_id)
           WHERE t.records_without_source > 0))::BIGINT AS total  -- the totals' row groups counting none: unread
FROM (SELECT * FROM missing UNION ALL SELECT * FROM procedure_rows)
ORDER BY sheet_order, record, name
LIMIT $limit
