"""The CSV layer accounts for every physical line: each is the header, a loaded row, a
rejection (with that line's own number and raw text) or a blank line, however the file is
malformed. The malformed files are generated here, one defect (or a mix) per case."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from crimepulse.config import ReadLimits
from crimepulse.sources import csvtable, files, policeuk
from crimepulse.sources.base import Batch
from tests.factories import STREET_HEADER, street_row

GOOD = [street_row(f"g{i}") for i in range(20)]
STRAY = street_row("s1", location='On or near 5" Street')  # a quote inside an unquoted field
UNCLOSED = street_row("u1", location='"On or near High Street')  # opened, never closed
RAGGED = street_row("r1") + ",extra"


def cases() -> dict[str, list[str]]:
    """name -> the file's lines after the header (line ends are added when writing)."""
    return {
        "stray quote and a ragged row": [GOOD[0], STRAY, *GOOD[1:10], RAGGED, *GOOD[10:]],
        "unclosed quote": [GOOD[0], UNCLOSED, *GOOD[1:17]],
        "unclosed quote, then a quoted field later": [
            UNCLOSED,
            *GOOD[:5],
            street_row("q1", location='"On or near ""The"" Street"'),
            *GOOD[5:9],
        ],
        "blank lines": ["", GOOD[0], "", "", *GOOD[1:5], street_row("b1", month="2024-13")],
        "ragged rows": [GOOD[0], "a,b", RAGGED, "", ",,,,", *GOOD[1:4]],
        "trailing delimiter": [g + "," for g in GOOD[:3]] + GOOD[3:6],
        "stray quote only": [STRAY, *GOOD[:4]],
        "undecodable bytes": [GOOD[0], "\udcff" + GOOD[1], *GOOD[2:5]],
        "everything": [GOOD[0], "", STRAY, UNCLOSED, RAGGED, "\udcff", "", *GOOD[1:6], UNCLOSED],
    }


def write(path: Path, lines: list[str], newline: str, bom: bool) -> Path:
    text = newline.join([STREET_HEADER, *lines]) + newline
    data = text.encode("utf-8", errors="surrogateescape")  # \udcff becomes a lone 0xff byte
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def read(path: Path) -> Batch:
    unit = next(files.discover([path]))
    columns = files.header(unit)
    reader = next(r for r in policeuk.READERS if r.matches(columns))
    return reader.read(unit, columns)


VARIANTS = [(n, nl, bom) for n in cases() for nl, bom in (("\n", False), ("\r\n", True))]


@pytest.mark.parametrize(("name", "newline", "bom"), VARIANTS)
def test_every_physical_line_is_loaded_rejected_or_blank(
    tmp_path: Path, name: str, newline: str, bom: bool
) -> None:
    lines = cases()[name]
    path = write(tmp_path / "street.csv", lines, newline, bom)
    physical = path.read_bytes().splitlines()
    unit = next(files.discover([path]))
    got = csvtable.read_strings(unit, files.header(unit))
    loaded = got.table.column(csvtable.LINE).to_pylist()
    rejected = [r.line for r in got.rejects]
    accounted = sorted([1, *loaded, *rejected, *got.blank_lines])
    assert accounted == list(range(1, len(physical) + 1)), name
    assert got.rows_read == len(loaded) + len(rejected)
    for rejection in got.rejects:  # each rejection is its own line's text
        expected = physical[rejection.line - 1].decode("utf-8", errors="replace")
        assert rejection.raw == expected.removeprefix("\ufeff")
    # The reader's counts add up to the file's lines too (its own checks included).
    batch = read(path)
    assert batch.blank_lines == sum(1 for line in lines if not line)
    assert batch.row_count + len(batch.rejects) + batch.blank_lines + 1 == len(physical)
    assert batch.rows_read == batch.row_count + len(batch.rejects)


def test_a_stray_quote_is_text_and_costs_no_other_line(tmp_path: Path) -> None:
    lines = [GOOD[0], STRAY, *GOOD[1:10], RAGGED, *GOOD[10:]]
    batch = read(write(tmp_path / "street.csv", lines, "\n", False))
    assert (batch.row_count, [r.line for r in batch.rejects]) == (21, [13])
    assert 'On or near 5" Street' in batch.canonical().column("location_text").to_pylist()


def test_an_unclosed_quote_refuses_its_own_line_only(tmp_path: Path) -> None:
    batch = read(write(tmp_path / "street.csv", [GOOD[0], UNCLOSED, *GOOD[1:17]], "\n", False))
    assert batch.row_count == 17
    [rejection] = batch.rejects
    assert rejection.line == 3 and "never closed" in rejection.reason
    assert rejection.raw == UNCLOSED


def test_a_quoted_line_break_is_one_row_on_its_first_line(tmp_path: Path) -> None:
    split = street_row("m1", location='"On or near\nHigh Street"')
    got = csvtable.read_strings(
        next(files.discover([write(tmp_path / "s.csv", [split, GOOD[0], RAGGED], "\n", False)])),
        STREET_HEADER.split(","),
    )
    assert got.table.column(csvtable.LINE).to_pylist() == [2, 4]
    assert [r.line for r in got.rejects] == [5]


def test_after_blank_lines_a_rejection_has_its_physical_line_and_text(tmp_path: Path) -> None:
    bad = street_row("x1", month="2024-13")
    lines = [*GOOD[:3], "", "", *GOOD[3:13], bad, *GOOD[13:]]  # `bad` is on line 17
    batch = read(write(tmp_path / "street.csv", lines, "\n", False))
    [rejection] = batch.rejects
    assert (rejection.line, rejection.field, rejection.raw) == (17, "month", bad)
    table = batch.canonical()
    assert table.column("line").to_pylist()[:4] == [2, 3, 4, 7]


def test_a_line_over_the_limit_is_refused_by_its_length_and_the_rest_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 40 KB line under a 16 KiB limit: refused with its length, its start kept as raw
    text; Arrow is never asked (it would buffer the line whole); a bad month after it
    still gets its own line's raw text."""
    long = street_row("x" * 40_000)
    bad = street_row("b1", month="2024-13")
    path = write(tmp_path / "street.csv", [GOOD[0], long, "", *GOOD[1:4], bad], "\r\n", True)
    unit = next(files.discover([path], ReadLimits(max_line_bytes=16 << 10)))

    def no_arrow(f: object, names: object) -> object:
        raise AssertionError("the fast path must not read a file with an over-long line")

    monkeypatch.setattr(csvtable, "_fast", no_arrow)
    got = csvtable.read_strings(unit, files.header(unit))
    [rejection] = got.rejects
    assert rejection.line == 3 and rejection.reason.startswith("line 3 is 40,")
    assert str(rejection.raw).startswith(long[:100]) and "bytes)" in str(rejection.raw)
    assert got.table.column(csvtable.LINE).to_pylist() == [2, 5, 6, 7, 8]
    assert got.blank_lines == [4]
    batch = read_within(path, ReadLimits(max_line_bytes=16 << 10))
    month = [r for r in batch.rejects if r.field == "month"]
    assert [(r.line, r.raw) for r in month] == [(8, bad)]
    assert batch.row_count + len(batch.rejects) + batch.blank_lines + 1 == 8


def read_within(path: Path, limits: ReadLimits) -> Batch:
    unit = next(files.discover([path], limits))
    columns = files.header(unit)
    reader = next(r for r in policeuk.READERS if r.matches(columns))
    return reader.read(unit, columns)


def test_the_exact_path_builds_arrow_in_batches_in_line_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csvtable, "BATCH_ROWS", 3)
    path = write(tmp_path / "street.csv", [GOOD[0], RAGGED, *GOOD[1:10]], "\n", False)
    unit = next(files.discover([path]))
    got = csvtable.read_strings(unit, files.header(unit))
    assert got.table.column(csvtable.LINE).to_pylist() == [2, *range(4, 13)]
    assert got.table.column("crimeid").to_pylist() == [f"g{i}" for i in range(10)]


@pytest.mark.parametrize(
    ("values", "padded"),
    [
        (["a", "b", "c"], False),
        (["a", "", "b"], False),
        (["", "a", "b "], True),
        (["\ta", "b"], True),
        (["a", "b\u00a0"], True),  # a no-break space: Unicode whitespace
        (["", "", ""], False),
    ],
)
def test_trimmed_finds_every_padded_column(values: list[str], padded: bool) -> None:
    whole = pa.array(["  x ", *values, " y"])
    column = pa.chunked_array([whole.slice(1, len(values))])  # a slice: offsets not at 0
    table = csvtable.trimmed(pa.table({"v": column, "n": pa.array(range(len(values)))}))
    assert table.column("v").to_pylist() == [v.strip() for v in values]
    assert table.column("n").to_pylist() == list(range(len(values)))
    if padded:  # a clean column may be reported padded (then trimmed for nothing), never
        assert csvtable._maybe_padded(column)  # a padded one clean


def test_values_are_trimmed_in_a_file_with_an_over_long_line(tmp_path: Path) -> None:
    """The long-line path is the exact path: its values are trimmed like every other."""
    padded = street_row(" p1 ", location="  On or near High Street ")
    path = write(tmp_path / "street.csv", [padded, street_row("x" * 40_000)], "\n", False)
    unit = next(files.discover([path], ReadLimits(max_line_bytes=16 << 10)))
    got = csvtable.read_strings(unit, files.header(unit))
    assert got.table.column("crimeid").to_pylist() == ["p1"]
    assert got.table.column("location").to_pylist() == ["On or near High Street"]
