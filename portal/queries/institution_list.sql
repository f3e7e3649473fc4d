-- Every institution this scope sees, with or without coordinates (the read API's /institutions), with its
-- website and ROR id; by id, at most $limit, with the total beside every row.
SELECT institution_id, name, name_local, kind, city, country, latitude, longitude, website, ror_id,
       count(*) OVER () AS total
FROM visible_institutions($scope)
ORDER BY institution_id
LIMIT $limit
