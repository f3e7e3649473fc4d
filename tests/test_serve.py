"""The server launcher: what it preloads exists, and it starts the same app as `streamlit run app.py`."""

from __future__ import annotations

import importlib

from portal import serve, ui


def test_every_preloaded_module_imports():
    for name in serve.PRELOAD:
        importlib.import_module(name)


def test_the_launcher_runs_app_py():
    assert serve.APP.name == "app.py" and serve.APP.exists()


def test_streamlit_still_ships_the_chart_library_the_pages_preload():
    assert ui.CHART_LIBRARY and ui.CHART_LIBRARY.startswith("PlotlyChart.")
