-- The synthetic national-scale dataset (python -m benchmarks.synth): every row invented, every name says
-- "Synthetic ... (illustrative)", every source says "illustrative synthetic data". Run statement by statement
-- inside db.writing(path, fresh=True), so the tables are the real ones and the file is swapped in whole;
-- then synth_procedures.sql once per chunk of sites and synth_counts.sql.
-- Pseudo-random values are hashes of ($seed, row number, a tag): the same seed gives the same database.
-- Bound: $seed, $source, $as_of (the day statuses are judged against), $single_rows, $monthly_rows,
-- $annual_rows (the three kinds of procedure rows), $programme_rows, $participant_rows, $equipment_rows,
-- $event_rows.

CREATE OR REPLACE TEMP MACRO synth_u(seed, i, tag) AS (hash(seed, i, tag) % 1000003) / 1000003.0;

CREATE OR REPLACE TEMP MACRO synth_pick(choices, u) AS choices[1 + floor(u * len(choices))::INTEGER];

CREATE OR REPLACE TEMP MACRO synth_partial(d, precision) AS CASE precision
    WHEN 'year' THEN strftime(d, '%Y') WHEN 'month' THEN strftime(d, '%Y-%m') ELSE strftime(d, '%Y-%m-%d') END;

CREATE OR REPLACE TEMP MACRO synth_precision(u) AS CASE WHEN u < 0.15 THEN 'year' WHEN u < 0.70 THEN 'month'
    ELSE 'day' END;

-- A day between 2010-01-01 and 2027-12-31, more of them recent (u ** 0.7 leans towards 1).
CREATE OR REPLACE TEMP MACRO synth_day(u) AS DATE '2010-01-01' + floor(pow(u, 0.7) * 6573)::INTEGER;

-- Share of cases done endoscopically: low before the institution's adoption year, rising after it.
CREATE OR REPLACE TEMP MACRO synth_endoscopic_share(year, adopted) AS
    0.04 + 0.46 / (1 + exp(-(year - adopted) * 0.9));

-- The 30 countries: 18 that send staff abroad ('home') and 12 that host them ('partner'), each with its
-- capital (coordinates approximate), its currency and an approximate 2020 rate in units per US dollar.
CREATE OR REPLACE TEMP TABLE synth_countries AS
SELECT row_number() OVER () - 1 AS country_no, * FROM (VALUES
    ('MNG', 'Ulaanbaatar', 47.92, 106.92, 'MNT', 2850.0, 'home', 'Синтетик эмнэлэг'),
    ('KAZ', 'Astana', 51.17, 71.45, 'KZT', 413.0, 'home', 'Синтетикалық аурухана'),
    ('UZB', 'Tashkent', 41.31, 69.28, 'UZS', 10300.0, 'home', NULL),
    ('KGZ', 'Bishkek', 42.87, 74.59, 'KGS', 77.0, 'home', 'Синтетикалык оорукана'),
    ('TJK', 'Dushanbe', 38.56, 68.79, 'TJS', 10.3, 'home', NULL),
    ('LAO', 'Vientiane', 17.97, 102.63, 'LAK', 9050.0, 'home', 'ໂຮງໝໍສັງເຄາະ'),
    ('VNM', 'Hanoi', 21.03, 105.85, 'VND', 23200.0, 'home', 'Bệnh viện tổng hợp'),
    ('KHM', 'Phnom Penh', 11.56, 104.92, 'KHR', 4090.0, 'home', NULL),
    ('MMR', 'Naypyidaw', 19.76, 96.08, 'MMK', 1380.0, 'home', NULL),
    ('NPL', 'Kathmandu', 27.72, 85.32, 'NPR', 118.0, 'home', 'कृत्रिम अस्पताल'),
    ('BTN', 'Thimphu', 27.47, 89.64, 'BTN', 74.0, 'home', NULL),
    ('BGD', 'Dhaka', 23.81, 90.41, 'BDT', 84.9, 'home', NULL),
    ('LKA', 'Colombo', 6.93, 79.86, 'LKR', 185.0, 'home', NULL),
    ('IDN', 'Jakarta', -6.21, 106.85, 'IDR', 14580.0, 'home', NULL),
    ('PHL', 'Manila', 14.60, 120.98, 'PHP', 49.6, 'home', NULL),
    ('AZE', 'Baku', 40.41, 49.87, 'AZN', 1.7, 'home', NULL),
    ('GEO', 'Tbilisi', 41.72, 44.79, 'GEL', 3.11, 'home', 'სინთეტიკური საავადმყოფო'),
    ('ARM', 'Yerevan', 40.18, 44.51, 'AMD', 489.0, 'home', NULL),
    ('KOR', 'Seoul', 37.57, 126.98, 'KRW', 1180.0, 'partner', '합성 병원'),
    ('JPN', 'Tokyo', 35.68, 139.77, 'JPY', 106.8, 'partner', '合成病院'),
    ('DEU', 'Berlin', 52.52, 13.40, 'EUR', 0.88, 'partner', 'Synthetisches Klinikum'),
    ('FRA', 'Paris', 48.86, 2.35, 'EUR', 0.88, 'partner', 'Hôpital synthétique'),
    ('GBR', 'London', 51.51, -0.13, 'GBP', 0.78, 'partner', NULL),
    ('TUR', 'Ankara', 39.93, 32.86, 'TRY', 7.0, 'partner', 'Sentetik Hastane'),
    ('USA', 'Washington', 38.91, -77.04, 'USD', 1.0, 'partner', NULL),
    ('CHN', 'Beijing', 39.90, 116.41, 'CNY', 6.9, 'partner', '合成医院'),
    ('IND', 'New Delhi', 28.61, 77.21, 'INR', 74.1, 'partner', 'कृत्रिम अस्पताल'),
    ('SGP', 'Singapore', 1.35, 103.82, 'SGD', 1.38, 'partner', NULL),
    ('THA', 'Bangkok', 13.76, 100.50, 'THB', 31.3, 'partner', 'โรงพยาบาลสังเคราะห์'),
    ('AUS', 'Canberra', -35.28, 149.13, 'AUD', 1.45, 'partner', NULL)
) AS c(country, capital, latitude, longitude, currency, units_2020, side, local_word);

-- Annual rates for every currency used (US dollars need none), 2010-2027: the 2020 rate drifting a few
-- per cent a year, so conversions differ by year.
INSERT INTO fx_rates (currency, year, units_per_usd, source)
SELECT currency, year,
       round(units_2020 * pow(1 + (synth_u($seed, hash(currency), 'drift') - 0.35) * 0.12, year - 2020)
             * (0.97 + synth_u($seed, hash(currency, year), 'noise') * 0.06), 4),
       $source
FROM (SELECT DISTINCT currency, units_2020 FROM synth_countries WHERE currency <> 'USD'),
     range(2010, 2028) AS y(year);

-- Ten institutions per country: six hospitals, a university hospital, a medical university, a ministry
-- office and an agency (home countries) or a device maker (partner countries). Hospitals and universities
-- are placed near the capital; ministries and agencies have no coordinates, as the contract allows.
CREATE OR REPLACE TEMP TABLE synth_institutions AS
SELECT c.country_no, c.country, c.currency, c.side, n AS number,
       c.country || '-' || CASE WHEN n <= 6 THEN 'H' WHEN n = 7 THEN 'U' WHEN n = 8 THEN 'M' WHEN n = 9 THEN 'G'
                                WHEN c.side = 'home' THEN 'A' ELSE 'F' END || lpad(n::VARCHAR, 2, '0')
           AS institution_id,
       CASE WHEN n <= 6 THEN 'hospital' WHEN n = 7 THEN 'university_hospital' WHEN n = 8 THEN 'university'
            WHEN n = 9 THEN 'ministry' WHEN c.side = 'home' THEN 'agency' ELSE 'manufacturer' END AS kind,
       c.capital, c.latitude, c.longitude, c.local_word
FROM synth_countries AS c, range(1, 11) AS r(n);

INSERT INTO institutions (institution_id, name, name_local, kind, city, country, latitude, longitude, website,
                          source)
SELECT institution_id,
       'Synthetic ' || CASE kind WHEN 'hospital' THEN 'Hospital' WHEN 'university_hospital' THEN 'University Hospital'
                                 WHEN 'university' THEN 'Medical University' WHEN 'ministry' THEN 'Health Ministry Office'
                                 WHEN 'agency' THEN 'Cooperation Agency' ELSE 'Device Works' END
           || ' ' || institution_id || ' (illustrative)',
       CASE WHEN kind IN ('hospital', 'university_hospital') AND local_word IS NOT NULL
            THEN local_word || ' ' || number END,
       kind, capital, country,
       CASE WHEN kind IN ('hospital', 'university_hospital', 'university', 'manufacturer')
            THEN round(greatest(-89, least(89, latitude + (synth_u($seed, hash(institution_id), 'lat') - 0.5) * 3)), 4)
       END,
       CASE WHEN kind IN ('hospital', 'university_hospital', 'university', 'manufacturer')
            THEN round(longitude + (synth_u($seed, hash(institution_id), 'lon') - 0.5) * 4, 4) END,
       CASE WHEN synth_u($seed, hash(institution_id), 'web') < 0.3
            THEN 'https://example.org/synthetic/' || lower(institution_id) END,
       $source
FROM synth_institutions
ORDER BY institution_id;

-- Programmes: staff of a home-country hospital or university train with a partner-country institution
-- (one in twelve with another home country). Dates of mixed precision; statuses follow the dates as of
-- $as_of, with a few contradicting them, as real reports do.
CREATE OR REPLACE TEMP TABLE synth_programmes AS
WITH drawn AS (
    SELECT i, 'SYN-P-' || lpad(i::VARCHAR, 5, '0') AS programme_id,
           floor(pow(synth_u($seed, i, 'home_country'), 1.4) * 18)::INTEGER AS home_country_no,
           1 + floor(synth_u($seed, i, 'home_number') * 8)::INTEGER AS home_number,
           CASE WHEN synth_u($seed, i, 'south') < 0.08 THEN floor(synth_u($seed, i, 'host_country') * 18)
                ELSE 18 + floor(synth_u($seed, i, 'host_country') * 12) END::INTEGER AS host_country_no,
           1 + floor(synth_u($seed, i, 'host_number') * 8)::INTEGER AS host_number,
           synth_u($seed, i, 'kind') AS kind_u,
           synth_day(synth_u($seed, i, 'start')) AS start_day,
           synth_precision(synth_u($seed, i, 'precision')) AS precision
    FROM range($programme_rows) AS r(i)
), kinded AS (
    SELECT *, CASE WHEN kind_u < 0.30 THEN 'training_abroad' WHEN kind_u < 0.45 THEN 'fellowship'
                   WHEN kind_u < 0.57 THEN 'visiting_expert' WHEN kind_u < 0.67 THEN 'joint_surgery'
                   WHEN kind_u < 0.79 THEN 'observership' WHEN kind_u < 0.89 THEN 'conference'
                   WHEN kind_u < 0.97 THEN 'equipment_training' ELSE 'other' END AS kind
    FROM drawn
), dated AS (
    SELECT k.*, home.institution_id AS home_institution_id, home.currency AS home_currency,
           host.institution_id AS host_institution_id, host.currency AS host_currency,
           synth_partial(k.start_day, k.precision) AS start_date,
           CASE k.kind WHEN 'conference' THEN 0 WHEN 'observership' THEN floor(synth_u($seed, k.i, 'months') * 2)
                       WHEN 'fellowship' THEN 6 + floor(synth_u($seed, k.i, 'months') * 7)
                       ELSE floor(synth_u($seed, k.i, 'months') * 7) END::INTEGER AS months
    FROM kinded AS k
    JOIN synth_institutions AS home ON home.country_no = k.home_country_no AND home.number = k.home_number
    JOIN synth_institutions AS host ON host.country_no = k.host_country_no AND host.number = k.host_number
), ended AS (
    SELECT *, CASE WHEN synth_u($seed, i, 'end_missing') < 0.12 THEN NULL
                   ELSE synth_partial(start_day + to_months(months) + to_days(floor(synth_u($seed, i, 'days') * 20)::INTEGER),
                                      precision) END AS end_date
    FROM dated
)
SELECT *, date_first(start_date) AS first_day, date_last(coalesce(end_date, start_date)) AS last_day
FROM ended;

INSERT INTO programmes (programme_id, title, kind, home_institution_id, host_institution_id, start_date, end_date,
                        specialty, topics, participants_count, funding_source, cost_amount, cost_currency, status,
                        description, source)
WITH costed AS (
    SELECT p.*,
           synth_pick(['spine surgery', 'neurosurgery', 'orthopaedics', 'trauma surgery', 'anaesthesiology',
                       'cardiac surgery', 'ophthalmology', 'paediatric surgery'], synth_u($seed, i, 'specialty'))
               AS specialty_drawn,
           CASE WHEN synth_u($seed, i, 'currency') < 0.4 THEN home_currency
                WHEN synth_u($seed, i, 'currency') < 0.7 THEN 'USD' ELSE host_currency END AS currency,
           (3000 + pow(synth_u($seed, i, 'cost'), 2) * 150000) AS cost_usd,
           CASE WHEN synth_u($seed, i, 'status') < 0.03 THEN 'cancelled'
                WHEN synth_u($seed, i, 'status') < 0.05 THEN 'ongoing'
                WHEN first_day > $as_of THEN 'planned'
                WHEN end_date IS NULL OR last_day >= $as_of THEN 'ongoing' ELSE 'completed' END AS status
    FROM synth_programmes AS p
)
SELECT c.programme_id,
       'Synthetic ' || replace(c.kind, '_', ' ') || ' ' || c.programme_id || ' in ' || coalesce(c.specialty_drawn, 'surgery'),
       c.kind, c.home_institution_id, c.host_institution_id, c.start_date, c.end_date,
       CASE WHEN synth_u($seed, i, 'specialty_missing') >= 0.05 THEN c.specialty_drawn END,
       list_distinct([synth_pick(['minimally invasive technique', 'complex deformity', 'neurotrauma',
                                  'perioperative care', 'surgical microscopy', 'endoscopic approach',
                                  'implant selection', 'rehabilitation', 'paediatric cases', 'team training'],
                                 synth_u($seed, i, 'topic1')),
                      synth_pick(['imaging', 'navigation', 'quality registry', 'infection control',
                                  'tumour resection', 'fracture fixation'], synth_u($seed, i, 'topic2'))]),
       CASE WHEN synth_u($seed, i, 'people_missing') >= 0.10
            THEN 1 + floor(pow(synth_u($seed, i, 'people'), 2) * 15)::INTEGER END,
       CASE WHEN synth_u($seed, i, 'funding') < 0.40 THEN 'government'
            WHEN synth_u($seed, i, 'funding') < 0.60 THEN 'hospital'
            WHEN synth_u($seed, i, 'funding') < 0.80 THEN 'partner'
            WHEN synth_u($seed, i, 'funding') < 0.95 THEN 'Synthetic Development Fund (illustrative)' END,
       CASE WHEN synth_u($seed, i, 'cost_missing') >= 0.20
            THEN round(c.cost_usd * CASE WHEN c.currency = 'USD' THEN 1 ELSE r.units_per_usd END, 0) END,
       CASE WHEN synth_u($seed, i, 'cost_missing') >= 0.20 THEN c.currency END,
       c.status,
       CASE WHEN synth_u($seed, i, 'description') < 0.3
            THEN 'Synthetic description: ' || replace(c.kind, '_', ' ') || ' for staff of ' || c.home_institution_id
                 || ' with ' || c.host_institution_id || '.' END,
       $source
FROM costed AS c
LEFT JOIN fx_rates AS r ON r.currency = c.currency AND r.year = year(c.first_day)
ORDER BY c.programme_id;

-- People: trainees and coordinators work at the home institution, trainers and visiting experts at the host.
INSERT INTO participants (programme_id, person_name, role, profession, institution_id, position, source)
WITH drawn AS (
    SELECT i, floor(synth_u($seed, i, 'programme') * $programme_rows)::INTEGER AS programme_no,
           CASE WHEN synth_u($seed, i, 'role') < 0.70 THEN 'trainee' WHEN synth_u($seed, i, 'role') < 0.80 THEN 'trainer'
                WHEN synth_u($seed, i, 'role') < 0.92 THEN 'visiting_expert' ELSE 'coordinator' END AS role
    FROM range($participant_rows) AS r(i)
)
SELECT p.programme_id, 'Synthetic Person ' || lpad(d.i::VARCHAR, 6, '0') || ' (illustrative)', d.role,
       CASE WHEN d.role = 'coordinator' THEN 'programme coordinator'
            ELSE synth_pick(['spine surgeon', 'neurosurgeon', 'orthopaedic surgeon', 'anaesthesiologist',
                             'theatre nurse', 'radiographer'], synth_u($seed, d.i, 'profession')) END,
       CASE WHEN synth_u($seed, d.i, 'institution_missing') < 0.05 THEN NULL
            WHEN d.role IN ('trainee', 'coordinator') THEN p.home_institution_id ELSE p.host_institution_id END,
       CASE WHEN synth_u($seed, d.i, 'position') < 0.3
            THEN synth_pick(['head of department', 'senior surgeon', 'resident', 'chief nurse'],
                            synth_u($seed, d.i, 'position_kind')) END,
       $source
FROM drawn AS d JOIN synth_programmes AS p ON p.i = d.programme_no
ORDER BY p.programme_id, d.i;

-- Follow-ups (contract 1.1): most trainees of ended programmes are checked at some of 6, 12, 24, 36 and 60
-- months after the end, while that point is past; about eight in ten stay in the country, most at home.
INSERT INTO follow_ups (programme_id, person_name, role, date, status, institution_id, practising,
                        procedures_performed, position, source)
WITH checks AS (
    SELECT pp.programme_id, pp.person_name, pp.institution_id, m.months,
           hash(pp.person_name, m.months) AS h,
           strftime(date_last(p.end_date) + to_months(m.months), '%Y-%m') AS checked
    FROM participants AS pp
    JOIN programmes AS p USING (programme_id)
    CROSS JOIN (VALUES (6), (12), (24), (36), (60)) AS m(months)
    WHERE pp.role = 'trainee' AND p.end_date IS NOT NULL
      AND date_last(p.end_date) + to_months(m.months) <= $as_of::DATE
      AND synth_u($seed, hash(pp.person_name, m.months), 'checked') < 0.55
)
SELECT programme_id, person_name, 'trainee', checked,
       CASE WHEN synth_u($seed, h, 'status') < 0.62 THEN 'at_home_institution'
            WHEN synth_u($seed, h, 'status') < 0.80 THEN 'elsewhere_in_country'
            WHEN synth_u($seed, h, 'status') < 0.90 THEN 'abroad'
            WHEN synth_u($seed, h, 'status') < 0.96 THEN 'left_profession'
            WHEN synth_u($seed, h, 'status') < 0.97 THEN 'deceased' ELSE 'unknown' END,
       CASE WHEN synth_u($seed, h, 'status') < 0.62 THEN institution_id END,
       synth_pick(['yes', 'yes', 'partly', 'no', NULL], synth_u($seed, h, 'practising')),
       floor(synth_u($seed, h, 'cases') * 60)::INTEGER, NULL, $source
FROM checks
ORDER BY programme_id, person_name, checked;

-- Equipment: mostly at home-country hospitals (where procedures are recorded), a few at partners; six in ten
-- support one of the programmes of their institution.
CREATE OR REPLACE TEMP TABLE synth_equipment AS
WITH drawn AS (
    SELECT i, 'SYN-E-' || lpad(i::VARCHAR, 5, '0') AS equipment_id,
           CASE WHEN synth_u($seed, i, 'abroad') < 0.85 THEN floor(synth_u($seed, i, 'country') * 18)
                ELSE 18 + floor(synth_u($seed, i, 'country') * 12) END::INTEGER AS country_no,
           1 + floor(synth_u($seed, i, 'number') * 7)::INTEGER AS number,
           CASE WHEN synth_u($seed, i, 'category') < 0.25 THEN 'endoscope' WHEN synth_u($seed, i, 'category') < 0.45 THEN 'microscope'
                WHEN synth_u($seed, i, 'category') < 0.57 THEN 'navigation' WHEN synth_u($seed, i, 'category') < 0.75 THEN 'imaging'
                WHEN synth_u($seed, i, 'category') < 0.90 THEN 'implant_system' ELSE 'other' END AS category,
           synth_day(synth_u($seed, i, 'acquired')) AS acquired_day,
           synth_precision(synth_u($seed, i, 'precision')) AS precision
    FROM range($equipment_rows) AS r(i)
), placed AS (
    SELECT d.*, s.institution_id, s.currency AS home_currency, synth_partial(acquired_day, precision) AS acquired_date
    FROM drawn AS d JOIN synth_institutions AS s USING (country_no, number)
), supported AS (
    SELECT e.equipment_id, arg_min(p.programme_id, hash($seed, e.i, p.i)) AS programme_id
    FROM placed AS e JOIN synth_programmes AS p ON p.home_institution_id = e.institution_id
    WHERE synth_u($seed, e.i, 'supports') < 0.6
    GROUP BY e.equipment_id
)
SELECT p.*, s.programme_id AS supported_programme FROM placed AS p LEFT JOIN supported AS s USING (equipment_id);

INSERT INTO equipment (equipment_id, institution_id, department, name, category, manufacturer, model, acquired_date,
                       quantity, cost_amount, cost_currency, funding_source, programme_ids, status, source)
WITH costed AS (
    SELECT e.*, CASE WHEN synth_u($seed, i, 'currency') < 0.4 THEN home_currency
                     WHEN synth_u($seed, i, 'currency') < 0.75 THEN 'USD' ELSE 'EUR' END AS currency,
           20000 + pow(synth_u($seed, i, 'cost'), 2) * 780000 AS cost_usd
    FROM synth_equipment AS e
)
SELECT c.equipment_id, c.institution_id,
       CASE WHEN synth_u($seed, i, 'department_missing') >= 0.1
            THEN synth_pick(['spine surgery', 'neurosurgery', 'orthopaedics'], synth_u($seed, i, 'department')) END,
       'Synthetic ' || CASE c.category WHEN 'endoscope' THEN 'spinal endoscope' WHEN 'microscope' THEN 'operating microscope'
                                       WHEN 'navigation' THEN 'navigation system' WHEN 'imaging' THEN 'mobile C-arm'
                                       WHEN 'implant_system' THEN 'pedicle screw set' ELSE 'surgical power tool' END,
       c.category,
       CASE WHEN synth_u($seed, i, 'maker_missing') >= 0.1
            THEN synth_pick(['Synthetic Optics Works (illustrative)', 'Synthetic Medical Devices (illustrative)',
                             'Synthetic Imaging Co. (illustrative)'], synth_u($seed, i, 'maker')) END,
       CASE WHEN synth_u($seed, i, 'model_missing') >= 0.2
            THEN 'SX-' || (100 + floor(synth_u($seed, i, 'model') * 900))::INTEGER END,
       c.acquired_date,
       CASE WHEN synth_u($seed, i, 'quantity') < 0.6 THEN 1 WHEN synth_u($seed, i, 'quantity') < 0.85
            THEN 2 + floor(synth_u($seed, i, 'quantity_more') * 3)::INTEGER END,
       CASE WHEN synth_u($seed, i, 'cost_missing') >= 0.15
            THEN round(c.cost_usd * CASE WHEN c.currency = 'USD' THEN 1 ELSE r.units_per_usd END, 0) END,
       CASE WHEN synth_u($seed, i, 'cost_missing') >= 0.15 THEN c.currency END,
       synth_pick(['government', 'hospital', 'partner', 'Synthetic Development Fund (illustrative)'],
                  synth_u($seed, i, 'funding')),
       CASE WHEN c.supported_programme IS NOT NULL THEN [c.supported_programme] END,
       CASE WHEN date_first(c.acquired_date) > $as_of THEN 'ordered'
            WHEN synth_u($seed, i, 'status') < 0.1 THEN 'retired'
            WHEN synth_u($seed, i, 'status') < 0.25 THEN 'installed' ELSE 'in_use' END,
       $source
FROM costed AS c
LEFT JOIN fx_rates AS r ON r.currency = c.currency AND r.year = year(date_first(c.acquired_date))
ORDER BY c.equipment_id;

-- Events: seven in ten belong to a programme (at its home, with its host, around its start), 15% commission
-- an equipment item, the rest are agreements between a home and a partner institution.
INSERT INTO events (event_id, date, kind, title, institution_id, partner_institution_id, programme_id, equipment_id,
                    description, source)
WITH drawn AS (
    SELECT i, 'SYN-V-' || lpad(i::VARCHAR, 5, '0') AS event_id, synth_u($seed, i, 'lane') AS lane_u,
           synth_precision(synth_u($seed, i, 'precision')) AS precision
    FROM range($event_rows) AS r(i)
), placed AS (
    SELECT d.i, d.event_id, d.precision,
           CASE WHEN d.lane_u < 0.70 THEN synth_pick(['agreement', 'visit', 'joint_surgery', 'graduation',
                                                      'first_procedure', 'other'], synth_u($seed, d.i, 'kind'))
                WHEN d.lane_u < 0.85 THEN 'equipment_commissioned' ELSE 'agreement' END AS kind,
           CASE WHEN d.lane_u < 0.70 THEN p.home_institution_id WHEN d.lane_u < 0.85 THEN e.institution_id
                ELSE home.institution_id END AS institution_id,
           CASE WHEN d.lane_u < 0.70 THEN p.host_institution_id WHEN d.lane_u >= 0.85 THEN host.institution_id
           END AS partner_institution_id,
           CASE WHEN d.lane_u < 0.70 THEN p.programme_id END AS programme_id,
           CASE WHEN d.lane_u >= 0.70 AND d.lane_u < 0.85 THEN e.equipment_id END AS equipment_id,
           CASE WHEN d.lane_u < 0.70 THEN p.first_day + floor(synth_u($seed, d.i, 'offset') * 120)::INTEGER
                WHEN d.lane_u < 0.85 THEN date_first(e.acquired_date) + floor(synth_u($seed, d.i, 'offset') * 90)::INTEGER
                ELSE synth_day(synth_u($seed, d.i, 'day')) END AS day
    FROM drawn AS d
    LEFT JOIN synth_programmes AS p ON p.i = floor(synth_u($seed, d.i, 'programme') * $programme_rows)::INTEGER
    LEFT JOIN synth_equipment AS e ON e.i = floor(synth_u($seed, d.i, 'equipment') * $equipment_rows)::INTEGER
    LEFT JOIN synth_institutions AS home ON home.country_no = floor(synth_u($seed, d.i, 'home') * 18)::INTEGER
        AND home.number = 1 + floor(synth_u($seed, d.i, 'home_number') * 8)::INTEGER
    LEFT JOIN synth_institutions AS host ON host.country_no = 18 + floor(synth_u($seed, d.i, 'host') * 12)::INTEGER
        AND host.number = 1 + floor(synth_u($seed, d.i, 'host_number') * 8)::INTEGER
)
SELECT event_id, synth_partial(day, precision), kind,
       'Synthetic ' || replace(kind, '_', ' ') || ' ' || event_id, institution_id, partner_institution_id,
       programme_id, equipment_id,
       CASE WHEN synth_u($seed, i, 'description') < 0.2 THEN 'Synthetic event description for ' || event_id || '.' END,
       $source
FROM placed
ORDER BY event_id;

-- Where procedures are recorded: the 126 hospitals and university hospitals of the home countries, each with
-- a year it took up endoscopic surgery and a size (how much of the national volume it does).
CREATE OR REPLACE TEMP TABLE synth_sites AS
SELECT row_number() OVER (ORDER BY institution_id) - 1 AS site_no, institution_id,
       2012 + floor(synth_u($seed, hash(institution_id), 'adopted') * 14)::INTEGER AS adopted
FROM synth_institutions WHERE side = 'home' AND number <= 7;

-- The endoscope and the microscope procedures of each technique are recorded with: the site's first one.
CREATE OR REPLACE TEMP TABLE synth_site_equipment AS
SELECT s.site_no, CASE e.category WHEN 'endoscope' THEN 'endoscopic' ELSE 'microscopic' END AS technique,
       arg_min(e.equipment_id, date_first(e.acquired_date)) AS equipment_id,
       min(date_first(e.acquired_date)) AS since
FROM synth_sites AS s JOIN synth_equipment AS e USING (institution_id)
WHERE e.category IN ('endoscope', 'microscope')
GROUP BY ALL;
