-- Every partner submission with its records (proposed and base images), oldest first: what `portal export`
-- writes beside the workbook, so the queue and its decisions are kept with the records they concern.
SELECT s.submission_id, s.kind, s.account, s.institution_id, s.sent_at, s.state, s.reviewer, s.reviewed_at,
       s.reason, s.file_name, s.file_sha256, s.import_id,
       (SELECT to_json(list({'sheet': r.sheet, 'row_number': r.row_number, 'proposed': r.proposed,
                             'base': r.base} ORDER BY r.rowid))
        FROM submission_records AS r WHERE r.submission_id = s.submission_id)::VARCHAR AS records
FROM submissions AS s
WHERE $scope['institution'] IS NULL OR s.institution_id = $scope['institution']
ORDER BY s.submission_id
