"""The Data quality page: every kind of problem listed once with a link to its record, clean records never."""

from __future__ import annotations

import datetime
import json

import pytest
from streamlit.testing.v1 import AppTest

from portal import db, stewardship
from portal.importer import import_workbook
from test_page_trainees import person_code
from workbooks import open_app, valid_workbook

PAGE = "pages/data_quality.py"
TODAY = datetime.date.today()
SOURCE = "quality fixture"

# The page's checks, in the order it shows them, and the links to the record each one lists in the fixture.
EXPECTED = {
    "Rows without a source": ("NO-SOURCE", "partners?institution=NO-SOURCE"),
    "Institutions not on maps": ("MOH", "partners?institution=MOH"),
    "Programmes whose status contradicts their dates": None,  # three rows, checked on their own
    "Participant counts that disagree with the people listed": ("P-COUNT", "programmes?programme=P-COUNT"),
    "Equipment linked to no programme": ("EQ-ALONE", "equipment?equipment=EQ-ALONE"),
    "Costs that cannot be shown in EUR": ("EQ-NO-EUR", "equipment?equipment=EQ-NO-EUR"),
}
STATUS_PROBLEMS = {
    "P-DONE-LATER": ("programmes?programme=P-DONE-LATER", "completed, but ends later"),
    "P-ONGOING-OLD": ("programmes?programme=P-ONGOING-OLD", "ongoing more than 90 days after its end"),
    "P-PLANNED-PAST": ("programmes?programme=P-PLANNED-PAST", "planned, but its start is past"),
}
CLEAN = ["P-CLEAN", "P-ONGOING-RECENT", "P-PLANNED-SOON", "P-PLANNED-THIS-YEAR", "P-DONE-THIS-YEAR",
         "EQ-CLEAN", "HOME", "HOST"]


def programme(programme_id: str, status: str, start: str, end: str | None = None, **more) -> dict:
    return {"programme_id": programme_id, "title": f"Programme {programme_id}", "kind": "training_abroad",
            "home_institution_id": "HOME", "host_institution_id": "HOST", "start_date": start, "end_date": end,
            "status": status, "source": SOURCE, **more}


def equipment(equipment_id: str, acquired: str, programme_ids: str | None, **more) -> dict:
    return {"equipment_id": equipment_id, "institution_id": "HOME", "name": f"item {equipment_id}",
            "category": "microscope", "acquired_date": acquired, "programme_ids": programme_ids, "source": SOURCE,
            **more}


def problem_workbook() -> dict:
    """One example of every problem the page looks for, beside records that have none."""
    year, past = TODAY.year, TODAY.year - 2
    return {
        "institutions": [
            {"institution_id": "HOME", "name": "Home hospital", "kind": "hospital", "country": "MNG",
             "latitude": 47.9, "longitude": 106.9, "source": SOURCE},
            {"institution_id": "HOST", "name": "Host hospital", "kind": "university_hospital", "country": "KOR",
             "latitude": 37.5, "longitude": 126.8, "source": SOURCE},
            {"institution_id": "NO-SOURCE", "name": "Unsourced hospital", "kind": "hospital", "country": "MNG",
             "latitude": 48.0, "longitude": 107.0},
            {"institution_id": "MOH", "name": "Ministry of health", "kind": "ministry", "country": "MNG",
             "source": SOURCE},
        ],
        "programmes": [
            programme("P-CLEAN", "completed", str(past), f"{past}-06", participants_count=1, cost_amount=1000000,
                      cost_currency="KRW"),
            programme("P-DONE-LATER", "completed", str(year - 1), str(year + 1)),
            programme("P-ONGOING-OLD", "ongoing", str(past - 1), str(past)),
            programme("P-ONGOING-RECENT", "ongoing", str(past),
                      (TODAY - datetime.timedelta(days=30)).isoformat()),
            programme("P-PLANNED-PAST", "planned", str(year - 1)),
            programme("P-PLANNED-SOON", "planned", str(year + 1)),
            # Partial dates whose span holds today: neither past nor still to come, so not contradicted.
            programme("P-PLANNED-THIS-YEAR", "planned", str(year)),
            programme("P-DONE-THIS-YEAR", "completed", str(year), str(year)),
            programme("P-COUNT", "completed", str(past), str(past), participants_count=5),
        ],
        "participants": [
            {"programme_id": "P-CLEAN", "person_name": "Clean Trainee", "role": "trainee", "source": SOURCE},
            {"programme_id": "P-CLEAN", "person_name": "Clean Trainer", "role": "trainer", "source": SOURCE},
            {"programme_id": "P-COUNT", "person_name": "Trainee A", "role": "trainee", "source": SOURCE},
            {"programme_id": "P-COUNT", "person_name": "Trainee B", "role": "trainee", "source": SOURCE},
            {"programme_id": "P-COUNT", "person_name": "Trainer C", "role": "trainer", "source": SOURCE},
        ],
        "equipment": [
            equipment("EQ-CLEAN", str(past), "P-CLEAN", cost_amount=5000, cost_currency="USD"),
            equipment("EQ-NO-EUR", "2019-05", "P-CLEAN", cost_amount=7000, cost_currency="USD"),
            equipment("EQ-ALONE", str(past), None),
        ],
        "fx_rates": [
            {"currency": "KRW", "year": past, "units_per_usd": 1300.0, "source": SOURCE},
            {"currency": "EUR", "year": past, "units_per_usd": 0.9, "source": SOURCE},
        ],
    }


@pytest.fixture
def problem_db(tmp_path, write):
    database = tmp_path / "problems.duckdb"
    import_workbook(write(problem_workbook(), "problems"), database, "fixture")
    return database


@pytest.fixture
def open_page(monkeypatch, tmp_path):
    """Run the app (sidebar, chrome) on a database with `state` in the session, and switch to this page."""
    def run(database, **state) -> AppTest:
        return open_app(monkeypatch, database, PAGE, **state)
    return run


def headings(app) -> list[str]:
    return [h.value for h in app.subheader]


def tables(app) -> dict[str, list[dict]]:
    """The rows of each check's table, keyed by the check's heading (its name, without the count)."""
    frames = iter(app.dataframe)
    shown = {}
    for heading in headings(app):
        name, count = heading.rsplit(": ", 1)
        rows = next(frames).value.to_dict("records") if count != "0" else []
        # The "Open" column links to the record's page in the reader's language: "link" here, without the language.
        shown[name] = [{**row, "link": row.pop("Open").removesuffix("&lang=en")} for row in rows]
    assert next(frames, None) is None
    return shown


def test_every_problem_is_listed_once_with_a_link_to_its_record(open_page, problem_db):
    app = open_page(problem_db, reporting_currency="EUR")
    assert headings(app) == [
        "Rows without a source: 1", "Institutions not on maps: 1",
        "Programmes whose status contradicts their dates: 3",
        "Participant counts that disagree with the people listed: 1", "Programmes with no cost: 8",
        "Equipment with no cost: 1", "Programmes with no participant count: 7",
        "Equipment linked to no programme: 1",
        "Trainees back for more than 12 months with no follow-up: 3",
        "Follow-ups that contradict a participant record: 0", "Costs that cannot be shown in EUR: 1",
        "Costs whose currency has no rate: 0", "Records a side disputes: 0",
        "Programmes no partner has confirmed: 9"]
    found = tables(app)
    for name, expected in EXPECTED.items():
        if expected:
            assert [(row["Record"], row["link"]) for row in found[name]] == [expected], name
    status = {row["Record"]: (row["link"], row["Contradiction"])
              for row in found["Programmes whose status contradicts their dates"]}
    assert status == STATUS_PROBLEMS
    assert found["Costs whose currency has no rate"] == []

    mismatch = found["Participant counts that disagree with the people listed"][0]
    assert (mismatch["Participants reported"], mismatch["Trainees listed"], mismatch["People listed"]) == \
        (5, 2, 3)
    ministry = found["Institutions not on maps"][0]
    assert ministry["Kind"] == "Ministry"
    cost = found["Costs that cannot be shown in EUR"][0]
    assert (cost["Cost of"], cost["Amount"], cost["Currency"], cost["Year"]) == ("Equipment", 7000, "USD", "2019")
    later = next(r for r in found["Programmes whose status contradicts their dates"] if r["Record"] == "P-DONE-LATER")
    assert later["End"] == str(TODAY.year + 1)  # a date column: the partial date as written, so it sorts by time

    # The fixture's clean records report no cost nor count (the gap worklists list those, tested on their own).
    gaps = ("Programmes with no cost", "Equipment with no cost", "Programmes with no participant count",
            "Trainees back for more than 12 months with no follow-up", "Programmes no partner has confirmed")
    everything = json.dumps({name: rows for name, rows in found.items() if name not in gaps})
    for record in CLEAN:
        assert f'"{record}"' not in everything and f"={record}\"" not in everything, record

    metrics = {m.label: m.value for m in app.metric}
    assert metrics == {"Checks passed": "3", "Checks with findings": "11"}
    assert any("more than 90 days after the end date" in c.value for c in app.caption)  # the threshold, said


def test_links_are_link_columns(open_page, problem_db):
    app = open_page(problem_db)
    config = json.loads(app.dataframe[0].proto.columns)
    assert config["Open"]["type_config"]["type"] == "link"
    assert config["Open"]["label"] == "Open"


def test_worklists_are_typed_columns(open_page, problem_db):
    """Counts and amounts are right-aligned numbers, dates sort as written (ISO), each row opens its record."""
    app = open_page(problem_db, reporting_currency="EUR")
    shown = [heading.rsplit(": ", 1)[0] for heading in headings(app) if not heading.endswith(": 0")]
    config = {name: json.loads(frame.proto.columns) for name, frame in zip(shown, app.dataframe)}
    types = {name: {title: c.get("type_config", {}).get("type") for title, c in columns.items()}
             for name, columns in config.items()}
    counts = types["Participant counts that disagree with the people listed"]
    assert [counts[c] for c in ("Participants reported", "Trainees listed", "People listed")] == ["number"] * 3
    assert types["Costs that cannot be shown in EUR"]["Amount"] == "number"
    assert types["Programmes with no cost"]["Open"] == "link"
    assert config["Programmes with no cost"]["Open"]["type_config"]["display_text"].startswith("[?&]")  # the id
    starts = {row["Record"]: row["Start"] for row in tables(app)["Programmes with no cost"]}
    assert starts["P-COUNT"] == str(TODAY.year - 2)  # as written, so it sorts by time


def test_reporting_in_us_dollars_needs_no_rate(open_page, problem_db):
    app = open_page(problem_db)
    assert "Costs that cannot be shown in USD: 0" in headings(app)


def test_a_cost_whose_own_currency_lost_its_rate(open_page, problem_db):
    stewardship.delete_record(problem_db, "fx_rates", {"currency": "KRW", "year": TODAY.year - 2}, "test")
    app = open_page(problem_db, reporting_currency="EUR")
    found = tables(app)
    assert [(r["Record"], r["Currency"], r["link"]) for r in found["Costs whose currency has no rate"]] == \
        [("P-CLEAN", "KRW", "programmes?programme=P-CLEAN")]
    # Listed where the fix is, not twice: the EUR rate of that year exists.
    assert [r["Record"] for r in found["Costs that cannot be shown in EUR"]] == ["EQ-NO-EUR"]


def test_illustrative_findings_follow_the_sidebar_toggle(open_page, tmp_path, write):
    workbook = problem_workbook()
    workbook["equipment"].append(equipment("EQ-INVENTED", "2020", None, source="illustrative example"))
    database = tmp_path / "illustrative.duckdb"
    import_workbook(write(workbook, "illustrative"), database, "fixture")

    shown = tables(open_page(database))["Equipment linked to no programme"]
    assert sorted(r["Record"] for r in shown) == ["EQ-ALONE", "EQ-INVENTED"]
    hidden = tables(open_page(database, include_illustrative=False))["Equipment linked to no programme"]
    assert [r["Record"] for r in hidden] == ["EQ-ALONE"]


def test_findings_are_limited_to_the_viewer_scope(problem_db):
    store = db.open_store(problem_db)
    options = dict(include_illustrative=True, reporting_currency="USD", limit=500)
    at_home = store.read("quality_equipment_without_programmes", db.Scope(institution_id="HOME"), **options)
    at_host = store.read("quality_equipment_without_programmes", db.Scope(institution_id="HOST"), **options)
    assert at_home["record"].tolist() == ["EQ-ALONE"] and at_host.empty


def test_long_lists_say_how_much_is_shown(open_page, tmp_path, write):
    workbook = valid_workbook()
    workbook["equipment"] += [equipment(f"EQ-{n:03}", "2025", None, institution_id="UB-TRAUMA")
                              for n in range(520)]
    database = tmp_path / "many.duckdb"
    import_workbook(write(workbook, "many"), database, "fixture")
    app = open_page(database)
    assert "Equipment linked to no programme: 520" in headings(app)
    assert any(c.value == "showing 500 of 520" for c in app.caption)


def test_the_seed_lists_its_unlinked_equipment(open_page, seed_db):
    app = open_page(seed_db)
    assert "Equipment linked to no programme: 4" in headings(app)
    assert "Rows without a source: 0" in headings(app)
    assert any("nothing found" in m.value for m in app.markdown)


def test_the_largest_gaps_are_worklists_with_links(open_page, problem_db):
    found = tables(open_page(problem_db))
    no_cost = found["Programmes with no cost"]
    assert "P-CLEAN" not in {r["Record"] for r in no_cost} and len(no_cost) == 8
    assert next(r for r in no_cost if r["Record"] == "P-COUNT")["link"] == "programmes?programme=P-COUNT"
    assert [(r["Record"], r["link"]) for r in found["Equipment with no cost"]] == [
        ("EQ-ALONE", "equipment?equipment=EQ-ALONE")]
    no_count = {r["Record"]: r for r in found["Programmes with no participant count"]}
    assert set(no_count) == {"P-DONE-LATER", "P-ONGOING-OLD", "P-ONGOING-RECENT", "P-PLANNED-PAST",
                             "P-PLANNED-SOON", "P-PLANNED-THIS-YEAR", "P-DONE-THIS-YEAR"}
    assert no_count["P-PLANNED-SOON"]["Status"] == "Planned" and no_count["P-PLANNED-SOON"]["Trainees listed"] == 0


def test_the_seed_lists_its_programmes_without_cost_or_count(open_page, seed_db):
    shown = headings(open_page(seed_db))
    assert {"Programmes with no cost: 23", "Equipment with no cost: 8",
            "Programmes with no participant count: 8"} <= set(shown)


def test_hidden_costs_are_not_listed_as_missing(problem_db):
    store = db.open_store(problem_db)
    options = dict(include_illustrative=True, reporting_currency="USD", limit=500)
    hidden = db.Scope(role="anonymous", names_visible=False, costs_visible=False)
    for check in ("quality_programmes_without_cost", "quality_equipment_without_cost"):
        assert store.read(check, hidden, **options).empty, check
        assert not store.read(check, db.FULL_SCOPE, **options).empty, check


def test_the_empty_database_has_nothing_to_check(open_page, empty_db):
    app = open_page(empty_db)
    assert any("nothing to check" in i.value for i in app.info)
    assert not app.subheader and not app.dataframe


def test_every_worklist_on_screen_downloads(open_page, problem_db):
    """Each check with findings offers its rows as CSV and .xlsx, like every other table."""
    app = open_page(problem_db)
    tables = len(app.dataframe)
    downloads = [d for d in app.get("download_button") if d.proto.id and "quality-" in d.proto.id]
    assert tables and len(downloads) == 2 * tables, (tables, [d.proto.id for d in app.get("download_button")])


def test_trainees_back_a_year_without_follow_up(open_page, tmp_path, write):
    """Issue 16: a trainee back more than 12 months with no follow-up is listed; one followed up is not."""
    book = valid_workbook()  # P1 ended 2024-11
    book["participants"] = [{"programme_id": "P1", "person_name": name, "role": "trainee"}
                            for name in ("Never Called", "Called Once")]
    book["participants"].append({"programme_id": "P1", "person_name": "A Trainer", "role": "trainer"})
    book["follow_ups"] = [{"programme_id": "P1", "person_name": "Called Once", "role": "trainee",
                           "date": "2025-06", "status": "at_home_institution"}]
    database = tmp_path / "followed.duckdb"
    import_workbook(write(book), database, "test")
    found = tables(open_page(database))["Trainees back for more than 12 months with no follow-up"]
    assert [(row["Record"], row["Name or title"], row["link"]) for row in found] == \
        [("P1", "Never Called", "trainees?cohort_by=programme&cohort=P1")]


def test_follow_ups_that_contradict_a_participant_record(open_page, tmp_path, write):
    """Checks that later changes contradict, each listed with its reason; a consistent check is not listed.
    P1 runs 2024 .. 2024-11; its start then moves to 2024-06, so a check dated 2024-03 is before the start."""
    book = valid_workbook()
    book["participants"] = [{"programme_id": "P1", "person_name": name, "role": "trainee"} for name in "AB"]
    database = tmp_path / "contradicted.duckdb"
    import_workbook(write(book), database, "test")
    with db.writing(database) as writer:  # as edits and deletions after the checks were recorded leave them
        writer.connection.execute("UPDATE programmes SET start_date = '2024-06'")
        writer.connection.executemany(
            "INSERT INTO follow_ups (programme_id, person_name, role, date, status) VALUES (?, ?, 'trainee', ?, ?)",
            [("P1", "Removed", "2025-01", "at_home_institution"), ("P1", "A", "2024-03", "at_home_institution"),
             ("P1", "A", "2024-10", "abroad"), ("P1", "A", "2025-03", "at_home_institution"),
             ("P1", "B", "2025-01", "deceased"), ("P1", "B", "2025-06", "at_home_institution"),
             ("P1", "B", "2025-01-20", "deceased")])
    found = tables(open_page(database))["Follow-ups that contradict a participant record"]
    assert [(row["Name or title"], row["Checked"], row["Contradiction"], row["Status"]) for row in found] == [
        ("A", "2024-03", "checked before the programme started", "At the home institution"),
        ("A", "2024-10", "checked before the programme ended", "Abroad"),
        ("B", "2025-06", "checked after a check recording death", "At the home institution"),
        ("Removed", "2025-01", "no such participant any more", "At the home institution")]
    assert found[0]["link"] == "trainees?cohort_by=programme&cohort=P1&person=" + person_code("P1", "A")


def test_records_a_side_disputes_and_programmes_no_partner_confirmed(open_page, loaded_db, write):
    """Issue 15: pending and rejected changes list their records; a confirmed programme leaves the second list."""
    from portal import submissions

    def programme(**changes):
        return dict(valid_workbook()["programmes"][0], **changes)

    def send(title, name):
        return submissions.submit_workbook(write({"programmes": [programme(title=title)]}, name), loaded_db,
                                           "host@example.org", "KR-HOST")

    waiting = send("Waiting", "pending")
    refused = send("Refused", "rejected")
    submissions.reject(loaded_db, refused, "admin", "our dates differ")
    submissions.accept(loaded_db, send("Settled", "accepted"), "admin")
    new = submissions.submit_workbook(write({"programmes": [programme(programme_id="P-NEW", title="Brand new")]},
                                            "new"), loaded_db, "host@example.org", "KR-HOST")
    found = tables(open_page(loaded_db))
    disputed = [(r["Record"], r["Name or title"], r["Partner institution"], r["State"],
                 r["Reason"] if isinstance(r["Reason"], str) else None, r["Submission"], r["link"])
                for r in found["Records a side disputes"]]
    # the name as stored ("Settled", accepted), not the title each submission proposes; a new record's proposed one
    assert disputed == [
        ("programmes: P-NEW", "Brand new (proposed, not stored yet)", "Test university hospital", "pending", "",
         f"review?submission={new}&lang=en", "programmes?programme=P-NEW"),
        ("programmes: P1", "Settled", "Test university hospital", "rejected", "our dates differ",
         f"review?submission={refused}&lang=en", "programmes?programme=P1"),
        ("programmes: P1", "Settled", "Test university hospital", "pending", "",
         f"review?submission={waiting}&lang=en", "programmes?programme=P1")]
    assert [r["Record"] for r in found["Programmes no partner has confirmed"]] == ["P1"]

    confirmation = submissions.confirm_programme(loaded_db, "host@example.org", "KR-HOST", "P1")
    assert [r["Record"] for r in tables(open_page(loaded_db))["Programmes no partner has confirmed"]] == ["P1"]
    submissions.accept(loaded_db, confirmation, "admin")
    found = tables(open_page(loaded_db))
    assert found["Programmes no partner has confirmed"] == []
    assert len(found["Records a side disputes"]) == 3  # a confirmation disputes nothing


@pytest.mark.parametrize("role", ["administrator", "ministry"])
def test_only_administrators_are_told_to_settle_disputes_on_the_review_queue(open_page, loaded_db, viewer, role):
    """Ministry readers cannot open the Review queue: their note on disputes does not send them there."""
    from portal import auth
    from portal.i18n import t

    viewer(auth.User("reader@example.org", role, None))
    captions = [c.value for c in open_page(loaded_db).caption]
    review = t("nav.review")
    told = [c for c in captions if review in c]
    if role == "administrator":
        assert told == [t("quality.records_disputed.why")]
    else:
        assert told == [] and t("quality.records_disputed.why_reader") in captions


@pytest.mark.parametrize("language", ["en", "mn", "ko"])
def test_disputed_records_show_submission_state_and_reason_at_1400_px(monkeypatch, loaded_db, write, language):
    """Rows of one record differ by their submission, state and reason: none of them may start hidden."""
    from portal import i18n, submissions
    from workbooks import column_settings

    def send(name, **changes):
        records = [dict(valid_workbook()["programmes"][0], **changes),
                   dict(valid_workbook()["programmes"][0], programme_id="P-NEW-LONGER-ID", title="A new programme")]
        return submissions.submit_workbook(write({"programmes": records}, name), loaded_db, "host@example.org",
                                           "KR-HOST")

    send("pending", title="Waiting")
    submissions.reject(loaded_db, send("rejected", end_date="2024-12"), "admin",
                       "our records say November; send it again with the ministry's dates")
    try:
        i18n.set_language(language)
        app = open_app(monkeypatch, loaded_db, PAGE, {"lang": language})
        wanted = [i18n.t(f"quality.col_{name}") for name in ("submission_id", "state", "reason")]
        table = next(d for d in app.dataframe if wanted[0] in d.value.columns)
        settings = column_settings(table)
    finally:
        i18n.set_language("en")
    assert [title for title in wanted if settings[title]["hidden"]] == []
