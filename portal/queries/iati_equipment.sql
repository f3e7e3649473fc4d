-- Equipment to publish beside the programmes it lists, with what the viewer may see.
SELECT * FROM visible_equipment($scope) ORDER BY date_first(acquired_date), equipment_id
