-- Every change to the data, newest first: who, when, which file, what it did, and whether it was undone.
SELECT i.import_id, i.action, i.imported_at, i.imported_by, i.file_name, i.file_sha256,
       coalesce(sum(c.added), 0)::BIGINT AS added, coalesce(sum(c.changed), 0)::BIGINT AS changed,
       coalesce(sum(c.unchanged), 0)::BIGINT AS unchanged, coalesce(sum(c.removed), 0)::BIGINT AS removed,
       i.rolls_back, i.rolled_back_by, i.submitted_by
FROM imports AS i LEFT JOIN import_counts AS c USING (import_id)
GROUP BY ALL
ORDER BY i.import_id DESC
LIMIT $limit
