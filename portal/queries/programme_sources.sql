-- Where the facts on one programme's page come from: the source of every row shown (the programme, its two
-- institutions, participants, linked equipment, events and the fx rates used), one row per source with what
-- it supports. A row that cites no source is listed under a NULL source.
WITH programme AS (
    SELECT * FROM visible_programmes($scope) WHERE programme_id = $programme
), linked_equipment AS (
    SELECT * FROM visible_equipment($scope)
    WHERE list_contains(programme_ids, $programme)
), rates AS (
    SELECT DISTINCT f.currency, f.year, f.source
    FROM converted_costs($scope, $reporting_currency) AS c
    JOIN fx_rates AS f ON f.year = c.year AND f.currency IN (c.currency, $reporting_currency)
    WHERE c.amount IS NOT NULL
      AND ((c.cost_kind = 'programme' AND c.record_id IN (SELECT programme_id FROM programme))
           OR (c.cost_kind = 'equipment' AND c.record_id IN (SELECT equipment_id FROM linked_equipment)))
), cited AS (
    SELECT 1 AS part, 'programme' AS what, title AS name, source FROM programme
    UNION ALL
    SELECT 2, 'home_institution', i.name, i.source FROM programme JOIN institutions AS i
        ON i.institution_id = programme.home_institution_id
    UNION ALL
    SELECT 3, 'host_institution', i.name, i.source FROM programme JOIN institutions AS i
        ON i.institution_id = programme.host_institution_id
    UNION ALL
    SELECT 4, 'participant', person_name, source
    FROM visible_participants($scope) WHERE programme_id = $programme
    UNION ALL
    SELECT 5, 'equipment', name, source FROM linked_equipment
    UNION ALL
    SELECT 6, 'event', title, source
    FROM visible_events($scope) WHERE programme_id = $programme
    UNION ALL
    SELECT 7, 'fx_rate', currency || ' ' || year, source FROM rates
)
SELECT source, list({'what': what, 'name': name} ORDER BY part, name) AS supports
FROM cited
GROUP BY source
ORDER BY min(part), source NULLS LAST
