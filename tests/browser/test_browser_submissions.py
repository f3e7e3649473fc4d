"""In a real browser, as a partner: another institution's ids in a workbook or the form are refused without a word
about it, links naming another institution show only the partner's own records, another partner's submission reads
like a missing one, and My submissions reads in Mongolian; the administrators' queue reads without sideways scrolling
at 1,400 px; the README's screenshots."""

from __future__ import annotations

import os
import shutil

import pytest

from portal import db, submissions
from portal.workbook import write_workbook
from portal_browser import ARTIFACTS, PROJECT, PortalPage, running_portal
from test_browser_screens import PROBLEMS, TEXTS
from test_browser_upload import upload

pytestmark = pytest.mark.browser

PARTNER = "partner@nctd.example"  # MNG-NCTD: home of NCTD-2024-SCH
# The README's screenshots are rewritten only when asked (PORTAL_UPDATE_SCREENSHOTS=1); else they go with the
# other test artifacts, so a test run leaves the work tree as it was.
SCREENSHOTS = PROJECT / "docs" / "screenshots" if os.environ.get("PORTAL_UPDATE_SCREENSHOTS") else ARTIFACTS
# What the other institution's records and submission hold: never on the partner's screen.
SECRETS = ("Lumbar decompression training in Seoul", "MNG-SSC", "Steppe Spine Centre", "KOR-MBS",
           "Magpie Bridge", "Secret Seoul plan", "ssc@example.org")


def programme(database, stored_id: str, **changes) -> dict:
    """A stored programme as a workbook row, with `changes`."""
    return {**db.open_store(database).current_record("programmes", {"programme_id": stored_id}), **changes}


@pytest.fixture(scope="module")
def queue(seed_db_master, tmp_path_factory):
    """The seed with three submissions: another partner's (MNG-SSC), and NCTD's pending and rejected ones."""
    folder = tmp_path_factory.mktemp("queue")
    database = folder / "queue.duckdb"
    shutil.copyfile(seed_db_master, database)

    def send(name, institution, account, row):
        write_workbook({"programmes": [row]}, folder / f"{name}.xlsx")
        return submissions.submit_workbook(folder / f"{name}.xlsx", database, account, institution)

    ids = {"other": send("other", "MNG-SSC", "ssc@example.org",
                         programme(database, "PRG-001", title="Secret Seoul plan")),
           "rejected": send("rejected", "MNG-NCTD", PARTNER,
                            programme(database, "NCTD-2024-KUA", end_date="2024-12")),
           "pending": send("pending", "MNG-NCTD", PARTNER,
                           programme(database, "NCTD-2024-SCH", title="Spine surgery training at Soonchunhyang "
                                                                     "Bucheon (corrected by NCTD)"))}
    submissions.reject(database, ids["rejected"], "admin@example.org", "our records say November")
    return database, ids


@pytest.fixture(scope="module")
def server(queue, tmp_path_factory):
    with running_portal(queue[0], tmp_path_factory) as url:
        yield url


@pytest.fixture
def tab(browser, server):
    page = PortalPage(browser, server)
    yield page
    page.page.close()


def shown_without_secrets(tab) -> str:
    text = tab.text()
    for secret in SECRETS:
        assert secret not in text, secret
    assert tab.outside_requests == [] and tab.exceptions() == []
    return text


def test_a_workbook_with_another_institutions_ids_is_refused_naming_only_sheet_row_and_column(tab, queue, tmp_path):
    database, _ = queue
    claimed = programme(database, "PRG-001", home_institution_id="MNG-NCTD", host_institution_id="MNG-NCTD",
                        title="Claimed")
    elsewhere = programme(database, "NCTD-2024-SCH", programme_id="NCTD-NEW", home_institution_id="KOR-SCH-BUCHEON",
                          host_institution_id="KOR-KU-ANSAN")
    write_workbook({"programmes": [claimed, elsewhere]}, tmp_path / "ours.xlsx")
    tab.open("/")
    tab.sign_in(PARTNER)
    tab.open("/submissions")
    upload(tab, tmp_path / "ours.xlsx")
    tab.page.get_by_role("button", name="Send for review").click()
    tab.page.wait_for_timeout(500)
    tab.settle(charts=False)
    assert tab.page.get_by_text("was not sent: 2 problem(s)").count() == 1
    problems = tab.table_text(0)
    assert "programme_id" in problems and "home_institution_id, host_institution_id" in problems
    assert "PRG-001" in problems and "taken" in problems  # the id the partner sent, and only that it is taken
    shown_without_secrets(tab)
    before = db.open_store(database).read("submissions_list", db.FULL_SCOPE, limit=10)
    assert len(before) == 3  # nothing kept


def test_another_partners_submission_reads_like_one_that_does_not_exist(tab, queue):
    _, ids = queue
    tab.open("/")
    tab.sign_in(PARTNER)
    warnings = []
    for asked in (ids["other"], 99999):
        tab.open(f"/submissions?submission={asked}")
        shown_without_secrets(tab)
        warnings.append(tab.page.locator("[data-testid=stAlertContentWarning]").inner_text()
                        .replace(str(asked), "ID"))
    assert warnings[0] == warnings[1] and "ID" in warnings[0]
    tab.open(f"/submissions?submission={ids['pending']}")  # its own: record by record
    assert "corrected by NCTD" in tab.text()
    tab.open(f"/review?submission={ids['other']}")  # the queue is the administrators'
    shown_without_secrets(tab)


def test_my_submissions_in_mongolian_and_the_readmes_screenshots(tab, browser, server, queue):
    _, ids = queue
    tab.open("/")
    tab.sign_in(PARTNER)
    tab.open("/submissions?lang=mn")
    text = shown_without_secrets(tab)
    assert "Миний илгээлтүүд" in text and "хүлээгдэж буй" in text and "татгалзсан" in text
    assert "our records say November" in text  # the reviewer's reason, as written

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.page.set_viewport_size({"width": 1280, "height": 1100})
    tab.open("/submissions")
    tab.page.screenshot(path=str(SCREENSHOTS / "my-submissions.png"))
    admin = PortalPage(browser, server)
    try:
        admin.page.set_viewport_size({"width": 1280, "height": 1100})
        admin.open("/")
        admin.sign_in("admin@example.org")
        admin.open(f"/review?submission={ids['pending']}")
        assert "corrected by NCTD" in admin.text()  # the proposed value shows without scrolling
        admin.page.screenshot(path=str(SCREENSHOTS / "review-queue.png"))
    finally:
        admin.page.close()
    for name in ("my-submissions.png", "review-queue.png"):
        assert (SCREENSHOTS / name).stat().st_size < 300_000, name


def test_a_form_with_another_institutions_ids_is_refused_naming_the_columns(tab, queue):
    database, _ = queue
    before = db.open_store(database).read("submissions_list", db.FULL_SCOPE, limit=10)
    tab.open("/")
    tab.sign_in(PARTNER)
    tab.open("/submissions?form_sheet=programmes")  # the parameter opens the form's expander
    typed = {"Programme ID *": "NCTD-FORM-1", "Title *": "Typed by NCTD", "Home institution ID *": "MNG-SSC",
             "Host institution ID *": "KOR-MBS", "Start date *": "2026-03"}
    for label, value in typed.items():
        tab.page.get_by_role("textbox", name=label, exact=True).fill(value)
    tab.page.get_by_role("button", name="Send this record for review").click()
    tab.page.get_by_text("record was not sent: 2 problem(s)").wait_for(timeout=60_000)
    tab.settle(charts=False)
    assert tab.page.get_by_text("record was not sent: 2 problem(s)").count() == 1
    for _ in range(50):  # the table of problems draws after the message, above the list of submissions
        problems = tab.table_text(0)
        if "home_institution_id" in problems:
            break
        tab.page.wait_for_timeout(200)
    assert "home_institution_id MNG-SSC" in problems and "host_institution_id KOR-MBS" in problems
    text = tab.text()
    # Only what the partner typed may come back: the ids, never the database's names or records for them.
    for secret in set(SECRETS) - {"MNG-SSC", "KOR-MBS"}:
        assert secret not in text, secret
    assert tab.outside_requests == [] and tab.exceptions() == []
    after = db.open_store(database).read("submissions_list", db.FULL_SCOPE, limit=10)
    assert after["submission_id"].tolist() == before["submission_id"].tolist()  # nothing kept


def test_programme_links_naming_another_institution_show_only_the_partners_own_programmes(tab, queue):
    database, _ = queue
    programmes = db.export_tables(database)["programmes"]
    others = [p for p in programmes if "MNG-NCTD" not in (p["home_institution_id"], p["host_institution_id"])]
    own = [p for p in programmes if p not in others]
    assert others and own
    tab.open("/")
    tab.sign_in(PARTNER)
    for link in ("/programmes?home=MNG-SSC&host=KOR-MBS", "/programmes?institution=MNG-SSC"):
        tab.open(link)
        text = shown_without_secrets(tab)
        for other in others:
            assert other["programme_id"] not in text and other["title"] not in text, (link, other["programme_id"])
        assert any(p["title"] in text for p in own), link  # the filter falls away: the partner's own are listed
    warnings = []
    for asked in ("PRG-001", "PRG-NO-SUCH"):  # another institution's programme reads like a made-up one
        tab.open(f"/programmes?programme={asked}")
        text = shown_without_secrets(tab).replace(asked, "ID")
        assert not any(p["programme_id"] in text or p["title"] in text for p in others)
        warnings.append(tab.page.locator("[data-testid=stAlertContentWarning]").inner_text().replace(asked, "ID"))
    assert warnings[0] == warnings[1] and "ID" in warnings[0]


def test_the_review_queue_reads_in_full_at_1400_px_in_every_language(browser, server):
    admin = PortalPage(browser, server)
    try:
        admin.page.set_viewport_size({"width": 1400, "height": 1800})
        admin.open("/")
        admin.sign_in("admin@example.org")
        for language in ("en", "mn", "ko"):
            admin.open(f"/review?lang={language}")
            assert admin.page.locator("[data-testid=stDataFrame]").count() == 1, language  # the queue
            scrolling = [p for p in admin.page.evaluate(PROBLEMS, TEXTS) if p.startswith("table scrolls sideways")]
            assert scrolling == [], language
        assert admin.exceptions() == []
    finally:
        admin.page.close()


def test_a_decision_shows_at_once_in_the_choice_of_submission_and_a_signed_out_link_says_why(browser, server, queue):
    """Last: it rejects the pending submission the tests above read."""
    from portal.i18n import catalog, t

    _, ids = queue
    admin = PortalPage(browser, server)
    try:
        admin.open("/")
        admin.sign_in("admin@example.org")
        admin.open(f"/review?submission={ids['pending']}")
        admin.page.get_by_role("textbox", name=t("review.reason")).fill("our title stays")
        admin.page.get_by_role("textbox", name=t("review.reason")).press("Enter")
        admin.settle(charts=False)
        admin.page.get_by_role("button", name=t("review.reject")).click()
        admin.page.wait_for_timeout(500)
        admin.settle(charts=False)
        chosen = admin.page.get_by_role("combobox", name=t("review.choose")).input_value()
        assert chosen.startswith(f"#{ids['pending']} ") and chosen.endswith(t("submissions.state_rejected")), chosen
        assert admin.exceptions() == []
    finally:
        admin.page.close()
    visitor = PortalPage(browser, server)
    try:
        for address, language, message in (("/submissions", "ko", "access.partners_only"),
                                           ("/history", "mn", "access.administrators_page")):
            visitor.open(f"{address}?lang={language}")
            text = visitor.text()
            assert "Page not found" not in text and catalog(language)[message] in text, address
    finally:
        visitor.page.close()
