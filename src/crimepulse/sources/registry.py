"""Every format crimepulse reads, and detection from a file's header.

To add a format, write a Reader (see base.py) and list it here: detection tries readers in
this order and takes the first whose `matches` accepts the header.
"""

from __future__ import annotations

from crimepulse.errors import FormatError
from crimepulse.sources import files, geo, harm, homicide, incidents, mps, national, policeuk
from crimepulse.sources.base import Reader, SourceFile

READERS: list[Reader] = [
    *policeuk.READERS,
    *incidents.READERS,
    *mps.READERS,
    *homicide.READERS,
    *geo.READERS,
    *harm.READERS,
    *national.READERS,
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
        f"{f.name}: header matches no known format (columns: {shown or 'none'}){closest(columns)}"
        f".\n{KNOWN_FORMATS}\n  - {listing}"
    )


def closest(columns: list[str]) -> str:
    """Words naming the format whose required columns the header nearly has (half or more,
    the most), and the ones it lacks: a file missing one column should say which."""
    present = set(columns)
    best: tuple[float, str, list[str]] | None = None
    for reader in READERS:
        # Optional on a Reader: the columns its header must hold, when it can list them.
        required = list(getattr(reader, "required_columns", ()))
        if not required:
            continue
        lacking = [c for c in required if c not in present]
        share = 1 - len(lacking) / len(required)
        if lacking and share >= 0.5 and (best is None or share > best[0]):
            best = (share, reader.name, lacking)
    if best is None:
        return ""
    return f"; closest is {best[1]}, which also needs: {', '.join(best[2])}"
