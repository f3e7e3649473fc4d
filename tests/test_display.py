"""Text from the data or the URL is shown as written: the escaping functions and every builder that uses them.

The browser half (what Streamlit and plotly really draw) is tests/browser/test_browser_hostile_render.py.
"""

from __future__ import annotations

import json
import re
import string
from datetime import date

import pandas as pd
import pytest

from test_brief import pdf_text as pdf_text_of
from workbooks import (HOSTILE_ANCHOR, HOSTILE_DIRECTIVES, HOSTILE_IMAGE, HOSTILE_LINK, as_read,
                       hostile_workbook)
from portal import brief, charts, db
from portal.charts import equipment as equipment_charts
from portal.charts import impact as impact_charts
from portal.charts import partners as partner_charts
from portal.charts import programmes as programme_charts
from portal.display import WORD_JOINER, html_text, markdown_text, markdown_values, pdf_text
from portal.importer import import_workbook

HOSTILE_TEXTS = [HOSTILE_LINK, HOSTILE_ANCHOR, HOSTILE_IMAGE, HOSTILE_DIRECTIVES, "a\\b *c* _d_ `e` ~f~ # g | h",
                 "-> <- <-> -- >= <= ~= :streamlit: me@evil.example http://evil.example &amp; &#60;"]


# ---------------------------------------------------------------- Markdown


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_markdown_text_escapes_every_ascii_punctuation_and_reads_back_as_written(text):
    escaped = markdown_text(text)
    # Every punctuation character is backslash-escaped (CommonMark shows an escaped character as itself)...
    characters = iter(escaped)
    for character in characters:
        if character == "\\":
            assert next(characters) in string.punctuation
        else:
            assert character not in string.punctuation, escaped
    # ...and what a person reads is the text itself.
    assert as_read(escaped) == text


def test_markdown_text_breaks_the_patterns_streamlit_rewrites_after_parsing():
    # Bare addresses become links, shortcodes emoji or logos, and arrows symbols, in the parsed text.
    escaped = markdown_text("https://evil.example www.evil.example me@evil.example :smile: :streamlit: a -> b")
    shown = re.sub(r"\\(.)", r"\1", escaped)  # the text nodes Streamlit's plugins see
    assert "://" not in shown and "www." not in shown.lower() and "@e" not in shown
    assert ":smile:" not in shown and ":streamlit:" not in shown and "->" not in shown
    assert shown.replace(WORD_JOINER, "") == "https://evil.example www.evil.example me@evil.example :smile: " \
                                             ":streamlit: a -> b"


def test_markdown_text_keeps_line_breaks_without_starting_a_new_block():
    assert markdown_text("one\n\n    two\r\n# three") == "one  \ntwo  \n\\# three"
    assert markdown_text(2024) == "2024"


def test_markdown_values_escape_texts_and_keep_numbers():
    assert markdown_values({"email": "a_b@x.example", "minutes": 5}) == {
        "email": markdown_text("a_b@x.example"), "minutes": 5}


# ---------------------------------------------------------------- plotly and PDF


def test_html_text_escapes_tags_and_entities_for_plotly():
    assert html_text('<a href="https://evil.example">x</a> & &lt;') == \
        '&lt;a href="https://evil.example"&gt;x&lt;/a&gt; &amp; &amp;lt;'


def test_pdf_text_escapes_reportlab_markup():
    assert pdf_text('<font color="red">x</font> & &nbsp;') == '&lt;font color="red"&gt;x&lt;/font&gt; &amp; &amp;nbsp;'


# ---------------------------------------------------------------- chart builders


def _items(label: str, lane: str = "programme") -> pd.DataFrame:
    return pd.DataFrame([{"lane": lane, "item_id": "P1", "label": label, "kind": "fellowship" if lane == "programme"
                          else "microscope", "start_date": "2024-03-01", "end_date": "2024-04-01",
                          "first_day": date(2024, 3, 1), "last_day": date(2024, 4, 1), "end_reported": True,
                          "lane_total": 1}])


def _no_raw_markup(figure) -> None:
    """No text the figure shows holds a tag from the data (plotly reads <a>, <b>, <span> in all of them)."""
    spec = figure.to_plotly_json()
    shown = json.dumps([spec["layout"].get("yaxis", {}).get("ticktext"), spec["layout"].get("xaxis", {}),
                        [(t.get("hovertext"), t.get("text"), t.get("name"), t.get("x"), t.get("y"))
                         for t in spec["data"]], [a.get("text") for a in spec["layout"].get("annotations", [])]],
                       default=str)
    assert "<a " not in shown and "<img" not in shown, shown


@pytest.mark.parametrize("builder", [charts.timeline, programme_charts.gantt, partner_charts.partner_timeline])
def test_timeline_tick_labels_and_hovers_show_titles_as_written(builder):
    figure = builder(_items(HOSTILE_ANCHOR))
    _no_raw_markup(figure)
    # Long titles wrap at spaces (<br>), so the title is read back with the breaks as spaces.
    assert any(html_text(HOSTILE_ANCHOR) in tick.replace("<br>", " ") for tick in figure.layout.yaxis.ticktext)
    assert html_text(HOSTILE_ANCHOR) in figure.data[0].hovertext[0]


def test_equipment_timeline_escapes_item_names():
    _no_raw_markup(equipment_charts.acquisitions(_items(HOSTILE_IMAGE, lane="equipment")))


def test_spending_bars_escape_institution_names_on_the_axis_and_in_the_hover():
    spending = pd.DataFrame([{"dimension": "institution", "bar": HOSTILE_ANCHOR, "category": "microscope",
                              "spending": 10.0, "items": 1, "not_reported": 0, "rate_missing": 0}])
    figure = equipment_charts.spending_bars(spending, "institution", "USD")
    _no_raw_markup(figure)
    assert list(figure.data[0].y) == [html_text(HOSTILE_ANCHOR)]
    assert list(figure.layout.yaxis.categoryarray) == [html_text(HOSTILE_ANCHOR)]


def test_procedure_bars_escape_item_names_on_the_axis():
    procedures = pd.DataFrame([{"label": HOSTILE_ANCHOR, "technique": "open", "cases": 3}])
    figure = equipment_charts.procedure_bars(procedures)
    _no_raw_markup(figure)
    assert list(figure.layout.yaxis.categoryarray) == [html_text(HOSTILE_ANCHOR)]


def test_map_hovers_escape_institution_names_and_cities():
    institutions = pd.DataFrame([{"institution_id": "I1", "name": HOSTILE_ANCHOR, "name_local": HOSTILE_IMAGE,
                                  "kind": "hospital", "city": HOSTILE_ANCHOR, "country": "MNG", "latitude": 47.9,
                                  "longitude": 106.9, "activity": 1, "programmes": 1, "events": 0,
                                  "programme_kinds": ["fellowship"]}])
    _no_raw_markup(partner_charts.partner_map(institutions, "I1"))
    flows = pd.DataFrame([{"home_id": "A", "home_name": HOSTILE_ANCHOR, "home_latitude": 47.9, "home_longitude": 106.9,
                           "host_id": "B", "host_name": HOSTILE_IMAGE, "host_latitude": 37.5, "host_longitude": 127.0,
                           "home_city": HOSTILE_ANCHOR, "home_country": "MNG", "host_city": HOSTILE_IMAGE,
                           "host_country": "KOR",
                           "kind": "fellowship", "weight": 2, "participants": 2, "weight_is_participants": True,
                           "programmes": 1}])
    _no_raw_markup(charts.flow_map(flows))


def test_impact_marker_hover_and_reference_text_escape_names():
    volumes = pd.DataFrame([{"month": "2024-03-01", "technique": "open", "cases": 4}])
    markers = pd.DataFrame([{"key": "programme:P1", "lane": "programme", "label": HOSTILE_ANCHOR, "kind": "fellowship",
                             "status": "completed", "start_date": "2024-03", "end_date": "2024-03",
                             "marker_first": date(2024, 3, 1), "marker_last": date(2024, 3, 31)}])
    _no_raw_markup(impact_charts.monthly_volumes(volumes, markers))
    reference = dict(label=HOSTILE_LINK, lane="programme", start_date="2024-03", end_date="2024-05",
                     before_until=pd.Timestamp("2024-02-29"), after_from=pd.Timestamp("2024-06-01"),
                     cases_during=1, preference=1)
    assert markdown_text(HOSTILE_LINK) in impact_charts.reference_text(reference, chosen_by_default=False)


def test_programme_facts_and_sources_are_escaped_markdown():
    facts = programme_charts.institution_text(HOSTILE_LINK, HOSTILE_ANCHOR, HOSTILE_IMAGE, "MNG")
    assert facts == f"{markdown_text(HOSTILE_LINK)} ({markdown_text(HOSTILE_ANCHOR)}) · {markdown_text(HOSTILE_IMAGE)}, " \
                    "Mongolia"
    sources = pd.DataFrame([{"source": HOSTILE_LINK, "supports": [{"what": "event", "name": HOSTILE_DIRECTIVES}]}])
    [line] = programme_charts.source_lines(sources)
    assert markdown_text(HOSTILE_LINK) in line and markdown_text(HOSTILE_DIRECTIVES) in line


# ---------------------------------------------------------------- briefing packs


@pytest.fixture
def hostile_db(tmp_path, write):
    database = tmp_path / "hostile.duckdb"
    import_workbook(write(hostile_workbook(), "hostile"), database, "hostile test")
    return database


@pytest.mark.parametrize("kind, subject", [("programme", "P1"), ("institution", "MNG-NCTD"), ("country", "MNG")])
def test_briefing_packs_print_hostile_names_as_written(hostile_db, tmp_path, kind, subject):
    makers = {"programme": brief.programme_brief, "institution": brief.institution_brief,
              "country": brief.country_brief}
    pdf = makers[kind](db.open_store(hostile_db), db.FULL_SCOPE, subject, "USD", True)
    text = pdf_text_of(pdf, tmp_path)
    assert HOSTILE_ANCHOR in text  # the programme title or the host's name, as written
    if kind == "institution":
        assert f"Inst {HOSTILE_LINK}" in text and HOSTILE_IMAGE in text
