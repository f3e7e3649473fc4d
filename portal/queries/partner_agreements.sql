-- Agreements $institution signed: events of kind agreement at it or with it as partner, oldest first (at most
-- $limit, with the total), each with the other party and the programme it belongs to, if any.
SELECT e.event_id, e.date, e.title, c.name AS counterpart_name, p.title AS programme_title, e.description, e.source,
       count(*) OVER () AS total
FROM visible_events($scope) AS e
LEFT JOIN institutions AS c
       ON c.institution_id = CASE WHEN e.institution_id = $institution THEN e.partner_institution_id
                                  ELSE e.institution_id END
      AND c.institution_id <> $institution
LEFT JOIN visible_programmes($scope) AS p USING (programme_id)
WHERE e.kind = 'agreement' AND $institution IN (e.institution_id, e.partner_institution_id)
ORDER BY date_first(e.date), e.event_id
LIMIT $limit
