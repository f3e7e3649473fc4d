-- What the database holds: rows per sheet, how many are illustrative, how many cite no source. Procedures are
-- counted off procedure_totals (kept equal to the rows by every change): at national scale a count of the rows
-- themselves scans them all.
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
UNION ALL SELECT 'procedures', coalesce(sum(records), 0)::BIGINT,
                 coalesce(sum(records) FILTER (illustrative), 0)::BIGINT,
                 coalesce(sum(records_without_source), 0)::BIGINT
    FROM procedure_totals
UNION ALL SELECT 'fx_rates', count(*), count(*) FILTER (is_illustrative(source)), count(*) FILTER (source IS NULL)
    FROM fx_rates
UNION ALL SELECT 'follow_ups', count(*), count(*) FILTER (is_illustrative(source)), count(*) FILTER (source IS NULL)
    FROM follow_ups
