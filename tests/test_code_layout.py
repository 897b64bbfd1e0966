"""The shape of the code a newcomer walks: no import cycles, no oversized modules.

import-linter (``make lint``) checks which package may import which; these
two checks cover what its contracts cannot say:

- **No import cycles**, not even hidden behind a function-level import or an
  ``if TYPE_CHECKING:`` block. grimp (the graph import-linter itself builds)
  sees both, so a cycle cannot be "fixed" by moving an import into a function.
- **No module over 500 lines without a reason at its top.** A long module is
  allowed when its docstring says why, in a paragraph starting
  ``Why this module is long:``; the reason is then reviewed like any code.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

from tests.conftest import ROOT

PACKAGES = ("actions", "bot", "handoff", "plumbing", "training", "scripts", "bench")
MAX_LINES = 500
LONG_REASON = "Why this module is long:"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, exclude_type_checking_imports=False, cache_dir=None)


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """One chain per cycle: a module, what it imports, and back to it."""
    found: dict[frozenset[str], list[str]] = {}
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back:
                chain = [module, *back]
                found.setdefault(frozenset(chain), chain)
    return list(found.values())


def test_no_module_imports_itself_through_others(graph: grimp.ImportGraph) -> None:
    assert [" -> ".join(chain) for chain in cycles(graph)] == []


def test_the_cycle_check_finds_a_cycle() -> None:
    # The check above must be able to fail: a graph with one planted cycle.
    graph = grimp.ImportGraph()
    for name in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(name)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.c")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    assert [set(chain) for chain in cycles(graph)] == [{"pkg.a", "pkg.b", "pkg.c"}]


def modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def test_long_modules_say_why() -> None:
    unexplained = []
    for path in modules():
        source = path.read_text(encoding="utf-8")
        lines = source.count("\n")
        if lines <= MAX_LINES:
            continue
        docstring = ast.get_docstring(ast.parse(source)) or ""
        if LONG_REASON not in docstring:
            unexplained.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert unexplained == [], f"over {MAX_LINES} lines without '{LONG_REASON}' in the docstring"
