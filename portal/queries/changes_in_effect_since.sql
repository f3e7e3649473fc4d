-- The changes a rollback of $import_id would undo: it and every later one still in effect, newest first.
SELECT import_id, action, imported_at, imported_by, file_name
FROM imports
WHERE import_id >= $import_id AND rolled_back_by IS NULL AND action <> 'rollback'
ORDER BY import_id DESC
