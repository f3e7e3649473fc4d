-- Which side of each visible programme has confirmed it (an accepted confirmation, not rolled back), and
-- which confirmations still wait: home, host, both or neither.
WITH confirmed AS (
    SELECT r.proposed->>'programme_id' AS programme_id, s.institution_id, s.state
    FROM submissions AS s JOIN submission_records AS r USING (submission_id)
    LEFT JOIN imports AS i USING (import_id)
    WHERE s.kind = 'confirmation' AND s.state IN ('accepted', 'pending') AND i.rolled_back_by IS NULL
)
SELECT p.programme_id, p.title, p.home_institution_id, p.host_institution_id,
       bool_or(c.institution_id = p.home_institution_id AND c.state = 'accepted') AS home_confirmed,
       bool_or(c.institution_id = p.host_institution_id AND c.state = 'accepted') AS host_confirmed,
       bool_or(c.state = 'pending' AND c.institution_id = $scope['institution']) AS own_pending
FROM visible_programmes($scope) AS p LEFT JOIN confirmed AS c USING (programme_id)
GROUP BY ALL
ORDER BY p.programme_id
