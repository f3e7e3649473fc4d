-- One institution as the viewer may see it (no row when it is unknown or hidden), with how many
-- programmes and events it took part in, counted as on the partners map.
SELECT institution_id, name, name_local, kind, city, country, website, latitude, longitude,
       latitude IS NOT NULL AND longitude IS NOT NULL AS located, source,
       (SELECT count(DISTINCT programme_id) FROM visible_programmes($scope)
        WHERE $institution IN (home_institution_id, host_institution_id)
           OR programme_id IN (SELECT programme_id
                               FROM visible_participants($scope)
                               WHERE role = 'visiting_expert' AND institution_id = $institution)) AS programmes,
       (SELECT count(*) FROM visible_events($scope)
        WHERE $institution IN (institution_id, partner_institution_id)) AS events
FROM visible_institutions($scope)
WHERE institution_id = $institution
