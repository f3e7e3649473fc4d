-- Follow-ups that a later change to the participant or programme records contradicts (import refuses them,
-- an edit or deletion afterwards can still make them): the person is no longer a participant of the programme
-- in that role, the check is certainly before the programme's (changed) start or before its end, or a status
-- other than deceased is dated certainly after a 'deceased' check of the same person. One problem per check,
-- the first that applies; each links to the person's timeline on the Trainees page. The first $limit by
-- programme, name and date, and the count in all.
WITH checks AS (
    SELECT f.*, p.start_date, p.end_date, p.programme_id IS NOT NULL AS programme_known
    FROM follow_ups AS f
    LEFT JOIN visible_programmes($scope) AS p USING (programme_id)
    WHERE in_scope($scope, f.source)
      -- A programme deleted since: only viewers who see every institution may see its follow-ups.
      AND (p.programme_id IS NOT NULL OR ($scope['institution'] IS NULL
                                          AND f.programme_id NOT IN (SELECT programme_id FROM programmes)))
), judged AS (
    SELECT c.*, CASE
        WHEN NOT EXISTS (SELECT 1 FROM participants AS pp WHERE pp.programme_id = c.programme_id
                         AND pp.person_name = c.person_name AND pp.role = c.role) THEN 'no_participant'
        WHEN date_last(c.date) < date_first(c.start_date) THEN 'before_start'
        WHEN date_last(c.date) < date_first(c.end_date) THEN 'before_end'
        WHEN c.status <> 'deceased' AND EXISTS (
            SELECT 1 FROM follow_ups AS d WHERE d.programme_id = c.programme_id AND d.person_name = c.person_name
            AND d.role = c.role AND d.status = 'deceased' AND date_first(c.date) > date_last(d.date)
            AND in_scope($scope, d.source)) THEN 'after_deceased'
    END AS problem
    FROM checks AS c
)
SELECT programme_id AS record, CASE WHEN $scope['names'] THEN person_name END AS name, problem, date, status,
       start_date, end_date,
       'trainees?cohort_by=programme&cohort=' || programme_id || '&person=' || person_code(programme_id, person_name)
           AS link,
       count(*) OVER () AS total
FROM judged
WHERE problem IS NOT NULL
ORDER BY programme_id, person_name, date_first(date), date
LIMIT $limit
