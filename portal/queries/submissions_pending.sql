-- How many submissions wait for review: a partner's own, or every one for administrators.
SELECT count(*) AS pending FROM submissions
WHERE state = 'pending' AND ($scope['institution'] IS NULL OR institution_id = $scope['institution'])
