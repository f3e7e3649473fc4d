"""Roles and scopes on every page: a partner sees its own collaborations only, anonymous visitors no names
(and no costs by default), the ministry everything. Plus the sign-in form itself."""

from __future__ import annotations

import subprocess

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from portal import access, auth, brief, db
from portal.i18n import t
from workbooks import EXPLORE_PAGES, as_read, open_app

PARTNER = auth.User("partner@nctd.example", "partner", "MNG-NCTD")
MINISTRY = auth.User("official@moh.example", "ministry", None)
OWN = {"MNG-NCTD", "KOR-SCH-BUCHEON", "KOR-KU-ANSAN"}  # the partner and the institutions it worked with
PAGES = EXPLORE_PAGES
# Detail views a partner might be sent a link to, for records of other institutions.
FOREIGN_LINKS = [("pages/programmes.py", {"programme": "PRG-004"}),
                 ("pages/partners.py", {"institution": "KAZ-SNH"}),
                 ("pages/equipment.py", {"equipment": "EQ-KAZ-SNH-01"}),
                 ("pages/impact.py", {"institution": "KAZ-SNH"})]


def rendered(app: AppTest) -> str:
    """Everything a page put on screen or in a chart or table, as one text."""
    parts = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning", "success", "error",
                 "metric", "text", "code"):
        for element in app.get(kind):
            parts.append(str(getattr(element, "value", "")) + " " + str(getattr(element, "label", "")))
    for element in app.get("plotly_chart"):
        parts.append(element.proto.spec)
    for element in app.get("arrow_data_frame") + app.get("dataframe") + app.get("table"):
        parts.append(element.value.to_csv())
    for kind in ("selectbox", "multiselect"):
        for element in app.get(kind):
            parts.append(" ".join(map(str, element.options)))
    return "\n".join(parts)


def open_as(monkeypatch, viewer, database, user, page, params=None, **state) -> AppTest:
    viewer(user)
    return open_app(monkeypatch, database, page, params, **state)


def database_names(database, sql, **params) -> set[str]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return {row[0] for row in connection.execute(sql, params).fetchall() if row[0]}


@pytest.fixture(scope="module")
def foreign(seed_db_master):
    """Names and titles the partner must never see: those of institutions and programmes it had no part in."""
    institutions = database_names(seed_db_master, "SELECT name FROM institutions WHERE NOT list_contains($own, "
                                                  "institution_id)", own=sorted(OWN))
    programmes = database_names(seed_db_master, "SELECT title FROM programmes WHERE home_institution_id <> "
                                                "'MNG-NCTD' AND host_institution_id <> 'MNG-NCTD'")
    return institutions | programmes


@pytest.mark.parametrize("page", PAGES)
def test_a_partner_sees_its_own_collaborations_and_nothing_else(monkeypatch, viewer, seed_db, foreign, page):
    app = open_as(monkeypatch, viewer, seed_db, PARTNER, page)
    text = rendered(app)
    leaked = sorted(name for name in foreign if name in text)
    assert leaked == []


def test_a_partner_sees_its_own_programme_with_names(monkeypatch, viewer, seed_db):
    app = open_as(monkeypatch, viewer, seed_db, PARTNER, "pages/programmes.py", {"programme": "NCTD-SCH-JOINT"})
    assert "Im Soo-bin" in rendered(app)


@pytest.mark.parametrize("page, params", FOREIGN_LINKS)
def test_links_to_another_institutions_records_show_nothing(monkeypatch, viewer, seed_db, foreign, page, params):
    app = open_as(monkeypatch, viewer, seed_db, PARTNER, page, params)
    text = rendered(app)
    assert sorted(name for name in foreign if name in text) == []
    assert app.warning or app.info  # it says it found nothing


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_see_no_personal_names_and_no_costs(monkeypatch, viewer, seed_db, page):
    names = database_names(seed_db, "SELECT person_name FROM participants")
    app = open_as(monkeypatch, viewer, seed_db, None, page)
    text = rendered(app)
    assert sorted(name for name in names if name in text) == []


def test_anonymous_programme_detail_says_names_and_costs_are_hidden(monkeypatch, viewer, seed_db):
    app = open_as(monkeypatch, viewer, seed_db, None, "pages/programmes.py", {"programme": "NCTD-SCH-JOINT"})
    text = rendered(app)
    assert "Im Soo-bin" not in text
    assert "Names of people are shown only to signed-in" in text
    costly = open_as(monkeypatch, viewer, seed_db, None, "pages/programmes.py", {"programme": "PRG-004"})
    assert "3,500,000" not in rendered(costly) and "Costs are shown only to signed-in users" in rendered(costly)


def test_the_deployment_may_show_costs_to_anonymous_visitors(monkeypatch, viewer, seed_db):
    monkeypatch.setenv("PORTAL_ANONYMOUS_COSTS", "true")
    app = open_as(monkeypatch, viewer, seed_db, None, "pages/programmes.py", {"programme": "PRG-004"})
    assert "3,500,000" in rendered(app)


def test_the_ministry_sees_everything_read_only(monkeypatch, viewer, seed_db):
    app = open_as(monkeypatch, viewer, seed_db, MINISTRY, "pages/overview.py")
    assert {m.label: m.value for m in app.metric}["Programmes"] == "51"
    assert app.exception == []
    for page in ("pages/data.py", "pages/records.py", "pages/history.py"):  # reached by address: refused, and why
        app.switch_page(page).run()
        assert [w.value for w in app.warning] == [t("access.administrators_page")]
        assert not app.get("file_uploader") and not app.main.dataframe and not app.main.button


def test_stewardship_pages_refuse_everyone_but_administrators(monkeypatch, viewer, seed_db):
    viewer(PARTNER)
    app = open_app(monkeypatch, seed_db, "pages/data.py", alone=True)
    assert app.warning[0].value == t("access.administrators_page") and not app.get("file_uploader")


@pytest.mark.parametrize("maker, subject", [(brief.programme_brief, "NCTD-2024-SCH"),
                                            (brief.institution_brief, "MNG-NCTD"),
                                            (brief.country_brief, "MNG")])
def test_briefing_packs_follow_the_scope(seed_db, foreign, tmp_path, maker, subject):
    store = db.open_store(seed_db)
    partner = access.scope_of(PARTNER)
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(maker(store, partner, subject, "USD", True))
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert sorted(name for name in foreign if name in text) == []
    anonymous = maker(store, access.scope_of(None), subject, "USD", True)
    pdf.write_bytes(anonymous)
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Im Soo-bin" not in text
    assert maker(store, partner, "PRG-004" if subject.startswith("NCTD") else "KAZ-SNH"
                 if subject == "MNG-NCTD" else "KAZ", "USD", True) is None


# ---------------------------------------------------------------- the sign-in form, for real

PASSWORD = "correct horse battery staple"


@pytest.fixture
def accounts(loaded_db, monkeypatch):
    monkeypatch.setenv("PORTAL_DB", str(loaded_db))
    path = auth.accounts_path(loaded_db)
    auth.add_user(path, "partner@example.org", "partner", "UB-TRAUMA", PASSWORD)
    return path


def sign_in(app: AppTest, email: str, password: str) -> AppTest:
    app.text_input(key="sign_in_email").input(email)
    app.text_input(key="sign_in_password").input(password)
    next(b for b in app.button if b.label == "Sign in").click().run()
    return app


def account_caption(app: AppTest) -> str:
    return " ".join(as_read(c.value) for c in app.caption)


@pytest.mark.real_sign_in
def test_sign_in_form_then_sign_out_ends_the_session(monkeypatch, accounts):
    app = open_app(monkeypatch)
    assert "Not signed in" in account_caption(app)
    sign_in(app, "partner@example.org", PASSWORD)
    assert "Signed in as partner@example.org (partner, Test trauma centre)" in account_caption(app)  # a name, not a code
    token = app.session_state["session_token"]
    app.button(key="sign_out").click().run()
    assert "Not signed in" in account_caption(app)
    assert auth.session_user(accounts, token) is None


@pytest.mark.real_sign_in
def test_five_failed_sign_ins_lock_the_account(monkeypatch, accounts):
    app = open_app(monkeypatch)
    for _ in range(5):
        sign_in(app, "partner@example.org", "not the password")
    assert "Wrong email or password, or the account cannot sign in now" in app.error[0].value
    sign_in(app, "partner@example.org", PASSWORD)
    assert "cannot sign in now" in app.error[0].value and "Not signed in" in account_caption(app)


@pytest.mark.real_sign_in
def test_disabling_or_a_new_password_ends_a_session_at_the_next_click(monkeypatch, accounts):
    app = sign_in(open_app(monkeypatch), "partner@example.org",
                  PASSWORD)
    assert "Signed in as" in account_caption(app)
    auth.set_password(accounts, "partner@example.org", "another long passphrase")
    app.run()
    assert "Not signed in" in account_caption(app)
    sign_in(app, "partner@example.org", "another long passphrase")
    auth.disable_user(accounts, "partner@example.org")
    app.run()
    assert "Not signed in" in account_caption(app)
    sign_in(app, "partner@example.org", "another long passphrase")
    assert "cannot sign in now" in app.error[0].value
