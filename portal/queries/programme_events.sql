-- Dated milestones of one programme, oldest first, with where they happened and the partner.
SELECT ev.event_id, ev.date, ev.kind, ev.title, i.name AS institution_name, partner.name AS partner_name,
       ev.description, ev.source
FROM visible_events($scope) AS ev
JOIN institutions AS i ON i.institution_id = ev.institution_id
LEFT JOIN institutions AS partner ON partner.institution_id = ev.partner_institution_id
WHERE ev.programme_id = $programme
ORDER BY date_first(ev.date), ev.event_id
