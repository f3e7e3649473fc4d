-- Trainees back home without the equipment their technique needs, counted per home institution (most first).
SELECT w.institution_id, i.name AS institution_name, count(*) AS trainees
FROM trainees_without_equipment($scope) AS w
JOIN institutions AS i USING (institution_id)
GROUP BY ALL
ORDER BY trainees DESC, institution_name
