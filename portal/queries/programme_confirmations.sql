-- Which side of each visible programme has confirmed it (an accepted confirmation, not rolled back), and
-- which confirmations still wait: 'home', 'host', 'both' or 'none'; whether the viewer's side confirmed it as it
-- stands.
WITH confirmed AS (
    SELECT r.proposed->>'programme_id' AS programme_id, s.institution_id, s.state, s.import_id
    FROM submissions AS s JOIN submission_records AS r USING (submission_id)
    LEFT JOIN imports AS i USING (import_id)
    WHERE s.kind = 'confirmation' AND s.state IN ('accepted', 'pending') AND i.rolled_back_by IS NULL
)
SELECT p.programme_id, p.title, p.home_institution_id, p.host_institution_id,
       coalesce(b.confirmed_by, 'none') AS confirmation,  -- schema.sql: programme_confirmed_by
       bool_or(c.state = 'pending' AND c.institution_id = $scope['institution']) AS own_pending,
       -- the viewer's side confirmed the programme as it stands: no change in effect touched it since
       bool_or(c.state = 'accepted' AND c.institution_id = $scope['institution'] AND NOT EXISTS (
           SELECT 1 FROM changes AS ch JOIN imports AS later USING (import_id)
           WHERE ch.sheet = 'programmes' AND ch.import_id > c.import_id AND later.rolled_back_by IS NULL
             AND coalesce(ch.after, ch.before)->>'programme_id' = p.programme_id)) AS own_confirmed
FROM visible_programmes($scope) AS p LEFT JOIN confirmed AS c USING (programme_id)
LEFT JOIN programme_confirmed_by() AS b USING (programme_id)
GROUP BY ALL
ORDER BY p.programme_id
