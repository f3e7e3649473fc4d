-- The last part of the synthetic dataset (benchmarks/synth.sql explains it).

-- The build's counts in the change log (every row added; nothing was there before).
INSERT INTO import_counts (import_id, sheet, added, changed, unchanged, removed)
SELECT $import_id, sheet, added, 0, 0, 0 FROM (
    SELECT 1 AS sheet_order, 'institutions' AS sheet, count(*) AS added FROM institutions
    UNION ALL SELECT 2, 'programmes', count(*) FROM programmes
    UNION ALL SELECT 3, 'participants', count(*) FROM participants
    UNION ALL SELECT 4, 'equipment', count(*) FROM equipment
    UNION ALL SELECT 5, 'events', count(*) FROM events
    UNION ALL SELECT 6, 'procedures', count(*) FROM procedures
    UNION ALL SELECT 7, 'fx_rates', count(*) FROM fx_rates
    UNION ALL SELECT 8, 'follow_ups', count(*) FROM follow_ups
)
ORDER BY sheet_order
