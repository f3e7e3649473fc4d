"""Figures are built once per input and language, for every session (ui.plot's shared figure cache)."""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import plotly.io
from streamlit.testing.v1 import AppTest

BUILT: list[tuple[str, int]] = []  # (language, rows) of every figure really built


def counted_bars(frame: pd.DataFrame, title: str) -> go.Figure:
    """A chart builder that records each call."""
    from portal.i18n import language

    BUILT.append((language(), len(frame)))
    return go.Figure(go.Bar(x=frame["x"], y=frame["y"]), layout={"title": title})


def page() -> None:
    """A page drawing one chart from session-state inputs."""
    import pandas as pd
    import streamlit as st

    from portal import ui
    from portal.i18n import set_language
    from test_figure_cache import counted_bars

    set_language(st.session_state["language"])
    rows = st.session_state["rows"]
    ui.plot(counted_bars, pd.DataFrame({"x": list(range(rows)), "y": [1] * rows, "topics": [["a"]] * rows}), "Cases", key="bars")


def session(language: str = "en", rows: int = 3) -> AppTest:
    app = AppTest.from_function(page, default_timeout=30)
    app.session_state["language"], app.session_state["rows"] = language, rows
    return app.run()


def test_a_figure_is_built_once_for_every_session_and_rebuilt_for_new_input_or_language():
    from portal import ui

    ui.forget_results()
    BUILT.clear()
    first = session()
    assert not first.exception
    second = session()  # another visitor, same data (with lists, which pandas cannot hash) and language
    second.run()  # and a rerun
    assert BUILT == [("en", 3)]
    assert json.loads(first.get("plotly_chart")[0].proto.spec) == json.loads(second.get("plotly_chart")[0].proto.spec)
    session(rows=4)
    session(language="mn")
    assert BUILT == [("en", 3), ("en", 4), ("mn", 3)]
    # what every session is sent is the figure the builder made (its dict is made once, when it is built)
    built = counted_bars(pd.DataFrame({"x": [0, 1, 2], "y": [1] * 3}), "Cases")
    assert json.loads(first.get("plotly_chart")[0].proto.spec) == json.loads(plotly.io.to_json(built))



def table_page() -> None:
    """A page showing one table of costs, none reported, to the session's viewer in the session's language."""
    import pandas as pd
    import streamlit as st

    from portal import ui
    from portal.display import Column
    from portal.i18n import set_language

    set_language(st.session_state["language"])
    ui.table(pd.DataFrame({"cost": [None, None], "people": [None, None]}),
             {"cost": Column("programmes.col_converted", kind="money", currency="USD"),
              "people": Column("programmes.col_participants", kind="person")})


def test_a_formatted_table_is_shared_only_with_viewers_who_may_see_the_same_and_read_the_same_language():
    """Tables are formatted once for every session (ui.table): the same query result, nothing reported in it, reads
    "not shown" to a visitor who may not see costs or names and empty ("not reported") to a ministry official,
    each in the reader's language."""
    from portal import auth, ui
    from portal.i18n import set_language, t

    def cells(user: auth.User | None, language: str = "en") -> list[list]:
        app = AppTest.from_function(table_page, default_timeout=30)
        app.session_state["language"], app.session_state["viewer"] = language, user
        rows = app.run().dataframe[0].value
        return [[None if pd.isna(cell) else cell for cell in rows[title]] for title in rows.columns]

    ui.forget_results()
    official = auth.User("official@moh.example", "ministry", None)
    assert cells(official) == [[None, None], [None, None]]
    assert cells(None) == [["not shown"] * 2] * 2
    assert cells(official) == [[None, None], [None, None]]
    set_language("mn")
    assert cells(None, "mn") == [[t("value.hidden")] * 2] * 2 != [["not shown"] * 2] * 2


def changing_page() -> None:
    """A page that changes the rows it read: a cell, a new column, its order."""
    import streamlit as st

    from portal import ui

    rows = ui.read("institution_list", limit=100)
    st.session_state["read"] = rows.copy()
    rows.loc[rows.index[0], "name"] = "Changed by one page"
    rows["extra"] = 1
    rows.sort_values("name", ascending=False, inplace=True)


def test_query_results_are_shared_but_a_page_changing_its_rows_changes_nobody_elses(loaded_db, monkeypatch):
    """ui.read hands every session the one result of a query (no copy per read); what a page does to its rows
    stays in that page."""
    from portal import ui

    monkeypatch.setenv("PORTAL_DB", str(loaded_db))
    ui.forget_results()
    first = AppTest.from_function(changing_page, default_timeout=30).run()
    second = AppTest.from_function(changing_page, default_timeout=30).run()
    assert not first.exception and not second.exception
    assert "Changed by one page" not in set(second.session_state["read"]["name"])
    pd.testing.assert_frame_equal(first.session_state["read"], second.session_state["read"])


def test_a_read_is_keyed_only_by_options_its_key_spells_out_whole():
    """A query's shared result is found by the text of its options: a value whose text leaves something out (a numpy
    array's does) would let two different reads share one result, so ui.read refuses it."""
    import datetime

    import numpy as np

    from portal.ui import _spelled_whole

    assert _spelled_whole(["MNG", ("KOR", None)]) and _spelled_whole(datetime.date(2026, 12, 7))
    assert _spelled_whole(np.int64(3)) and _spelled_whole(2.5) and _spelled_whole(True)
    assert "..." in repr(np.arange(2000)) and not _spelled_whole(np.arange(2000))
    assert not _spelled_whole(pd.Series([1, 2])) and not _spelled_whole([{"a": 1}])
