-- Everything a briefing pack shows, for one programme ($programme), institution ($institution) or country
-- ($country); the other two are NULL. In the brief: the programme itself, or every programme whose home or
-- host is the institution or lies in the country; equipment at those institutions or linked to those
-- programmes; events of those programmes, equipment or institutions; every institution they involve; and
-- the sources cited by those rows and by the fx rates their costs used. No row when the viewer may not see
-- the subject.
-- One row per record, the most recent (sources: the most cited) $per_kind of each kind with kind_total
-- beside them: dates with their first and last day, coordinates, the cost as reported and converted with
-- both rates of its year, the source, and the record's data-quality flags. Programme rows carry their home
-- and host (names, coordinates) and pair_programmes: how many programmes of their kind link the same two
-- institutions. in_subject: the record is at the institution (or in the country) the brief is about.
-- Every row also carries the brief's key figures, over all its records (a count of unreported values beside
-- every sum), each flag's total and when the data last changed.
WITH places AS (
    SELECT institution_id FROM visible_institutions($scope)
    WHERE institution_id = $institution OR country = $country
), programmes_in AS (
    SELECT * FROM visible_programmes($scope)
    WHERE programme_id = $programme OR home_institution_id IN (SELECT institution_id FROM places)
       OR host_institution_id IN (SELECT institution_id FROM places)
), equipment_in AS (
    SELECT * FROM visible_equipment($scope)
    WHERE institution_id IN (SELECT institution_id FROM places)
       OR list_has_any(programme_ids, (SELECT list(programme_id) FROM programmes_in))
), events_in AS (
    SELECT * FROM visible_events($scope)
    WHERE programme_id IN (SELECT programme_id FROM programmes_in)
       OR equipment_id IN (SELECT equipment_id FROM equipment_in)
       OR institution_id IN (SELECT institution_id FROM places)
       OR partner_institution_id IN (SELECT institution_id FROM places)
), institutions_in AS (
    SELECT * FROM visible_institutions($scope)
    WHERE institution_id IN (
        SELECT institution_id FROM places
        UNION ALL SELECT home_institution_id FROM programmes_in UNION ALL SELECT host_institution_id FROM programmes_in
        UNION ALL SELECT institution_id FROM equipment_in
        UNION ALL SELECT institution_id FROM events_in UNION ALL SELECT partner_institution_id FROM events_in)
), costs AS (
    SELECT * FROM converted_costs($scope, $reporting_currency)
), records AS (
    SELECT 1 AS part, 'programme' AS record_kind, p.programme_id AS record_id, p.title AS name,
           NULL AS name_local, p.kind, p.status, p.start_date, p.end_date, date_first(p.start_date) AS first_day,
           coalesce(date_last(p.end_date), date_last(p.start_date)) AS last_day,
           p.home_institution_id AS institution_id, p.host_institution_id AS partner_institution_id,
           home.name AS home_name, host.name AS host_name, home.latitude AS home_latitude,
           home.longitude AS home_longitude, host.latitude AS host_latitude, host.longitude AS host_longitude,
           count(*) OVER (PARTITION BY p.home_institution_id, p.host_institution_id, p.kind) AS pair_programmes,
           NULL AS city, NULL AS country, NULL::DOUBLE AS latitude, NULL::DOUBLE AS longitude,
           p.participants_count, c.amount, c.currency, c.year, c.currency_per_usd, c.reporting_per_usd,
           c.converted, c.rate_missing, p.source,
           coalesce(CASE p.status
               WHEN 'completed' THEN date_first(coalesce(p.end_date, p.start_date)) > current_date
               WHEN 'ongoing' THEN date_first(p.start_date) > current_date OR date_last(p.end_date) < current_date
               WHEN 'planned' THEN date_last(p.start_date) < current_date END, false) AS status_contradicts_dates,
           false AS unlinked
    FROM programmes_in AS p
    JOIN institutions AS home ON home.institution_id = p.home_institution_id
    JOIN institutions AS host ON host.institution_id = p.host_institution_id
    LEFT JOIN costs AS c ON c.cost_kind = 'programme' AND c.record_id = p.programme_id
    UNION ALL
    SELECT 2, 'equipment', e.equipment_id,
           e.name || coalesce(' (' || e.manufacturer || coalesce(' ' || e.model, '') || ')', ''), NULL,
           e.category, e.status, e.acquired_date, NULL, date_first(e.acquired_date), date_last(e.acquired_date),
           e.institution_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           NULL, c.amount, c.currency, c.year, c.currency_per_usd, c.reporting_per_usd, c.converted,
           c.rate_missing, e.source, false, coalesce(len(e.programme_ids), 0) = 0
    FROM equipment_in AS e
    LEFT JOIN costs AS c ON c.cost_kind = 'equipment' AND c.record_id = e.equipment_id
    UNION ALL
    SELECT 3, 'event', event_id, title, NULL, kind, NULL, date, NULL, date_first(date), date_last(date),
           institution_id, partner_institution_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, source, false, false
    FROM events_in
    UNION ALL
    SELECT 4, 'institution', institution_id, name, name_local, kind, NULL, NULL, NULL, NULL, NULL,
           institution_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, city, country, latitude, longitude,
           NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, source, false, false
    FROM institutions_in
), rates_used AS (
    SELECT DISTINCT f.currency, f.year, f.source
    FROM records JOIN fx_rates AS f ON f.year = records.year AND f.currency IN (records.currency, $reporting_currency)
    WHERE records.amount IS NOT NULL
), sources AS (
    SELECT source, count(*) AS cited_by
    FROM (SELECT source FROM records UNION ALL SELECT source FROM rates_used)
    WHERE coalesce(trim(source), '') <> ''
    GROUP BY source
), listed AS (
    SELECT *, NULL::BIGINT AS cited_by FROM records
    UNION ALL BY NAME
    SELECT 5 AS part, 'source' AS record_kind, source AS record_id, source AS name, source, cited_by FROM sources
), flagged AS (
    SELECT listed.* REPLACE (coalesce(rate_missing, false) AS rate_missing,
                             coalesce(status_contradicts_dates, false) AS status_contradicts_dates,
                             coalesce(unlinked, false) AS unlinked),
           is_illustrative(source) AS illustrative,
           record_kind <> 'source' AND coalesce(trim(source), '') = '' AS no_source,
           places.institution_id IS NOT NULL AS in_subject,
           count(*) OVER (PARTITION BY record_kind) AS kind_total,
           row_number() OVER (PARTITION BY record_kind ORDER BY first_day DESC NULLS LAST, cited_by DESC NULLS LAST,
                              places.institution_id IS NOT NULL DESC, name, record_id) AS recency
    FROM listed LEFT JOIN places USING (institution_id)
), partners AS (
    SELECT home_institution_id AS institution_id FROM programmes_in
    UNION SELECT host_institution_id FROM programmes_in
    EXCEPT SELECT institution_id FROM places
), figures AS (
    SELECT count(*) FILTER (record_kind = 'programme') AS programmes,
           sum(participants_count) AS participants,
           count(*) FILTER (record_kind = 'programme' AND participants_count IS NULL) AS participants_not_reported,
           (SELECT count(*) FROM partners) AS partners,
           count(*) FILTER (record_kind = 'equipment') AS equipment,
           sum(converted) AS cost_total,
           count(*) FILTER (record_kind IN ('programme', 'equipment')) AS cost_records,
           count(*) FILTER (record_kind IN ('programme', 'equipment') AND amount IS NULL) AS cost_not_reported,
           count(*) FILTER (rate_missing) AS rate_missing_total,
           count(*) FILTER (no_source) AS no_source_total,
           count(*) FILTER (status_contradicts_dates) AS status_contradicts_dates_total,
           count(*) FILTER (unlinked) AS unlinked_total,
           count(*) FILTER (illustrative AND record_kind <> 'source') AS illustrative_records,
           count(*) FILTER (record_kind = 'source') AS sources_total,
           (SELECT max(imported_at) FROM imports) AS data_as_of
    FROM flagged
)
SELECT flagged.* EXCLUDE (part, recency), figures.*
FROM flagged, figures
WHERE recency <= $per_kind
ORDER BY part, first_day NULLS LAST, cited_by DESC NULLS LAST, in_subject DESC, name, record_id
