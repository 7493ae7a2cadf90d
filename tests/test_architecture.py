"""The layer rules, enforced: what may import what (README, "How it is organised").

Read from the source with ``ast`` (nothing is imported), so a rule breaks the build the moment someone
writes the import, whichever page or module it is in, at the top of a file or inside a function. Only
imports under ``if TYPE_CHECKING:`` are exempt: they never run.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / "lib"

# The few modules at lib/'s root: words and plain records every layer shares.
FOUNDATION = {"lib.vocabulary", "lib.formatting", "lib.specs", "lib.criteria", "lib.plain_text", "lib.currencies"}
# Pure packages: no database, no Streamlit; each may import only itself and what is listed.
PURE: dict[str, set[str]] = {
    "lib.stats": {"lib.vocabulary"},
    "lib.decide": {"lib.stats", *FOUNDATION},
    "lib.importer": {"lib.stats", *FOUNDATION},
    "lib.charts": {"lib.decide", "lib.stats", *FOUNDATION},
    "lib.report": {"lib.charts", "lib.decide", "lib.stats", *FOUNDATION},
}
PURE_ALL = set(PURE) | FOUNDATION
# Every other layer, top first: each may import itself and the layers named (never one above it).
LAYERS: dict[str, set[str]] = {
    "lib.adapter": {"lib.services", "lib.infra", *PURE_ALL},  # the only Streamlit code
    "lib.cli": {"lib.demo", "lib.services", "lib.infra", *PURE_ALL},
    "lib.demo": {"lib.services", "lib.infra", *PURE_ALL},
    "lib.services": {"lib.infra", *PURE_ALL},
    "lib.infra": set(FOUNDATION),
    **PURE,
    **{m: set(FOUNDATION) for m in FOUNDATION},
}
PERSISTENCE = ("sqlmodel", "sqlalchemy", "alembic", "psycopg")
PAGES_MUST_NOT = (*PERSISTENCE, "lib.infra.db", "lib.infra.migrations", "lib.stats", "lib.cli")
ADAPTER = "lib.adapter"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(tree: ast.AST) -> set[int]:
    """Ids of the import nodes under ``if TYPE_CHECKING:``: they never run, so they tie nothing."""
    exempt: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            exempt.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return exempt


def _imports(path: Path) -> set[str]:
    """Absolute names of every module imported anywhere in the file (relative imports resolved)."""
    return set(_imports_in(path, path.read_text()))


@functools.cache
def _imports_in(path: Path, text: str) -> frozenset[str]:
    """:func:`_imports` of that text, read once per text: several tests check every file, and parsing and
    walking each file's tree took most of their time."""
    tree = ast.parse(text, filename=str(path))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    exempt = _type_checking_only(tree)
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in exempt:
            continue
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
    return frozenset(names)


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _layer_of(name: str) -> str | None:
    return max((layer for layer in LAYERS if _within(name, layer)), key=len, default=None)


def _lib_files(root: Path = LIB) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "migrations" not in p.parts)


def _page_files() -> list[Path]:
    return sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py")])


def _layer_violations(path: Path) -> list[str]:
    name = _module_name(path)
    layer = _layer_of(name)
    if layer is None:
        return [f"{name} is in no layer: put it in a layer's folder (README, 'How it is organised')"]
    allowed = {layer, *LAYERS[layer]}
    # `from lib import formatting` shows up as both "lib" and "lib.formatting": judge the latter
    bad = sorted(
        n for n in _imports(path) if _within(n, "lib") and n != "lib" and not any(_within(n, a) for a in allowed)
    )
    return [f"{name} ({layer}) may import only {sorted(allowed)}, not {bad}"] if bad else []


def _import_graph(paths: list[Path]) -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in paths}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = {m for m in _imports(path) if m in modules and m != name}
        # `from lib.charts import palette` names the package only to reach its submodule
        graph[name] = {m for m in found if not any(o.startswith(m + ".") for o in found)}
    return graph


def _first_cycle(graph: dict[str, set[str]]) -> list[str] | None:
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
            return cycle
    return None


@pytest.mark.parametrize("path", _page_files(), ids=lambda p: p.name)
def test_pages_hold_widgets_not_queries_or_statistics(path):
    bad = sorted(n for n in _imports(path) if any(_within(n, m) for m in PAGES_MUST_NOT))
    assert not bad, f"{path.name} imports {bad}: put the query or the maths behind a service in lib/"


LIB_MODULES = [p for p in _lib_files() if p != LIB / "__init__.py"]


@pytest.mark.parametrize("path", LIB_MODULES, ids=_module_name)
def test_each_module_imports_only_its_own_layer_and_those_below(path):
    problems = _layer_violations(path)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", LIB_MODULES, ids=_module_name)
def test_only_the_adapter_imports_streamlit(path):
    if _within(_module_name(path), ADAPTER):
        return
    bad = sorted(n for n in _imports(path) if _within(n, "streamlit"))
    assert not bad, f"{_module_name(path)} imports {bad}: only {ADAPTER} may talk to Streamlit"


@pytest.mark.parametrize("path", LIB_MODULES, ids=_module_name)
def test_pure_layers_touch_no_database(path):
    name = _module_name(path)
    if _layer_of(name) not in PURE_ALL:
        return
    bad = sorted(n for n in _imports(path) if any(_within(n, m) for m in PERSISTENCE))
    assert not bad, f"{name} is pure but imports {bad}"


def test_lib_root_holds_only_the_foundation():
    """New code goes in a layer's folder: the root is the handful of modules every layer shares."""
    root = {_module_name(p) for p in LIB.glob("*.py") if p.name != "__init__.py"}
    assert root == FOUNDATION


def test_lib_has_no_import_cycles_counting_imports_inside_functions():
    """A cycle makes import order matter and hides which module owns what; an import inside a function that
    closes a loop still ties the two modules both ways."""
    cycle = _first_cycle(_import_graph(_lib_files()))
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_the_rules_see_a_violation():
    """The checkers themselves can fail: a page that queries the database, a service that reaches up into the
    adapter, and two modules that import each other inside functions are each caught."""
    fake = ROOT / "pages" / "_architecture_probe.py"
    fake.write_text("from sqlmodel import select\nfrom lib.stats import contrasts\n")
    probe = LIB / "services" / "_architecture_probe"
    probe.mkdir()
    try:
        bad = sorted(n for n in _imports(fake) if any(_within(n, m) for m in PAGES_MUST_NOT))
        (probe / "__init__.py").write_text("")
        (probe / "a.py").write_text("def f():\n    from lib.services._architecture_probe import b\n")
        (probe / "b.py").write_text(
            "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from lib.cli import main\n\n"
            "def g():\n    from lib.adapter import session\n    from lib.services._architecture_probe import a\n"
        )
        cycle = _first_cycle(_import_graph(_lib_files(probe)))
        upward = _layer_violations(probe / "b.py")
    finally:
        fake.unlink()
        for p in probe.iterdir():
            p.unlink()
        probe.rmdir()
    assert bad == ["lib.stats", "lib.stats.contrasts", "sqlmodel", "sqlmodel.select"]
    assert cycle == [
        "lib.services._architecture_probe.a",
        "lib.services._architecture_probe.b",
        "lib.services._architecture_probe.a",
    ]
    assert len(upward) == 1 and "lib.adapter.session" in upward[0]
    assert "lib.cli" not in upward[0], "an import under TYPE_CHECKING never runs: it breaks no rule"
