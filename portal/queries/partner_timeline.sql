-- Programmes and events of $institution with each counterpart (only those in $counterparts, unless it is
-- empty), one row per (programme or event, counterpart): the most recent $per_lane of each lane, with how
-- many there are. Counterparts are found as in partner_counterparts.sql. Dates stay as written.
WITH links AS (
    SELECT 'programme' AS lane, programme_id AS record_id, host_institution_id AS counterpart_id,
           title, kind, start_date, end_date, source
    FROM visible_programmes($scope) WHERE home_institution_id = $institution
    UNION
    SELECT 'programme', programme_id, home_institution_id, title, kind, start_date, end_date, source
    FROM visible_programmes($scope) WHERE host_institution_id = $institution
    UNION
    SELECT 'programme', p.programme_id,
           CASE WHEN p.home_institution_id = $institution THEN x.institution_id ELSE p.home_institution_id END,
           p.title, p.kind, p.start_date, p.end_date, p.source
    FROM visible_participants($scope) AS x
    JOIN visible_programmes($scope) AS p USING (programme_id)
    WHERE x.role = 'visiting_expert' AND $institution IN (p.home_institution_id, x.institution_id)
    UNION
    SELECT 'event', event_id, CASE WHEN institution_id = $institution THEN partner_institution_id ELSE institution_id END,
           title, kind, date, NULL, source
    FROM visible_events($scope)
    WHERE $institution IN (institution_id, partner_institution_id)
), items AS (
    SELECT l.*, c.name AS counterpart_name, date_first(l.start_date) AS first_day,
           coalesce(date_last(l.end_date), date_last(l.start_date)) AS last_day,
           l.end_date IS NOT NULL OR l.lane = 'event' AS end_reported
    FROM links AS l
    JOIN institutions AS c ON c.institution_id = l.counterpart_id
    WHERE l.counterpart_id <> $institution
      AND (len($counterparts::VARCHAR[]) = 0 OR list_contains($counterparts::VARCHAR[], l.counterpart_id))
), ranked AS (
    SELECT *, count(*) OVER (PARTITION BY lane) AS lane_total,
           row_number() OVER (PARTITION BY lane ORDER BY first_day DESC, record_id, counterpart_id) AS recency
    FROM items
)
SELECT lane, record_id || '@' || counterpart_id AS item_id, record_id, counterpart_id, counterpart_name,
       counterpart_name || ' — ' || title AS label, title, kind, start_date, end_date, first_day, last_day,
       end_reported, lane_total, source
FROM ranked
WHERE recency <= $per_lane
ORDER BY counterpart_name, counterpart_id, first_day, lane DESC, record_id
