"""crimepulse: track crime in a city and publish an honest public snapshot of it.

This is the package's public face, in the manner of httpx: everything a user of the
library needs is importable from here (`crimepulse.open`, the `Crimepulse` facade, the
`Settings` it is opened with, the `Question` it is asked, the `Fact` every published
number is, the `Grid` of them, and the error tree a caller may catch),
and `__all__` says exactly which names those are; tests/test_exported_members.py pins
the list. Anything else is reached through its own package (`crimepulse.oplog`,
`crimepulse.snapshot`, ...).

The facade and the analysis values are imported when first asked for (PEP 562's module
`__getattr__`), not when the package is: every `crimepulse.x` import passes through this
file, and the facade pulls in ibis, scipy and statsmodels, which `crimepulse --help` and
the commands that never analyse should not pay for (tests/cli/test_imports.py). The error
tree and the settings are light and imported at once.
"""

import importlib as _importlib
import typing as _typing

from crimepulse.config import Settings
from crimepulse.errors import (
    AreaError,
    CategoryError,
    Conflict,
    CrimepulseError,
    FileRefused,
    Forbidden,
    FormatError,
    HistoryError,
    MissingDataError,
    NotFound,
    QuestionError,
    RequestRefused,
    SeriesBreakError,
    SnapshotError,
    SourceUnavailable,
    ThemeError,
    Unauthorized,
    ValidationFailed,
    WarehouseBusy,
    WindowError,
)

if _typing.TYPE_CHECKING:
    from crimepulse.analysis.grid import Grid
    from crimepulse.analysis.question import GridQuestion, Question
    from crimepulse.api import Crimepulse, open
    from crimepulse.core.facts import Fact

# The names imported on first use: name -> the module that defines it.
_LAZY: dict[str, str] = {
    "Grid": "crimepulse.analysis.grid",
    "GridQuestion": "crimepulse.analysis.question",
    "Question": "crimepulse.analysis.question",
    "Crimepulse": "crimepulse.api",
    "open": "crimepulse.api",
    "Fact": "crimepulse.core.facts",
}

__version__ = "0.1.0"
__all__ = [
    "AreaError",
    "CategoryError",
    "Conflict",
    "Crimepulse",
    "CrimepulseError",
    "Fact",
    "FileRefused",
    "Forbidden",
    "FormatError",
    "Grid",
    "GridQuestion",
    "HistoryError",
    "MissingDataError",
    "NotFound",
    "Question",
    "QuestionError",
    "RequestRefused",
    "SeriesBreakError",
    "Settings",
    "SnapshotError",
    "SourceUnavailable",
    "ThemeError",
    "Unauthorized",
    "ValidationFailed",
    "WarehouseBusy",
    "WindowError",
    "__version__",
    "open",
]


def __getattr__(name: str) -> object:
    """Import a lazily exported name on first use and keep it, so the next access is a
    plain attribute; any other name is an AttributeError (which is also how
    `from crimepulse import snapshot` falls through to importing the subpackage)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'crimepulse' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
