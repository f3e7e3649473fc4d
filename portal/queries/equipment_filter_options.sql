-- What the Equipment filters offer: the categories, institutions and countries of the visible equipment.
-- One row per (facet, value); name is the institution's name. The page orders each list by the name shown in
-- the reader's language (categories and countries are named there, from their codes).
WITH equipment AS (
    SELECT e.category, e.institution_id, i.name, i.country
    FROM visible_equipment($scope) AS e
    JOIN institutions AS i USING (institution_id)
)
SELECT DISTINCT 'category' AS facet, category AS value, category AS name FROM equipment
UNION SELECT 'institution', institution_id, name FROM equipment
UNION SELECT 'country', country, country FROM equipment
ORDER BY facet, name, value
