-- Training and equipment in step: each visible investment linked to programmes, with the trainees of those
-- programmes, how many were back at its institution and practising by its installation (their latest check
-- on or before the acquisition's last day: practising yes or partly, working at the institution, or at home
-- when the programme's home is the institution; illustrative checks only where the scope shows them), and the
-- cases recorded on it in the $months months after it was acquired (NULL when none), read from the monthly
-- procedure totals: every month that overlaps the window counts whole. Listed: equipment with no practising
-- trainee, or no cases in that window once it has ended by $today (no_cases). The first $limit by acquisition,
-- and the count in all.
WITH linked AS (
    SELECT e.equipment_id, e.name, e.institution_id, e.acquired_date, unnest(e.programme_ids) AS programme_id
    FROM visible_equipment($scope) AS e
    WHERE len(e.programme_ids) > 0
), latest AS (
    SELECT l.equipment_id, t.person_number, f.status, f.practising, f.institution_id AS works_at,
           p.home_institution_id, l.institution_id,
           row_number() OVER (PARTITION BY l.equipment_id, t.person_number
                              ORDER BY date_last(f.date) DESC NULLS LAST, f.date DESC) AS recency
    FROM linked AS l
    JOIN visible_trainees($scope) AS t USING (programme_id)
    JOIN visible_programmes($scope) AS p USING (programme_id)
    LEFT JOIN follow_ups AS f
        ON f.programme_id = t.programme_id AND f.person_name = t._name AND f.role = 'trainee'
       AND date_last(f.date) <= date_last(l.acquired_date) AND in_scope($scope, f.source)
), per_equipment AS (
    SELECT equipment_id, count(DISTINCT person_number) AS trainees_linked,
           count(DISTINCT person_number) FILTER (practising IN ('yes', 'partly')
               AND (works_at = institution_id OR (works_at IS NULL AND status = 'at_home_institution'
                                                   AND home_institution_id = institution_id))) AS trainees_practising
    FROM latest WHERE recency = 1 GROUP BY equipment_id
), used AS (
    SELECT l.equipment_id, sum(pr.cases) AS cases_after
    FROM (SELECT DISTINCT equipment_id, acquired_date FROM linked) AS l
    JOIN visible_procedure_totals($scope) AS pr ON pr.equipment_id = l.equipment_id
    -- the months (or years) that overlap the window [acquired, acquired + $months), compared as ISO text
    WHERE CASE length(pr.month) WHEN 4 THEN pr.month || '-12-31' ELSE pr.month || '-31' END
          >= strftime(date_first(l.acquired_date), '%Y-%m-%d')
      AND CASE length(pr.month) WHEN 4 THEN pr.month || '-01-01' ELSE pr.month || '-01' END
          < strftime(date_first(l.acquired_date) + to_months($months), '%Y-%m-%d')
    GROUP BY l.equipment_id
)
SELECT l.equipment_id, l.name, i.name AS institution_name, l.acquired_date,
       coalesce(pe.trainees_linked, 0) AS trainees_linked, coalesce(pe.trainees_practising, 0) AS trainees_practising,
       u.cases_after,
       u.cases_after IS NULL AND date_first(l.acquired_date) + to_months($months) <= $today AS no_cases,
       count(*) OVER () AS total
FROM (SELECT DISTINCT equipment_id, name, institution_id, acquired_date FROM linked) AS l
JOIN institutions AS i USING (institution_id)
LEFT JOIN per_equipment AS pe USING (equipment_id)
LEFT JOIN used AS u USING (equipment_id)
WHERE coalesce(pe.trainees_practising, 0) = 0
   OR (u.cases_after IS NULL AND date_first(l.acquired_date) + to_months($months) <= $today)
ORDER BY l.acquired_date, l.equipment_id
LIMIT $limit
