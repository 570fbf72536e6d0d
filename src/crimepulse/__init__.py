"""crimepulse: track crime in a city and publish an honest public snapshot of it.

This is the package's public face, in the manner of httpx: everything a user of the
library needs is importable from here (`crimepulse.open`, the `Crimepulse` facade, the
`Settings` it is opened with, the `Question` it is asked, the `Fact` every published
number is, the `Grid` of them, and the error tree a caller may catch),
and `__all__` says exactly which names those are; tests/test_exported_members.py pins
the list. Anything else is reached through its own package (`crimepulse.oplog`,
`crimepulse.snapshot`, ...).
"""

from crimepulse.analysis.grid import Grid
from crimepulse.analysis.question import GridQuestion, Question
from crimepulse.api import Crimepulse, open
from crimepulse.config import Settings
from crimepulse.core.facts import Fact
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
