"""Every page in every language, the language kept in the URL, and formatting by the language's rules."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from portal import display, i18n
from portal.i18n import catalog, languages
from workbooks import PAGES, open_app, partner_for

DETAILS = [("pages/programmes.py", {"programme": "NCTD-SCH-JOINT"}), ("pages/partners.py", {"institution": "MNG-NCTD"}),
           ("pages/equipment.py", {"equipment": "NCTD-EQ-MICROSCOPE-2025"}), ("pages/impact.py", {"institution": "MNG-SSC"})]


def open_in(monkeypatch, database, language: str, page: str, params: dict | None = None) -> AppTest:
    i18n.set_language(language)
    return open_app(monkeypatch, database, page, {"lang": language, **(params or {})})


@pytest.mark.parametrize("language", ["en", "mn", "ko"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_in_every_language(monkeypatch, seed_db, language, page, viewer):
    partner_for(page, viewer)
    app = open_in(monkeypatch, seed_db, language, page)
    titles = [element.value for element in app.title]
    assert titles, "the page shows a title"
    if language != "en":
        english = set(catalog("en").values())
        assert not set(titles) & english, f"untranslated title on {page}: {titles}"


@pytest.mark.parametrize("language", ["mn", "ko"])
@pytest.mark.parametrize("page, params", DETAILS)
def test_detail_views_run_in_every_language(monkeypatch, seed_db, language, page, params):
    open_in(monkeypatch, seed_db, language, page, params)


def test_the_language_stays_in_the_url_and_labels_follow_it(monkeypatch, seed_db):
    app = open_in(monkeypatch, seed_db, "mn", "pages/overview.py")
    assert app.query_params["lang"] in ("mn", ["mn"])
    metrics = [m.label for m in app.metric]
    assert catalog("mn")["overview.programmes"] in metrics
    assert app.selectbox(key="language_choice").value == "mn"
    app.selectbox(key="language_choice").set_value("ko").run()
    assert app.query_params["lang"] in ("ko", ["ko"])
    assert catalog("ko")["overview.programmes"] in [m.label for m in app.metric]


def test_the_browser_language_decides_without_a_parameter():
    assert i18n.preferred_language("ko-KR,ko;q=0.9,en;q=0.8") == "ko"
    assert i18n.preferred_language("mn,en;q=0.5") == "mn"
    assert i18n.preferred_language("fr-FR,de;q=0.7") == "en"
    assert i18n.preferred_language(None) == "en"


def test_numbers_dates_and_countries_follow_the_language():
    token = i18n._language.set("mn")
    try:
        assert i18n.country_name("KOR") == "Өмнөд Солонгос"
        assert display.format_partial_date("2024-03") == "2024\u202fоны 3-р сар"  # CLDR puts a narrow space
    finally:
        i18n._language.reset(token)
    token = i18n._language.set("ko")
    try:
        assert i18n.country_name("MNG") == "몽골"
        assert display.format_partial_date("2024-03-14") == "2024년 3월 14일"
        assert display.format_compact(3_997_043) == "399.7만"
    finally:
        i18n._language.reset(token)
    assert set(languages()) == {"en", "mn", "ko"}


@pytest.mark.parametrize("language", ["ko", "mn"])
def test_pickers_and_the_country_pack_list_names_in_the_readers_alphabet(monkeypatch, seed_db, language):
    """Issue 13: names, never codes, sorted by the name the reader reads (not by ISO code or English name)."""
    equipment = open_in(monkeypatch, seed_db, language, "pages/equipment.py")
    overview = open_in(monkeypatch, seed_db, language, "pages/overview.py")
    lists = {"equipment countries": equipment.multiselect(key="equipment_country").options,
             "equipment categories": equipment.multiselect(key="equipment_category").options,
             "country briefing pack": overview.selectbox(key="brief_country").options}
    for what, options in lists.items():
        assert len(options) > 2 and not any(option.isascii() for option in options), (what, options)
        assert options == sorted(options, key=i18n.name_key), (what, options)


def test_cohort_names_read_in_name_order():
    from portal.charts import trainees

    i18n.set_language("mn")
    retention = pd.DataFrame({"cohort": ["C", "A", "B", "D"], "cohort_name": ["Орхон", "Архангай", "Ёлоо", "Завхан"],
                              "name_shared": False})
    assert list(trainees.cohort_names(retention)) == ["A", "B", "D", "C"]  # Ё after Е, before Ж З (own letter)
