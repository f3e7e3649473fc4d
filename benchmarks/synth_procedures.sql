-- Part of the synthetic dataset (benchmarks/synth.sql explains it): the procedure rows of a chunk of sites.
-- Bound: as synth.sql, and $row_from, $row_to (the chunk's single cases: row k goes to site
-- floor(126 * ((k + 0.5) / $single_rows) ** 1.6), so a chunk of consecutive rows is a run of sites and only its
-- own rows are generated; with $random_order, row k takes the site of row (k * 1000003) mod n and rows are
-- stored in hash order: every chunk holds every site, as when imports arrive in no institution order), $site_from, $site_to (the sites whose monthly and annual counts the chunk writes).

-- Procedure rows of three kinds (run once per chunk of sites, $site_from <= site_no < $site_to, chunks in site
-- order: one sort of every row would need more than the writer's memory limit, see benchmarks/synth.py), each
-- chunk sorted by institution and period (as per-hospital files arrive): single cases (one case each, a record_id, most known to the day, some only to the month); monthly
-- counts and annual counts (key: institution, department, period, procedure, technique, each combination
-- used at most once: row k takes combination (k * 1000003) mod capacity, a permutation since 1000003 is a
-- prime that divides no capacity).
INSERT INTO procedures (institution_id, department, period, procedure, technique, cases, mean_length_of_stay_days,
                        complications, equipment_id, record_id, source)
WITH single AS (
    SELECT k AS row_no, 'case' AS row_kind, least(125, floor(126 * pow(((CASE WHEN $random_order THEN (k * 1000003) % $single_rows ELSE k END) + 0.5)
               / $single_rows, 1.6)))::INTEGER AS site_no,
           CASE WHEN synth_u($seed, k, 'department') < 0.03 THEN NULL
                ELSE floor(synth_u($seed, k, 'department') * 3)::INTEGER END AS department_no,
           least(synth_day(synth_u($seed, k, 'day')), $as_of) AS day,
           CASE WHEN synth_u($seed, k, 'precision') < 0.08 THEN 'month' ELSE 'day' END AS precision,
           floor(synth_u($seed, k, 'procedure') * 6)::INTEGER AS procedure_no,
           NULL::INTEGER AS technique_no
    FROM range($row_from, $row_to) AS r(k)
), monthly AS (
    SELECT k AS row_no, 'month' AS row_kind, (c // (4 * 6 * 204 * 3))::INTEGER AS site_no,
           ((c // (4 * 6 * 204)) % 3)::INTEGER AS department_no,
           (DATE '2010-01-01' + to_months(((c // (4 * 6)) % 204)::INTEGER))::DATE AS day, 'month' AS precision,
           ((c // 4) % 6)::INTEGER AS procedure_no, (c % 4)::INTEGER AS technique_no
    FROM (SELECT k, (k * 1000003) % (126 * 3 * 204 * 6 * 4) AS c FROM range($monthly_rows) AS r(k))
), annual AS (
    SELECT k AS row_no, 'year' AS row_kind, (c // (4 * 6 * 17 * 3))::INTEGER AS site_no,
           ((c // (4 * 6 * 17)) % 3)::INTEGER AS department_no,
           make_date(2010 + ((c // (4 * 6)) % 17)::INTEGER, 1, 1) AS day, 'year' AS precision,
           ((c // 4) % 6)::INTEGER AS procedure_no, (c % 4)::INTEGER AS technique_no
    FROM (SELECT k, (k * 1000003) % (126 * 3 * 17 * 6 * 4) AS c FROM range($annual_rows) AS r(k))
), rows AS (
    SELECT * FROM (SELECT * FROM single UNION ALL SELECT * FROM monthly UNION ALL SELECT * FROM annual)
    WHERE row_kind = 'case' OR (site_no >= $site_from AND site_no < $site_to)
), shaped AS (
    SELECT r.*, s.institution_id, synth_endoscopic_share(year(r.day), s.adopted) AS endo_share,
           synth_u($seed, hash(r.row_kind, r.row_no), 'technique') AS technique_u,
           synth_u($seed, hash(r.row_kind, r.row_no), 'volume') AS volume_u,
           synth_u($seed, hash(r.row_kind, r.row_no), 'los') AS los_u,
           synth_u($seed, hash(r.row_kind, r.row_no), 'complications') AS complications_u,
           synth_u($seed, hash(r.row_kind, r.row_no), 'equipment') AS equipment_u
    FROM rows AS r JOIN synth_sites AS s USING (site_no)
), techniqued AS (
    SELECT *,
           CASE WHEN technique_no IS NOT NULL THEN ['open', 'microscopic', 'endoscopic', 'other'][technique_no + 1]
                WHEN technique_u < endo_share THEN 'endoscopic' WHEN technique_u < endo_share + 0.25 THEN 'microscopic'
                WHEN technique_u < endo_share + 0.30 THEN 'other' ELSE 'open' END AS technique
    FROM shaped
), counted AS (
    SELECT *,
           CASE row_kind WHEN 'case' THEN 1
               ELSE greatest(1, round((CASE technique WHEN 'endoscopic' THEN endo_share WHEN 'microscopic' THEN 0.25
                                                      WHEN 'other' THEN 0.05 ELSE 0.70 - endo_share END)
                                      * (0.5 + volume_u) * CASE row_kind WHEN 'month' THEN 24 ELSE 240 END))
           END::INTEGER AS cases,
           CASE technique WHEN 'endoscopic' THEN 2.5 WHEN 'microscopic' THEN 4.0 WHEN 'other' THEN 5.0 ELSE 7.0 END
               AS los_base
    FROM techniqued
)
SELECT c.institution_id,
       ['spine surgery', 'neurosurgery', 'orthopaedics'][c.department_no + 1],
       synth_partial(c.day, c.precision),
       ['microdiscectomy', 'laminectomy', 'spinal fixation', 'corpectomy', 'foraminotomy', 'kyphoplasty'][c.procedure_no + 1],
       c.technique, c.cases,
       CASE WHEN c.los_u >= 0.07 THEN round(c.los_base * (0.6 + c.los_u * 0.8), 1) END,
       CASE WHEN c.complications_u < 0.05 THEN NULL
            WHEN c.row_kind = 'case' THEN (c.complications_u < 0.09)::INTEGER
            ELSE least(c.cases, round(c.cases * 0.06 * c.complications_u))::INTEGER END,
       CASE WHEN c.equipment_u < 0.8 AND date_first(synth_partial(c.day, c.precision)) >= e.since THEN e.equipment_id END,
       CASE WHEN c.row_kind = 'case' THEN 'SYN-C-' || lpad(c.row_no::VARCHAR, 8, '0') END,
       $source
FROM counted AS c
LEFT JOIN synth_site_equipment AS e ON e.site_no = c.site_no AND e.technique = c.technique
ORDER BY CASE WHEN $random_order THEN hash(c.row_kind, c.row_no) END, c.institution_id, c.day, c.row_kind, c.row_no;
