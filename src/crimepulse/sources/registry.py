"""Every format crimepulse reads, and detection from a file's header.

To add a format, write a Reader (see base.py) and list it here: detection tries readers in
this order and takes the first whose `matches` accepts the header.
"""

from __future__ import annotations

from crimepulse.errors import FormatError
from crimepulse.sources import files, geo, harm, homicide, incidents, mps, policeuk
from crimepulse.sources.base import Reader, SourceFile

READERS: list[Reader] = [
    *policeuk.READERS,
    *incidents.READERS,
    *mps.READERS,
    *homicide.READERS,
    *geo.READERS,
    *harm.READERS,
]

# Known files that `ingest` leaves to another command (name, columns, what to do instead).
ELSEWHERE: list[tuple[str, list[str], str]] = [
    (
        "operational outcomes log",
        ["occurredon", "eventtype", "count", "unit", "theme"],
        "load it into the outcomes log with `crimepulse log import`",
    ),
]


KNOWN_FORMATS = "Known formats:"


def known_formats() -> list[str]:
    return [f"{r.name}: {r.description}" for r in READERS]


def detect(f: SourceFile) -> tuple[Reader | None, list[str], str | None]:
    """The reader for `f` (or None), its normalised header, and a note when it belongs elsewhere.

    Raises FormatError when no reader recognises the header.
    """
    columns = files.header(f)
    twice = sorted({c for c in columns if c and columns.count(c) > 1})
    if twice:  # which of the two would a reader read? Neither: say so
        raise FormatError(
            f"{f.name}: line 1: column {twice[0]!r} appears twice in the header (after "
            "normalising case, spaces and punctuation)"
        )
    for reader in READERS:
        if reader.matches(columns):
            return reader, columns, None
    for name, required, advice in ELSEWHERE:
        if all(c in columns for c in required):
            return None, columns, f"{name}: {advice}"
    shown = ", ".join(columns[:12]) + (" ..." if len(columns) > 12 else "")
    listing = "\n  - ".join(known_formats())
    raise FormatError(
        f"{f.name}: header matches no known format (columns: {shown or 'none'}).\n"
        f"{KNOWN_FORMATS}\n  - {listing}"
    )
