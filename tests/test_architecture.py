"""The layer rules, enforced: what may import what (README, "How it is organised").

Read from the source with ``ast`` (nothing is imported), so a rule breaks the
build the moment someone writes the import, whichever page or module it is in.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / "lib"

# Pure layers: no database, no Streamlit; each may import only the lib packages listed.
PURE: dict[str, set[str]] = {
    "lib.stats": {"lib.stats", "lib.vocabulary"},
    "lib.decide": {"lib.decide", "lib.stats", "lib.specs", "lib.formatting", "lib.vocabulary"},
    "lib.importer": {"lib.importer", "lib.specs", "lib.stats", "lib.vocabulary"},
    "lib.charts": {
        "lib.charts",
        "lib.decide",
        "lib.stats",
        "lib.specs",
        "lib.formatting",
        "lib.criteria",
        "lib.vocabulary",
    },
}
PERSISTENCE = ("sqlmodel", "sqlalchemy", "alembic", "psycopg")
PAGES_MUST_NOT = ("sqlmodel", "sqlalchemy", "alembic", "psycopg", "lib.infra.db", "lib.stats", "lib.infra.migrations")
ADAPTER = "lib.adapter.session"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    """Absolute names of every module imported (relative imports resolved)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    nodes = tree.body if top_level_only else ast.walk(tree)
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)  # `from lib import stats`
    return names


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _lib_files() -> list[Path]:
    return sorted(p for p in LIB.rglob("*.py") if "migrations" not in p.parts)


def _page_files() -> list[Path]:
    return sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py")])


@pytest.mark.parametrize("path", _page_files(), ids=lambda p: p.name)
def test_pages_hold_widgets_not_queries_or_statistics(path):
    bad = sorted(n for n in _imports(path) if any(_within(n, m) for m in PAGES_MUST_NOT))
    assert not bad, f"{path.name} imports {bad}: put the query or the maths behind a service in lib/"


@pytest.mark.parametrize("path", _lib_files(), ids=lambda p: _module_name(p))
def test_only_the_adapter_imports_streamlit(path):
    if _module_name(path) == ADAPTER:
        return
    bad = sorted(n for n in _imports(path) if _within(n, "streamlit"))
    assert not bad, f"{_module_name(path)} imports {bad}: only {ADAPTER} may talk to Streamlit"


@pytest.mark.parametrize("path", _lib_files(), ids=lambda p: _module_name(p))
def test_pure_layers_import_only_what_the_rules_allow(path):
    name = _module_name(path)
    layer = next((layer for layer in PURE if _within(name, layer)), None)
    if layer is None:
        return
    allowed = PURE[layer]
    imported = _imports(path)
    persistence = sorted(n for n in imported if any(_within(n, m) for m in PERSISTENCE))
    assert not persistence, f"{name} is pure ({layer}) but imports {persistence}"
    lib_modules = {n for n in imported if _within(n, "lib")}
    # `from lib import formatting` shows up as both "lib" and "lib.formatting": judge the latter
    bad = sorted(n for n in lib_modules if n != "lib" and not any(_within(n, a) for a in allowed))
    assert not bad, f"{name} ({layer}) may import only {sorted(allowed)}, not {bad}"


def test_lib_has_no_import_cycles_at_module_level():
    """A cycle makes import order matter and hides which module owns what."""
    graph: dict[str, set[str]] = {}
    modules = {_module_name(p): p for p in _lib_files()}
    for name, path in modules.items():
        found = {m for m in _imports(path, top_level_only=True) if m in modules and m != name}
        # `from lib.charts import palette` names the package only to reach its submodule
        graph[name] = {m for m in found if not any(o.startswith(m + ".") for o in found)}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            pytest.fail("import cycle: " + " → ".join(cycle))


def test_the_rules_see_a_violation(tmp_path):
    """The checker itself can fail: a page that queries the database is caught."""
    fake = ROOT / "pages" / "_architecture_probe.py"
    fake.write_text("from sqlmodel import select\nfrom lib.stats import contrasts\n")
    try:
        bad = sorted(n for n in _imports(fake) if any(_within(n, m) for m in PAGES_MUST_NOT))
    finally:
        fake.unlink()
    assert bad == ["lib.stats", "lib.stats.contrasts", "sqlmodel", "sqlmodel.select"]
