-- The portal's tables: the contract's sheets, column for column, plus the import log.
-- Partial dates are kept as text ('2024', '2024-03', '2024-03-14') so their precision survives.
CREATE TABLE IF NOT EXISTS institutions (
    institution_id VARCHAR NOT NULL, name VARCHAR NOT NULL, name_local VARCHAR, kind VARCHAR NOT NULL,
    city VARCHAR, country VARCHAR NOT NULL, latitude DOUBLE, longitude DOUBLE, website VARCHAR, source VARCHAR
);
CREATE TABLE IF NOT EXISTS programmes (
    programme_id VARCHAR NOT NULL, title VARCHAR NOT NULL, kind VARCHAR NOT NULL,
    home_institution_id VARCHAR NOT NULL, host_institution_id VARCHAR NOT NULL,
    start_date VARCHAR NOT NULL, end_date VARCHAR, specialty VARCHAR, topics VARCHAR[],
    participants_count INTEGER, funding_source VARCHAR, cost_amount DOUBLE, cost_currency VARCHAR,
    status VARCHAR NOT NULL, description VARCHAR, source VARCHAR
);
CREATE TABLE IF NOT EXISTS participants (
    programme_id VARCHAR NOT NULL, person_name VARCHAR NOT NULL, role VARCHAR NOT NULL, profession VARCHAR,
    institution_id VARCHAR, position VARCHAR, source VARCHAR
);
CREATE TABLE IF NOT EXISTS equipment (
    equipment_id VARCHAR NOT NULL, institution_id VARCHAR NOT NULL, department VARCHAR, name VARCHAR NOT NULL,
    category VARCHAR NOT NULL, manufacturer VARCHAR, model VARCHAR, acquired_date VARCHAR NOT NULL,
    quantity INTEGER, cost_amount DOUBLE, cost_currency VARCHAR, funding_source VARCHAR,
    programme_ids VARCHAR[], status VARCHAR, source VARCHAR
);
CREATE TABLE IF NOT EXISTS events (
    event_id VARCHAR NOT NULL, date VARCHAR NOT NULL, kind VARCHAR NOT NULL, title VARCHAR NOT NULL,
    institution_id VARCHAR NOT NULL, partner_institution_id VARCHAR, programme_id VARCHAR, equipment_id VARCHAR,
    description VARCHAR, source VARCHAR
);
CREATE TABLE IF NOT EXISTS procedures (
    institution_id VARCHAR NOT NULL, department VARCHAR, period VARCHAR NOT NULL, procedure VARCHAR NOT NULL,
    technique VARCHAR NOT NULL, cases INTEGER NOT NULL, mean_length_of_stay_days DOUBLE, complications INTEGER,
    equipment_id VARCHAR, record_id VARCHAR, source VARCHAR
);
CREATE TABLE IF NOT EXISTS fx_rates (
    currency VARCHAR NOT NULL, year INTEGER NOT NULL, units_per_usd DOUBLE NOT NULL, source VARCHAR
);
-- One row per import (and, later, per edit or rollback): who, when, which file.
CREATE SEQUENCE IF NOT EXISTS import_ids START 1;
CREATE TABLE IF NOT EXISTS imports (
    import_id INTEGER PRIMARY KEY, action VARCHAR NOT NULL, imported_at TIMESTAMPTZ NOT NULL,
    imported_by VARCHAR NOT NULL, file_name VARCHAR, file_sha256 VARCHAR
);
CREATE TABLE IF NOT EXISTS import_counts (
    import_id INTEGER NOT NULL, sheet VARCHAR NOT NULL, added INTEGER NOT NULL, changed INTEGER NOT NULL,
    unchanged INTEGER NOT NULL
);
-- First and last day a partial date can mean: '2024' spans 2024-01-01 .. 2024-12-31.
CREATE OR REPLACE MACRO date_first(d) AS CASE length(d)
    WHEN 4 THEN make_date(d::INTEGER, 1, 1) WHEN 7 THEN (d || '-01')::DATE ELSE d::DATE END;
CREATE OR REPLACE MACRO date_last(d) AS CASE length(d)
    WHEN 4 THEN make_date(d::INTEGER, 12, 31)
    WHEN 7 THEN last_day((d || '-01')::DATE) ELSE d::DATE END;
CREATE OR REPLACE MACRO is_illustrative(source) AS coalesce(source ILIKE '%illustrative%', false);
