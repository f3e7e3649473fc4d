-- The most recent imports, newest first, with their row counts summed over sheets.
SELECT i.import_id, i.action, i.imported_at, i.imported_by, i.file_name, i.file_sha256,
       coalesce(sum(c.added), 0) AS added, coalesce(sum(c.changed), 0) AS changed,
       coalesce(sum(c.unchanged), 0) AS unchanged
FROM imports AS i LEFT JOIN import_counts AS c USING (import_id)
GROUP BY ALL
ORDER BY i.import_id DESC
LIMIT $limit
