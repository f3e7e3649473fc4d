-- Rebuilding procedure_totals for some institutions ($institutions; every institution when $everything)
-- from the procedure rows, inside the change that touched them. All values bound.
DELETE FROM procedure_totals WHERE $everything OR list_contains($institutions, institution_id);

INSERT INTO procedure_totals BY NAME  -- by name: columns added later (ALTER TABLE) sit at the table's end
SELECT institution_id, department, CASE WHEN length(period) = 4 THEN period ELSE left(period, 7) END AS month,
       procedure, technique, equipment_id, is_illustrative(source) AS illustrative, sum(cases) AS cases,
       count(*) AS records, sum(cases) FILTER (mean_length_of_stay_days IS NOT NULL) AS cases_with_los,
       sum(mean_length_of_stay_days * cases) FILTER (mean_length_of_stay_days IS NOT NULL) AS case_days_of_stay,
       sum(cases) FILTER (complications IS NOT NULL) AS cases_with_complications,
       sum(complications) AS complications, count(*) FILTER (source IS NULL) AS records_without_source
FROM procedures
WHERE $everything OR list_contains($institutions, institution_id)
GROUP BY ALL
ORDER BY institution_id, month  -- stored in institution order whatever order the rows came in
