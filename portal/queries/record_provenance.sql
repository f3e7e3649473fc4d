-- Where a record's values came from: every change that wrote it (import, edit, accepted submission...),
-- who made it and, for a submission, which partner account sent it; newest first. Administrators only.
SELECT i.import_id, i.action, i.imported_at, i.imported_by, i.submitted_by, i.file_name, i.rolled_back_by
FROM changes AS c JOIN imports AS i USING (import_id)
WHERE c.sheet = $sheet
  AND coalesce(c.after, c.before)->>$key_column = $record_id
  AND $scope['institution'] IS NULL
ORDER BY i.import_id DESC
