"""crimepulse: track crime in a city and publish an honest public snapshot of it.

This is the package's public face, in the manner of httpx: everything a user of the
library needs is importable from here (`crimepulse.open`, the `Crimepulse` facade, the
`Fact` every published number is, the `Grid` of them, and the errors a caller may catch),
and `__all__` says exactly which names those are; tests/test_exported_members.py pins
the list. Anything else is reached through its own package (`crimepulse.oplog`,
`crimepulse.snapshot`, ...).
"""

from crimepulse.analysis.categories import CategoryError
from crimepulse.analysis.engine import Grid
from crimepulse.analysis.periods import QuestionError, WindowError
from crimepulse.analysis.selection import AreaError
from crimepulse.api import Crimepulse, open
from crimepulse.core.facts import Fact
from crimepulse.oplog.models import Conflict, NotFound
from crimepulse.oplog.validate import ValidationFailed
from crimepulse.snapshot.builder import SnapshotError
from crimepulse.sources.base import FormatError
from crimepulse.state.auth import Forbidden, Unauthorized

__version__ = "0.1.0"
__all__ = [
    "AreaError",
    "CategoryError",
    "Conflict",
    "Crimepulse",
    "Fact",
    "Forbidden",
    "FormatError",
    "Grid",
    "NotFound",
    "QuestionError",
    "SnapshotError",
    "Unauthorized",
    "ValidationFailed",
    "WindowError",
    "__version__",
    "open",
]
