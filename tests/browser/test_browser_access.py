"""In a real browser: a signed-in partner sees its own collaborations and nothing of others', on every page
and in what it downloads; an anonymous visitor sees no names; sign-out ends the session."""

from __future__ import annotations

import duckdb
import pytest

pytestmark = pytest.mark.browser

PAGES = ["/", "/programmes", "/programmes?programme=NCTD-SCH-JOINT", "/partners", "/partners?institution=MNG-NCTD",
         "/equipment", "/impact", "/programmes?programme=PRG-004", "/partners?institution=KAZ-SNH"]
OWN = ("MNG-NCTD", "KOR-SCH-BUCHEON", "KOR-KU-ANSAN")


def names(database, sql, **params) -> set[str]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return {row[0] for row in connection.execute(sql, params).fetchall() if row[0]}


def test_a_partner_sees_only_its_collaborations_in_pages_and_downloads(portal, seed_db_master, tmp_path):
    foreign = names(seed_db_master, "SELECT name FROM institutions WHERE NOT list_contains($own, institution_id)",
                    own=list(OWN)) | names(
        seed_db_master, "SELECT title FROM programmes WHERE 'MNG-NCTD' NOT IN (home_institution_id, "
                        "host_institution_id)")
    portal.open("/")
    portal.sign_in("partner@nctd.example")
    assert "Signed in as partner@nctd.example" in portal.text()
    for path in PAGES:
        portal.open(path)
        text = portal.text()
        assert sorted(name for name in foreign if name in text) == [], path
        assert "Signed in as partner@nctd.example" in text, path  # the cookie kept the session
        portal.screenshot("partner" + path.replace("/", "_").replace("?", "_").replace("=", "_"))
    assert "Im Soo-bin" in (portal.open("/programmes?programme=NCTD-SCH-JOINT") or portal.text())

    portal.open("/partners?institution=MNG-NCTD")
    with portal.page.expect_download() as download:
        portal.page.get_by_role("button", name="CSV").first.click()
    downloaded = (tmp_path / "counterparts.csv")
    download.value.save_as(downloaded)
    content = downloaded.read_text(encoding="utf-8-sig")
    assert "Soonchunhyang University Bucheon Hospital" in content
    assert sorted(name for name in foreign if name in content) == []
    assert portal.outside_requests == [] and portal.exceptions() == []


def test_anonymous_visitors_see_no_names_and_sign_out_ends_a_session(portal, seed_db_master):
    people = names(seed_db_master, "SELECT person_name FROM participants")
    portal.open("/programmes?programme=NCTD-SCH-JOINT")
    text = portal.text()
    assert sorted(name for name in people if name in text) == []
    assert "Names of people are shown only to signed-in" in text

    portal.sign_in("official@moh.example")
    portal.open("/programmes?programme=NCTD-SCH-JOINT")
    assert "Im Soo-bin" in portal.text()
    portal.page.get_by_role("button", name="Sign out").click()
    portal.settle()
    portal.open("/programmes?programme=NCTD-SCH-JOINT")
    assert "Im Soo-bin" not in portal.text() and "Not signed in" in portal.text()
    assert portal.outside_requests == [] and portal.exceptions() == []


def test_back_leaves_a_page_opened_without_a_language_in_one_step(portal):
    """An address without ?lang= (a bookmark) is not rewritten: one Back press leaves it, as on any site."""
    portal.page.goto("about:blank")
    portal.open("/programmes")
    assert portal.page.evaluate("history.length") == 2 and "lang=" not in portal.page.url
    portal.page.go_back()
    assert portal.page.url == "about:blank"


def test_a_language_chosen_in_the_sidebar_holds_after_moving_on_and_reloading(portal):
    """The sidebar's links carry no ?lang=, and a reload is a new visit: the switch's choice is kept in the
    browser (a cookie holding only the language), so the page comes back in it, not in the browser's English."""
    from portal.i18n import catalog

    portal.open("/programmes")
    sidebar = portal.page.locator("[data-testid=stSidebar]")
    sidebar.locator("[data-testid=stSelectbox]").filter(has_text="Language").click()
    portal.page.get_by_role("option", name="한국어").click()
    portal.settle()
    sidebar.get_by_role("link", name=catalog("ko")["nav.partners"]).click()
    portal.settle()
    assert "/partners" in portal.page.url and "lang=" not in portal.page.url
    portal.page.reload()
    portal.settle(loaded=True)
    assert catalog("ko")["sidebar.language"] in portal.text() and "Language" not in portal.text()
    assert portal.exceptions() == []
