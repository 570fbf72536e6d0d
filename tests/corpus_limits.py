"""Inputs that pass a read limit (issue 17, defect 7), in small versions: each is a `Case`
of tests/corpus.py plus the limits lowered for it (as the environment variables a
deployment would set), and the physical lines its loaded units hold.

The real sizes (a 200 MB line, a 300 MB zip bomb) are bench/limits.py's; here a 40 KB line
passes a 16 KiB line limit and a 2 MB bomb a lowered ratio, so every rule is exercised in
milliseconds. `tests/store/test_corpus_limits.py` runs them through the checks of
tests/store/test_corpus.py. To add a case, write a function and list it in LIMIT_CASES.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.corpus import LOADED, QUARANTINED, REJECTED, Case, street_csv, zipped
from tests.factories import STREET_HEADER, street_row

LINE_LIMIT = {"CRIMEPULSE_MAX_LINE_BYTES": "16KiB"}
LONG = 40_000  # bytes of the over-long crime id: the line is this plus the row's other fields


@dataclass(frozen=True)
class LimitCase:
    """`make` builds the case; `environ` lowers the limits for it; `lines`: the physical
    lines of its loaded units in all (header included), each of which must be a loaded
    row, a quarantined row or a blank line."""

    make: Callable[[], Case]
    environ: dict[str, str] = field(default_factory=dict)
    lines: int = 0

    @property
    def name(self) -> str:
        return self.make.__name__


def deflated(*members: tuple[str, bytes]) -> bytes:
    """A zip whose members are compressed (tests.corpus.zipped stores them as they are)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


def with_long_line(n: int = 5, at: int = 3, end: str = "\n", final_end: bool = True) -> bytes:
    """A street file of `n` crimes whose line `at` (header = line 1) is a crime with a
    40 KB id: over the 16 KiB limit. Line ends are `end`."""
    rows = [street_row(crime_id=f"c{i}") for i in range(n)]
    rows.insert(at - 2, street_row(crime_id="x" * LONG))
    text = end.join([STREET_HEADER, *rows]) + (end if final_end else "")
    return text.encode()


def long_line() -> Case:
    words = ("line 3 is 40,", "bytes, over the 16 KiB line limit (--max-line-bytes)")
    return Case("street.csv", with_long_line(), (QUARANTINED,), words, rows=5)


def long_line_crlf() -> Case:
    data = with_long_line(at=4, end="\r\n")
    return Case("street.csv", data, (QUARANTINED,), ("line 4 is 40,",), rows=5)


def long_last_line_without_end() -> Case:
    data = with_long_line(n=2, at=4, final_end=False)
    return Case("street.csv", data, (QUARANTINED,), ("line 4 is 40,",), rows=2)


def long_line_gzip() -> Case:
    """40 KB of one letter compresses 100-fold, but a file under 1 MiB is never a bomb."""
    data = gzip.compress(with_long_line())
    return Case("street.csv.gz", data, (QUARANTINED,), ("line 3 is 40,",), rows=5)


def long_line_member() -> Case:
    data = deflated(
        ("2024-01/a.csv", with_long_line()), ("2024-01/b.csv", street_csv(2, "2024-02"))
    )
    return Case("download.zip", data, (QUARANTINED, LOADED), ("line 3 is 40,",), rows=7)


def long_line_gzip_member() -> Case:
    data = zipped(("a.csv.gz", gzip.compress(with_long_line(at=2))))
    return Case("download.zip", data, (QUARANTINED,), ("line 2 is 40,",), rows=5)


def long_line_utf16() -> Case:
    """Excel's UTF-16 export, transcoded as it is read (never whole): the line is measured
    in UTF-8, as every reader sees it."""
    data = with_long_line().decode().encode("utf-16")
    return Case("street.csv", data, (QUARANTINED,), ("line 3 is 40,", "UTF-16"), rows=5)


def long_line_utf16_member() -> Case:
    data = deflated(("a.csv", with_long_line(at=6).decode().encode("utf-16")))
    return Case("download.zip", data, (QUARANTINED,), ("line 6 is 40,", "UTF-16"), rows=5)


def long_line_and_bad_bytes() -> Case:
    """Two refusals of different kinds in one file, each costing its own line only."""
    data = with_long_line(n=4, at=5) + street_row(crime_id="\udcff").encode(
        "utf-8", "surrogateescape"
    )
    words = ("line 5 is 40,", "undecodable bytes")
    return Case("street.csv", data + b"\n", (QUARANTINED,), words, rows=4)


def long_header() -> Case:
    data = ("x" * LONG + "," + STREET_HEADER + "\n").encode() + street_csv(2)
    return Case("street.csv", data, (REJECTED,), ("the header, line 1 is 40,", "16 KiB"))


def quote_open_past_the_limit() -> Case:
    """A quote opened on line 2 and never closed: the record would run past the line limit
    long before 1,000 lines, so only line 2 is refused and the 120 rows after it load."""
    rows = [street_row(crime_id=f"c{i}") for i in range(120)]
    bad = street_row(crime_id="open").replace("open", '"open', 1)
    data = "\n".join([STREET_HEADER, bad, *rows]) + "\n"
    words = ("never closed within the 16 KiB line limit",)
    return Case("street.csv", data.encode(), (QUARANTINED,), words, rows=120)


def bomb() -> Case:
    """2 MB of zeros in one field, gzipped to about 2 KB: past a ratio of 50."""
    data = gzip.compress(street_csv(1) + b"0" * 2_000_000 + b"\n")
    words = ("expands more than 50×", "limit --max-expansion 50")
    return Case("street.csv.gz", data, (REJECTED,), words)


def bomb_member() -> Case:
    """One member of a zip is a bomb: it alone is rejected; its neighbour loads."""
    bomb_csv = street_csv(1) + b"0" * 2_000_000 + b"\n"
    data = deflated(("a.csv", bomb_csv), ("b.csv", street_csv(3, prefix="b")))
    return Case("download.zip", data, (REJECTED, LOADED), ("download.zip!a.csv", "50×"), 3)


def bomb_gzip_member() -> Case:
    bomb_csv = street_csv(1) + b"0" * 2_000_000 + b"\n"
    data = zipped(("a.csv.gz", gzip.compress(bomb_csv)))
    return Case("download.zip", data, (REJECTED,), ("a.csv.gz", "expands more than 50×"))


def small_file_that_compresses_well() -> Case:
    """400 near-identical rows compress 44-fold, past a ratio of 10; under 1 MiB they load."""
    return Case("street.csv.gz", gzip.compress(street_csv(400)), (LOADED,), rows=400)


def over_the_size_limit() -> Case:
    data = gzip.compress(street_csv(600))  # 95 KB
    words = ("expands to more than 64 KiB", "limit --max-expanded-bytes 64 KiB")
    return Case("street.csv.gz", data, (REJECTED,), words)


def members_together_over_the_size_limit() -> Case:
    """Each member is under the size limit; together they are over it: the zip is rejected."""
    members = [(f"{m}.csv", street_csv(200, prefix=m)) for m in "abc"]  # 32 KB each
    data = deflated(*members)
    return Case("download.zip", data, (REJECTED,), ("its members together expand to more",))


def too_many_members() -> Case:
    data = deflated(*((f"{m}.csv", street_csv(1, prefix=m)) for m in "abcd"))
    words = ("holds 4 files, more than the limit of 3", "--max-members 3")
    return Case("download.zip", data, (REJECTED,), words)


RATIO = {"CRIMEPULSE_MAX_EXPANSION": "50"}
SIZE = {"CRIMEPULSE_MAX_EXPANDED_BYTES": "64KiB"}
LIMIT_CASES: list[LimitCase] = [
    LimitCase(long_line, LINE_LIMIT, lines=7),
    LimitCase(long_line_crlf, LINE_LIMIT, lines=7),
    LimitCase(long_last_line_without_end, LINE_LIMIT, lines=4),
    LimitCase(long_line_gzip, LINE_LIMIT, lines=7),
    LimitCase(long_line_member, LINE_LIMIT, lines=7 + 3),
    LimitCase(long_line_gzip_member, LINE_LIMIT, lines=7),
    LimitCase(long_line_utf16, LINE_LIMIT, lines=7),
    LimitCase(long_line_utf16_member, LINE_LIMIT, lines=7),
    LimitCase(long_line_and_bad_bytes, LINE_LIMIT, lines=7),
    LimitCase(long_header, LINE_LIMIT),
    LimitCase(quote_open_past_the_limit, LINE_LIMIT, lines=122),
    LimitCase(bomb, RATIO),
    LimitCase(bomb_member, RATIO, lines=4),
    LimitCase(bomb_gzip_member, RATIO),
    LimitCase(small_file_that_compresses_well, {"CRIMEPULSE_MAX_EXPANSION": "10"}, lines=401),
    LimitCase(over_the_size_limit, SIZE),
    LimitCase(members_together_over_the_size_limit, SIZE),
    LimitCase(too_many_members, {"CRIMEPULSE_MAX_MEMBERS": "3"}),
]
