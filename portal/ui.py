"""What every page shares in Streamlit: the store, cached scoped reads, the viewer's options, tables and charts.

Values are formatted by portal/display.py (no Streamlit there): pages import it directly."""

from __future__ import annotations

import datetime
import functools
import hashlib
import numbers
import pickle
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from pandas.api.types import is_numeric_dtype
import plotly.graph_objects as go
import streamlit as st
from streamlit import dataframe_util

from portal import access, charts, db, downloads
from portal.display import (MONEY_DIGITS, Column, is_missing, markdown_text, markdown_values, money, not_reported,
                            not_reported_note, not_shown, number, utc_time)
from portal.contract import BASE_CURRENCY
from portal.i18n import language, languages, preferred_language, set_language, t

# Map shapes come from static/topojson, served by this app (server.enableStaticServing): never a CDN.
# Relative, so it also works when the portal is served under a path prefix.
PLOT_CONFIG = {"topojsonURL": "app/static/topojson/", "displaylogo": False}


@st.cache_resource(show_spinner=False)
def _store(path: str) -> db.Store:
    return db.open_store(path)


def store() -> db.Store:
    """The process's one database connection (reopened by the store itself after every import)."""
    return _store(str(db.database_path()))


@st.cache_resource(show_spinner=False, max_entries=512)
def _shared_read(key: str, _query: str, _scope: db.Scope, _params: dict) -> pd.DataFrame:
    # `key` spells out the query, the scope, the options and the database file's identity (a new import is a new
    # key, so nothing stale is served); Streamlit hashes that one string, not the objects (a crowd's CPU).
    # One frame for every session, never copied whole (st.cache_data would unpickle a copy on every hit, a
    # tenth of a crowd's CPU): read() hands each caller its own shallow copy, which pandas' copy-on-write
    # keeps from ever changing this one.
    return store().read(_query, _scope, **_params)


def read(query: str, **params: object) -> pd.DataFrame:
    """Rows of portal/queries/QUERY.sql for the current viewer, with the viewer's display options bound (the
    caller's own shallow copy of the one result every session shares: change it freely)."""
    options = {"include_illustrative": include_illustrative(), "reporting_currency": reporting_currency(),
               **params}
    if not all(map(_spelled_whole, options.values())):
        raise TypeError(f"{query}: read options are plain values, lists or tuples of them")
    scope, version = viewer_scope(), store().version()
    key = repr((query, scope, version, sorted(options.items())))
    return _shared_read(key, query, scope, options).copy(deep=False)


def _spelled_whole(value: object) -> bool:
    # repr() says all of these (a numpy array's or a frame's repr leaves values out: two would share a key)
    if isinstance(value, (list, tuple)):
        return all(map(_spelled_whole, value))
    return value is None or isinstance(value, (str, numbers.Number, datetime.date))


def institution_name(institution_id: str) -> str:
    """An institution's name as this viewer reads it; its id where the viewer sees no institution by that id."""
    found = read("institution_name", institution=institution_id)
    return str(found["name"].iloc[0]) if not found.empty else institution_id


def viewer_scope() -> db.Scope:
    """What the viewer may see (portal/access.py decides from who is signed in)."""
    return access.viewer_scope()


def names_visible() -> bool:
    """Whether the viewer may see people's names (not anonymous visitors)."""
    return viewer_scope().names_visible


def costs_visible() -> bool:
    """Whether the viewer may see amounts of money (anonymous visitors only if the deployment allows)."""
    return viewer_scope().costs_visible


def badged_title(page) -> str:
    """A navigation title, with the count of pending items when the page has a badge and there are some."""
    if page.badge is None:
        return t(page.title)
    try:
        pending = int(read(page.badge)["pending"].iloc[0])
    except db.QueryError:  # a database written before submissions existed: its next change adds the tables
        return t(page.title)
    return t(page.title) + (f" · {t('submissions.badge', count=pending)}" if pending else "")


def require(roles: tuple[str, ...], why: str = "access.not_allowed") -> None:
    """Stop the page, saying why (the message `why`), unless the viewer has one of these roles (the navigation
    hides it too)."""
    if not access.may(roles):
        st.warning(t(why), icon=":material/lock:")
        st.stop()


def not_found(message: str, **fields: object) -> None:
    """Say that a record named in the link is not shown, with the reason that can be true for this viewer."""
    if not include_illustrative():
        reason = t("access.not_found_illustrative_hidden")
    elif viewer_scope().role == "partner":
        reason = t("access.not_found_partner")
    else:
        reason = t("access.not_found")
    st.warning(f"{t(message, **markdown_values(fields))} {reason}", icon=":material/search_off:")  # ids come from the URL


def include_illustrative() -> bool:
    """Whether the viewer chose to see illustrative rows (the sidebar toggle; shown by default)."""
    return st.session_state.get("include_illustrative", True)


def reporting_currency() -> str:
    """The currency totals are shown in (the sidebar's choice; US dollars by default)."""
    return st.session_state.get("reporting_currency", BASE_CURRENCY)


def currency_choice() -> None:
    """The sidebar control for the reporting currency: any currency that has fx rates."""
    options = read("reporting_currencies")["currency"].tolist() if database_ready() else [BASE_CURRENCY]
    if st.session_state.get("reporting_currency") not in options:
        st.session_state["reporting_currency"] = BASE_CURRENCY
    st.selectbox(t("sidebar.reporting_currency"), options, key="reporting_currency",
                 help=t("sidebar.reporting_currency_help"))


# Streamlit's browser code for charts (plotly.js, 4.7 MB), loaded only when the first chart arrives and then
# about 1 s of work for the browser on a 2-core machine. Named with a hash that changes with Streamlit.
CHART_LIBRARY = next((p.name for p in (Path(st.__file__).parent / "static" / "static" / "js").glob("PlotlyChart.*.js")),
                     None)


# Streamlit cuts long metric values and labels, and sidebar page names, with an ellipsis ("not repor…",
# "харуулах…"): they wrap instead, and a metric's figure shrinks with the window before it would overflow.
READABLE_TEXT_CSS = """<style>
[data-testid="stMetricValue"], [data-testid="stMetricValue"] *, [data-testid="stMetricLabel"],
[data-testid="stMetricLabel"] *, [data-testid="stSidebarNavLink"], [data-testid="stSidebarNavLink"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  height: auto !important; }
[data-testid="stMetricValue"] { font-size: clamp(1rem, 1.6vw, 2.25rem) !important; line-height: 1.2 !important; }
[data-testid="stSidebarNavLink"] { min-height: 2rem; }
</style>"""


def page_head() -> None:
    """The page's own styles (metric tiles and sidebar page names wrap rather than be cut, in any language, at
    1,000 px and up) and, once the visitor has chosen a language with the switch, the script that keeps that
    choice for their next visit (LANGUAGE_COOKIE). One element on every run, so nothing below it moves."""
    if not st.session_state.get("language_chosen"):
        st.html(READABLE_TEXT_CSS)
        return
    # The code is one of languages(): nothing else reaches the script.
    st.html(READABLE_TEXT_CSS + f"<script>document.cookie = '{LANGUAGE_COOKIE}={language()}; path=/; "
            f"max-age=31536000; SameSite=Lax'</script>", unsafe_allow_javascript=True)


def preload_chart_library() -> None:
    """On a session's first run, have the browser load the chart library at once, while the server is still
    building the page, instead of after the page's first chart arrives."""
    if CHART_LIBRARY is None or st.session_state.get("chart_library_loaded"):
        return
    st.session_state["chart_library_loaded"] = True
    # Resolved against Streamlit's own script, so the URL is the one its charts import (loaded once).
    st.html(f"""<script>import(new URL("{CHART_LIBRARY}", document.querySelector('script[src*="/static/js/index."]').src)
        .href).catch(() => {{}})</script>""", unsafe_allow_javascript=True, width="content")


def _frame_digest(frame: pd.DataFrame) -> bytes:
    # Query results may hold lists (which pandas cannot hash): their pickle identifies them as well.
    return hashlib.blake2b(pickle.dumps(frame, protocol=5), digest_size=16).digest()


class _FinishedFigure(go.Figure):
    """A figure that is never changed again: its dict form, which st.plotly_chart asks for (a deep copy) on every
    page load, is made once (`_finish`)."""

    def to_dict(self) -> dict:
        return self._finished


def _finish(figure: go.Figure) -> go.Figure:
    """`figure` itself, made a _FinishedFigure: no copy (building a Figure from another validates it all again,
    which took longer than the chart)."""
    made = figure.to_dict()
    figure.__class__ = _FinishedFigure
    figure._finished = made
    return figure


@st.cache_resource(show_spinner=False, max_entries=256, hash_funcs={pd.DataFrame: _frame_digest})
def _shared_result(name: str, language: str, args: tuple, kwargs: tuple, _builder: Callable):
    # Shared by every session, never copied: nothing may change a figure or text after it is built.
    result = _builder(*args, **dict(kwargs))
    return _finish(result) if isinstance(result, go.Figure) else result


def shared(builder: Callable, *args: object, **kwargs: object):
    """builder(*args, **kwargs) of a pure chart function (portal.charts), computed once per input and language
    for every session: a crowd opening the same page, or a rerun that changes nothing, skips the work."""
    return _shared_result(f"{builder.__module__}.{builder.__qualname__}", language(), args,
                          tuple(sorted(kwargs.items())), builder)


def forget_results() -> None:
    """Forget every cached query result and figure (the database connection stays open): the next run
    does all its work again."""
    st.cache_data.clear()
    _shared_read.clear()
    _shared_result.clear()
    _shared_table_frames.clear()


def plot(builder: Callable, *args: object, key: str, select: bool = False, **kwargs: object):
    """Show the figure `builder(*args, **kwargs)` (a chart builder of portal.charts) with the portal's offline map
    shapes; with `select`, return what was clicked.

    A figure is built once per input and language for every session: building it is most of a page's Python
    work, so a crowd opening the same page, or a rerun that does not change a chart, skips it.
    """
    figure = shared(builder, *args, **kwargs)
    return st.plotly_chart(figure, key=key, width="stretch", config=PLOT_CONFIG,
                           on_select="rerun" if select else "ignore",
                           selection_mode=("points",) if select else ("points", "box", "lasso"))


def database_ready() -> bool:
    """Whether the database file exists."""
    return store().version() is not None


@st.cache_data(show_spinner=False, max_entries=8)
def _database_problem(path: str, version: tuple) -> tuple[str, str] | None:
    # Checked once per file version, not on every rerun.
    problem = store().problem()
    return (problem.reason, problem.detail) if problem else None


def stop_unless_database_readable() -> None:
    """Show why the database cannot be read and stop the page: anonymous visitors and partners get a short
    message, ministry and administrators the path and what to do (the server's log always has both)."""
    version = store().version()
    problem = ("missing", "") if version is None else _database_problem(str(store().path), version)
    if problem is None:
        return
    reason, detail = problem
    print(f"portal: database {reason}: {store().path} {detail}".rstrip(), file=sys.stderr, flush=True)
    st.error(t("app.database_unavailable"), icon=":material/error:")
    if access.may(access.MINISTRY_ROLES):
        st.caption(t(f"app.database_{reason}", path=str(store().path), detail=detail))
    with st.sidebar:
        access.account_box()
    st.stop()


HASH_SHOWN = 12  # characters of a SHA-256 shown in a table


def _column(spec: str | Column) -> Column:
    return spec if isinstance(spec, Column) else Column(spec)


def hidden_for_viewer(column: Column) -> bool:
    """Whether the viewer's scope hides this whole column (costs, or people's names)."""
    rule = column.private or {"money": "costs", "person": "names"}.get(column.kind)
    return (rule == "costs" and not costs_visible()) or (rule == "names" and not names_visible())


def table_frames(frame: pd.DataFrame, headers: dict[str, str | Column]) -> tuple[pd.DataFrame, pd.DataFrame, dict,
                                                                               bool]:
    """The table as shown (typed values, missing left empty), as downloaded (every value in words), its
    column settings and whether its long texts wrap. Hidden values read "not shown", missing ones "not reported":
    never one for the other."""
    shown, download, config = pd.DataFrame(index=frame.index), pd.DataFrame(index=frame.index), {}
    hidden_text, missing_text = not_shown(), not_reported()
    for name, spec in headers.items():
        column = _column(spec)
        title = t(column.header, currency=column.currency) if column.currency else t(column.header)
        values = frame[name]
        if hidden_for_viewer(column):
            notes = pd.Series(hidden_text, index=frame.index, dtype=object)
        elif column.instead:
            notes = frame[column.instead].astype(object).where(frame[column.instead].notna(), None)
        else:
            notes = pd.Series(None, index=frame.index, dtype=object)
        noted = notes.notna()
        if noted.all() and len(frame):
            # Nothing to sort or add up: each cell says why there is no value (the whole column, when hidden).
            shown[title] = notes
            config[title] = st.column_config.TextColumn(title, help=t("table.hidden_help"))
        elif noted.any():
            # A typed column has one placeholder for all its empty cells, so a column with a reason in some rows
            # is text: the reason there, the value as read elsewhere, empty (so "not reported") when missing.
            shown[title] = [note if isinstance(note, str) else (None if is_missing(v) else _cell_text(v, column))
                            for v, note in zip(values, notes)]
            config[title] = st.column_config.TextColumn(title, help=t("table.hidden_help"))
        else:
            shown[title] = ([None if is_missing(v) else f"{column.link.format(v)}&lang={language()}" for v in values]
                            if column.kind == "link" else
                            values.round(MONEY_DIGITS) if column.kind == "money" and is_numeric_dtype(values) else
                            values)
            config[title] = _column_config(title, column)
        download[title] = [note if isinstance(note, str) else (missing_text if is_missing(v) else v)
                           for v, note in zip(values, notes)]
        if column.optional:
            config[title] = {**config[title], "hidden": True}
    wrapped = _fit(config, headers, shown)
    return shown, download, config, wrapped


GRID_WIDTH = 930  # pixels of a table at 1,400 px: the page's content beside the sidebar
ROW_MARKERS = 36  # pixels of the row-selection column a selectable table starts with
CELL_PADDING = 22  # pixels around a cell's text (8.5 each side) and a little to spare
WRAP_LINES = 3  # lines a long text wraps to in a table's taller rows
WRAPPED_ROW_HEIGHT = 70  # pixels: Streamlit wraps cell text only in rows taller than 4rem


@functools.lru_cache(maxsize=65_536)  # a table repeats its values ("fewer than 5", numbers, names): measure once
def text_pixels(text: str) -> float:
    """About how many pixels `text` takes in a table cell (Source Sans, 14 px), erring on the wide side: as
    measured in Chromium, lowercase letters take 6.6 px on average, capitals 7.9, digits 7.0, Hangul 11.7."""
    width = 0.0
    for character in text:
        if unicodedata.east_asian_width(character) in "WF":
            width += 12.5
        elif character in NARROW:
            width += 4.0
        elif character.isupper():
            width += 8.2
        else:
            width += 6.9
    return width * 1.07  # these averages are within 5% of Chromium's measure of the seed's cells: err wide


NARROW = " .,:;'()[]|!ilIjtf"


def _shown_text(value: object, column: Column) -> str:
    """A cell's text as the table draws it (a link shows its id; a hash its start), for measuring."""
    if is_missing(value):
        return not_reported()
    if isinstance(value, str) and column.kind == "link":
        return value.split("=", 1)[-1].split("&")[0]
    if isinstance(value, str):
        return f"{value[:HASH_SHOWN]}…" if column.kind == "hash" else value
    return _cell_text(value, column)


def _lines(text: str, width: float) -> int:
    """How many lines `text` takes when wrapped at spaces into `width` pixels (a longer word takes its own)."""
    lines, line = 1, 0.0
    for word in text.split():
        length = text_pixels(word)
        if line and line + text_pixels(" ") + length > width:
            lines, line = lines + 1, length
        else:
            line += (text_pixels(" ") if line else 0.0) + length
    return lines


def _wrapped_width(values: list[str], header: float) -> int:
    """The narrowest width (pixels, padding included) at which the header fits on one line and every value in
    WRAP_LINES lines, wrapped at spaces."""
    narrowest = max([header, *(text_pixels(w) for v in values for w in v.split())])
    widest = max([header, *map(text_pixels, values)])
    long_values = [v for v in set(values) if text_pixels(v) > narrowest]
    while widest - narrowest > 4:  # a binary search, to within 4 pixels
        middle = (narrowest + widest) / 2
        if all(_lines(v, middle) <= WRAP_LINES for v in long_values):
            widest = middle
        else:
            narrowest = middle
    return int(CELL_PADDING + widest) + 1


def _fit(config: dict, headers: dict[str, str | Column], shown: pd.DataFrame) -> bool:
    """Widths for the columns shown at first, from their header and longest value, so that a reader sees every
    cell in full without sideways scrolling at 1,400 px. Long texts wrap over WRAP_LINES lines when they would
    not fit on one; columns that still do not fit start hidden (from the last, the least needed; the first always
    shows), never squeezed: the table's column menu brings them back. Returns whether texts wrap."""
    columns = [(title, _column(spec)) for title, spec in zip(config, headers.values()) if not _column(spec).optional]
    header = {title: text_pixels(title) for title, _ in columns}
    texts = {title: [_shown_text(v, column) for v in shown[title]] for title, column in columns}
    one_line = {title: int(CELL_PADDING + max([header[title], *map(text_pixels, values)])) + 1
                for title, values in texts.items()}
    room = GRID_WIDTH - ROW_MARKERS
    wrap = sum(one_line.values()) > room
    chosen = {title: _wrapped_width(values, header[title]) for title, values in texts.items()} if wrap else one_line
    left = room
    for rank, (title, _) in enumerate(columns):
        if rank == 0 or chosen[title] <= left:
            left -= chosen[title]
            config[title] = {**config[title], "width": chosen[title]}
        else:
            config[title] = {**config[title], "hidden": True}
    return wrap


def _cell_text(value: object, column: Column) -> str:
    if column.kind in ("count", "number", "money"):
        return money(value, column.currency) if column.kind == "money" and column.currency else number(value)
    return str(value)


def _column_config(title: str, column: Column) -> dict:
    if column.kind == "count":
        return st.column_config.NumberColumn(title, format="localized", step=1)
    if column.kind == "number":
        return st.column_config.NumberColumn(title, format="localized")
    if column.kind == "money":
        return st.column_config.NumberColumn(title, format="localized")  # the currency is in the header
    if column.kind == "link":
        return st.column_config.LinkColumn(title, display_text=r"[?&][a-z_]+=([^&]*)")
    if column.kind == "hash":
        return st.column_config.TextColumn(title, help=t("table.hash_help"), width="small")
    return st.column_config.TextColumn(title)


@st.cache_resource(show_spinner=False, max_entries=256, hash_funcs={pd.DataFrame: _frame_digest})
def _shared_table_frames(frame: pd.DataFrame, headers: dict, language: str, costs_shown: bool, names_shown: bool):
    # What table_frames reads besides its arguments is in the key: shared by every session, never changed after
    # (st.dataframe copies the column settings), because formatting cells and converting them to Arrow (as
    # st.dataframe would, with Streamlit's own conversion) were a large part of a crowd's CPU.
    shown, download, config, wrapped = table_frames(frame, headers)
    return shown, download, config, wrapped, dataframe_util.convert_pandas_df_to_arrow_table(shown)


def table(frame: pd.DataFrame, headers: dict[str, str | Column], download: str = "table", **dataframe_options):
    """Show a table with translated headers and typed columns, "not reported" in missing cells, "not shown" in
    hidden ones, and CSV/.xlsx downloads of every row and column.

    `headers` maps a column of `frame` to its header's message id or a Column. `download` names the downloaded
    files. Returns what st.dataframe returns (the selection, when `on_select` is among the options).
    """
    shown, full, config, wrapped, data = _shared_table_frames(frame, headers, language(), costs_visible(),
                                                              names_visible())
    hashes = [title for title, spec in zip(shown.columns, headers.values()) if _column(spec).kind == "hash"]
    if hashes:  # the full value stays in the cell (copied, opened) and under the table (full_values); the start shows
        data = shown.style.format(lambda v: v if is_missing(v) else f"{str(v)[:HASH_SHOWN]}…", subset=hashes)
    if wrapped:  # taller rows, in which long texts wrap; about ten of them at first, the rest by scrolling
        dataframe_options = {"row_height": WRAPPED_ROW_HEIGHT,
                             "height": min(len(shown), 10) * WRAPPED_ROW_HEIGHT + 40, **dataframe_options}
    result = st.dataframe(data, hide_index=True, width="stretch", column_config=config,
                          placeholder=not_reported(), **dataframe_options)
    download_buttons(full, download, key="-".join(headers))
    for title in hashes:
        full_values(shown, title)
    return result


def full_values(shown: pd.DataFrame, title: str) -> None:
    """A fold under a table that opens the full values of its shortened column `title`, beside each row's first
    column. st.dataframe (Streamlit 1.67) shows no per-cell hover text: it draws cells on a canvas, and a Styler's
    tooltips (set_tooltips) are CSS that only st.table applies."""
    listed = shown[[shown.columns[0], title]].dropna(subset=[title])  # hex digests: no backtick to escape
    if listed.empty:
        return
    key_title = shown.columns[0]
    with st.expander(t("table.full_values", column=title), icon=":material/fingerprint:"):
        # One line each, the value as code (in full, one font width per character): st.table cuts cells at 400 px.
        st.markdown("\n".join(f"- {markdown_text(key_title)} {markdown_text(str(key))}: `{value}`"
                               for key, value in listed.itertuples(index=False)))


def static_table(frame: pd.DataFrame) -> None:
    """Show a small table as st.table (long texts wrap), its cells and headers read as written: st.table reads
    Markdown, and the cells come from the data."""
    shown = frame.astype(object).map(lambda v: markdown_text(v) if isinstance(v, str) else v)
    st.table(shown.rename(columns=markdown_text), hide_index=True)


def download_buttons(frame: pd.DataFrame, name: str, key: str) -> None:
    """Buttons that download a table as CSV and as .xlsx (built when clicked, not on every rerun)."""
    csv_column, xlsx_column, _ = st.columns([1, 1.4, 5])
    csv_column.download_button(t("download.csv"), lambda: downloads.csv_bytes(frame), f"{name}.csv", "text/csv",
                               key=f"download_csv_{name}_{key}", icon=":material/download:", type="tertiary",
                               on_click="ignore")
    xlsx_column.download_button(
        t("download.xlsx"), lambda: downloads.xlsx_bytes(frame, name), f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"download_xlsx_{name}_{key}",
        icon=":material/download:", type="tertiary", on_click="ignore")


def data_as_of() -> None:
    """The sidebar line saying when the data last changed."""
    if not database_ready():
        return
    latest = read("import_history", limit=1)
    if latest.empty:
        st.caption(t("sidebar.no_data"))
    else:
        st.caption(t("sidebar.data_as_of", when=utc_time(latest["imported_at"].iloc[0])))


def nothing_recorded(message: str) -> None:
    """Say that nothing is recorded (`message`), and, while illustrative data is hidden, that turning it on shows
    examples (never while it is on: the reader would look for a switch already turned on)."""
    hint = "" if include_illustrative() else " " + t("illustrative.turn_on")
    st.info(t(message) + hint)


def illustrative_notice() -> None:
    """Say so whenever illustrative rows are on screen, and how to hide them."""
    if include_illustrative() and database_ready() and read("visible_illustrative_rows")["illustrative"].iloc[0] > 0:
        st.info(t("illustrative.notice"), icon=":material/science:")


FLOW_LIMIT = 600  # arcs on the flow map: the heaviest, so a national map stays well under 1 MB of chart data
TIMELINE_PER_LANE = 15  # items per lane on the overview timeline: enough to read, bounded in bytes


def year_range(key: str, in_url: bool = False) -> tuple[int, int]:
    """A year-range slider over the years the visible data spans; returns (first, last) chosen.

    With `in_url`, the choice is kept in the URL query string under `key`, so the view can be shared.
    """
    bounds = read("year_bounds").iloc[0]
    if pd.isna(bounds["first_year"]):
        return 1900, 2200
    first, last = int(bounds["first_year"]), int(bounds["last_year"])
    if first == last:
        return first, last
    # A choice made when other years were visible (before the illustrative toggle, a sign-in, on another page)
    # would be refused by Streamlit outside the new bounds: keep what still exists; "every year" stays that.
    remembered, bounds_then = st.session_state.get(key), st.session_state.get(f"{key}_bounds")
    st.session_state[f"{key}_bounds"] = (first, last)
    if remembered is not None:
        every_year = isinstance(remembered, (tuple, list)) and tuple(remembered) == bounds_then
        kept = (first, last) if every_year else years_within(remembered, first, last)
        if kept != remembered:
            st.session_state[key] = kept
    # A default only for a new slider: one beside a value set in Session State makes Streamlit warn in the log.
    default = {} if key in st.session_state else {"value": (first, last)}
    chosen = st.slider(t("filter.years"), first, last, key=key, help=t("filter.years_help"),
                       bind="query-params" if in_url else None, **default)
    first_chosen, last_chosen = sorted(int(year) for year in chosen)  # a link may name them in either order
    return first_chosen, last_chosen


def years_within(chosen: object, first: int, last: int) -> tuple[int, int]:
    """A remembered (from, to) choice cut to the years first..last; all of them when nothing of it is left."""
    try:
        start, end = sorted(int(year) for year in chosen)
    except (TypeError, ValueError):
        return first, last
    start, end = max(start, first), min(end, last)
    return (start, end) if start <= end else (first, last)


def missing_rates_warning(count: object) -> None:
    """A visible warning when some amounts cannot be converted for want of an fx rate."""
    if count:
        st.warning(t("money.rates_missing", count=number(count), currency=reporting_currency()),
                   icon=":material/currency_exchange:")


def timeline_note(items: pd.DataFrame) -> None:
    """Under a timeline: the chart's own words on how many items of each lane it shows, as text to read or copy."""
    if items.empty:
        st.info(t("chart.empty_suggestion"))
        return
    cut = shared(charts.timeline_cut_text, items)
    if cut:
        st.caption(cut)


def costs_hidden_notice(place=st) -> None:
    """In place of a cost table or chart the viewer may not see: costs are hidden, not missing."""
    place.info(t("access.costs_hidden"), icon=":material/lock:")


def keep_in_url(url_key: str, codes: str | list[str] | None) -> None:
    """The page address's ?URL_KEY= holds these codes (removed when there are none)."""
    if codes:
        st.query_params[url_key] = codes
    else:
        st.query_params.pop(url_key, None)


def coded_multiselect(label: str, names: dict[str, str], url_key: str, key: str | None = None, place=st,
                      **options: object) -> list[str]:
    """A multiselect shown by name but kept in the URL by code (?kind=fellowship&kind=...); returns the codes.

    `names` maps each code to what the viewer reads (a free text that is its own code maps to itself). A widget
    bound with bind="query-params" would put the shown names in the URL, so a link would break in another
    language. Codes the viewer cannot choose from are dropped from the URL, so the link says what is shown.
    """
    key = key or url_key
    asked = st.query_params.get_all(url_key)
    chosen = [code for code in (_code_of(value, names) for value in asked) if code is not None]
    if chosen != asked:
        keep_in_url(url_key, chosen)
    st.session_state[key] = chosen
    return place.multiselect(label, list(names), format_func=names.get, key=key,
                             on_change=lambda: keep_in_url(url_key, st.session_state[key]), **options)


def coded_select(label: str, names: dict[str, str], url_key: str, key: str | None = None, place=st,
                 default: str | None = None, keep_unknown: bool = False, **options: object) -> str | None:
    """A selectbox shown by name but kept in the URL by code (?records_sheet=programmes); returns the code chosen.

    Without a code in the URL, or with one the viewer cannot choose, `default` is chosen (None: nothing, the
    placeholder shows). A code the viewer cannot choose is dropped from the URL, unless `keep_unknown` (the page
    then says it was not found).
    """
    key = key or url_key
    asked = st.query_params.get(url_key)
    code = _code_of(asked, names)
    if asked is not None and code != asked and (code is not None or not keep_unknown):
        keep_in_url(url_key, code)
    st.session_state[key] = default if code is None else code

    # The value comes from session state: an `index` as well would make Streamlit warn (None only says "empty").
    return place.selectbox(label, list(names), format_func=names.get, key=key,
                           on_change=lambda: keep_in_url(url_key, st.session_state[key]),
                           **({"index": None} if default is None else {}), **options)


def _code_of(value: str | None, names: dict[str, str]) -> str | None:
    # A link made before filters kept codes holds the shown name, in the language it was made in: still understood.
    if value in names:
        return value
    return next((code for code, name in names.items() if name == value), None)


def showing_text(shown: object, total: object, message: str = "chart.showing_of", **values: object) -> str | None:
    """"Showing 200 of 1,234 ..." for a table or chart cut by a limit (`message` names what), None when all show."""
    if is_missing(total) or int(total) <= int(shown):
        return None
    return t(message, shown=number(int(shown)), total=number(int(total)), **values)


def showing_note(shown: object, total: object, message: str = "chart.showing_of", **values: object) -> None:
    """Under a table or chart cut by a limit: how many are shown of how many there are (nothing when all are)."""
    text = showing_text(shown, total, message, **values)
    if text:
        st.caption(text)


def cost_metric(place, label: str, value: str, not_reported: object, of: object, help: str | None = None) -> None:
    """A metric tile of money in its three states: the value with how many amounts are not reported under it,
    or "not shown" for a viewer who may not see costs (never "not reported", never 0)."""
    visible = costs_visible()
    place.metric(label, value if visible else t("value.hidden"), help=help)
    place.caption(not_reported_note(not_reported, of) if visible else t("access.costs_hidden"))


def headed(frame: pd.DataFrame, headers: dict[str, str]) -> pd.DataFrame:
    """The columns of `headers` (column: message id) under their translated names; missing cells read
    "not reported"."""
    shown = frame[list(headers)].rename(columns={column: t(header) for column, header in headers.items()})
    return shown.astype(object).where(shown.notna(), t("value.not_reported"))


def clicked_record(event: object) -> str | None:
    """The record id a click on a chart chose: the first clicked point's customdata (or its first element)."""
    points = ((event or {}).get("selection") or {}).get("points") or []
    for point in points:
        value = point.get("customdata")
        value = value[0] if isinstance(value, (list, tuple)) and value else value
        if isinstance(value, str):
            return value
    return None


def in_this_language(make: Callable[[], bytes]) -> Callable[[], bytes]:
    """A download's maker that writes in this run's language: Streamlit calls it later, when the button is
    clicked, in a thread that has chosen no language."""
    chosen = language()

    def made() -> bytes:
        set_language(chosen)
        return make()
    return made


def brief_download(kind: str, subject_id: str) -> None:
    """A button that makes the briefing pack (PDF) of a programme, institution or country when clicked."""
    scope, currency, illustrative = viewer_scope(), reporting_currency(), include_illustrative()

    @in_this_language
    def pdf() -> bytes:
        from portal import brief  # reportlab and the fonts load only when a pack is asked for

        makers = {"programme": brief.programme_brief, "institution": brief.institution_brief,
                  "country": brief.country_brief}
        return makers[kind](store(), scope, subject_id, currency, illustrative) or b""

    st.download_button(t("brief.download"), pdf, f"briefing-{kind}-{subject_id}.pdf", "application/pdf",
                       key=f"brief_{kind}_{subject_id}", icon=":material/picture_as_pdf:", on_click="ignore",
                       help=t("brief.download_help"))


def iati_download() -> None:
    """For the ministry: a button that writes the programmes the viewer sees as an IATI 2.03 activity file."""
    if not access.may(access.MINISTRY_ROLES):
        return
    scope, illustrative = viewer_scope(), include_illustrative()

    @in_this_language
    def activities() -> bytes:
        from portal.iati import export  # lxml loads only when the file is asked for

        return export.activity_bytes(export.build_activities(store(), scope, illustrative))

    st.download_button(t("iati.download"), activities, "iati-activities.xml", "application/xml", key="iati_download",
                       icon=":material/public:", on_click="ignore", help=t("iati.download_help"))


LANGUAGE_NAMES = {"en": "English", "mn": "Монгол", "ko": "한국어"}  # each in its own language


def choose_language() -> str:
    """The viewer's language: ?lang= in the URL, else their choice earlier in this visit, else the one they chose
    on an earlier visit (LANGUAGE_COOKIE), else the browser's preference.

    The sidebar's switch writes a choice into the URL (pages keep it), so a shared link opens in that language.
    An address without ?lang= stays as it is: writing it would add a browser history step, and Back would
    then take two presses to leave the page.
    """
    asked = st.query_params.get("lang")
    language = asked if asked in languages() else st.session_state.get("lang") or _remembered_language() or \
        preferred_language(_browser_languages())
    set_language(language)
    st.session_state["lang"] = language
    if asked is not None and asked != language:  # an unknown language in the address is corrected
        st.query_params["lang"] = language
    return language


# The language a visitor chose with the sidebar's switch, kept in the browser for their next visit (a reload is
# one): only that choice, no other data, and only on this site (README, Languages).
LANGUAGE_COOKIE = "portal_lang"


def _remembered_language() -> str | None:
    try:
        chosen = st.context.cookies.get(LANGUAGE_COOKIE)
    except Exception:  # no browser request behind this session (tests, bare mode)
        return None
    return chosen if chosen in languages() else None


def _browser_languages() -> str | None:
    try:
        return st.context.headers.get("Accept-Language")
    except Exception:  # no browser request behind this session (tests, bare mode)
        return None


def language_choice() -> None:
    """The sidebar's language switch (it keeps the choice in the URL as ?lang=)."""
    options = [code for code in LANGUAGE_NAMES if code in languages()]

    def changed() -> None:
        st.session_state["lang"] = st.session_state["language_choice"]
        st.query_params["lang"] = st.session_state["language_choice"]
        st.session_state["language_chosen"] = True  # page_head keeps it for the next visit
    st.session_state["language_choice"] = st.session_state.get("lang", options[0])  # follows ?lang= too
    st.selectbox(t("sidebar.language"), options, format_func=LANGUAGE_NAMES.get, key="language_choice",
                 on_change=changed)

