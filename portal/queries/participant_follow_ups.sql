-- How many follow-ups name one participant (programme, name and role): a participant they name cannot be deleted.
SELECT count(*) AS follow_ups
FROM follow_ups
WHERE programme_id = $programme_id AND person_name = $person_name AND role = $role
