-- Deleting the record named by the one-row table `incoming`, logging it so it can be restored.
-- {table} and {key_match} come from the contract's fixed lists; $import_id is bound.
INSERT INTO changes
SELECT $import_id, '{table}', to_json(existing), NULL FROM {table} AS existing, incoming WHERE {key_match};

DELETE FROM {table} AS existing USING incoming WHERE {key_match};
