"""The CLI starts light, and the runtime needs nothing only the tests install.

`crimepulse --help` must answer in a fraction of a second, so building the Typer app may
not import the analysis (ibis, scipy, statsmodels), the web app (fastapi), the PDF
renderer (weasyprint) or Spark: each command imports what it runs, and `crimepulse
sources` reads the warehouse without the analysis. Each check runs in a fresh
interpreter, since this test process has long imported everything.

`make run` installs only pyproject's runtime dependencies (not `.[dev]`), so no module of
crimepulse may import a distribution that only the dev extra brings in.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import textwrap
import tomllib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"

HEAVY = ("ibis", "scipy", "statsmodels", "fastapi", "weasyprint", "pyspark")
# Building the app (for --help) opens no database and reads no file either.
NOT_FOR_HELP = (*HEAVY, "duckdb", "pyarrow", "pandas", "sqlalchemy", "shapely", "httpx")


def _loaded_after(code: str, names: Iterable[str]) -> list[str]:
    """Which of `names` a fresh interpreter has imported once `code` has run."""
    probe = textwrap.dedent(code) + textwrap.dedent(
        f"""
        import json as _json, sys as _sys
        print(_json.dumps([n for n in {list(names)!r} if n in _sys.modules]))
        """
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_the_probe_sees_a_heavy_import() -> None:
    """The check below can fail: importing the analysis engine does load ibis and scipy."""
    assert {"ibis", "scipy"} <= set(_loaded_after("import crimepulse.analysis.engine", HEAVY))


def test_importing_the_cli_imports_no_heavy_library() -> None:
    assert _loaded_after("import crimepulse.cli.main", NOT_FOR_HELP) == []


def test_help_renders_without_heavy_libraries() -> None:
    code = """
        from crimepulse.cli import app
        for args in (["--help"], ["snapshot", "--help"], ["log", "add", "--help"]):
            try:
                app(args, prog_name="crimepulse")
            except SystemExit as exc:
                assert exc.code == 0, (args, exc.code)
    """
    assert _loaded_after(code, NOT_FOR_HELP) == []


def test_sources_reads_the_warehouse_without_the_analysis(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    code = f"""
        import crimepulse
        crimepulse.open({str(db)!r}).close()
        from crimepulse.cli import app
        try:
            app(["sources", "--db", {str(db)!r}, "--format", "json"], prog_name="crimepulse")
        except SystemExit as exc:
            assert exc.code in (0, None), exc.code
    """
    assert _loaded_after(code, HEAVY) == []


def test_the_package_face_loads_the_facade_when_first_asked() -> None:
    assert _loaded_after("import crimepulse", NOT_FOR_HELP) == []
    loaded = _loaded_after("import crimepulse\ncrimepulse.Grid", HEAVY)
    assert "ibis" in loaded  # the name resolved by importing its module


def test_the_python_api_opens_a_warehouse(tmp_path: Path) -> None:
    code = f"""
        import crimepulse
        from crimepulse import Question, open as open_warehouse
        with open_warehouse({str(tmp_path / "w.duckdb")!r}) as cp:
            assert isinstance(cp, crimepulse.Crimepulse)
            assert cp.sources() == []
        assert Question.__module__ == "crimepulse.analysis.question"
    """
    _loaded_after(code, [])


# --- the runtime install: pyproject's dependencies, never the dev extra -------------------


def _name(requirement: str | Requirement) -> str:
    name = requirement.name if isinstance(requirement, Requirement) else requirement
    return re.sub(r"[-_.]+", "-", name).lower()


def _closure(requirements: Iterable[str]) -> set[str]:
    """Every installed distribution these requirements pull in, with their extras."""
    seen: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = _name(req)
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for text in dist.requires or []:
            sub = Requirement(text)
            wanted = ["", *sorted(req.extras)]
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in wanted):
                sub.marker = None
                todo.append(sub)
    return seen


def _dev_only() -> set[str]:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    runtime = _closure(project["dependencies"])
    return _closure(project["optional-dependencies"]["dev"]) - runtime


def test_dev_only_distributions_are_the_test_tools() -> None:
    dev_only = _dev_only()
    assert {"pytest", "pyspark", "playwright", "schemathesis", "ruff", "mypy"} <= dev_only
    assert not {"duckdb", "weasyprint", "fastapi", "ibis-framework"} & dev_only


def test_no_module_of_crimepulse_imports_a_dev_only_distribution() -> None:
    """Import every module of the package (what `make run` can reach and more), then map
    each top-level module loaded to the distribution that installed it. Scripts are left
    out: `__main__` runs the CLI, and alembic runs the migrations inside a migration."""
    code = """
        import importlib, pkgutil
        import crimepulse
        for info in pkgutil.walk_packages(crimepulse.__path__, "crimepulse."):
            if not info.name.endswith("__main__") and ".migrations" not in info.name:
                importlib.import_module(info.name)
    """
    owners = metadata.packages_distributions()  # top-level module -> distributions
    loaded = _loaded_after(code, sorted(owners))
    distributions = {_name(d) for module in loaded for d in owners.get(module, [])}
    assert "duckdb" in distributions  # the mapping sees the runtime's own libraries
    assert distributions & _dev_only() - set(PROBED_BY_OTHERS) == set()


# Imported by a runtime library when it happens to be installed, with a fallback when not.
PROBED_BY_OTHERS = {"charset-normalizer": "numpy.f2py tries it (try/except ImportError)"}


def test_every_library_our_source_imports_is_a_runtime_dependency() -> None:
    """Read from the source with `ast`, so an import inside a function counts too."""
    src = Path(__file__).resolve().parents[2] / "src" / "crimepulse"
    modules: set[str] = set()
    for path in src.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules |= {alias.name.partition(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module.partition(".")[0])
    owners = metadata.packages_distributions()
    third_party = {_name(d) for m in modules for d in owners.get(m, []) if m != "crimepulse"}
    assert {"duckdb", "ibis-framework", "weasyprint"} <= third_party
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    assert third_party - _closure(project["dependencies"]) == set()
