"""A filtered view's link holds codes, never shown names: made in one language, it opens the same view in another."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from portal import i18n
from workbooks import open_app


@pytest.fixture(autouse=True)
def english_afterwards():
    """AppTest formats widget values in the test's own thread too, so tests set the language there; reset it."""
    yield
    i18n.set_language("en")


# page, then each filter: widget kind, widget key, the code chosen, the URL key it is kept under
FILTERS = {
    "pages/programmes.py": [("multiselect", "programmes_kind", "training_abroad", "kind"),
                            ("multiselect", "programmes_status", "completed", "status"),
                            ("multiselect", "programmes_host_country", "KOR", "host_country"),
                            ("multiselect", "specialty", "spine surgery", "specialty")],
    "pages/equipment.py": [("multiselect", "equipment_category", "microscope", "equipment_category"),
                           ("multiselect", "equipment_country", "MNG", "equipment_country"),
                           ("multiselect", "equipment_institution", "MNG-NCTD", "equipment_institution")],
    "pages/records.py": [("selectbox", "records_sheet", "participants", "records_sheet")],
    "pages/impact.py": [("selectbox", "institution", "MNG-SSC", "institution"),
                        ("selectbox", "procedure", "microdiscectomy", "procedure")],
    "pages/partners.py": [("selectbox", "institution", "MNG-NCTD", "institution")],
}


def choose(app: AppTest, kind: str, key: str, code: str) -> None:
    widget = getattr(app, kind)(key=key)
    (widget.select(code) if kind == "multiselect" else widget.set_value(code)).run()
    assert not app.exception, [e.value for e in app.exception]


def filters_in(app: AppTest) -> dict:
    """The address's query parameters other than the language, each as a list."""
    return {key: value if isinstance(value, list) else [value] for key, value in app.query_params.items()
            if key != "lang"}


@pytest.mark.parametrize("language", ["mn", "ko"])
@pytest.mark.parametrize("page", list(FILTERS))
def test_a_link_made_in_english_opens_the_same_filters_in_another_language(monkeypatch, seed_db, page, language):
    made = open_app(monkeypatch, seed_db, page, {"lang": "en"})
    for kind, key, code, url_key in FILTERS[page]:
        choose(made, kind, key, code)
        assert code in filters_in(made)[url_key]  # the code, not the name shown
    link = filters_in(made)

    i18n.set_language(language)
    opened = open_app(monkeypatch, seed_db, page, {**link, "lang": language}, linked=True)
    for kind, key, code, url_key in FILTERS[page]:
        value = getattr(opened, kind)(key=key).value
        assert code in (value if kind == "multiselect" else [value]), (key, value)
    assert filters_in(opened) == link
