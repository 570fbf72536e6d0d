"""The public surface of `import crimepulse` is pinned: the names users may rely on are
exactly these, each resolves, nothing else public leaks into the namespace, and the
package ships `py.typed` so type checkers read our annotations.

httpx's tests/test_exported_members.py is the model: a name added to (or dropped from)
the face is a decision, taken here in the open, never a side effect of an import.
"""

from __future__ import annotations

import inspect
import tomllib
from pathlib import Path
from types import ModuleType

import crimepulse

# What `crimepulse` exports: the facade, the values it takes and hands out, the settings...
FACE = {
    "__version__", "open", "Crimepulse", "Fact", "Grid", "Question", "GridQuestion", "Settings",
}  # fmt: skip
# ... and the error tree (the issue 9 families: questions the data cannot answer, ingest
# formats, snapshots, and the outcomes log's refusals).
ERROR_TREE = {
    "CrimepulseError",
    "QuestionError",
    "WindowError",
    "CategoryError",
    "AreaError",
    "MissingDataError",
    "HistoryError",
    "SeriesBreakError",
    "FormatError",
    "SnapshotError",
    "ThemeError",
    "WarehouseBusy",
    "SourceUnavailable",
    "RequestRefused",
    "ValidationFailed",
    "FileRefused",
    "NotFound",
    "Conflict",
    "Unauthorized",
    "Forbidden",
}
EXPECTED = FACE | ERROR_TREE

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _is_subpackage(name: str, value: object) -> bool:
    """`crimepulse.analysis` etc. appear as attributes once imported; they are packages of
    crimepulse, not exported names."""
    return isinstance(value, ModuleType) and value.__name__ == f"crimepulse.{name}"


def test_all_is_exactly_the_expected_names() -> None:
    assert set(crimepulse.__all__) == EXPECTED
    assert len(crimepulse.__all__) == len(set(crimepulse.__all__)), "a name listed twice"


def test_every_exported_name_resolves() -> None:
    for name in crimepulse.__all__:
        assert getattr(crimepulse, name, None) is not None, name


def test_no_stray_public_names() -> None:
    public = {
        name
        for name, value in vars(crimepulse).items()
        if not name.startswith("_") and not _is_subpackage(name, value)
    }
    stray = public - set(crimepulse.__all__)
    assert not stray, f"public but not in __all__ (export them or rename with _): {stray}"


def test_exported_errors_are_exceptions_and_classes_are_classes() -> None:
    for name in ERROR_TREE:
        value = getattr(crimepulse, name)
        assert inspect.isclass(value) and issubclass(value, Exception), name
    for name in {"Crimepulse", "Fact", "Grid", "Question", "Settings"}:
        assert inspect.isclass(getattr(crimepulse, name)), name
    assert callable(crimepulse.open)


def test_the_error_tree_is_exported_whole() -> None:
    """Every public exception of crimepulse.errors is on the face, and
    under its one root."""
    import crimepulse.errors as tree

    defined = {
        name
        for name, value in vars(tree).items()
        if inspect.isclass(value)
        and issubclass(value, Exception)
        and value.__module__ == tree.__name__
        and not name.startswith("_")
    }
    assert defined <= set(crimepulse.__all__), sorted(defined - set(crimepulse.__all__))
    root = tree.CrimepulseError
    for name in defined:
        assert issubclass(getattr(tree, name), root), name


def test_py_typed_ships_with_the_package() -> None:
    package = Path(crimepulse.__file__).parent
    assert (package / "py.typed").is_file()
    config = tomllib.loads(PYPROJECT.read_text())
    package_data = config["tool"]["setuptools"]["package-data"]
    assert "py.typed" in package_data.get("crimepulse", [])
