-- The departments and procedures recorded at one institution, for the Impact page's filters.
-- Departments not reported are not an option (they are in the "all departments" view).
SELECT coalesce(list(DISTINCT department ORDER BY department) FILTER (department IS NOT NULL), []::VARCHAR[])
           AS departments,
       coalesce(list(DISTINCT procedure ORDER BY procedure), []::VARCHAR[]) AS procedures
FROM visible_procedures($scope)
WHERE institution_id = $institution
