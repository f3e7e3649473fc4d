-- Undoing one import's changes to one sheet: remove what it wrote, put back what it replaced or removed.
-- {table}, {columns}, {key_match} and {structure} come from the contract's fixed lists; $import_id is bound.
CREATE OR REPLACE TEMP TABLE undo_written AS
SELECT unnest(from_json(after, '{structure}')) FROM changes
WHERE import_id = $import_id AND sheet = '{table}' AND after IS NOT NULL;

DELETE FROM {table} AS existing USING undo_written AS incoming WHERE {key_match};

INSERT INTO {table} ({columns})
SELECT unnest(from_json(before, '{structure}')) FROM changes
WHERE import_id = $import_id AND sheet = '{table}' AND before IS NOT NULL;
