-- Equipment investments linked to one programme (its id is among their programme_ids), oldest first.
SELECT e.equipment_id, e.name, e.category, e.manufacturer, e.model, i.name AS institution_name, e.department,
       e.acquired_date, e.quantity, e.status, e.source
FROM visible_equipment($scope) AS e
JOIN institutions AS i ON i.institution_id = e.institution_id
WHERE list_contains(e.programme_ids, $programme)
ORDER BY date_first(e.acquired_date), e.equipment_id
