"""In a real browser: a broken workbook shows its problems; a valid one is previewed, applied, and shown."""

from __future__ import annotations

import pytest

from portal.workbook import write_workbook
from workbooks import valid_workbook

pytestmark = pytest.mark.browser


def upload(portal, path) -> None:
    portal.page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(path))
    portal.page.wait_for_timeout(500)
    portal.settle()


def test_upload_broken_then_valid_workbook_and_see_it_on_the_overview(portal, tmp_path):
    broken = valid_workbook()
    broken["institutions"] = [dict(i, institution_id="BROWSER-" + i["institution_id"]) for i in broken["institutions"]]
    broken["programmes"][0].update(programme_id="BROWSER-P1", home_institution_id="BROWSER-UB-TRAUMA",
                                   host_institution_id="NO-SUCH-HOST")
    for sheet in ("participants", "equipment", "events", "procedures"):
        del broken[sheet]
    write_workbook(broken, tmp_path / "broken.xlsx")

    portal.open("/")
    portal.sign_in("admin@example.org")
    portal.open("/data")  # a new page load: the session cookie keeps the administrator signed in
    upload(portal, tmp_path / "broken.xlsx")
    page = portal.page
    assert page.get_by_text("cannot be imported: 1 problem(s)").count() == 1
    problems = portal.table_text(0)
    assert "NO-SUCH-HOST" in problems and "host_institution_id" in problems
    portal.screenshot("upload_broken")

    valid = broken
    valid["programmes"][0]["host_institution_id"] = "BROWSER-KR-HOST"
    valid["programmes"][0]["participants_count"] = 4000  # unmistakable on the Overview
    write_workbook(valid, tmp_path / "valid.xlsx")
    upload(portal, tmp_path / "valid.xlsx")  # replaces the broken file
    assert page.get_by_text("follows the contract").count() == 1
    portal.screenshot("upload_preview")
    page.get_by_role("button", name="Apply the import").click()
    page.wait_for_timeout(500)
    portal.settle()
    assert page.get_by_text("applied").count() >= 1
    portal.screenshot("upload_applied")

    portal.open("/")
    people = page.locator("[data-testid=stMetric]").filter(has_text="People trained")
    assert people.locator("[data-testid=stMetricValue]").inner_text() == "4,141"  # seed's 141 + 4,000
    assert portal.outside_requests == []
    assert portal.exceptions() == []
