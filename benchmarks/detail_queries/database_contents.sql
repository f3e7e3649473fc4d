-- What the database holds: rows per sheet, how many are illustrative, how many cite no source.
SELECT 'institutions' AS sheet, count(*) AS records, count(*) FILTER (is_illustrative(source)) AS illustrative,
       count(*) FILTER (source IS NULL) AS without_source FROM institutions
UNION ALL SELECT 'programmes', count(*), count(*) FILTER (is_illustrative(source)), count(*) FILTER (source IS NULL)
    FROM programmes
UNION ALL SELECT 'participants', count(*), count(*) FILTER (is_illustrative(source)), count(*) FILTER (source IS NULL)
    FROM participants
UNION ALL SELECT 'equipment', count(*), count(*) FILTER (is_illustrative(source)), count(*) FILTER (source IS NULL)
    FROM equipment
UNION ALL SELECT 'events', count(*), count(*) FILTER (is_illustrative(source)), count(*) FILTER (source IS NULL)
    FROM events
UNION ALL SELECT 'procedures', count(*), count(*) FILTER (is_illustrative(source)), count(*) FILTER (source IS NULL)
    FROM procedures
UNION ALL SELECT 'fx_rates', count(*), count(*) FILTER (is_illustrative(source)), count(*) FILTER (source IS NULL)
    FROM fx_rates
UNION ALL SELECT 'follow_ups', count(*), count(*) FILTER (is_illustrative(source)), count(*) FILTER (source IS NULL)
    FROM follow_ups
