"""The house's floors hold: every import under src/crimepulse points down (or sideways in a
declared direction), and no two packages import each other, however indirectly.

Read from the source with `ast`, nothing imported, so a lazy import inside a function or
one under `if TYPE_CHECKING:` counts like any other. The floors are HOUSE.md's (and
README's Layout): 1 the ground floor (core, stats, present, errors, config), 2 sources,
3 store and state, 4 analysis and oplog, 5 snapshot, 6 web and the api facade (and the
package face, crimepulse/__init__.py, which re-exports the facade), 7 cli and demo.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "crimepulse"
FACE = "crimepulse"  # crimepulse/__init__.py: `import crimepulse`, `from crimepulse import open`

FLOORS: dict[str, int] = {
    "core": 1,
    "stats": 1,
    "present": 1,
    "errors": 1,
    "config": 1,
    "sources": 2,
    "store": 3,
    "state": 3,
    "analysis": 4,
    "oplog": 4,
    "snapshot": 5,
    "web": 6,
    "api": 6,
    FACE: 6,
    "cli": 7,
    "demo": 7,
}
# Imports between two packages of one floor, allowed only in these directions. The ground
# floor: errors imports nothing of crimepulse; config, core, stats and present build on
# errors (and config on core's reference data, core on config's defaults: never both, the
# cycle test sees to that); stats imports nothing else. Analysis and the log never import
# each other; web uses the facade, which never imports web.
SIDEWAYS: frozenset[tuple[str, str]] = frozenset(
    {
        ("config", "errors"),
        ("config", "core"),
        ("core", "errors"),
        ("core", "config"),
        ("stats", "errors"),
        ("stats", "config"),
        ("stats", "core"),
        ("present", "errors"),
        ("present", "config"),
        ("present", "core"),
        (FACE, "api"),
        ("web", "api"),
        ("web", FACE),
        ("cli", "demo"),
    }
)


@dataclass(frozen=True)
class Import:
    """One import statement's edge: which file, which line, from which package to which."""

    file: str  # relative to the crimepulse package folder
    line: int
    source: str  # the importing package (FLOORS key)
    target: str  # the imported package (FLOORS key)
    module: str  # the dotted name imported, as written (resolved if relative)

    @property
    def key(self) -> tuple[str, str]:
        return (self.file, self.module)

    def where(self) -> str:
        return f"src/crimepulse/{self.file}:{self.line} imports {self.module}"


def _package_of(relative: Path) -> str:
    """The FLOORS key of a module: its top package, a top-level module's stem, or FACE."""
    if len(relative.parts) > 1:
        return relative.parts[0]
    return FACE if relative.stem == "__init__" else relative.stem


def _module_parts(relative: Path) -> list[str]:
    parts = ["crimepulse", *relative.with_suffix("").parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def _absolute(node: ast.ImportFrom, relative: Path) -> str:
    if not node.level:
        return node.module or ""
    package = _module_parts(relative)
    if relative.name != "__init__.py":
        package = package[:-1]  # a module's own package
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _target(module: str) -> str | None:
    """The package a dotted name lands in, or None when it is not crimepulse's."""
    parts = module.split(".")
    if parts[0] != "crimepulse":
        return None
    if len(parts) == 1:
        return FACE
    return parts[1]


def imports(root: Path) -> Iterator[Import]:
    """Every import of crimepulse code by a module under `root` (a crimepulse package)."""
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        source = _package_of(relative)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            modules: list[str] = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node, relative)
                if base == "crimepulse":  # `from crimepulse import oplog` is the package
                    for alias in node.names:
                        is_module = (root / alias.name).is_dir() or (
                            root / f"{alias.name}.py"
                        ).is_file()
                        modules.append(f"crimepulse.{alias.name}" if is_module else base)
                else:
                    modules = [base]
            for module in dict.fromkeys(modules):
                target = _target(module)
                if target is not None and target != source:
                    yield Import(relative.as_posix(), node.lineno, source, target, module)


def violations(
    found: Iterable[Import],
    floors: dict[str, int] = FLOORS,
    sideways: frozenset[tuple[str, str]] = SIDEWAYS,
) -> list[tuple[Import, str]]:
    """Each import that breaks a rule, with the rule it breaks."""
    out: list[tuple[Import, str]] = []
    for edge in found:
        unknown = [p for p in (edge.source, edge.target) if p not in floors]
        if unknown:
            out.append((edge, f"package {unknown[0]!r} has no floor (add it to FLOORS)"))
            continue
        low, high = floors[edge.source], floors[edge.target]
        if high > low:
            rule = f"points up: {edge.source} (floor {low}) -> {edge.target} (floor {high})"
            out.append((edge, rule))
        elif high == low and (edge.source, edge.target) not in sideways:
            rule = f"sideways on floor {low}, not a declared direction: {edge.source} -> "
            out.append((edge, rule + edge.target))
    return out


def cycles(found: Iterable[Import]) -> list[list[Import]]:
    """One witness path per cycle between packages (Tarjan's strongly connected parts)."""
    example: dict[tuple[str, str], Import] = {}
    graph: dict[str, set[str]] = {}
    for edge in found:
        example.setdefault((edge.source, edge.target), edge)
        graph.setdefault(edge.source, set()).add(edge.target)
        graph.setdefault(edge.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    parts: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            part = []
            while True:
                member = stack.pop()
                part.append(member)
                if member == node:
                    break
            if len(part) > 1:
                parts.append(sorted(part))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_witness(part, graph, example) for part in parts]


def _witness(
    part: list[str], graph: dict[str, set[str]], example: dict[tuple[str, str], Import]
) -> list[Import]:
    """A closed path through a strongly connected set, as the imports that make it."""
    members, start = set(part), part[0]
    paths: dict[str, list[str]] = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node] & members):
            if nxt == start:
                path = [*paths[node], start]
                return [example[(a, b)] for a, b in itertools.pairwise(path)]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    raise AssertionError(f"no cycle through {part}")  # cannot happen for an SCC


def _report(items: Iterable[tuple[Import, str]]) -> str:
    return "\n".join(f"{edge.where()}: {rule}" for edge, rule in items)


# --- the real tree ------------------------------------------------------------------------


def test_every_package_and_top_level_module_has_a_floor() -> None:
    found = {_package_of(p.relative_to(SRC)) for p in SRC.rglob("*.py")}
    assert found - FLOORS.keys() == set(), "give each new package a floor in FLOORS"


def test_the_checker_sees_the_real_imports() -> None:
    found = list(imports(SRC))
    assert len(found) > 100
    assert any(e.source == "store" and e.target == "sources" for e in found)
    assert any(e.source == FACE and e.target == "api" for e in found)


def test_no_import_points_up_or_sideways() -> None:
    bad = list(violations(imports(SRC)))
    assert not bad, "imports that break the floors:\n" + _report(bad)


def test_no_cycle_between_packages() -> None:
    loops = cycles(imports(SRC))
    assert not loops, "import cycles between packages:\n" + "\n\n".join(
        "\n".join(edge.where() for edge in loop) for loop in loops
    )


# --- the checker itself, on a fake tree ---------------------------------------------------


def _tree(root: Path, files: dict[str, str]) -> Path:
    package = root / "crimepulse"
    for name, text in {"__init__.py": "", **files}.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        for folder in path.relative_to(package).parents:
            (package / folder / "__init__.py").touch()
        path.write_text(text)
    return package


def test_a_new_violation_is_reported_with_its_file_line_and_rule(tmp_path: Path) -> None:
    package = _tree(
        tmp_path,
        {
            "core/facts.py": '"""Facts."""\n\nfrom crimepulse.store import warehouse\n',
            "store/warehouse.py": "import crimepulse.sources.base\n",
            "sources/base.py": "",
            "state/db.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from crimepulse.api import Crimepulse\n"
            ),
            "analysis/engine.py": "def f():\n    from ..oplog import log\n",
            "oplog/log.py": "import crimepulse\n",
            "snapshot/build.py": "from crimepulse import oplog, open\n",
            "api.py": "from crimepulse.web import app\n",
            "web/app.py": "from crimepulse import api\nimport crimepulse\n",
            "garden/shed.py": "from crimepulse.core import facts\n",
        },
    )
    found = list(imports(package))
    report = {(e.file, e.line, e.module): rule for e, rule in violations(found)}
    assert report == {
        ("core/facts.py", 3, "crimepulse.store"): "points up: core (floor 1) -> store (floor 3)",
        ("state/db.py", 3, "crimepulse.api"): "points up: state (floor 3) -> api (floor 6)",
        ("analysis/engine.py", 2, "crimepulse.oplog"): (
            "sideways on floor 4, not a declared direction: analysis -> oplog"
        ),
        ("oplog/log.py", 1, "crimepulse"): "points up: oplog (floor 4) -> crimepulse (floor 6)",
        ("snapshot/build.py", 1, "crimepulse"): (
            "points up: snapshot (floor 5) -> crimepulse (floor 6)"
        ),
        ("api.py", 1, "crimepulse.web"): (
            "sideways on floor 6, not a declared direction: api -> web"
        ),
        ("garden/shed.py", 1, "crimepulse.core"): (
            "package 'garden' has no floor (add it to FLOORS)"
        ),
    }
    # allowed: store -> sources (down), snapshot -> oplog (down), web -> api and the face
    allowed = {(e.file, e.module) for e in found} - {(f, m) for f, _, m in report}
    assert allowed == {
        ("store/warehouse.py", "crimepulse.sources.base"),
        ("snapshot/build.py", "crimepulse.oplog"),
        ("web/app.py", "crimepulse.api"),
        ("web/app.py", "crimepulse"),
    }


def test_a_cycle_is_reported_as_the_imports_that_close_it(tmp_path: Path) -> None:
    package = _tree(
        tmp_path,
        {
            "core/facts.py": "from crimepulse.config import DEFAULT\n",
            "config.py": "from crimepulse.core.facts import Fact\n",
            "stats/counts.py": "from crimepulse.core import facts\n",
        },
    )
    found = list(imports(package))
    assert violations(found) == []  # each direction is declared ...
    (loop,) = cycles(found)  # ... but not both at once
    assert [(e.file, e.line, e.source, e.target) for e in loop] == [
        ("config.py", 1, "config", "core"),
        ("core/facts.py", 1, "core", "config"),
    ]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"a.py": "import os\nimport crimepulse_other\n"}, set()),
        ({"core/x.py": "from . import y\nfrom .y import z\n", "core/y.py": ""}, set()),
        ({"web/routes/x.py": "from ...snapshot import archive\n"}, {"crimepulse.snapshot"}),
        (
            {"cli/__init__.py": "from .main import app\nfrom ..demo import london\n"},
            {"crimepulse.demo"},
        ),
    ],
)
def test_imports_resolve_relative_and_ignore_foreign_names(
    tmp_path: Path, files: dict[str, str], expected: set[str]
) -> None:
    assert {e.module for e in imports(_tree(tmp_path, files))} == expected
