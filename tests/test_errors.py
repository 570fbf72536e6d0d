"""The error tree: the classes, their parents and what each face answers, as the module's
docstring draws them; the old import paths still give the same classes."""

from __future__ import annotations

import inspect
import re

import pytest

from crimepulse import errors
from crimepulse.errors import CrimepulseError

# class -> (parent in the tree, HTTP status, CLI exit status)
TREE: dict[str, tuple[str | None, int, int]] = {
    "CrimepulseError": (None, 500, 1),
    "QuestionError": ("CrimepulseError", 422, 2),
    "WindowError": ("QuestionError", 422, 2),
    "CategoryError": ("QuestionError", 422, 2),
    "AreaError": ("QuestionError", 422, 2),
    "MissingDataError": ("QuestionError", 422, 2),
    "HistoryError": ("QuestionError", 422, 2),
    "SeriesBreakError": ("QuestionError", 422, 2),
    "FormatError": ("CrimepulseError", 422, 2),
    "SnapshotError": ("CrimepulseError", 422, 2),
    "ThemeError": ("SnapshotError", 422, 2),
    "WarehouseBusy": ("CrimepulseError", 503, 3),
    "SourceUnavailable": ("CrimepulseError", 502, 2),
    "RequestRefused": ("CrimepulseError", 400, 1),
    "ValidationFailed": ("RequestRefused", 422, 1),
    "FileRefused": ("RequestRefused", 422, 1),
    "NotFound": ("RequestRefused", 404, 1),
    "Conflict": ("RequestRefused", 409, 1),
    "Unauthorized": ("RequestRefused", 401, 1),
    "Forbidden": ("RequestRefused", 403, 1),
}
# Callers caught these as ValueError / LookupError before the tree: they still can.
BUILTIN_PARENT = {
    "QuestionError": ValueError,
    "SnapshotError": ValueError,
    "ValidationFailed": ValueError,
    "FileRefused": ValueError,
    "Conflict": ValueError,
    "NotFound": LookupError,
}


def classes() -> dict[str, type[CrimepulseError]]:
    return {
        name: value
        for name, value in vars(errors).items()
        if inspect.isclass(value) and issubclass(value, CrimepulseError)
    }


def test_every_error_class_is_in_the_tree() -> None:
    assert set(classes()) == set(TREE)


@pytest.mark.parametrize("name", sorted(TREE))
def test_each_class_has_its_parent_status_exit_code_and_title(name: str) -> None:
    cls = classes()[name]
    parent, status, exit_code = TREE[name]
    ours = [base for base in cls.__bases__ if issubclass(base, CrimepulseError)]
    assert [base.__name__ for base in ours] == ([parent] if parent else [])
    assert (cls.status, cls.exit_code) == (status, exit_code)
    assert cls.title and cls.__doc__
    for builtin_name, builtin in BUILTIN_PARENT.items():
        if issubclass(cls, classes()[builtin_name]):
            assert issubclass(cls, builtin)


def test_the_docstring_draws_the_tree() -> None:
    doc = errors.__doc__ or ""
    drawn = {}
    for line in doc.splitlines():
        found = re.match(r"^\s*(?:[│ ]*[├└]── )?([A-Z]\w+)(?: \((\w+)\))?\s+(\d{3})?", line)
        if found and found.group(1) in TREE:
            drawn[found.group(1)] = found.group(3)
    assert set(drawn) == set(TREE)
    for name, status in drawn.items():
        if status is not None:
            assert int(status) == TREE[name][1], name


def test_a_conflict_keeps_its_own_status_and_title() -> None:
    reused = errors.Conflict("Idempotency-Key reused with a different request", status=422)
    assert (reused.status, reused.title) == (422, "Idempotency key reused")
    taken = errors.Conflict("a user called 'x' exists already")
    assert (taken.status, taken.title) == (409, "Conflict")


def test_unauthorized_says_how_to_authenticate() -> None:
    assert dict(errors.Unauthorized.headers) == {"WWW-Authenticate": "Bearer"}
    assert dict(errors.Forbidden.headers) == {}


def test_the_old_import_paths_give_the_same_classes() -> None:
    from crimepulse import oplog, snapshot
    from crimepulse.analysis import categories, periods, selection
    from crimepulse.oplog import importer, models, validate
    from crimepulse.snapshot import builder, themes
    from crimepulse.sources import base
    from crimepulse.state import auth

    assert periods.QuestionError is errors.QuestionError
    assert periods.WindowError is errors.WindowError
    assert categories.CategoryError is errors.CategoryError
    assert selection.AreaError is errors.AreaError
    assert base.FormatError is errors.FormatError
    assert builder.SnapshotError is snapshot.SnapshotError is errors.SnapshotError
    assert themes.ThemeError is snapshot.ThemeError is errors.ThemeError
    assert validate.ValidationFailed is oplog.ValidationFailed is errors.ValidationFailed
    assert validate.FieldError is oplog.FieldError is errors.FieldError
    assert importer.FileRefused is errors.FileRefused
    assert models.NotFound is oplog.NotFound is errors.NotFound
    assert models.Conflict is oplog.Conflict is errors.Conflict
    assert auth.Unauthorized is oplog.Unauthorized is errors.Unauthorized
    assert auth.Forbidden is oplog.Forbidden is errors.Forbidden


def test_the_tree_imports_nothing_else_of_crimepulse() -> None:
    source = inspect.getsource(errors)
    assert not re.search(r"^\s*(from|import) crimepulse", source, re.M)
