-- The portal's tables: the contract's sheets, column for column, plus the import log.
-- Partial dates are kept as text ('2024', '2024-03', '2024-03-14') so their precision survives.
CREATE TABLE IF NOT EXISTS institutions (
    institution_id VARCHAR NOT NULL, name VARCHAR NOT NULL, name_local VARCHAR, kind VARCHAR NOT NULL,
    city VARCHAR, country VARCHAR NOT NULL, latitude DOUBLE, longitude DOUBLE, website VARCHAR, source VARCHAR
);
-- Optional portal extension: the institution's ROR id; added last so older databases gain it in place.
ALTER TABLE institutions ADD COLUMN IF NOT EXISTS ror_id VARCHAR;
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
-- Procedure rows summed per institution, department, month (the period's 'YYYY-MM', or 'YYYY' when known
-- only by year), procedure, technique, equipment and illustrative-or-not: what the pages read at national
-- scale. Rebuilt for the institutions a change touched inside that change's transaction (db.writing), so
-- it always equals a GROUP BY of procedures (portal/sql/procedure_totals.sql).
CREATE TABLE IF NOT EXISTS procedure_totals (
    institution_id VARCHAR NOT NULL, department VARCHAR, month VARCHAR NOT NULL, procedure VARCHAR NOT NULL,
    technique VARCHAR NOT NULL, equipment_id VARCHAR, illustrative BOOLEAN NOT NULL, cases BIGINT NOT NULL,
    records BIGINT NOT NULL, cases_with_los BIGINT, case_days_of_stay DOUBLE, cases_with_complications BIGINT,
    complications BIGINT
);
-- The procedure rows that cite no source, per group (Overview's contents, Data quality's rows without a source);
-- added last so older databases gain it in place, and db.writing rebuilds the totals that lack it.
ALTER TABLE procedure_totals ADD COLUMN IF NOT EXISTS records_without_source BIGINT;
CREATE TABLE IF NOT EXISTS fx_rates (
    currency VARCHAR NOT NULL, year INTEGER NOT NULL, units_per_usd DOUBLE NOT NULL, source VARCHAR
);
CREATE TABLE IF NOT EXISTS follow_ups (
    programme_id VARCHAR NOT NULL, person_name VARCHAR NOT NULL, role VARCHAR NOT NULL, date VARCHAR NOT NULL,
    status VARCHAR NOT NULL, institution_id VARCHAR, practising VARCHAR, procedures_performed INTEGER,
    position VARCHAR, source VARCHAR
);
-- One row per change to the data: an import, a seeding, an edit, a deletion or a rollback.
CREATE SEQUENCE IF NOT EXISTS import_ids START 1;
CREATE TABLE IF NOT EXISTS imports (
    import_id INTEGER PRIMARY KEY, action VARCHAR NOT NULL, imported_at TIMESTAMPTZ NOT NULL,
    imported_by VARCHAR NOT NULL, file_name VARCHAR, file_sha256 VARCHAR
);
ALTER TABLE imports ADD COLUMN IF NOT EXISTS rolls_back INTEGER;      -- a rollback: the import it undid
ALTER TABLE imports ADD COLUMN IF NOT EXISTS rolled_back_by INTEGER;  -- an undone import: the rollback
CREATE TABLE IF NOT EXISTS import_counts (
    import_id INTEGER NOT NULL, sheet VARCHAR NOT NULL, added INTEGER NOT NULL, changed INTEGER NOT NULL,
    unchanged INTEGER NOT NULL
);
ALTER TABLE import_counts ADD COLUMN IF NOT EXISTS removed INTEGER DEFAULT 0;
-- Every record a change touched, as JSON images: before (NULL when added), after (NULL when removed).
-- Enough to show what changed field by field, and to undo it.
CREATE TABLE IF NOT EXISTS changes (
    import_id INTEGER NOT NULL, sheet VARCHAR NOT NULL, before JSON, after JSON
);
-- Partner submissions (issue 15): proposals held apart from the records until an administrator accepts them.
-- Each submitted record keeps its proposed image and the base image the partner saw (NULL: a new record),
-- so a review can tell which fields changed since it was sent.
ALTER TABLE imports ADD COLUMN IF NOT EXISTS submitted_by VARCHAR;  -- an accepted submission: the partner account
CREATE SEQUENCE IF NOT EXISTS submission_ids START 1;
CREATE TABLE IF NOT EXISTS submissions (
    submission_id INTEGER PRIMARY KEY, account VARCHAR NOT NULL, institution_id VARCHAR NOT NULL,
    sent_at TIMESTAMPTZ NOT NULL, state VARCHAR NOT NULL, reason VARCHAR, reviewer VARCHAR,
    reviewed_at TIMESTAMPTZ, file_name VARCHAR, file_sha256 VARCHAR, import_id INTEGER
);
ALTER TABLE submissions ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'workbook';  -- workbook or confirmation
CREATE TABLE IF NOT EXISTS submission_records (
    submission_id INTEGER NOT NULL, sheet VARCHAR NOT NULL, row_number INTEGER, proposed JSON NOT NULL, base JSON
);
-- Each record's own decision (accepted or rejected; NULL: undecided, or decided before records were): a reviewer
-- may accept some records of a submission and reject the rest with the submission's reason.
ALTER TABLE submission_records ADD COLUMN IF NOT EXISTS state VARCHAR;
-- First and last day a partial date can mean: '2024' spans 2024-01-01 .. 2024-12-31.
CREATE OR REPLACE MACRO date_first(d) AS CASE length(d)
    WHEN 4 THEN make_date(d::INTEGER, 1, 1) WHEN 7 THEN (d || '-01')::DATE ELSE d::DATE END;
CREATE OR REPLACE MACRO date_last(d) AS CASE length(d)
    WHEN 4 THEN make_date(d::INTEGER, 12, 31)
    WHEN 7 THEN last_day((d || '-01')::DATE) ELSE d::DATE END;
CREATE OR REPLACE MACRO is_illustrative(source) AS coalesce(source ILIKE '%illustrative%', false);

-- Access rules, in one place: every page query reads through these table macros, never the tables.
-- `scope` is the viewer's scope, bound by portal/db.py as a struct:
--   institution  NULL sees every institution; an id sees only the collaborations it took part in
--   illustrative false hides rows whose source says "illustrative" (the viewer's choice)
--   names        false blanks people's names (anonymous visitors)
--   costs        false blanks amounts and their currencies (anonymous visitors, unless the deployment allows)
CREATE OR REPLACE MACRO in_scope(scope, source) AS scope['illustrative'] OR NOT is_illustrative(source);
CREATE OR REPLACE MACRO visible_programmes(scope) AS TABLE
    SELECT * REPLACE (CASE WHEN scope['costs'] THEN cost_amount END AS cost_amount,
                      CASE WHEN scope['costs'] THEN cost_currency END AS cost_currency)
    FROM programmes
    WHERE (scope['institution'] IS NULL OR scope['institution'] IN (home_institution_id, host_institution_id))
      AND in_scope(scope, source);
CREATE OR REPLACE MACRO visible_events(scope) AS TABLE
    SELECT * FROM events
    WHERE (scope['institution'] IS NULL OR scope['institution'] IN (institution_id, partner_institution_id)
           OR programme_id IN (SELECT programme_id FROM visible_programmes(scope)))
      AND in_scope(scope, source);
CREATE OR REPLACE MACRO visible_equipment(scope) AS TABLE
    SELECT * REPLACE (CASE WHEN scope['costs'] THEN cost_amount END AS cost_amount,
                      CASE WHEN scope['costs'] THEN cost_currency END AS cost_currency)
    FROM equipment
    WHERE (scope['institution'] IS NULL OR institution_id = scope['institution']
           OR list_has_any(programme_ids, (SELECT list(programme_id) FROM visible_programmes(scope))))
      AND in_scope(scope, source);
CREATE OR REPLACE MACRO visible_participants(scope) AS TABLE
    SELECT * REPLACE (CASE WHEN scope['names'] THEN person_name END AS person_name)
    FROM participants
    WHERE programme_id IN (SELECT programme_id FROM visible_programmes(scope))
      AND in_scope(scope, source);
-- Follow-ups are personal data with the participants' visibility: names blanked, only visible programmes.
CREATE OR REPLACE MACRO visible_follow_ups(scope) AS TABLE
    SELECT * REPLACE (CASE WHEN scope['names'] THEN person_name END AS person_name)
    FROM follow_ups
    WHERE programme_id IN (SELECT programme_id FROM visible_programmes(scope))
      AND in_scope(scope, source);
CREATE OR REPLACE MACRO visible_procedures(scope) AS TABLE
    SELECT * FROM procedures
    WHERE (scope['institution'] IS NULL OR institution_id = scope['institution'])
      AND in_scope(scope, source);
CREATE OR REPLACE MACRO visible_procedure_totals(scope) AS TABLE
    SELECT * FROM procedure_totals
    WHERE (scope['institution'] IS NULL OR institution_id = scope['institution'])
      AND (scope['illustrative'] OR NOT illustrative);
-- Which side has confirmed each programme as it stood (an accepted partner confirmation, not rolled back):
-- 'both', 'host', 'home'; programmes nobody confirmed have no row (read them as 'none').
CREATE OR REPLACE MACRO programme_confirmed_by() AS TABLE
    SELECT p.programme_id,
           CASE WHEN bool_or(s.institution_id = p.home_institution_id) AND bool_or(s.institution_id = p.host_institution_id)
                THEN 'both'
                WHEN bool_or(s.institution_id = p.host_institution_id) THEN 'host'
                WHEN bool_or(s.institution_id = p.home_institution_id) THEN 'home' END AS confirmed_by
    FROM submissions AS s JOIN submission_records AS r USING (submission_id)
    JOIN imports AS i USING (import_id)
    JOIN programmes AS p ON p.programme_id = r.proposed->>'programme_id'
    WHERE s.kind = 'confirmation' AND s.state = 'accepted' AND i.rolled_back_by IS NULL
    GROUP BY p.programme_id
    HAVING confirmed_by IS NOT NULL;
CREATE OR REPLACE MACRO visible_institutions(scope) AS TABLE
    SELECT * FROM institutions
    WHERE in_scope(scope, source)
      AND (scope['institution'] IS NULL OR institution_id = scope['institution']
           OR institution_id IN (SELECT home_institution_id FROM visible_programmes(scope))
           OR institution_id IN (SELECT host_institution_id FROM visible_programmes(scope))
           OR institution_id IN (SELECT partner_institution_id FROM visible_events(scope))
           OR institution_id IN (SELECT institution_id FROM visible_events(scope)));

-- Every cost, programme and equipment alike, converted to the reporting currency at its year's rates:
-- amount / (units of its currency per USD) * (units of the reporting currency per USD), both of that year.
-- converted is NULL when the amount is not reported or a rate is missing; rates and year stay beside it.
CREATE OR REPLACE MACRO converted_costs(scope, reporting_currency) AS TABLE
    WITH costs AS (
        SELECT 'programme' AS cost_kind, programme_id AS record_id, title AS record_name,
               home_institution_id AS institution_id, cost_amount AS amount, cost_currency AS currency,
               year(date_first(start_date)) AS year, source
        FROM visible_programmes(scope)
        UNION ALL
        SELECT 'equipment', equipment_id, name, institution_id, cost_amount, cost_currency,
               year(date_first(acquired_date)), source
        FROM visible_equipment(scope)
    ), rated AS (
        SELECT costs.*,
               CASE WHEN costs.currency = 'USD' THEN 1.0 ELSE source_rate.units_per_usd END AS currency_per_usd,
               CASE WHEN reporting_currency = 'USD' THEN 1.0 ELSE target_rate.units_per_usd END AS reporting_per_usd
        FROM costs
        LEFT JOIN fx_rates AS source_rate ON source_rate.currency = costs.currency AND source_rate.year = costs.year
        LEFT JOIN fx_rates AS target_rate ON target_rate.currency = reporting_currency AND target_rate.year = costs.year
    )
    SELECT *, amount / currency_per_usd * reporting_per_usd AS converted,
           amount IS NOT NULL AND (currency_per_usd IS NULL OR reporting_per_usd IS NULL) AS rate_missing
    FROM rated;

-- The Equipment page's selection: visible equipment acquired in a year range, filtered by category,
-- institution and country (an empty list leaves that filter open), with its cost as recorded and converted
-- (with both rates of the acquisition year, in units per US dollar as fx_rates states them).
CREATE OR REPLACE MACRO selected_equipment(scope, reporting_currency, year_from, year_to, categories, institutions,
                                           countries) AS TABLE
    SELECT e.*, i.name AS institution_name, i.country, c.amount, c.currency, c.year, c.converted,
           c.currency_per_usd, c.reporting_per_usd, c.rate_missing,
           e.name || ' · ' || i.name AS label
    FROM visible_equipment(scope) AS e
    JOIN institutions AS i USING (institution_id)
    JOIN converted_costs(scope, reporting_currency) AS c
        ON c.cost_kind = 'equipment' AND c.record_id = e.equipment_id
    WHERE c.year BETWEEN year_from AND year_to
      AND (len(categories) = 0 OR list_contains(categories, e.category))
      AND (len(institutions) = 0 OR list_contains(institutions, e.institution_id))
      AND (len(countries) = 0 OR list_contains(countries, i.country));

-- Trainees of visible programmes, one row per trainee, each with a number instead of a name, so that
-- cohort figures can join people to their follow-ups without the names a scope may hide.
CREATE OR REPLACE MACRO visible_trainees(scope) AS TABLE
    SELECT dense_rank() OVER (ORDER BY pp.programme_id, pp.person_name) AS person_number,
           CASE WHEN scope['names'] THEN pp.person_name END AS person_name,
           pp.programme_id, pp.person_name AS _name
    FROM participants AS pp
    WHERE pp.role = 'trainee' AND pp.programme_id IN (SELECT programme_id FROM visible_programmes(scope))
      AND in_scope(scope, pp.source);
-- A person's code in a link (?person=...): stable while the participant record stands, and without the name.
CREATE OR REPLACE MACRO person_code(programme_id, person_name) AS left(md5(programme_id || chr(31) || person_name), 16);
-- The point M months after an end date: a full date plus M months; an end known by month or year reaches to
-- the end of the month M months after its last day ('2024-11' + 6: 2025-05-31, not 2025-05-30), so a check
-- dated by that month counts.
CREATE OR REPLACE MACRO retention_point(end_date, months) AS CASE WHEN length(end_date) = 10
    THEN (date_last(end_date) + to_months(months))::DATE
    ELSE last_day(date_last(end_date) + to_months(months)) END;
-- Retention (contract 1.1): each trainee's situation at M months after their programme's end_date is the
-- latest follow-up certainly on or before that point (a partial date counts by its last day, so does the
-- end). Points after as_of are not reached yet and give no row; programmes without end_date give none.
-- Bands: home (at_home_institution), country (elsewhere_in_country), left (abroad, left_profession,
-- deceased), not_followed_up (no check by then, or a check whose status is unknown).
CREATE OR REPLACE MACRO trainee_situations(scope, as_of) AS TABLE
    WITH points AS (
        SELECT t.person_number, t.person_name, t.programme_id, t._name, p.title, p.host_institution_id,
               p.home_institution_id, p.specialty, p.start_date, year(date_last(p.end_date)) AS return_year, m.months,
               retention_point(p.end_date, m.months) AS point
        FROM visible_trainees(scope) AS t
        JOIN visible_programmes(scope) AS p USING (programme_id)
        CROSS JOIN (VALUES (6), (12), (24), (36), (60)) AS m(months)
        WHERE p.end_date IS NOT NULL AND retention_point(p.end_date, m.months) <= as_of
    ), checks AS (
        SELECT points.*, f.status, f.practising, f.procedures_performed,
               row_number() OVER (PARTITION BY points.person_number, points.months
                                  ORDER BY date_last(f.date) DESC, f.date DESC) AS recency
        FROM points
        LEFT JOIN follow_ups AS f
            ON f.programme_id = points.programme_id AND f.person_name = points._name AND f.role = 'trainee'
           AND date_last(f.date) <= points.point AND in_scope(scope, f.source)
           -- A check certainly before the programme's start contradicts it (Data quality lists it): it says
           -- nothing of what became of the trainee. Import refuses it; a later change of dates can leave it.
           AND date_last(f.date) >= date_first(points.start_date)
    ), cases AS (
        SELECT person_number, months, sum(procedures_performed) AS cases_reported
        FROM checks GROUP BY ALL
    )
    SELECT checks.* EXCLUDE (_name, start_date, recency, procedures_performed), cases.cases_reported,
           CASE WHEN status = 'at_home_institution' THEN 'home'
                WHEN status = 'elsewhere_in_country' THEN 'country'
                WHEN status IN ('abroad', 'left_profession', 'deceased') THEN 'left'
                ELSE 'not_followed_up' END AS band
    FROM checks JOIN cases USING (person_number, months)
    WHERE recency = 1;

-- Retention figures per cohort and point (6..60 months after the end): trainees in each band, practising among
-- those followed up, and cases they reported. cohort_by: programme, host, specialty, return_year, or subject
-- (every trainee one cohort); programmes: the programmes counted (NULL: every one the scope sees).
CREATE OR REPLACE MACRO retention_bands(scope, as_of, cohort_by, programmes) AS TABLE
    SELECT CASE cohort_by WHEN 'programme' THEN s.programme_id WHEN 'host' THEN s.host_institution_id
                          WHEN 'specialty' THEN s.specialty WHEN 'subject' THEN 'subject'
                          ELSE s.return_year::VARCHAR END AS cohort,
           any_value(CASE cohort_by WHEN 'programme' THEN s.title WHEN 'host' THEN i.name
                                    WHEN 'specialty' THEN s.specialty WHEN 'subject' THEN NULL
                                    ELSE s.return_year::VARCHAR END) AS cohort_name,
           s.months,
           count(*) AS trainees,
           count(*) FILTER (band = 'home') AS home,
           count(*) FILTER (band = 'country') AS country,
           count(*) FILTER (band = 'left') AS "left",
           count(*) FILTER (band = 'not_followed_up') AS not_followed_up,
           count(*) FILTER (band <> 'not_followed_up') AS followed_up,
           count(*) FILTER (band <> 'not_followed_up' AND practising = 'yes') AS practising_yes,
           count(*) FILTER (band <> 'not_followed_up' AND practising = 'partly') AS practising_partly,
           count(*) FILTER (band <> 'not_followed_up' AND practising = 'no') AS practising_no,
           count(*) FILTER (band <> 'not_followed_up' AND practising IS NULL) AS practising_not_reported,
           sum(s.cases_reported) AS cases_reported
    FROM trainee_situations(scope, as_of) AS s
    LEFT JOIN institutions AS i ON i.institution_id = s.host_institution_id
    WHERE programmes IS NULL OR list_contains(programmes, s.programme_id)
    GROUP BY ALL;

-- Trainees back at their home institution (their latest visible check says at_home_institution) where no
-- visible equipment their technique needs stands: none at that institution linked to their programme or of a
-- category of the programme's linked equipment. Trainees of programmes linked to no equipment are left out:
-- what they need is not recorded.
CREATE OR REPLACE MACRO trainees_without_equipment(scope) AS TABLE
    WITH latest AS (
        SELECT t.person_number, t.person_name, t.programme_id, f.date AS checked, f.status,
               row_number() OVER (PARTITION BY t.person_number ORDER BY date_last(f.date) DESC, f.date DESC) AS recency
        FROM visible_trainees(scope) AS t
        JOIN follow_ups AS f
            ON f.programme_id = t.programme_id AND f.person_name = t._name AND f.role = 'trainee'
           AND in_scope(scope, f.source)
    ), needs AS (
        SELECT programme_id, list(DISTINCT category ORDER BY category) AS categories
        FROM (SELECT unnest(programme_ids) AS programme_id, category FROM visible_equipment(scope))
        GROUP BY programme_id
    )
    SELECT l.person_number, l.person_name, l.programme_id, p.title, p.home_institution_id AS institution_id,
           l.checked, n.categories
    FROM latest AS l
    JOIN visible_programmes(scope) AS p USING (programme_id)
    JOIN needs AS n USING (programme_id)
    WHERE l.recency = 1 AND l.status = 'at_home_institution'
      AND NOT EXISTS (SELECT 1 FROM visible_equipment(scope) AS e
                      WHERE e.institution_id = p.home_institution_id
                        AND (list_contains(e.programme_ids, l.programme_id)
                             OR list_contains(n.categories, e.category)));
