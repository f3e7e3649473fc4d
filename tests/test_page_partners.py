"""The Partner hospitals page: the activity map, choosing an institution, and its collaboration history."""

from __future__ import annotations

import base64
import json
from collections import defaultdict

import duckdb
import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from portal import ui
from portal.charts import partners as partner_charts
from portal.importer import import_workbook
from workbooks import as_read, open_app

DIRECTIONS = ["staff_sent", "trainees_hosted", "experts_received", "experts_sent", "events_here", "events_there"]
HEADERS = {"Staff sent": "staff_sent", "Trainees hosted": "trainees_hosted", "Experts received": "experts_received",
           "Experts sent": "experts_sent", "Events here": "events_here", "Events there": "events_there"}
MIRROR = {"staff_sent": "trainees_hosted", "trainees_hosted": "staff_sent", "experts_received": "experts_sent",
          "experts_sent": "experts_received", "events_here": "events_there", "events_there": "events_here"}


def open_partners(monkeypatch, database, institution: str | None = None, **state) -> AppTest:
    """The app on the partners page, with ?institution=ID in the address when given."""
    return open_app(monkeypatch, database, "pages/partners.py",
                    {"institution": institution} if institution is not None else None, **state)


def chart(app: AppTest, key: str) -> dict:
    """The plotly spec of the chart drawn with `key`."""
    [element] = [c for c in app.get("plotly_chart") if c.proto.id.endswith(key)]
    return json.loads(element.proto.spec)


def array(values) -> list:
    """A plotly array from a chart spec: a list, or typed binary data ({"dtype", "bdata"})."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def charts_with_key(app: AppTest, key: str) -> list:
    return [c for c in app.get("plotly_chart") if c.proto.id.endswith(key)]


def table(app: AppTest, column: str) -> pd.DataFrame:
    """The one dataframe on screen that has `column`."""
    [frame] = [d.value for d in app.dataframe if column in d.value.columns]
    return frame


def static_table(app: AppTest, column: str) -> pd.DataFrame:
    """The one st.table on screen that has `column`."""
    [frame] = [t.value for t in app.table if as_read(column) in map(as_read, t.value.columns)]
    return frame.map(as_read).rename(columns=as_read)


def counterpart_counts(app: AppTest) -> dict[str, dict[str, int]]:
    """The counterparts table as {institution name: {direction: count}}."""
    frame = static_table(app, "Staff sent")
    return {row["Institution"]: {d: int(row[h]) for h, d in HEADERS.items()} for _, row in frame.iterrows()}


def seed_rows(database, sql: str, include_illustrative: bool = True) -> list[tuple]:
    """Rows read straight from the database file, read-only, illustrative rows dropped when asked."""
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute(sql).fetchall()
    return [row[:-1] for row in rows if include_illustrative or "illustrative" not in (row[-1] or "").lower()]


def expected_links(database, institution: str, include_illustrative: bool = True) -> dict[str, dict[str, set]]:
    """Counterpart id → direction → the programmes or events behind it, computed here from the raw tables."""
    links: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    programmes = seed_rows(database, "SELECT programme_id, kind, home_institution_id, host_institution_id, source "
                                     "FROM programmes", include_illustrative)
    homes = {programme: home for programme, _, home, _ in programmes}
    for programme, kind, home, host in programmes:
        visiting = kind == "visiting_expert"
        if home == institution:
            links[host]["experts_received" if visiting else "staff_sent"].add(programme)
        if host == institution:
            links[home]["experts_sent" if visiting else "trainees_hosted"].add(programme)
    experts = seed_rows(database, "SELECT programme_id, institution_id, source FROM participants "
                                  "WHERE role = 'visiting_expert'", include_illustrative)
    for programme, expert_home in experts:
        if programme in homes and homes[programme] == institution and expert_home:
            links[expert_home]["experts_received"].add(programme)
        if programme in homes and expert_home == institution:
            links[homes[programme]]["experts_sent"].add(programme)
    events = seed_rows(database, "SELECT event_id, institution_id, partner_institution_id, source FROM events",
                       include_illustrative)
    for event, at, partner in events:
        if at == institution and partner:
            links[partner]["events_here"].add(event)
        if partner == institution:
            links[at]["events_there"].add(event)
    links.pop(institution, None)
    return links


def institution_names(database) -> dict[str, str]:
    return dict(seed_rows(database, "SELECT institution_id, name, NULL FROM institutions"))


def page_text(app: AppTest, own_equipment_makers: bool = True) -> str:
    """Everything the collaboration history shows as text or chart data (the chooser map and list excluded).

    Without `own_equipment_makers`, the make of its own equipment is left out: a manufacturer named on an
    equipment record is a fact about that equipment, even when the manufacturer is also an institution.
    """
    parts = [as_read(e.value) for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning")
             for e in getattr(app, kind)]
    parts += [f"{m.label} {m.value}" for m in app.metric]
    parts += [d.value.drop(columns=[] if own_equipment_makers else ["Make and model"], errors="ignore").to_csv()
              for d in app.dataframe]
    parts += [t.value.map(as_read).to_csv() for t in app.table]
    parts += [c.proto.spec for c in app.get("plotly_chart") if not c.proto.id.endswith("partner_map")]
    return "\n".join(parts)


# ---------------------------------------------------------------- the map


def test_map_has_one_point_per_located_institution_sized_by_activity(monkeypatch, seed_db):
    app = open_partners(monkeypatch, seed_db)
    sizes = {}
    for trace in chart(app, "partner_map")["data"]:
        sizes.update(zip(array(trace["customdata"]), array(trace["marker"]["size"])))
    located = {i for (i,) in seed_rows(seed_db, "SELECT institution_id, source FROM institutions "
                                                "WHERE latitude IS NOT NULL AND longitude IS NOT NULL")}
    assert set(sizes) == located and len(located) == 36
    # Activity: programmes it is home, host or a visiting expert's institution of; events at it or with it.
    took_part = seed_rows(seed_db, """
        SELECT home_institution_id, programme_id, source FROM programmes
        UNION SELECT host_institution_id, programme_id, source FROM programmes
        UNION SELECT institution_id, programme_id, source FROM participants WHERE role = 'visiting_expert'
        UNION SELECT institution_id, event_id, source FROM events
        UNION SELECT partner_institution_id, event_id, source FROM events""")
    activity = {institution: sum(1 for i, _ in set(took_part) if i == institution) for institution in located}
    for first in located:
        for second in located:
            if activity[first] > activity[second]:
                assert sizes[first] > sizes[second], (first, second)
            if activity[first] == activity[second]:
                assert sizes[first] == sizes[second], (first, second)
    assert activity["KOR-MBS"] > activity["MNG-NCTD"] > activity["KOR-KU-ANSAN"] > activity["KAZ-CSA"] == 0
    assert any("Choose an institution on the map" in i.value for i in app.info)


def test_map_hover_names_each_institution_with_its_activity(monkeypatch, seed_db):
    app = open_partners(monkeypatch, seed_db, "MNG-NCTD")
    hovers = {}
    for trace in chart(app, "partner_map")["data"]:
        hovers.update(zip(trace["customdata"], trace["hovertext"]))
        if "MNG-NCTD" in trace["customdata"]:
            chosen = trace["customdata"].index("MNG-NCTD")
            assert array(trace["marker"]["line"]["width"])[chosen] == 4  # the chosen one is outlined
    assert hovers["MNG-NCTD"] == ("<b>National Center for Traumatology and Defectology</b><br>"
                                  "Гэмтэл Согог Судлалын Үндэсний Төв<br>Hospital · Ulaanbaatar, Mongolia<br>"
                                  "3 programme(s), 1 event(s)<br>Programme kinds: Joint surgery, Training abroad")
    assert hovers["KAZ-CSA"].endswith("0 programme(s), 0 event(s)")  # no kinds line without programmes


# ---------------------------------------------------------------- the real case


def test_real_case_lists_exactly_its_two_korean_partners_in_both_directions(monkeypatch, seed_db):
    app = open_partners(monkeypatch, seed_db, "MNG-NCTD")
    assert [h.value for h in app.header] == ["National Center for Traumatology and Defectology"]
    assert app.subheader[0].value == "Гэмтэл Согог Судлалын Үндэсний Төв"
    assert any(m.value == "Hospital · Ulaanbaatar, Mongolia" for m in app.markdown)
    shown = counterpart_counts(app)
    names = institution_names(seed_db)
    expected = {names[c]: {d: len(links[d]) for d in DIRECTIONS}
                for c, links in expected_links(seed_db, "MNG-NCTD").items()}
    assert shown == expected
    assert shown == {
        "Soonchunhyang University Bucheon Hospital": {**dict.fromkeys(DIRECTIONS, 0), "staff_sent": 2,
                                                      "experts_received": 1, "events_here": 1},
        "Korea University Ansan Hospital": {**dict.fromkeys(DIRECTIONS, 0), "staff_sent": 1}}
    years = static_table(app, "Staff sent").set_index("Institution")["Years"]
    assert years.to_dict() == {"Soonchunhyang University Bucheon Hospital": "2024–2025",
                               "Korea University Ansan Hospital": "2024"}

    # The other direction: each Korean hospital's page shows the centre with every count mirrored.
    for counterpart_id in ("KOR-SCH-BUCHEON", "KOR-KU-ANSAN"):
        other = open_partners(monkeypatch, seed_db, counterpart_id)
        mirrored = counterpart_counts(other)["National Center for Traumatology and Defectology"]
        assert mirrored == {MIRROR[d]: n for d, n in shown[names[counterpart_id]].items()}


def test_real_case_shows_its_two_equipment_items_timeline_and_sources(monkeypatch, seed_db):
    app = open_partners(monkeypatch, seed_db, "MNG-NCTD")
    equipment = table(app, "Equipment")
    assert equipment["Equipment"].tolist() == ["spinal endoscope", "operating microscope"]
    assert equipment["Make and model"].tolist() == ["CONMED 4K UHD", "Carl Zeiss Pentero 800"]
    assert equipment["Acquired"].tolist() == ["2023 (month not reported)", "2025 (month not reported)"]
    assert equipment["Cost"].isna().all()  # empty cells, which read "not reported": never 0

    timeline = chart(app, "partner_timeline")
    ticks = [tick.replace("<br>", " ") for tick in timeline["layout"]["yaxis"]["ticktext"]]
    assert ticks == [  # whole titles, wrapped at spaces: never cut
        "Programme · Korea University Ansan Hospital — Spine surgery training at Korea University Ansan Hospital",
        "Programme · Soonchunhyang University Bucheon Hospital — Spine surgery training at Soonchunhyang "
        "University Bucheon Hospital",
        "Programme · Soonchunhyang University Bucheon Hospital — Joint microscopic spinal surgery with "
        "Soonchunhyang Bucheon neurosurgery",
        "Event · Soonchunhyang University Bucheon Hospital — Microscopic spinal surgery performed with a "
        "visiting Bucheon neurosurgeon"]
    assert all(len(line) <= 40 for tick in timeline["layout"]["yaxis"]["ticktext"] for line in tick.split("<br>"))
    hovers = [h for trace in timeline["data"] for h in trace["hovertext"]]
    assert any("2024 (month not reported) to end not reported" in h for h in hovers)

    assert any("No agreement is recorded" in i.value for i in app.info)
    sources = static_table(app, "Visiting experts")
    assert sources[["Programmes", "Visiting experts", "Events", "Equipment"]].sum().tolist() == [3, 1, 1, 2]
    assert sources["Institutions"].sum() == 3
    assert all(s.startswith("MiddleAsianNews") for s in sources["Source"])


def test_counterpart_filter_narrows_the_timeline(monkeypatch, seed_db):
    app = open_partners(monkeypatch, seed_db, "MNG-NCTD")
    app.multiselect(key="partner_counterparts").set_value(["KOR-KU-ANSAN"]).run()
    ticks = chart(app, "partner_timeline")["layout"]["yaxis"]["ticktext"]
    assert [tick.replace("<br>", " ") for tick in ticks] == [
        "Programme · Korea University Ansan Hospital — Spine surgery training at Korea University Ansan Hospital"]
    assert len(counterpart_counts(app)) == 2  # the table of counterparts is not filtered


def test_choosing_in_the_list_gives_the_same_view_as_the_address(monkeypatch, seed_db):
    by_address = open_partners(monkeypatch, seed_db, "MNG-NCTD")
    by_list = open_partners(monkeypatch, seed_db)
    assert not by_list.dataframe and not charts_with_key(by_list, "partner_timeline")
    by_list.selectbox(key="institution").set_value("MNG-NCTD").run()
    assert not by_list.exception
    assert by_list.query_params["institution"] == "MNG-NCTD"  # the choice is kept in the address
    assert page_text(by_list) == page_text(by_address)
    assert [d.value.to_csv() for d in by_list.dataframe] == [d.value.to_csv() for d in by_address.dataframe]
    assert chart(by_list, "partner_map") == chart(by_address, "partner_map")

    # Choosing another one replaces the view and the address.
    by_list.selectbox(key="institution").set_value("KOR-KU-ANSAN").run()
    assert by_list.query_params["institution"] == "KOR-KU-ANSAN"
    assert [h.value for h in by_list.header] == ["Korea University Ansan Hospital"]
    assert list(counterpart_counts(by_list)) == ["National Center for Traumatology and Defectology"]


def test_list_is_sorted_by_name_with_local_names_beside(monkeypatch, seed_db):
    app = open_partners(monkeypatch, seed_db)
    options = app.selectbox(key="institution").options
    names = sorted(institution_names(seed_db).values(), key=str.lower)
    assert [o.split(" · ")[0] for o in options] == names
    assert "Korea University Ansan Hospital · 고려대학교 안산병원" in options


# ---------------------------------------------------------------- illustrative institutions


@pytest.mark.parametrize("institution", ["KOR-MBS", "KGZ-FTC", "UZB-STD", "MNG-SSC", "DEU-QSO"])
def test_only_institutions_it_worked_with_appear(monkeypatch, seed_db, institution):
    app = open_partners(monkeypatch, seed_db, institution)
    names = institution_names(seed_db)
    worked_with = {names[c] for c in expected_links(seed_db, institution)}
    assert worked_with and set(counterpart_counts(app)) == worked_with
    text = page_text(app, own_equipment_makers=False)
    assert names[institution] in text
    strangers = set(names.values()) - worked_with - {names[institution]}
    assert [name for name in strangers if name in text] == []
    # Every row of the timeline is labelled with an institution it worked with, and each of them has a row.
    hovers = [h for trace in chart(app, "partner_timeline")["data"] for h in trace["hovertext"]]
    assert {h.removeprefix("<b>").split(" — ")[0] for h in hovers} == worked_with


def test_equipment_costs_keep_their_own_currency(monkeypatch, seed_db):
    app = open_partners(monkeypatch, seed_db, "MNG-SSC")
    equipment = table(app, "Equipment").set_index("Make and model")
    assert equipment.loc["Heron Optics Imaging (illustrative) HOI-C9", "Cost"] == "95,000,000 MNT"
    assert equipment.loc["Corvid Endoscopy Works (illustrative) CEW-S4", "Cost"] == "185,000 USD"
    assert pd.isna(equipment.loc["Heron Optics Imaging (illustrative) HOI-NAV2", "Cost"])  # "not reported"
    assert equipment.loc["Heron Optics Imaging (illustrative) HOI-C9", "Status"] == "Retired"


def test_agreements_of_an_illustrative_institution(monkeypatch, seed_db):
    app = open_partners(monkeypatch, seed_db, "KOR-MBS")
    agreements = table(app, "Description")
    assert agreements["Title"].tolist() == ["Memorandum of understanding on spine surgery training",
                                            "Renewed agreement: endoscopic spine surgery",
                                            "Agreement on a joint biportal endoscopy week"]
    assert agreements["Date"].tolist() == ["2015-01-20", "2022-10 (day not reported)", "2026-09 (day not reported)"]
    assert pd.isna(agreements["Programme"].tolist()[0])  # an empty cell: "not reported"


# ---------------------------------------------------------------- unknown, hidden and empty


def test_unknown_id_says_so(monkeypatch, seed_db):
    app = open_partners(monkeypatch, seed_db, "NO-SUCH-PLACE")
    assert any('No institution with the id "NO-SUCH-PLACE"' in as_read(w.value) for w in app.warning)
    assert not app.dataframe and not app.header
    assert app.selectbox(key="institution").value is None


def test_page_with_illustrative_data_hidden(monkeypatch, seed_db):
    app = open_partners(monkeypatch, seed_db, "MNG-NCTD", include_illustrative=False)
    ids = [i for trace in chart(app, "partner_map")["data"] for i in trace["customdata"]]
    assert sorted(ids) == ["KOR-KU-ANSAN", "KOR-SCH-BUCHEON", "MNG-NCTD"]
    assert len(app.selectbox(key="institution").options) == 3
    assert set(counterpart_counts(app)) == {"Soonchunhyang University Bucheon Hospital",
                                            "Korea University Ansan Hospital"}
    assert "illustrative" not in page_text(app).lower()

    hidden = open_partners(monkeypatch, seed_db, "MNG-SSC", include_illustrative=False)
    assert any("Show illustrative data" in w.value for w in hidden.warning)
    assert not hidden.dataframe


def test_empty_database_says_how_to_fill_it(monkeypatch, empty_db):
    app = open_partners(monkeypatch, empty_db, "MNG-NCTD")
    assert any("No institutions to show" in i.value for i in app.info)
    assert not app.get("plotly_chart")


def test_chart_data_stays_under_a_megabyte_on_a_large_database(monkeypatch, tmp_path, write):
    institutions = [{"institution_id": f"H{i:05d}", "name": f"Hospital number {i} of a long list of partner hospitals",
                     "name_local": "대학교 부속 병원 " * 3, "kind": "hospital", "city": "Seoul", "country": "KOR",
                     "latitude": 37 + i / 1e4, "longitude": 127 + i / 1e4} for i in range(4000)]
    programmes = [{"programme_id": f"P{i}", "title": f"Spine surgery training programme number {i} abroad",
                   "kind": "training_abroad", "home_institution_id": "H00000", "host_institution_id": f"H{i + 1:05d}",
                   "start_date": f"{2000 + i % 25}-03", "status": "completed"} for i in range(300)]
    database = tmp_path / "large.duckdb"
    import_workbook(write({"institutions": institutions, "programmes": programmes}, "large"), database, "test")
    app = open_partners(monkeypatch, database, "H00000")
    assert sum(len(c.proto.spec) for c in app.get("plotly_chart")) < 1_000_000
    captions = [c.value for c in app.caption]
    assert "The map shows the 1,500 most active of 4,000 located institutions." in captions
    [cut] = [note["text"] for chart in app.get("plotly_chart")
             for note in json.loads(chart.proto.spec)["layout"].get("annotations", []) if "most recent" in note["text"]]
    # one line each, above the hatching note (on one line beside it, long ones ran into it)
    assert cut.split("<br>") == ["showing the 40 most recent of 300 programmes",
                                 "narrow the years or filters to see the rest"]
    assert " · ".join(cut.split("<br>")) in captions  # under the chart, the chart's own words
    assert len(counterpart_counts(app)) == 300


# ---------------------------------------------------------------- builders


def test_partner_map_escapes_names_and_draws_the_chosen_one_last():
    frame = pd.DataFrame({
        "institution_id": ["A", "B", "C"], "name": ["<script>x</script>", "Big & busy", "Small"],
        "name_local": [None, "큰 병원", None], "kind": ["hospital", "hospital", "university"],
        "city": ["Seoul", None, "Ulaanbaatar"], "country": ["KOR", "KOR", "MNG"],
        "latitude": [37.5, 37.6, 47.9], "longitude": [127.0, 127.1, 106.9],
        "programmes": [1, 9, 0], "events": [0, 3, 1], "activity": [1, 12, 1],
        "programme_kinds": [["fellowship"], ["training_abroad", "conference"], []]})
    figure = partner_charts.partner_map(frame, selected="A")
    assert list(figure.data[-1].customdata) == ["B", "A"]  # the chosen one's trace last, and it last within it
    hover = dict(zip(figure.data[-1].customdata, figure.data[-1].hovertext))
    assert hover["A"].startswith("<b>&lt;script&gt;x&lt;/script&gt;</b><br>Hospital · Seoul, South Korea")
    assert hover["B"] == ("<b>Big &amp; busy</b><br>큰 병원<br>Hospital · not reported, South Korea<br>"
                          "9 programme(s), 3 event(s)<br>Programme kinds: Conference, Training abroad")
    assert [trace.name for trace in sorted(figure.data, key=lambda trace: trace.legendrank)] == [
        "Hospital", "University"]


def test_clicked_institution_reads_the_map_selection():
    assert ui.clicked_record(None) is None
    assert ui.clicked_record({"selection": {"points": []}}) is None
    selection = {"selection": {"points": [{"curve_number": 1, "point_index": 0, "customdata": "MNG-NCTD"}]}}
    assert ui.clicked_record(selection) == "MNG-NCTD"
    assert ui.clicked_record({"selection": {"points": [{"customdata": ["KOR-KU-ANSAN"]}]}}) == \
        "KOR-KU-ANSAN"


def test_readable_spells_out_dates_kinds_and_countries():
    frame = pd.DataFrame({"date": ["2024", "2024-03", None], "kind": ["agreement", None, "visit"],
                          "country": ["KOR", "VNM", None]})
    shown = partner_charts.readable(frame, dates=("date",), labels={"kind": "event_kind"}, countries=("country",))
    assert shown["date"].tolist()[:2] == ["2024 (month not reported)", "2024-03 (day not reported)"]
    assert shown["kind"].tolist()[::2] == ["Agreement", "Visit"]
    assert shown["country"].tolist()[:2] == ["South Korea", "Vietnam"]
    assert shown.isna().sum().tolist() == [1, 1, 1]  # missing stays missing
    assert ui.headed(shown, {"date": "partners.col_date"})["Date"].tolist()[-1] == "not reported"


def test_every_table_on_the_page_downloads_the_sources_too(monkeypatch, seed_db):
    """Issue 13: each table on screen (the sources' static table too) offers CSV and .xlsx."""
    app = open_partners(monkeypatch, seed_db, "MNG-NCTD")
    tables = len(app.dataframe) + len(app.table)
    downloads = [d.proto.id for d in app.get("download_button") if "download_" in d.proto.id]
    assert tables >= 3 and len(downloads) == 2 * tables, (tables, downloads)
    assert sum("partner_sources" in d for d in downloads) == 2


@pytest.mark.parametrize("illustrative_shown", [True, False])
def test_an_institution_without_equipment_suggests_the_illustrative_switch_only_while_it_is_off(
        monkeypatch, seed_db, illustrative_shown):
    """Soonchunhyang Bucheon, a real partner, has no equipment recorded: the note says so, and points to "Show
    illustrative data" only when that is off (a reader told to turn on a switch already on looks for another)."""
    app = open_partners(monkeypatch, seed_db, "KOR-SCH-BUCHEON", include_illustrative=illustrative_shown)
    note = next(i.value for i in app.info if "No equipment investment is recorded" in i.value)
    assert ("Show illustrative data" in note) is not illustrative_shown
