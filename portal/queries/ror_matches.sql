-- Organisations of the loaded ROR dump whose names (folded) contain $q, exact names first.
SELECT ror_id, name, city, country, latitude, longitude FROM ror
WHERE len(list_filter(names, lambda n: contains(n, $q))) > 0
ORDER BY NOT list_contains(names, $q), name
LIMIT $limit
