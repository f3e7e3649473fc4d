-- Institutions with coordinates, for the partners map: how many programmes and events each took part in, and
-- the kinds of those programmes.
-- A programme counts for its home, its host and the institutions of its visiting experts; an event for the
-- institution where it happened and its partner. The most active first, at most $limit, with the total.
WITH programme_parts AS (
    SELECT home_institution_id AS institution_id, programme_id, kind
    FROM visible_programmes($scope)
    UNION
    SELECT host_institution_id, programme_id, kind FROM visible_programmes($scope)
    UNION
    SELECT x.institution_id, x.programme_id, p.kind
    FROM visible_participants($scope) AS x
    JOIN visible_programmes($scope) AS p USING (programme_id)
    WHERE x.role = 'visiting_expert' AND x.institution_id IS NOT NULL
), event_parts AS (
    SELECT institution_id, event_id FROM visible_events($scope)
    UNION
    SELECT partner_institution_id, event_id FROM visible_events($scope)
    WHERE partner_institution_id IS NOT NULL
), activity AS (
    SELECT i.institution_id, i.name, i.name_local, i.kind, i.city, i.country, i.latitude, i.longitude,
           (SELECT count(*) FROM programme_parts AS p WHERE p.institution_id = i.institution_id) AS programmes,
           (SELECT coalesce(list(DISTINCT p.kind ORDER BY p.kind), []) FROM programme_parts AS p
            WHERE p.institution_id = i.institution_id) AS programme_kinds,
           (SELECT count(*) FROM event_parts AS e WHERE e.institution_id = i.institution_id) AS events
    FROM visible_institutions($scope) AS i
    WHERE i.latitude IS NOT NULL AND i.longitude IS NOT NULL
)
SELECT *, programmes + events AS activity, count(*) OVER () AS total
FROM activity
ORDER BY activity DESC, name, institution_id
LIMIT $limit
