-- Partner submissions, newest first: a partner sees only its institution's, administrators every one.
SELECT s.submission_id, s.kind, s.account, s.institution_id, s.sent_at, s.state, s.reason, s.reviewer, s.reviewed_at,
       s.file_name, s.file_sha256, s.import_id, i.rolled_back_by,
       (SELECT count(*) FROM submission_records AS r WHERE r.submission_id = s.submission_id) AS records,
       (SELECT count(*) FILTER (r.state = 'accepted') FROM submission_records AS r
        WHERE r.submission_id = s.submission_id) AS accepted_records
FROM submissions AS s LEFT JOIN imports AS i USING (import_id)
WHERE $scope['institution'] IS NULL OR s.institution_id = $scope['institution']
ORDER BY s.submission_id DESC
LIMIT $limit
