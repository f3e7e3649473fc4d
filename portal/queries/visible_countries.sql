-- Countries with at least one visible institution, for choosing a country briefing pack.
SELECT DISTINCT country FROM visible_institutions($scope) ORDER BY country
