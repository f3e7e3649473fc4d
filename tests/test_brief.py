"""Briefing packs: real PDFs whose text (read back with poppler's pdftotext) says what the data says."""

from __future__ import annotations

import re
import subprocess

import duckdb
import pandas as pd
import pytest

from workbooks import open_app, valid_workbook
from portal import brief, db
from portal.brief import fonts, maps, pack
from portal.importer import import_workbook

NCTD_LOCAL = "Гэмтэл Согог Судлалын Үндэсний Төв"
BUCHEON_LOCAL = "순천향대학교 부속 부천병원"
SOURCE = 'MiddleAsianNews, article by Tatar S.Maidar: "Microscopic spinal surgery"'


def pdf_text(pdf: bytes, tmp_path) -> str:
    """The PDF's text in drawing order, whitespace (line breaks in wrapped cells) collapsed to single spaces."""
    path = tmp_path / "brief.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return " ".join(out.split())


def section(text: str, heading: str, following: str | None) -> str:
    """The text between a section heading and the next one."""
    start = text.index(f" {heading} ")
    return text[start:text.index(f" {following} ", start)] if following else text[start:]


def scalar(database, sql: str, **params):
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(sql, params).fetchall()[0][0]


def programmes_of(database, country: str) -> int:
    """How many programmes have their home or host in the country (all of them, illustrative included)."""
    return scalar(database, "SELECT count(*) FROM programmes AS p"
                            " JOIN institutions AS h ON h.institution_id = p.home_institution_id"
                            " JOIN institutions AS o ON o.institution_id = p.host_institution_id"
                            " WHERE $country IN (h.country, o.country)", country=country)


def data_as_of(database) -> str:
    latest = scalar(database, "SELECT max(imported_at) FROM imports")
    return pd.Timestamp(latest).tz_convert("UTC").strftime("%Y-%m-%d %H:%M UTC")


def test_programme_brief_of_the_real_case(seed_db, tmp_path):
    pdf = brief.programme_brief(db.open_store(seed_db), db.FULL_SCOPE, "NCTD-2024-SCH", "USD", True)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    assert text.startswith("BRIEFING PACK · PROGRAMME "
                           "Spine surgery training at Soonchunhyang University Bucheon Hospital")
    assert "Training abroad · Completed · 2024 (month not reported) to end not reported" in text
    assert f"National Center for Traumatology and Defectology ({NCTD_LOCAL}) · Ulaanbaatar, Mongolia" in text
    assert f"Soonchunhyang University Bucheon Hospital ({BUCHEON_LOCAL}) · Bucheon, South Korea" in text
    assert f"Data as of {data_as_of(seed_db)}" in text
    assert "Participants not reported 1 of 1 not reported" in text  # never summed as 0
    # The timeline labels imprecise dates as a person reads them.
    timeline = section(text, "Timeline", "Institutions")
    assert ("Spine surgery training at Soonchunhyang Universit… 2024 (month not reported) to end not reported"
            in timeline)
    assert "operating microscope (Carl Zeiss Pentero 800) 2025 (month not reported)" in timeline
    # The microscope's cost is not reported: no rate, no converted figure, never 0.
    costs = section(text, "Costs", "Data-quality flags")
    assert "Equipment · operating microscope (Carl Zeiss Pentero 800) not reported 2025 – – not reported" in costs
    assert "Total in USD: not reported (3 of 3 not reported)." in costs
    assert " 0 USD" not in costs
    sources = section(text, "Sources", None)
    assert f"1. {SOURCE} (docs/sources/nctd-spinal-surgery-article.txt) (3)" in sources
    assert "Page 1 of 2" in text and "Page 2 of 2" in text
    assert "illustrative" not in text  # the real case only: no note, no mark


def test_institution_brief_with_its_hangul_name(seed_db, tmp_path):
    pdf = brief.institution_brief(db.open_store(seed_db), db.FULL_SCOPE, "KOR-SCH-BUCHEON", "USD", True)
    text = pdf_text(pdf, tmp_path)
    assert text.startswith(f"BRIEFING PACK · PARTNER INSTITUTION Soonchunhyang University Bucheon Hospital "
                           f"{BUCHEON_LOCAL} University hospital · Bucheon, South Korea")
    figures = section(text, "Summary", "Map")
    assert "Programmes 2 Participants not reported 2 of 2 not reported Partner institutions 1" in figures
    timeline = section(text, "Timeline", "Institutions")
    assert "Joint microscopic spinal surgery with Soonchunhya… 2025 (month not reported)" in timeline
    institutions = section(text, "Institutions", "Costs")
    assert f"1 Soonchunhyang University Bucheon Hospital {BUCHEON_LOCAL} University hospital" in institutions
    assert f"2 National Center for Traumatology and Defectology {NCTD_LOCAL} Hospital" in institutions
    assert SOURCE in section(text, "Sources", None)


def test_country_brief_with_illustrative_rows_marked(seed_db, tmp_path):
    pdf = brief.country_brief(db.open_store(seed_db), db.FULL_SCOPE, "MNG", "USD", True)
    text = pdf_text(pdf, tmp_path)
    assert text.startswith("BRIEFING PACK · COUNTRY Mongolia ISO 3166-1 code MNG")
    assert "This brief includes illustrative rows" in text.split("Summary")[0]  # the note is on the first page
    programmes = programmes_of(seed_db, "MNG")
    assert f"Programmes {programmes} " in section(text, "Summary", "Map")
    assert "Spine surgery training at Korea University Ansan H… 2024 (month not reported) to end not reported" \
        in section(text, "Timeline", "Institutions")
    institutions = section(text, "Institutions", "Costs")
    assert NCTD_LOCAL in institutions and "Steppe Spine Centre (illustrative)" in institutions
    # A programme title does not say it is illustrative: the pack marks it.
    assert "Programme · Lumbar decompression training in Seoul (illustrative) 60,000 USD 2015 1 USD 1 USD 60,000" \
        in section(text, "Costs", "Data-quality flags")
    assert SOURCE in section(text, "Sources", None)


def test_without_illustrative_rows_no_illustrative_name_appears(seed_db, tmp_path):
    pdf = brief.country_brief(db.open_store(seed_db), db.FULL_SCOPE, "MNG", "USD", False)
    text = pdf_text(pdf, tmp_path)
    assert "illustrative" not in text.lower()
    with duckdb.connect(str(seed_db), read_only=True) as connection:
        invented = [row[0] for row in connection.execute(
            "SELECT title FROM programmes WHERE is_illustrative(source) UNION ALL "
            "SELECT title FROM events WHERE is_illustrative(source) UNION ALL "
            "SELECT manufacturer FROM equipment WHERE is_illustrative(source) UNION ALL "
            "SELECT replace(name, ' (illustrative)', '') FROM institutions WHERE is_illustrative(source) UNION ALL "
            "SELECT name_local FROM institutions WHERE is_illustrative(source)").fetchall() if row[0]]
    assert len(invented) > 100
    assert not [name for name in invented if name in text]
    assert "Programmes 3 " in section(text, "Summary", "Map")
    assert NCTD_LOCAL in text and BUCHEON_LOCAL in text


def test_a_cost_shows_the_original_both_rates_and_the_converted_amount(seed_db, tmp_path):
    pdf = brief.programme_brief(db.open_store(seed_db), db.FULL_SCOPE, "PRG-004", "EUR", True)
    text = pdf_text(pdf, tmp_path)
    amount = scalar(seed_db, "SELECT cost_amount FROM programmes WHERE programme_id = 'PRG-004'")
    jpy = scalar(seed_db, "SELECT units_per_usd FROM fx_rates WHERE currency = 'JPY' AND year = 2016")
    eur = scalar(seed_db, "SELECT units_per_usd FROM fx_rates WHERE currency = 'EUR' AND year = 2016")
    assert (amount, jpy, eur) == (3_500_000, 108.8, 0.904)
    converted = amount / jpy * eur
    costs = section(text, "Costs", "Data-quality flags")
    assert "Record Amount as reported Year Rate of its currency (per USD) Rate of EUR (per USD) In EUR" in costs
    assert (f"Programme · Visiting experts for cervical spine surgery (illustrative) 3,500,000 JPY 2016 "
            f"108.8 JPY 0.904 EUR {converted:,.2f}") in costs
    assert f"Total in EUR: {converted:,.2f} (all reported)." in costs


def test_a_missing_rate_is_shown_and_flagged(seed_db, tmp_path):
    # The seed has no fx rates for 2027: the 2027 fellowship's cost cannot be shown in euros.
    pdf = brief.country_brief(db.open_store(seed_db), db.FULL_SCOPE, "MNG", "EUR", True)
    text = pdf_text(pdf, tmp_path)
    costs = section(text, "Costs", "Data-quality flags")
    assert re.search(r"Cervical endoscopy fellowship in Tokyo \(illustrative\) 24,000 USD 2027 1 USD "
                     r"no rate for 2027 not reported", costs)
    assert "1 amount(s) cannot be converted to EUR for want of a rate" in costs
    flags = section(text, "Data-quality flags", "Sources")
    assert "Costs without a rate: 1 • Programme · Cervical endoscopy fellowship in Tokyo (illustrative): " \
           "no rate for 2027" in flags
    assert "Equipment linked to no programme: 2" in flags


def test_flags_name_the_records_that_need_attention(tmp_path, write):
    tables = valid_workbook()
    tables["programmes"].append({
        "programme_id": "P2", "title": "Planned long ago", "kind": "fellowship", "home_institution_id": "UB-TRAUMA",
        "host_institution_id": "KR-HOST", "start_date": "2015-03", "status": "planned"})  # and no source
    tables["equipment"].append({
        "equipment_id": "EQ2", "institution_id": "UB-TRAUMA", "name": "spare drill", "category": "other",
        "acquired_date": "2022", "source": "inventory"})
    database = tmp_path / "flags.duckdb"
    import_workbook(write(tables), database, "test")
    # In wons: the microscope (USD, 2025) has no KRW rate for 2025.
    pdf = brief.institution_brief(db.open_store(database), db.FULL_SCOPE, "UB-TRAUMA", "KRW", True)
    flags = section(pdf_text(pdf, tmp_path), "Data-quality flags", "Sources")
    assert ("Records without a source: 3 • Programme · Planned long ago • Equipment · microscope • "
            "Event · First joint surgery") in flags
    assert "Programmes whose status contradicts their dates: 1 • Programme · Planned long ago: Fellowship · " \
           "Planned · 2015-03 (day not reported) to end not reported" in flags
    assert "Costs without a rate: 1 • Equipment · microscope: no rate for 2025" in flags
    assert "Equipment linked to no programme: 1 • Equipment · spare drill" in flags


def test_unknown_or_invisible_subjects_give_no_brief(seed_db, empty_db):
    store = db.open_store(seed_db)
    assert brief.programme_brief(store, db.FULL_SCOPE, "NO-SUCH-PROGRAMME") is None
    assert brief.institution_brief(store, db.FULL_SCOPE, "NO-SUCH-INSTITUTION") is None
    assert brief.country_brief(store, db.FULL_SCOPE, "FRA") is None  # no institution there
    # Hidden illustrative rows, and collaborations outside a partner's own, are not there for the viewer.
    assert brief.programme_brief(store, db.FULL_SCOPE, "PRG-001", "USD", False) is None
    assert brief.institution_brief(store, db.FULL_SCOPE, "MNG-SSC", "USD", False) is None
    ansan = db.Scope(role="partner", institution_id="KOR-KU-ANSAN")
    assert brief.programme_brief(store, ansan, "NCTD-2024-SCH") is None
    assert brief.programme_brief(store, ansan, "NCTD-2024-KUA").startswith(b"%PDF")
    assert brief.country_brief(db.open_store(empty_db), db.FULL_SCOPE, "MNG") is None


def test_a_partner_sees_only_its_own_collaborations(seed_db, tmp_path):
    ansan = db.Scope(role="partner", institution_id="KOR-KU-ANSAN")
    text = pdf_text(brief.country_brief(db.open_store(seed_db), ansan, "MNG", "USD", True), tmp_path)
    assert "Spine surgery training at Korea University Ansan" in text
    assert "Soonchunhyang" not in text and "Steppe Spine Centre" not in text


def test_missing_fonts_name_the_debian_packages(seed_db, monkeypatch, tmp_path):
    monkeypatch.setattr(fonts, "FONT_DIRS", [tmp_path])
    with pytest.raises(brief.FontsMissing) as raised:
        brief.programme_brief(db.open_store(seed_db), db.FULL_SCOPE, "NCTD-2024-SCH")
    message = str(raised.value)
    assert "DejaVuSans.ttf" in message and "NanumGothic.ttf" in message
    assert "apt-get install -y fonts-dejavu-core fonts-ipafont-gothic fonts-nanum" in message


def test_hangul_is_drawn_with_the_fallback_font():
    assert fonts.runs("Bucheon 순천향 병원 (Гэмтэл)") == [(0, "Bucheon "), (1, "순천향 병원 "), (0, "(Гэмтэл)")]
    assert 'face="NanumGothic">순천향</font>' in fonts.markup("A & 순천향")
    assert fonts.markup("A & B <b>") == "A &amp; B &lt;b&gt;"  # names from imported files are never markup


def test_japanese_names_are_drawn_whole(seed_db, tmp_path):
    # Nanum has the Hanja of Korean (藤, 田) but not Japanese forms such as 滝 or 学, once printed as blanks.
    assert fonts.runs("Dr. 藤田 滝 (Fujita)") == [(0, "Dr. "), (1, "藤田 "), (2, "滝 "), (0, "(Fujita)")]
    assert 'face="IPAGothic">滝</font>' in fonts.markup("滝")
    pdf = brief.institution_brief(db.open_store(seed_db), db.FULL_SCOPE, "JPN-MCU", "USD", True)
    assert "楓運河大学病院" in pdf_text(pdf, tmp_path)


def test_world_shapes_decode_from_the_portals_topojson():
    shapes = {code: (box, rings) for box, rings, code, _ in maps.world()}
    (west, south, east, north), rings = shapes["MNG"]
    assert 87 < west < 88 and 41 < south < 42 and 119 < east < 120 and 52 < north < 53
    # Russia crosses the antimeridian: no ring may run across the whole map.
    for ring in shapes["RUS"][1]:
        lons = [lon for lon, _ in ring]
        assert all(abs(a - b) < 180 for a, b in zip(lons, lons[1:]))
    clipped = maps.clip([(0, 0), (10, 0), (10, 10), (0, 10)], 5, -1, 20, 5)
    assert sorted(set(clipped)) == [(5, 0), (5, 5), (10, 0), (10, 5)]


def test_a_long_brief_says_what_it_leaves_out(seed_db, monkeypatch, tmp_path):
    monkeypatch.setattr(pack, "PER_KIND", 5)
    text = pdf_text(brief.country_brief(db.open_store(seed_db), db.FULL_SCOPE, "KOR", "USD", True), tmp_path)
    programmes = programmes_of(seed_db, "KOR")
    assert f"Programmes {programmes} " in section(text, "Summary", "Map")  # the figures count everything
    assert f"showing the 5 most recent of {programmes} programmes" in section(text, "Timeline", "Institutions")
    assert "Showing 5 of " in section(text, "Institutions", "Costs")


def test_the_map_frame_holds_every_point():
    lons, lats = [106.86, 126.76, 126.82, 9.99], [47.92, 37.50, 37.32, 53.55]
    box, project = maps.frame(lons, lats, 500, 260)
    west, south, east, north = box
    assert all(west < lon < east and south < lat < north for lon, lat in zip(lons, lats))
    assert all(0 < x < 500 and 0 < y < 260 for x, y in map(project, lons, lats))


def test_pages_offer_briefing_packs_that_download_a_pdf(monkeypatch, seed_db):
    app = open_app(monkeypatch, seed_db, params={"programme": "NCTD-2024-SCH"})
    assert "Briefing pack (PDF)" in [b.proto.label for b in app.get("download_button")]
    app.switch_page("pages/programmes.py").run()
    assert "Briefing pack (PDF)" in [b.proto.label for b in app.get("download_button")]
    app.switch_page("pages/partners.py")
    app.query_params["institution"] = "MNG-NCTD"
    app.run()
    assert "Briefing pack (PDF)" in [b.proto.label for b in app.get("download_button")]
    assert not app.exception


@pytest.mark.parametrize("subject", [("programme", "P1"), ("institution", "UB-TRAUMA"), ("country", "MNG")])
def test_the_retention_section_reads_fewer_than_5_for_anonymous_viewers(tmp_path, write, subject):
    """The hand-worked cohort of tests/test_retention.py (six trainees of P1): at 6 months 1 at home, 1 elsewhere,
    1 abroad/left, 3 not followed up. A ministry reads those counts; an anonymous visitor reads "fewer than 5"
    for each, and no trainee's name."""
    from test_retention import CHECKS

    names = {letter: f"Trainee {letter}lpha" for letter in "ABCDEF"}
    book = valid_workbook()
    book["participants"] = [{"programme_id": "P1", "person_name": name, "role": "trainee"} for name in names.values()]
    book["follow_ups"] = [{"programme_id": "P1", "person_name": names[who], "role": "trainee", "date": when,
                           "status": status, "practising": practising, "procedures_performed": cases}
                          for who, when, status, practising, cases in CHECKS]
    database = tmp_path / "cohort.duckdb"
    import_workbook(write(book), database, "test")
    store, kind, subject_id = db.open_store(database), *subject
    make = {"programme": brief.programme_brief, "institution": brief.institution_brief, "country": brief.country_brief}
    named = section(pdf_text(make[kind](store, db.FULL_SCOPE, subject_id), tmp_path), "Trainees after they came home",
                    "Costs")
    assert " 6 6 1 1 1 3 " in named and "fewer than 5" not in named
    anonymous = db.Scope(role="anonymous", names_visible=False, costs_visible=False)
    text = pdf_text(make[kind](store, anonymous, subject_id), tmp_path)
    retention = section(text, "Trainees after they came home", "Costs")
    assert " 6 6 fewer than 5 fewer than 5 fewer than 5 fewer than 5 fewer than 5 " in retention
    assert not any(name in text for name in names.values())

