"""Messages say what is true for the one reading them: no command-line advice to those who cannot run it, no
"turn on illustrative data" to someone who has it on, in every language."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from portal import auth
from portal.i18n import catalog, languages

from workbooks import as_read, open_app

PARTNER = auth.User("partner@nctd.example", "partner", "MNG-NCTD")
MINISTRY = auth.User("official@moh.example", "ministry", None)


def opened(monkeypatch, database, page: str, params: dict | None = None, **state) -> AppTest:
    app = open_app(monkeypatch, database, page, params, linked=True, **state)  # the link is the first run
    assert not app.exception, [e.value for e in app.exception]
    return app


def shown(app: AppTest) -> str:
    return " ".join(as_read(e.value) for e in [*app.info, *app.warning, *app.code])


@pytest.mark.parametrize("language", languages())
@pytest.mark.parametrize("params", [{}, {"institution": "MNG-NCTD"}])
def test_a_partners_impact_page_says_to_send_procedure_counts_on_my_submissions(monkeypatch, seed_db, viewer,
                                                                                 language, params):
    viewer(PARTNER)
    app = opened(monkeypatch, seed_db, "pages/impact.py", {**params, "lang": language})
    text = shown(app)
    assert "portal import" not in text and not app.code
    assert catalog(language)["impact.loaded_by_stewards"] not in text
    assert catalog(language)["impact.send_your_own"].format(page=catalog(language)["nav.submissions"]) in text
    assert "National Center for Traumatology and Defectology" in text  # the partner's institution by its name


def test_a_ministry_reader_is_not_told_to_run_a_command_either(monkeypatch, empty_db, viewer):
    viewer(MINISTRY)
    app = opened(monkeypatch, empty_db, "pages/impact.py")
    assert not app.code and "stewards load them" in shown(app)


@pytest.mark.parametrize("language", languages())
@pytest.mark.parametrize("page, params", [
    ("pages/programmes.py", {"programme": "PRG-004"}), ("pages/partners.py", {"institution": "KAZ-SNH"}),
    ("pages/equipment.py", {"equipment": "EQ-MNG-SSC-01"})])
def test_a_partner_refused_a_record_is_told_it_is_not_visible_to_this_account(monkeypatch, seed_db, viewer, page,
                                                                              params, language):
    viewer(PARTNER)
    app = opened(monkeypatch, seed_db, page, {**params, "lang": language})
    messages = catalog(language)
    warning = " ".join(w.value for w in app.warning).replace("\\", "")
    assert messages["access.not_found_partner"] in warning
    assert messages["sidebar.show_illustrative"] not in warning  # it is on already


def test_with_illustrative_data_hidden_the_toggle_is_the_reason_given(monkeypatch, seed_db, viewer):
    viewer(None)
    app = opened(monkeypatch, seed_db, "pages/partners.py", {"institution": "KAZ-SNH"}, include_illustrative=False)
    assert '"Show illustrative data" in the sidebar is off' in app.warning[0].value.replace("\\", "")
