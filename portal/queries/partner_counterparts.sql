-- Every institution $institution worked with, and how, seen from $institution:
--   staff_sent        its staff trained with the counterpart (it is home; not a visiting-expert programme)
--   trainees_hosted   it trained the counterpart's staff (it is host; not a visiting-expert programme)
--   experts_received  the counterpart's experts came to it (visiting-expert programme with it as home, or a
--                     visiting expert from the counterpart named in a programme where it is home)
--   experts_sent      its experts went to the counterpart (the same, the other way round)
--   events_here       events at it with the counterpart as partner; events_there the other way round
-- Counts are of distinct programmes or events; years run from the first start to the last end (or start),
-- also as one text ("2015–2023").
WITH links AS (
    SELECT 'programme' AS lane, programme_id AS item_id, host_institution_id AS counterpart_id,
           CASE kind WHEN 'visiting_expert' THEN 'experts_received' ELSE 'staff_sent' END AS direction,
           start_date, end_date
    FROM visible_programmes($scope) WHERE home_institution_id = $institution
    UNION ALL
    SELECT 'programme', programme_id, home_institution_id,
           CASE kind WHEN 'visiting_expert' THEN 'experts_sent' ELSE 'trainees_hosted' END, start_date, end_date
    FROM visible_programmes($scope) WHERE host_institution_id = $institution
    UNION ALL
    SELECT 'programme', p.programme_id,
           CASE WHEN p.home_institution_id = $institution THEN x.institution_id ELSE p.home_institution_id END,
           CASE WHEN p.home_institution_id = $institution THEN 'experts_received' ELSE 'experts_sent' END,
           p.start_date, p.end_date
    FROM visible_participants($scope) AS x
    JOIN visible_programmes($scope) AS p USING (programme_id)
    WHERE x.role = 'visiting_expert' AND $institution IN (p.home_institution_id, x.institution_id)
    UNION ALL
    SELECT 'event', event_id,
           CASE WHEN institution_id = $institution THEN partner_institution_id ELSE institution_id END,
           CASE WHEN institution_id = $institution THEN 'events_here' ELSE 'events_there' END, date, NULL
    FROM visible_events($scope)
    WHERE $institution IN (institution_id, partner_institution_id)
)
SELECT l.counterpart_id, c.name, c.name_local, c.kind, c.country,
       count(DISTINCT l.item_id) FILTER (l.direction = 'staff_sent') AS staff_sent,
       count(DISTINCT l.item_id) FILTER (l.direction = 'trainees_hosted') AS trainees_hosted,
       count(DISTINCT l.item_id) FILTER (l.direction = 'experts_received') AS experts_received,
       count(DISTINCT l.item_id) FILTER (l.direction = 'experts_sent') AS experts_sent,
       count(DISTINCT l.item_id) FILTER (l.direction = 'events_here') AS events_here,
       count(DISTINCT l.item_id) FILTER (l.direction = 'events_there') AS events_there,
       count(DISTINCT l.item_id) FILTER (l.lane = 'programme') AS programmes,
       count(DISTINCT l.item_id) FILTER (l.lane = 'event') AS events,
       min(year(date_first(l.start_date))) AS first_year,
       max(year(coalesce(date_last(l.end_date), date_last(l.start_date)))) AS last_year,
       CASE WHEN first_year = last_year THEN first_year::VARCHAR ELSE first_year || '–' || last_year END AS years,
       count(*) OVER () AS total
FROM links AS l
JOIN institutions AS c ON c.institution_id = l.counterpart_id
WHERE l.counterpart_id <> $institution
GROUP BY ALL
ORDER BY programmes + events DESC, c.name, l.counterpart_id
LIMIT $limit
