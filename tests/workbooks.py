"""Workbooks and checks the tests share (a plain module: conftest.py names collide across folders)."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

from portal import first_run, navigation

PROJECT = Path(__file__).resolve().parent.parent
PAGES = [page.script for page in navigation.PAGES]  # every page, in navigation order
EXPLORE_PAGES = [page.script for page in navigation.PAGES if page.roles is navigation.EVERYONE]
DEFAULT_PAGE = next(page.script for page in navigation.PAGES if page.default)
# Pages only a partner opens (its own submissions): the tests that open every page open these as one.
PARTNER_PAGES = [page.script for page in navigation.PAGES if page.roles == ("partner",)]


def partner_for(page: str, viewer) -> None:
    """Have a partner of the seed's and fixtures' institution MOH view `page` if only partners open it."""
    if page in PARTNER_PAGES:
        from portal import auth

        viewer(auth.User("partner@example.org", "partner", "MOH"))


def valid_workbook() -> dict[str, list[dict[str, object]]]:
    """A small workbook that follows the contract, touching every sheet."""
    return copy.deepcopy({
        "institutions": [
            {"institution_id": "UB-TRAUMA", "name": "Test trauma centre", "name_local": "Гэмтэл согог төв",
             "kind": "hospital", "city": "Ulaanbaatar", "country": "MNG", "latitude": 47.92, "longitude": 106.86,
             "source": "test fixture"},
            {"institution_id": "KR-HOST", "name": "Test university hospital", "name_local": "시험 대학교 병원",
             "kind": "university_hospital", "city": "Bucheon", "country": "KOR", "latitude": 37.5,
             "longitude": 126.76, "website": "https://example.org/host", "source": "test fixture"},
            {"institution_id": "MOH", "name": "Test ministry", "kind": "ministry", "country": "MNG"},
        ],
        "programmes": [
            {"programme_id": "P1", "title": "Spine training", "kind": "training_abroad",
             "home_institution_id": "UB-TRAUMA", "host_institution_id": "KR-HOST", "start_date": "2024",
             "end_date": "2024-11", "specialty": "spine surgery", "topics": "deformity; replacement",
             "participants_count": 3, "funding_source": "government", "cost_amount": 15000000,
             "cost_currency": "KRW", "status": "completed", "source": "test fixture"},
        ],
        "participants": [
            {"programme_id": "P1", "person_name": "Trainee One", "role": "trainee", "institution_id": "UB-TRAUMA"},
        ],
        "equipment": [
            {"equipment_id": "EQ1", "institution_id": "UB-TRAUMA", "name": "microscope", "category": "microscope",
             "acquired_date": "2025-03-14", "quantity": 1, "cost_amount": 250000, "cost_currency": "USD",
             "programme_ids": "P1", "status": "in_use"},
        ],
        "events": [
            {"event_id": "EV1", "date": "2025-04", "kind": "joint_surgery", "title": "First joint surgery",
             "institution_id": "UB-TRAUMA", "partner_institution_id": "KR-HOST", "programme_id": "P1",
             "equipment_id": "EQ1"},
        ],
        "procedures": [
            {"institution_id": "UB-TRAUMA", "department": "spine", "period": "2025-05", "procedure": "microdiscectomy",
             "technique": "microscopic", "cases": 4, "mean_length_of_stay_days": 5.5, "complications": 0,
             "equipment_id": "EQ1"},
        ],
        "fx_rates": [{"currency": "KRW", "year": 2024, "units_per_usd": 1364.2, "source": "test fixture"}],
    })


def checksum(path: Path) -> str:
    """SHA-256 of a file, to prove a rejected import left it byte-for-byte as it was."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def open_app(monkeypatch=None, database: Path | None = None, page: str | None = None, params: dict | None = None,
             *, linked: bool = False, alone: bool = False, plain_streamlit_run: bool = False,
             **state) -> "AppTest":
    """The whole app (app.py with its sidebar) under AppTest: the one way the tests open it.

    `page`: a script of navigation.PAGES (default: the overview); `params`: the address's query parameters;
    `state`: session-state values set before the first run; `linked`: the session's first run opens `page`
    (a shared link), instead of the overview and then `page`; `alone`: `page` runs without app.py (to test a
    page's own refusal of a viewer, whom app.py's navigation would not even offer it). `database`: PORTAL_DB
    (default: the tests'). Every run is like a run under `python -m portal.serve`, where Streamlit's folder-based
    mode is off from the start; `plain_streamlit_run` leaves it on, as under plain `streamlit run app.py`'s
    first run (AppTest starts every run as a server's first: see portal/first_run.py).
    """
    from streamlit.testing.v1 import AppTest, app_test

    from streamlit.runtime.pages_manager import PagesManager

    served = PagesManager if plain_streamlit_run else first_run.ServedPagesManager
    monkeypatch.setattr(app_test, "PagesManager", served)
    if database is not None:
        monkeypatch.setenv("PORTAL_DB", str(database))
    app = AppTest.from_file(str(PROJECT / (page if alone else "app.py")), default_timeout=60)
    app.query_params.update(params or {})
    for key, value in state.items():
        app.session_state[key] = value
    if page and linked:
        app.switch_page(page)
    app.run()
    if page and not (linked or alone) and page != DEFAULT_PAGE:
        app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def portal_cli(*args, ok: bool = True, stdin: str = ""):
    """Run `python -m portal ...` as a user would; check its exit status and that it printed no traceback."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "portal", *map(str, args)], cwd=PROJECT, input=stdin,
                            capture_output=True, text=True, timeout=120)
    assert (result.returncode == 0) == ok, result.stderr
    assert "Traceback" not in result.stderr
    return result


def as_read(markdown: object) -> object:
    """What a person reads of Markdown made by portal.display.markdown_text: its escapes and invisible word
    joiners removed (other values pass through)."""
    import re

    from portal.display import WORD_JOINER

    if not isinstance(markdown, str):
        return markdown
    return re.sub(r"\\(.)", r"\1", markdown).replace(WORD_JOINER, "")


# Text that Markdown, Streamlit's own syntax, HTML or a spreadsheet would read as something else (issue 12).
HOSTILE_LINK = "[Verify](https://evil.example/login) ![](http://evil.example/t.png)"
HOSTILE_ANCHOR = '<a href="https://evil.example/a">x</a>'
HOSTILE_IMAGE = "<img src=http://evil.example/x.png>"
HOSTILE_DIRECTIVES = ":material/home: $x^2$ :red[alert] :smile: www.evil.example"
HOSTILE_FORMULA = '=HYPERLINK("https://evil.example/f","x")'
HOSTILE_COMMAND = "+1+cmd|' /C calc'!A0"
# A link that pretends to be the portal's own message, for the ids in page addresses.
HOSTILE_URL_ID = "[Session expired: sign in again](https://evil.example/login) ![x](http://evil.example/p.png)"


def hostile_workbook() -> dict[str, list[dict[str, object]]]:
    """The valid workbook with every shown text hostile; the home institution is MNG-NCTD (the test partner's)."""
    book = valid_workbook()
    rename = {"UB-TRAUMA": "MNG-NCTD"}
    for rows in book.values():
        for row in rows:
            for column, value in row.items():
                if column.endswith("institution_id") and value in rename:
                    row[column] = rename[value]
    home, host, ministry = book["institutions"]
    home.update(name=f"Inst {HOSTILE_LINK}", name_local=HOSTILE_ANCHOR, city=HOSTILE_IMAGE,
                source=HOSTILE_DIRECTIVES)
    host.update(name=f"Host {HOSTILE_ANCHOR}", city=HOSTILE_DIRECTIVES, source=HOSTILE_LINK)
    ministry.update(name=f"Ministry {HOSTILE_DIRECTIVES}")
    [programme] = book["programmes"]
    programme.update(title=f"Prog {HOSTILE_ANCHOR}", specialty=HOSTILE_DIRECTIVES, funding_source=HOSTILE_FORMULA,
                     topics=f"{HOSTILE_IMAGE}; {HOSTILE_LINK}", source=HOSTILE_IMAGE)
    book["participants"][0].update(person_name=f"Person {HOSTILE_DIRECTIVES}", position=HOSTILE_LINK)
    [equipment] = book["equipment"]
    equipment.update(name=f"Eq {HOSTILE_IMAGE}", manufacturer=HOSTILE_COMMAND, model=HOSTILE_LINK,
                     funding_source=HOSTILE_FORMULA, department=HOSTILE_DIRECTIVES, source=HOSTILE_LINK)
    book["events"][0].update(title=f"Ev {HOSTILE_ANCHOR}", description=HOSTILE_LINK, source=HOSTILE_DIRECTIVES)
    book["procedures"][0].update(procedure=f"Proc {HOSTILE_ANCHOR}", department=HOSTILE_IMAGE, source=HOSTILE_LINK)
    book["fx_rates"][0].update(source=HOSTILE_LINK)
    return book


def column_settings(table) -> dict[str, dict]:
    """The column settings a shown st.dataframe carries (AppTest's element): header -> its type, width, hidden."""
    settings = json.loads(table.proto.columns)
    return {title: {"type": s.get("type_config", {}).get("type"), "width": s.get("width"),
                    "hidden": bool(s.get("hidden"))} for title, s in settings.items() if title != "_index"}
