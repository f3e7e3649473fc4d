-- Merging one sheet of an import into its table, logging every record it adds or changes.
-- {table}, {columns}, {key_match} and {values_differ} are identifiers from the contract's fixed column
-- lists (portal/contract.py), never user input; $import_id is bound.
CREATE OR REPLACE TEMP TABLE merge_status AS
SELECT incoming.*,
       CASE WHEN existing.matched IS NULL THEN 'added'
            WHEN {values_differ} THEN 'changed'
            ELSE 'unchanged' END AS merge_status,
       existing.before_image,
       to_json(incoming) AS after_image
FROM incoming
LEFT JOIN (SELECT *, true AS matched, to_json({table}) AS before_image FROM {table}) AS existing ON {key_match};

INSERT INTO changes
SELECT $import_id, '{table}', before_image, after_image FROM merge_status WHERE merge_status <> 'unchanged';

DELETE FROM {table} AS existing USING (SELECT * FROM merge_status WHERE merge_status = 'changed') AS incoming
WHERE {key_match};

INSERT INTO {table} ({columns})
SELECT {columns} FROM merge_status WHERE merge_status IN ('added', 'changed');
