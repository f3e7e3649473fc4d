-- The records of one submission, in the order they were sent, if the viewer may see that submission; an
-- accepted record whose change was rolled back reads 'rolled_back'.
SELECT r.sheet, r.row_number, r.proposed::VARCHAR AS proposed, r.base::VARCHAR AS base,
       CASE WHEN coalesce(r.state, s.state) = 'accepted' AND i.rolled_back_by IS NOT NULL THEN 'rolled_back'
            ELSE coalesce(r.state, s.state) END AS state
FROM submission_records AS r JOIN submissions AS s USING (submission_id)
LEFT JOIN imports AS i ON i.import_id = s.import_id
WHERE r.submission_id = $submission_id
  AND ($scope['institution'] IS NULL OR s.institution_id = $scope['institution'])
ORDER BY r.rowid
