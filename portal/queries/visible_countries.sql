-- Countries with at least one visible institution, for choosing a country briefing pack.
SELECT DISTINCT country FROM visible_institutions($scope_institution, $include_illustrative) ORDER BY country
