-- The records of one submission, in the order they were sent, if the viewer may see that submission.
SELECT r.sheet, r.row_number, r.proposed::VARCHAR AS proposed, r.base::VARCHAR AS base,
       coalesce(r.state, s.state) AS state
FROM submission_records AS r JOIN submissions AS s USING (submission_id)
WHERE r.submission_id = $submission_id
  AND ($scope['institution'] IS NULL OR s.institution_id = $scope['institution'])
ORDER BY r.rowid
