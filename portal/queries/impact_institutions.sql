-- Institutions the Impact page can show: every institution with procedure records (its cases and records),
-- plus the one the URL asks for ($requested) when it exists but has none, so the page can say so plainly.
SELECT i.institution_id, i.name, i.country, coalesce(p.cases, 0)::BIGINT AS cases,
       coalesce(p.records, 0) AS records
FROM visible_institutions($scope) AS i
LEFT JOIN (
    SELECT institution_id, sum(cases) AS cases, sum(records)::BIGINT AS records
    FROM visible_procedure_totals($scope)
    GROUP BY institution_id
) AS p USING (institution_id)
WHERE p.records IS NOT NULL OR i.institution_id = $requested
ORDER BY i.institution_id
LIMIT 2000
