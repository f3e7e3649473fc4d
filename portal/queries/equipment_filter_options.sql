-- What the Equipment filters offer: the categories, institutions and countries of the visible equipment.
-- One row per (facet, value); name is the institution's name, so the list reads by name.
WITH equipment AS (
    SELECT e.category, e.institution_id, i.name, i.country
    FROM visible_equipment($scope) AS e
    JOIN institutions AS i USING (institution_id)
)
SELECT DISTINCT 'category' AS facet, category AS value, category AS name FROM equipment
UNION SELECT 'institution', institution_id, name FROM equipment
UNION SELECT 'country', country, country FROM equipment
ORDER BY facet, name, value
