"""In a real browser: an administrator's import and rollback are logged under the administrator's email, and the
rollback asks before it runs."""

from __future__ import annotations

import hashlib

import pytest

from portal.workbook import write_workbook
from workbooks import valid_workbook

pytestmark = pytest.mark.browser


def test_an_import_and_its_rollback_name_the_signed_in_administrator(portal, tmp_path):
    book = valid_workbook()
    book["institutions"] = [dict(i, institution_id="HISTORY-" + i["institution_id"]) for i in book["institutions"]]
    book["programmes"] = [dict(book["programmes"][0], programme_id="HISTORY-P1",
                               home_institution_id="HISTORY-UB-TRAUMA", host_institution_id="HISTORY-KR-HOST")]
    for sheet in ("participants", "equipment", "events", "procedures"):
        del book[sheet]
    write_workbook(book, tmp_path / "history-check.xlsx")
    page = portal.page

    portal.open("/")
    portal.sign_in("admin@example.org")
    portal.open("/data")
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(tmp_path / "history-check.xlsx"))
    page.wait_for_timeout(500)
    portal.settle()
    page.get_by_role("button", name="Apply the import").click()
    page.wait_for_timeout(500)
    portal.settle()

    portal.open("/history")
    sideways = page.locator("[data-testid=stDataFrame] .dvn-scroller").first.evaluate(
        "grid => [grid.scrollWidth, grid.clientWidth]")
    assert sideways[0] <= sideways[1] + 1, sideways  # the columns a reader needs fit at 1,400 px
    # The table shows a hash's first characters; the fold under it opens the full value.
    full_hash = hashlib.sha256((tmp_path / "history-check.xlsx").read_bytes()).hexdigest()
    page.get_by_text("Full values: SHA-256").click()
    shown = page.get_by_test_id("stExpander").get_by_text(full_hash)
    shown.wait_for(timeout=5000)
    page.wait_for_timeout(400)  # the fold's opening animation
    inside = shown.evaluate("""value => {
        const box = value.getBoundingClientRect(), fold = value.closest('[data-testid=stExpander]').getBoundingClientRect();
        return [box.width > 0, box.right <= fold.right, value.getClientRects().length];
    }""")
    assert inside == [True, True, 1]  # drawn in full on one line, inside the fold
    page.get_by_text("Full values: SHA-256").click()  # folded again
    page.locator("[data-testid=stSelectbox]").filter(has_text="Change to roll back").click()
    page.get_by_role("option").filter(has_text="history-check.xlsx").click()
    portal.settle()
    page.get_by_role("button", name="Roll back change").click()
    portal.settle()
    assert page.get_by_role("button", name="Yes, undo these 1 change(s)").count() == 1  # asked first
    page.get_by_role("button", name="Yes, undo these 1 change(s)").click()
    page.wait_for_timeout(500)
    portal.settle()
    assert page.get_by_text("Rollback").count() >= 1
    history = portal.table_text(0)
    assert history.count("admin@example.org (administrator)") >= 2, history  # the import and the rollback
    assert "not signed in" not in history
    assert portal.outside_requests == [] and portal.exceptions() == []
