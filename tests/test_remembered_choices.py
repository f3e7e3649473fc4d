"""Choices a session remembers (the year sliders, choices bound to the URL) stay valid when what is visible
changes under them: the illustrative toggle, a sign-in, another page, a link with stale or garbage values."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from portal import auth

from workbooks import open_app

PARTNER = auth.User("partner@nctd.example", "partner", "MNG-NCTD")
REAL_YEARS = (2023, 2025)  # the years the real case spans (the seed without illustrative rows)
ALL_YEARS = (2015, 2027)  # ... and with them


def started(monkeypatch, database, params: dict | None = None) -> AppTest:
    return open_app(monkeypatch, database, params=params)


def no_exception(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]


def years(app: AppTest, key: str = "years") -> tuple[tuple[int, int], tuple[int, int]]:
    """The slider's value and its bounds."""
    slider = app.slider(key=key)
    return tuple(slider.value), (int(slider.min), int(slider.max))


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/programmes.py"])
def test_hiding_illustrative_data_then_opening_a_page_keeps_the_year_slider_within_the_years(
        monkeypatch, seed_db, viewer, page):
    viewer(None)
    app = started(monkeypatch, seed_db)
    app.toggle(key="include_illustrative").set_value(False).run()
    no_exception(app)
    app.switch_page(page).run()
    no_exception(app)
    assert years(app) == (REAL_YEARS, REAL_YEARS)  # "every year" stays every year


def test_a_partner_signing_in_from_the_overview_then_opening_programmes(monkeypatch, seed_db, viewer):
    viewer(None)
    app = started(monkeypatch, seed_db)
    app.slider(key="years").set_range(2016, 2018).run()
    viewer(PARTNER)
    app.run()
    no_exception(app)
    app.switch_page("pages/programmes.py").run()
    no_exception(app)
    assert years(app) == (REAL_YEARS, REAL_YEARS)  # nothing of 2016-2018 is left: every visible year


def test_a_narrowed_choice_is_cut_to_the_years_still_visible_and_every_year_follows_the_data(
        monkeypatch, seed_db, viewer):
    viewer(None)
    app = started(monkeypatch, seed_db)
    app.switch_page("pages/equipment.py").run()
    app.slider(key="equipment_years").set_range(2024, 2027).run()
    app.toggle(key="include_illustrative").set_value(False).run()
    no_exception(app)
    assert years(app, "equipment_years") == ((2024, 2025), REAL_YEARS)
    app.slider(key="equipment_years").set_range(*REAL_YEARS).run()
    app.toggle(key="include_illustrative").set_value(True).run()
    no_exception(app)
    assert years(app, "equipment_years") == (ALL_YEARS, ALL_YEARS)


@pytest.mark.parametrize("asked, shown", [
    (["1800", "9999"], ALL_YEARS), (["abc"], ALL_YEARS), (["2020"], ALL_YEARS), (["", ""], ALL_YEARS),
    (["1e400", "2020"], ALL_YEARS), (["2016", "2020"], (2016, 2020)), (["2020", "2016"], (2016, 2020))])
def test_years_in_a_link_outside_the_data_or_garbage_read_as_every_year(monkeypatch, seed_db, asked, shown):
    app = started(monkeypatch, seed_db, {"years": asked})
    app.switch_page("pages/programmes.py").run()
    no_exception(app)
    assert tuple(sorted(app.slider(key="years").value)) == shown
    matching = {m.label: m.value for m in app.metric}["Matching programmes"]
    assert matching != "0"


def test_a_partner_opening_a_link_with_the_illustrative_years(monkeypatch, seed_db, viewer):
    viewer(PARTNER)
    app = started(monkeypatch, seed_db, {"years": ["2015", "2016"]})
    app.switch_page("pages/programmes.py").run()
    no_exception(app)
    assert years(app) == (REAL_YEARS, REAL_YEARS)
