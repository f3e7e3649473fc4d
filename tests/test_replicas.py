"""The replicated deployment for real (deploy/start-local: PostgreSQL, two replicas, HAProxy): a session and an API
token made through one replica work through the other until they are ended, an import reaches both replicas
while they serve pages, and the stewardship pages (Load data, History, My submissions, Review) work whichever
replica serves them."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import pytest

from benchmarks.replicas import missing_packages, replica_pid, running_deployment
from browser.portal_browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, PortalPage
from portal import auth, db, tokens
from portal.workbook import write_workbook

pytestmark = [pytest.mark.browser, pytest.mark.real_sign_in]

OFFICIAL = "official@moh.example"
ADMINISTRATOR = "admin@example.org"
PARTNER = "partner@nctd.example"  # MNG-NCTD: home of NCTD-2024-SCH, the programme of PAGE
PAGE = "/programmes?programme=NCTD-2024-SCH"  # one programme's page: light to draw on a busy machine
NEW_HOST = {"institution_id": "KOR-REPLICA", "name": "Replica test hospital", "kind": "hospital", "city": "Incheon",
            "country": "KOR", "latitude": 37.456, "longitude": 126.705, "source": "tests/test_replicas.py"}
NEW_PROGRAMME = {"programme_id": "REPLICA-2026", "title": "Replica training in Incheon", "kind": "training_abroad",
                 "home_institution_id": "MNG-NCTD", "host_institution_id": "KOR-REPLICA", "start_date": "2026-01",
                 "status": "ongoing", "source": "tests/test_replicas.py"}
UPLOADED_HOST = dict(NEW_HOST, institution_id="KOR-UPLOADED", name="Uploaded test hospital")
UPLOADED_PROGRAMME = dict(NEW_PROGRAMME, programme_id="UPLOADED-2026", title="Uploaded training in Incheon",
                          host_institution_id="KOR-UPLOADED")


@pytest.fixture(scope="module")
def deployment(seed_db_master, tmp_path_factory):
    """deploy/start-local on a copy of the seed database, with an official's, an administrator's and a partner's
    accounts in its PostgreSQL."""
    if missing := missing_packages():
        pytest.skip(f"Debian packages {missing} are not installed (scripts/test installs them)")
    database = tmp_path_factory.mktemp("replicas") / "portal.duckdb"
    shutil.copyfile(seed_db_master, database)
    with running_deployment(database) as running:
        auth.add_user(running.accounts_url, OFFICIAL, "ministry", None, PASSWORD)
        auth.add_user(running.accounts_url, ADMINISTRATOR, "administrator", None, PASSWORD)
        auth.add_user(running.accounts_url, PARTNER, "partner", "MNG-NCTD", PASSWORD)
        yield running


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def tab(browser, deployment):
    page = PortalPage(browser, deployment.url)
    yield page
    page.page.close()


def open_on(tab: PortalPage, replica: str, path: str) -> str:
    """Open `path` through the proxy on the named replica (HAProxy's cookie); the page's text once it ran."""
    tab.page.context.add_cookies([{"name": "PORTAL_REPLICA", "value": replica, "url": tab.base_url}])
    response = tab.page.goto(tab.base_url + path)
    assert response.status == 200 and response.headers["x-portal-replica"] == replica
    # The sidebar's account box says who is signed in once app.py has run over the websocket.
    shows(tab, "Signed in as", "Not signed in")
    tab.settle(charts=False)
    assert tab.exceptions() == []
    return tab.text()


def shows(tab: PortalPage, *texts: str) -> None:
    """Wait (a minute at most) until the page shows one of `texts` (without portal.display's word joiners), in its
    text or in a table's cells (drawn on a canvas; their accessible grid holds the text)."""
    tab.page.wait_for_function(
        """texts => {
            const cells = Array.from(document.querySelectorAll('[role=gridcell]'), cell => cell.textContent);
            const shown = (document.body.innerText + ' ' + cells.join(' ')).replaceAll('\\u2060', '');
            return texts.some(t => shown.includes(t));
        }""", arg=list(texts), timeout=60_000)


def sign_in_on(tab: PortalPage, replica: str, email: str, path: str = PAGE) -> None:
    """Sign in through the sidebar's form of `path` on the named replica, and wait until the server has set the
    cookie."""
    open_on(tab, replica, path)
    tab.page.get_by_role("button", name="Sign in").first.click()
    tab.page.get_by_role("textbox", name="Email").fill(email)
    tab.page.get_by_role("textbox", name="Password").fill(PASSWORD)
    tab.page.get_by_role("button", name="Sign in").last.click()
    shows(tab, f"Signed in as {email}")
    assert session_cookie(tab, present=True), "the server set no session cookie"


def upload_on(tab: PortalPage, path) -> None:
    """Give the open page's file uploader the file at `path`."""
    tab.page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(path))


def programme_ids(deployment, replica: str) -> set[str]:
    """The programmes the API lists through the named replica."""
    status, answer = api_get(deployment, replica, "/api/v1/programmes?limit=1000")
    assert status == 200
    return {row.get("item_id") for row in answer["data"]}


def session_cookie(tab: PortalPage, present: bool | None = None) -> dict | None:
    """The browser's session cookie; with `present`, once it is there (True) or gone (False), five seconds at most."""
    for _ in range(50):
        cookie = next((c for c in tab.page.context.cookies() if c["name"] == "portal_session"), None)
        if present is None or present == (cookie is not None):
            break
        tab.page.wait_for_timeout(100)  # the page posts the one-time code after its rerun
    return cookie


def api_get(deployment, replica: str, path: str, token: str | None = None) -> tuple[int, dict]:
    """GET an API path through the proxy on the named replica: the status and the JSON answer."""
    headers = {"Cookie": f"PORTAL_REPLICA={replica}", **({"Authorization": f"Bearer {token}"} if token else {})}
    try:
        with urllib.request.urlopen(urllib.request.Request(deployment.url + path, headers=headers), timeout=30) as answer:
            assert answer.headers["X-Portal-Replica"] == replica
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_a_sign_in_through_one_replica_holds_on_the_other_until_signed_out_there(deployment, tab):
    first, second = deployment.replica_names
    sign_in_on(tab, first, OFFICIAL)
    cookie = session_cookie(tab)
    assert cookie and cookie["httpOnly"]

    assert f"Signed in as {OFFICIAL}" in open_on(tab, second, PAGE)  # the cookie alone, another process
    tab.page.get_by_role("button", name="Sign out").click()
    assert session_cookie(tab, present=False) is None

    for replica in (first, second):  # the ended session's token, presented again to each replica
        tab.page.context.add_cookies([cookie])  # (the page drops a cookie whose session has ended)
        text = open_on(tab, replica, PAGE)
        assert "Not signed in" in text and OFFICIAL not in text


def test_disabling_an_account_ends_its_session_on_both_replicas(deployment, tab):
    email = "disabled@moh.example"
    auth.add_user(deployment.accounts_url, email, "ministry", None, PASSWORD)
    first, second = deployment.replica_names
    sign_in_on(tab, second, email)
    cookie = session_cookie(tab)
    assert f"Signed in as {email}" in open_on(tab, first, PAGE)

    auth.disable_user(deployment.accounts_url, email)  # what `python -m portal users disable` does
    for replica in (first, second):
        tab.page.context.add_cookies([cookie])  # as above: the page drops a cookie whose session has ended
        text = open_on(tab, replica, PAGE)
        assert "Not signed in" in text and email not in text


def test_an_api_token_works_through_both_replicas_until_revoked(deployment):
    token = tokens.create(deployment.accounts_url, OFFICIAL, "replicas")
    costs = "/api/v1/costs?programme=NCTD-2024-SCH"
    for replica in deployment.replica_names:
        assert api_get(deployment, replica, costs)[0] == 403  # anonymous: costs are not shown
        assert api_get(deployment, replica, costs, token)[0] == 200

    [made] = tokens.listed(deployment.accounts_url, OFFICIAL)
    assert tokens.revoke(deployment.accounts_url, OFFICIAL, made["token_id"])
    for replica in deployment.replica_names:
        status, answer = api_get(deployment, replica, costs, token)
        assert (status, answer["error"]) == (401, "invalid_token")


def test_an_import_while_both_replicas_serve_pages_reaches_both(deployment, tab, tmp_path):
    programme_page = f"/programmes?programme={NEW_PROGRAMME['programme_id']}"
    for replica in deployment.replica_names:  # each replica has read (and cached) the database before the import
        assert NEW_PROGRAMME["title"] not in open_on(tab, replica, programme_page)
    workbook = tmp_path / "new-programme"
    write_workbook({"institutions": [NEW_HOST], "programmes": [NEW_PROGRAMME]}, workbook)

    answers: list[int] = []
    imported = threading.Event()

    def read_the_api_meanwhile() -> None:
        number = 0
        while not imported.is_set():  # at most 2.5 requests a second: well under the API's rate limit
            replica = deployment.replica_names[number % 2]
            answers.append(api_get(deployment, replica, "/api/v1/programmes?limit=1000")[0])
            number += 1
            imported.wait(0.4)

    reader = threading.Thread(target=read_the_api_meanwhile)
    reader.start()
    try:
        run = subprocess.Popen([sys.executable, "-m", "portal", "import", str(workbook)],
                               env={**os.environ, "PORTAL_DB": str(deployment.database)},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        loads = 0
        while run.poll() is None or loads < 2:  # pages of both replicas load while the import runs
            open_on(tab, deployment.replica_names[loads % 2], PAGE)
            loads += 1
        assert run.wait(timeout=120) == 0, run.stdout.read()
    finally:
        imported.set()
        reader.join(timeout=60)

    assert answers and all(status == 200 for status in answers), answers
    for replica in deployment.replica_names:
        assert NEW_PROGRAMME["title"] in open_on(tab, replica, programme_page)
        status, answer = api_get(deployment, replica, "/api/v1/programmes?limit=1000")
        assert status == 200 and NEW_PROGRAMME["programme_id"] in {row.get("item_id") for row in answer["data"]}


def test_an_upload_through_one_replica_shows_on_the_other_and_is_rolled_back_there(deployment, tab, tmp_path):
    first, second = deployment.replica_names
    programme_page = f"/programmes?programme={UPLOADED_PROGRAMME['programme_id']}"
    workbook = tmp_path / "replica-upload.xlsx"
    write_workbook({"institutions": [UPLOADED_HOST], "programmes": [UPLOADED_PROGRAMME]}, workbook)

    sign_in_on(tab, first, ADMINISTRATOR, "/data")  # the page says who it is for, then opens once signed in
    upload_on(tab, workbook)  # the upload and its preview stay in the first replica's session
    shows(tab, "replica-upload.xlsx follows the contract")
    tab.page.get_by_role("button", name="Apply the import").click()
    shows(tab, "applied. Every page now shows the new data")

    assert UPLOADED_PROGRAMME["title"] in open_on(tab, second, programme_page)
    for replica in (first, second):  # the first replica, too, has read the database with the import
        assert UPLOADED_PROGRAMME["programme_id"] in programme_ids(deployment, replica)

    text = open_on(tab, second, "/history")  # the same browser: its sign-in holds on the other replica
    assert f"Signed in as {ADMINISTRATOR}" in text
    tab.page.locator("[data-testid=stSelectbox]").filter(has_text="Change to roll back").click()
    tab.page.get_by_role("option").filter(has_text="replica-upload.xlsx").click()
    tab.page.get_by_role("button", name=re.compile(r"^Roll back change \d+$")).click()
    tab.page.get_by_role("button", name="Yes, undo these 1 change(s)").click()
    shows(tab, "done: undid")

    text = open_on(tab, first, programme_page)
    assert f'No programme "{UPLOADED_PROGRAMME["programme_id"]}"' in text and UPLOADED_PROGRAMME["title"] not in text
    assert UPLOADED_PROGRAMME["programme_id"] not in programme_ids(deployment, first)


def test_a_submission_sent_through_one_replica_is_accepted_on_the_other(deployment, browser, tab, tmp_path):
    """After the others: it changes the title of PAGE's programme."""
    first, second = deployment.replica_names
    stored = db.open_store(deployment.database).current_record("programmes", {"programme_id": "NCTD-2024-SCH"})
    corrected = f"{stored['title']} (corrected across replicas)"
    workbook = tmp_path / "replica-submission.xlsx"
    write_workbook({"programmes": [dict(stored, title=corrected)]}, workbook)

    sign_in_on(tab, first, PARTNER, "/submissions")
    upload_on(tab, workbook)
    tab.page.get_by_role("button", name="Send for review").click()
    shows(tab, "sent. It waits for review")
    submission = re.search(r"Submission (\d+) sent", tab.text()).group(1)

    administrator = PortalPage(browser, deployment.url)
    try:
        sign_in_on(administrator, second, ADMINISTRATOR, f"/review?submission={submission}")
        accept = administrator.page.get_by_role("button", name="Accept the whole submission")
        accept.wait_for(timeout=60_000)
        shows(administrator, corrected)  # the proposed title, in the table of changes
        accept.click()
        shows(administrator, f"Submission {submission} accepted as change")
    finally:
        administrator.page.close()

    assert corrected in open_on(tab, first, PAGE)


def test_a_browser_whose_replica_dies_goes_on_signed_in_on_the_other(deployment, tab):
    """Last: it kills a replica."""
    first, second = deployment.replica_names
    sign_in_on(tab, first, OFFICIAL)
    os.kill(replica_pid(deployment, first), signal.SIGKILL)

    response = tab.page.goto(tab.base_url + PAGE)  # the browser's cookie still names the dead replica
    assert response.status == 200 and response.headers["x-portal-replica"] == second
    shows(tab, f"Signed in as {OFFICIAL}")
    port = deployment.replica_urls[0].rsplit(":", 1)[1]
    assert deployment.process.poll() is None  # start-local goes on with the replica that lives
    assert f"replica on port {port} stopped (status 137); the others go on serving" in deployment.log.read_text()
