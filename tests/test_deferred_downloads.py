"""Files made when their download button is clicked keep the page's language.

Streamlit calls a deferred download's maker after the page's run, in a thread that has chosen no language:
briefing packs and the workbook template used to come out in English whatever the page's language.
"""

from __future__ import annotations

import io
import threading

import openpyxl
import streamlit as st

from test_brief import pdf_text
from workbooks import open_app
from portal.i18n import catalog


def made_elsewhere(monkeypatch, database, page: str, params: dict, label: str) -> bytes:
    """The bytes behind the download button labelled `label` on `page`, made in another thread, as Streamlit
    makes them when the button is clicked."""
    makers = {}

    def download_button(shown, data, *args, **kwargs):
        makers[shown] = data
        return False

    monkeypatch.setattr(st, "download_button", download_button)
    open_app(monkeypatch, database, page, params=params, linked=True)
    made = []
    elsewhere = threading.Thread(target=lambda: made.append(makers[label]()))
    elsewhere.start()
    elsewhere.join()
    return made[0]


def test_a_pack_asked_for_in_korean_is_written_in_korean(monkeypatch, seed_db, tmp_path):
    pdf = made_elsewhere(monkeypatch, seed_db, "pages/programmes.py", {"programme": "NCTD-2024-SCH", "lang": "ko"},
                         catalog("ko")["brief.download"])
    text = pdf_text(pdf, tmp_path)
    assert catalog("ko")["brief.title"] in text and catalog("en")["brief.title"] not in text


def test_the_template_asked_for_in_mongolian_is_written_in_mongolian(monkeypatch, seed_db):
    template = made_elsewhere(monkeypatch, seed_db, "pages/data.py", {"lang": "mn"}, catalog("mn")["data.template"])
    cells = {str(cell.value) for sheet in openpyxl.load_workbook(io.BytesIO(template)).worksheets
             for row in sheet.iter_rows() for cell in row if cell.value}
    assert any(catalog("mn")["template.text"] in cell for cell in cells)
    assert not any(catalog("en")["template.text"] in cell for cell in cells)
