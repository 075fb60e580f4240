"""The import graph of polyedition's modules has no circle, lazy imports included.

Every ``import`` and ``from … import`` of a polyedition module is an edge, wherever it stands:
at the top of a module, inside a function (a lazy import that only loads something later is
still a dependency) or under ``if TYPE_CHECKING`` (a type the module names is one too).
Importing ``a.b.c`` also runs the package ``a.b``'s ``__init__``, so that is an edge as well.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import polyedition

PACKAGE = Path(polyedition.__file__).parent


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__``)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> Iterator[str]:
    """The dotted names an import statement may load."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = module if is_package else module.rpartition(".")[0]
    if node.level:
        base = ".".join(base.split(".")[: len(base.split(".")) - node.level + 1])
        target = f"{base}.{node.module}" if node.module else base
    else:
        target = node.module or ""
    yield target
    yield from (f"{target}.{alias.name}" for alias in node.names)


def import_graph() -> dict[str, set[str]]:
    """Module → the polyedition modules it imports (and the packages those run)."""
    known = modules()
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, _, node, is_package in import_statements(known):
        for target in _imported(node, name, is_package):
            # a.b.c runs a.b's __init__ (and a's) before a.b.c itself
            parts = target.split(".")
            for end in range(2, len(parts) + 1):
                prefix = ".".join(parts[:end])
                if prefix in known and prefix != name and not name.startswith(prefix + "."):
                    graph[name].add(prefix)
    return graph


def import_statements(
    known: Mapping[str, Path],
) -> Iterator[tuple[str, Path, ast.Import | ast.ImportFrom, bool]]:
    """Each import statement of each module, those inside functions and under
    ``TYPE_CHECKING`` included: its module's name and path, the statement, and whether the
    module is a package's ``__init__``."""
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                yield name, path, node, path.name == "__init__.py"


def circles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_has_no_circle() -> None:
    graph = import_graph()
    assert circles(graph) == []


def test_the_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]


def test_importing_a_module_of_a_package_runs_the_package_first() -> None:
    graph = import_graph()
    assert {"polyedition.render", "polyedition.render.audio"} <= graph["polyedition.qa"]


def test_the_theme_and_the_narration_plan_import_no_renderer_and_no_build() -> None:
    graph = import_graph()
    below = [
        name for name in graph if name.startswith(("polyedition.theme", "polyedition.narration"))
    ]
    for name in below:
        upward = sorted(
            target
            for target in graph[name]
            if target.startswith(("polyedition.build", "polyedition.render."))
            and target != "polyedition.render.inline"
        )
        assert upward == [], f"{name} imports {upward}"


def test_a_renderer_imports_no_other_renderer_but_the_page_and_the_narration_it_uses() -> None:
    graph = import_graph()
    formats = ("html", "pdf", "epub", "feed", "audio")
    # The PDF is the article page, printed; the feed's episodes are the narration's files.
    allowed = {("pdf", "html"), ("feed", "audio")}
    for name, targets in graph.items():
        for own in formats:
            if not name.startswith(f"polyedition.render.{own}"):
                continue
            for target in targets:
                other = next(
                    (f for f in formats if target.startswith(f"polyedition.render.{f}")), own
                )
                assert other == own or (own, other) in allowed, f"{name} imports {target}"


def unresolved_imports(known: Mapping[str, Path]) -> list[str]:
    """Every import of a polyedition module or name, lazy ones included, that does not resolve:
    ``path:line: name`` (a lazy import inside a function runs only when that path does, so a
    moved module would otherwise fail a user's build, not the import of the package)."""
    import importlib

    broken = []
    for name, path, node, is_package in import_statements(known):
        shown = path.relative_to(PACKAGE.parent) if path.is_relative_to(PACKAGE) else path
        where = f"{shown}:{node.lineno}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("polyedition") and alias.name not in known:
                    broken.append(f"{where}: {alias.name}")
            continue
        target = next(_imported(node, name, is_package))
        if not target.startswith("polyedition"):
            continue
        if target not in known:
            broken.append(f"{where}: {target}")
            continue
        module = importlib.import_module(target)
        for alias in node.names:
            if not hasattr(module, alias.name) and f"{target}.{alias.name}" not in known:
                broken.append(f"{where}: {target}.{alias.name}")
    return broken


def test_every_import_of_a_polyedition_module_resolves_lazy_ones_included() -> None:
    assert unresolved_imports(modules()) == []


def test_the_import_checker_finds_a_lazy_import_of_a_moved_module(tmp_path: Path) -> None:
    stale = tmp_path / "polyedition" / "stale.py"
    stale.parent.mkdir()
    stale.write_text(
        "def run():\n"
        "    from polyedition.render.audio.gone import narrate\n"
        "    from polyedition.cache import NoSuchName\n",
        encoding="utf-8",
    )
    known = {**modules(), "polyedition.stale": stale}
    assert [line.rsplit(": ", 1)[1] for line in unresolved_imports(known)] == [
        "polyedition.render.audio.gone",
        "polyedition.cache.NoSuchName",
    ]
