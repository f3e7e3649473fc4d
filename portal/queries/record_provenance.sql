-- Where a record's values came from: every change that wrote it (import, edit, accepted submission...),
-- who made it and, for a submission, which partner account sent it; newest first. The record is named by its
-- key: $key_columns and their $key_values as text (NULL for an empty one). Administrators only.
SELECT i.import_id, i.action, i.imported_at, i.imported_by, i.submitted_by, i.file_name, i.rolled_back_by
FROM changes AS c JOIN imports AS i USING (import_id)
WHERE c.sheet = $sheet
  AND list_transform($key_columns::VARCHAR[], lambda k: coalesce(c.after, c.before)->>k)
      IS NOT DISTINCT FROM $key_values::VARCHAR[]
  AND $scope['institution'] IS NULL
ORDER BY i.import_id DESC
