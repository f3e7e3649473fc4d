-- The departments and procedures recorded at one institution, for the Impact page's filters.
-- Read from the procedure totals (the same values as the rows). Departments not reported are not an option (they are in the "all departments" view).
SELECT coalesce(list(DISTINCT department ORDER BY department) FILTER (department IS NOT NULL), []::VARCHAR[])
           AS departments,
       coalesce(list(DISTINCT procedure ORDER BY procedure), []::VARCHAR[]) AS procedures
FROM visible_procedure_totals($scope)
WHERE institution_id = $institution
