-- Where each record of a submission got its stored values: every change that wrote it, in the order the records
-- were sent, newest change first. Record $positions[n] of sheet $sheets[n] is named by its key: the columns
-- $key_columns[n] and their values $key_values[n] as text (NULL for an empty one). Administrators only.
WITH records AS (
    SELECT $positions[n] AS position, $sheets[n] AS sheet, $key_columns[n] AS key_columns,
           $key_values[n] AS key_values
    FROM range(1, len($positions::INTEGER[]) + 1) AS numbers(n)
),
-- each change keyed once per shape of key its sheet is asked by (procedures: record_id, or the composite key)
keyed AS (
    SELECT c.import_id, c.sheet, k.key_columns,
           list_transform(k.key_columns, lambda name: coalesce(c.after, c.before)->>name) AS key_values
    FROM changes AS c JOIN (SELECT DISTINCT sheet, key_columns FROM records) AS k USING (sheet)
)
SELECT r.position, i.import_id, i.action, i.imported_at, i.imported_by, i.submitted_by, i.file_name,
       i.rolled_back_by
FROM records AS r
JOIN keyed AS c
    ON c.sheet = r.sheet AND c.key_columns = r.key_columns AND c.key_values IS NOT DISTINCT FROM r.key_values
JOIN imports AS i USING (import_id)
WHERE $scope['institution'] IS NULL
ORDER BY r.position, i.import_id DESC
