-- Merging one sheet of an import into its table. {table}, {columns}, {key_match} and {values_differ} are
-- identifiers from the contract's fixed column lists (portal/contract.py), never user input.
CREATE OR REPLACE TEMP TABLE merge_status AS
SELECT incoming.*,
       CASE WHEN existing.matched IS NULL THEN 'added'
            WHEN {values_differ} THEN 'changed'
            ELSE 'unchanged' END AS merge_status
FROM incoming
LEFT JOIN (SELECT *, true AS matched FROM {table}) AS existing ON {key_match};

DELETE FROM {table} AS existing USING (SELECT * FROM merge_status WHERE merge_status = 'changed') AS incoming
WHERE {key_match};

INSERT INTO {table} ({columns})
SELECT {columns} FROM merge_status WHERE merge_status IN ('added', 'changed');
