"""The portal's module boundaries: chart builders and briefing packs never load Streamlit, and no module of
portal/ imports itself back through others."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parent.parent / "portal"


def module_name(path: Path) -> str:
    parts = path.relative_to(PORTAL.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PORTAL.rglob("*.py")}
PURE = sorted(name for name in MODULES if name.startswith(("portal.charts", "portal.brief"))) + ["portal.display"]


@pytest.mark.parametrize("module", PURE)
def test_chart_builders_and_briefing_packs_never_load_streamlit(module):
    script = f"import sys, {module}; assert 'streamlit' not in sys.modules, 'streamlit loaded'"
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=PORTAL.parent)
    assert run.returncode == 0, run.stderr


def imports_of(name: str) -> set[str]:
    """The portal modules a module imports, at any depth of its code (lazy imports in functions too)."""
    found = set()
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(MODULES[name].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            # "from portal import ui" names a module; "from portal.display import number" names its module
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        found |= {target for target in targets if target in MODULES and target != name}
    return found


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of the graph, as the modules along it, or None."""
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return path[path.index(target):] + [target] if target in path else [node, target]
            if target not in state:
                found = visit(target, path + [target])
                if found:
                    return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_portal():
    graph = {name: imports_of(name) for name in MODULES}
    assert "portal.display" in graph["portal.ui"] and "portal.brief" in graph["portal.ui"]  # lazy imports count
    assert cycle(graph) is None


def test_values_are_formatted_through_display_never_through_ui():
    """portal/ui.py holds what needs Streamlit: what it imports from display is used there, never re-exported."""
    display = {node.name for node in ast.parse((PORTAL / "display.py").read_text(encoding="utf-8")).body
               if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    callers = [*PORTAL.rglob("*.py"), *(PORTAL.parent / "pages").glob("*.py"), PORTAL.parent / "app.py"]
    through_ui = [f"{path.name}: ui.{node.attr}" for path in callers
                  for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                  if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "ui"
                  and node.attr in display]
    from_ui = [f"{path.name}: {alias.name}" for path in callers
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(node, ast.ImportFrom) and node.module == "portal.ui"
               for alias in node.names if alias.name in display]
    assert through_ui + from_ui == []


def test_the_costs_hidden_notice_is_written_once():
    """Pages show "costs are hidden" through ui.costs_hidden_notice, so it reads and looks the same everywhere."""
    pages = PORTAL.parent / "pages"
    writers = [path.name for path in pages.glob("*.py") if '"access.costs_hidden"' in path.read_text(encoding="utf-8")]
    assert writers == []
