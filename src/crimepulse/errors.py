"""The error tree: every error crimepulse raises on purpose, with what each face does with it.

An error of ours says, on its class, how the faces answer it: `status` is the HTTP status
the web app answers with (as RFC 9457 problem details, `title` their title, `headers`
any headers the status needs) and `exit_code` the CLI's exit status. So the web app has
one handler and the CLI one decorator, and neither keeps a list of classes. Anything that
is not a CrimepulseError is a bug: a 500, or a traceback. Where existing callers catch
ValueError or LookupError, a class also derives from it (as Ibis's
`IbisInputError(ValueError, IbisError)`), so nothing that caught it before stops
catching it. This module imports nothing else of crimepulse; the classes used to live
beside the code that raises them, and those modules still import them from here.

    CrimepulseError                 500  exit 1   root: an error of ours, not a bug
    ├── QuestionError (ValueError)  422  exit 2   a question the data cannot answer
    │   ├── WindowError                           unknown window, or finer than the data
    │   ├── CategoryError                         a category that matches nothing here
    │   ├── AreaError                             an area that matches nothing here
    │   ├── MissingDataError                      months not published, no population...
    │   ├── HistoryError                          too little history for the seasonal model
    │   └── SeriesBreakError                      windows across a break in the series
    │                                             (a renamed, split or recoded series)
    ├── FormatError                 422  exit 2   a file unreadable in the format it claims
    ├── SnapshotError (ValueError)  422  exit 2   a snapshot that cannot be built as asked
    │   └── ThemeError                            an unknown or malformed theme
    ├── WarehouseBusy               503  exit 3   the warehouse is locked by another process
    ├── SourceUnavailable           502  exit 2   a remote source (data.police.uk's API)
    │                                             that does not answer as documented
    └── RequestRefused                   exit 1   the log or the archive refuses a request
        ├── ValidationFailed (ValueError)  422    fields refused, each a FieldError
        ├── FileRefused (ValueError)       422    an import file unreadable as a whole
        ├── NotFound (LookupError)         404    no such event, snapshot or format
        ├── Conflict (ValueError)          409    a name taken, a step out of order
        │                                         (422: an idempotency key reused)
        ├── Unauthorized                   401    no token, or one nobody holds
        └── Forbidden                      403    a role that may not do this
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

_NO_HEADERS: Mapping[str, str] = MappingProxyType({})


class CrimepulseError(Exception):
    """The root: an error crimepulse raises on purpose, said plainly."""

    status: int = 500
    exit_code: int = 1
    title: str = "Internal error"
    headers: Mapping[str, str] = _NO_HEADERS


# -- questions the data cannot answer ------------------------------------------------------


class QuestionError(ValueError, CrimepulseError):
    """A question the data or the engine cannot answer, said plainly: the user's to fix,
    not a bug."""

    status = 422
    exit_code = 2
    title = "Cannot answer"


class WindowError(QuestionError):
    """A window that cannot be counted: unknown name, or finer than the data."""


class CategoryError(QuestionError):
    """A category name that matches nothing, or a category a source cannot count."""


class AreaError(QuestionError):
    """An area name or code that matches nothing in the data."""


class MissingDataError(QuestionError):
    """Data the question needs is not in the warehouse: months not yet published, no
    population for a rate, no harm weights, no records of the kind asked about."""


class HistoryError(QuestionError):
    """A series the seasonal model cannot fit: too few months, no events at all, no month
    like the one judged, or a fit that does not converge."""


class SeriesBreakError(QuestionError):
    """Windows on both sides of a break in the series (a category renamed or split, an
    area's rows filed apart, LSOAs recoded) with no documented mapping across it: the
    change would be the break's, not crime's. The message names the break, its month and
    what to ask instead. (Status, exit code and title are its family's.)"""


# -- files and snapshots -------------------------------------------------------------------


class FormatError(CrimepulseError):
    """A whole file cannot be read in the format its header claimed (or in any format)."""

    status = 422
    exit_code = 2
    title = "Unreadable file"


class SnapshotError(ValueError, CrimepulseError):
    """A snapshot that cannot be built as asked (bad period, no data for it, ...)."""

    status = 422
    exit_code = 2
    title = "Cannot build snapshot"


class ThemeError(SnapshotError):
    """An unknown theme, or a themes file that does not have the expected shape."""


# -- the warehouse ----------------------------------------------------------------------


class WarehouseBusy(CrimepulseError):
    """The warehouse file is locked by another process (DuckDB lets one process write,
    and no other open it meanwhile): nothing was read or changed, and running again once
    that process finishes will work. Not a bad file (2) nor a refused request (1), so it
    has its own exit status, and the web answers 503 with `Retry-After` (an ingest of a
    month's files takes about that long)."""

    status = 503
    exit_code = 3
    title = "Warehouse in use"
    headers: Mapping[str, str] = MappingProxyType({"Retry-After": "30"})


class SourceUnavailable(CrimepulseError):
    """A remote source (data.police.uk's API) that did not answer as documented, even
    after the bounded retries: nothing of the month it was asked for is stored, so running
    again later fetches it (what was stored before is kept)."""

    status = 502
    exit_code = 2
    title = "Source unavailable"


# -- requests the outcomes log or the snapshot archive refuses -----------------------------


@dataclass(frozen=True)
class FieldError:
    """One reason a field was refused (`field` is a dotted path, e.g. related_crime_ids.2)."""

    field: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "reason": self.reason}


class RequestRefused(CrimepulseError):
    """A request to the outcomes log or the snapshot archive that is refused as asked."""

    status = 400
    exit_code = 1
    title = "Refused"


class ValidationFailed(ValueError, RequestRefused):
    """Input refused; nothing was stored. Carries every field error found."""

    status = 422
    title = "Invalid input"

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))


class FileRefused(ValueError, RequestRefused):
    """The file cannot be read as an outcomes CSV at all; nothing was stored."""

    status = 422
    title = "Unreadable file"


class NotFound(LookupError, RequestRefused):
    """No such event, snapshot or stored format."""

    status = 404
    title = "Not found"


class Conflict(ValueError, RequestRefused):
    """The request clashes with what is stored: a name taken, a workflow step out of
    order (409), or an Idempotency-Key reused with a different request (422)."""

    status = 409
    title = "Conflict"

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status
        if status == 422:
            self.title = "Idempotency key reused"


class Unauthorized(RequestRefused):
    """No token, or a token nobody holds."""

    status = 401
    title = "Unauthorized"
    headers: Mapping[str, str] = MappingProxyType({"WWW-Authenticate": "Bearer"})


class Forbidden(RequestRefused):
    """A valid token whose role may not do this."""

    status = 403
    title = "Forbidden"
