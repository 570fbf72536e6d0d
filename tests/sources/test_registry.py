"""Detection over every format, and what every reader does alike: trim padded values."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pyarrow as pa
import pytest

from crimepulse.sources import files, registry
from crimepulse.sources.base import Batch, FormatError, normalise
from tests import corpus


def read(path: Path) -> Batch:
    unit = next(files.discover([path]))
    reader, columns, _ = registry.detect(unit)
    assert reader is not None
    return reader.read(unit, columns)


def test_every_reader_has_a_sample() -> None:
    assert set(corpus.SAMPLES) | {"geojson-boundaries"} == {r.name for r in registry.READERS}


@pytest.mark.parametrize("fmt", sorted(corpus.SAMPLES))
def test_padded_values_are_stored_as_unpadded(tmp_path: Path, fmt: str) -> None:
    sample = corpus.SAMPLES[fmt]
    plain = tmp_path / "plain" / sample.filename
    pad = tmp_path / "padded" / sample.filename
    for path, rows in ((plain, sample.rows), (pad, tuple(map(corpus.padded, sample.rows)))):
        path.parent.mkdir()
        path.write_bytes(sample.csv(rows))
    assert pad.read_text() != plain.read_text()
    want, got = read(plain), read(pad)
    assert (want.format, got.format) == (fmt, fmt)
    assert want.rejects == got.rejects == []
    assert want.row_count > 0
    assert got.canonical().to_pylist() == want.canonical().to_pylist()
    assert got.force == want.force


def test_padded_geojson_properties_are_stored_as_unpadded(tmp_path: Path) -> None:
    plain, pad = tmp_path / "plain.geojson", tmp_path / "padded.geojson"
    plain.write_bytes(corpus.geojson(corpus.area("Camden", "E09000007")))
    pad.write_bytes(corpus.geojson(corpus.area(" Camden\t", " E09000007 ")))
    assert read(pad).canonical().to_pylist() == read(plain).canonical().to_pylist()
    assert json.loads(pad.read_text())["features"][0]["properties"]["GSS_CODE"] == " E09000007 "


def test_padded_parquet_values_are_stored_as_unpadded(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    def table(pad: str) -> pa.Table:
        return pa.table(
            {
                "MajorText": [f"{pad}THEFT{pad}"],
                "MinorText": ["SHOPLIFTING" + pad],
                "BoroughName": [pad + "Camden"],
                "202401": [pad + "4" + pad],
            }
        )

    pq.write_table(table(""), tmp_path / "plain.parquet")
    pq.write_table(table(" "), tmp_path / "padded.parquet")
    want, got = read(tmp_path / "plain.parquet"), read(tmp_path / "padded.parquet")
    assert got.rejects == [] and want.row_count == 1
    assert got.canonical().to_pylist() == want.canonical().to_pylist()


# A row (or, for the wide MPS tables, a month column) dated 2099: (format, the sample's rows
# with line 3 in the future, the field, words of the reason). data.police.uk street and
# outcomes are tested in test_policeuk.py.
FUTURE = {
    "police.uk stop-and-search": (
        [
            corpus.SAMPLES["police.uk stop-and-search"].rows[0],
            corpus.STOP_ROW.format(1).replace("2024", "2099"),
        ],
        "date",
        "2099-01-01T10:00:00+00:00 is in the future",
    ),
    "daily incident feed": (
        [corpus.FEED_ROW.format("f1", 1), corpus.FEED_ROW.format("f2", 2).replace("2024", "2099")],
        "occurred_at",
        "occurred_at in the future: 2099-03-02",
    ),
    "mps-homicide-victims": (
        [
            *corpus.SAMPLES["mps-homicide-victims"].rows[:1],
            corpus.SAMPLES["mps-homicide-victims"].rows[0].replace("2020", "2099"),
        ],
        "recordeddate",
        '"Jan 2099" is a month in the future',
    ),
    "mps-homicide-accused": (
        [
            *corpus.SAMPLES["mps-homicide-accused"].rows,
            corpus.SAMPLES["mps-homicide-accused"].rows[0].replace("2021", "2099"),
        ],
        "proceedingsdate",
        '"March 2099" is a month in the future',
    ),
}


@pytest.mark.parametrize("fmt", sorted(FUTURE))
def test_a_month_in_the_future_is_quarantined_saying_so(tmp_path: Path, fmt: str) -> None:
    rows, field, words = FUTURE[fmt]
    sample = corpus.SAMPLES[fmt]
    path = tmp_path / sample.filename
    path.write_bytes(sample.csv(rows))
    batch = read(path)
    assert [(r.line, r.field) for r in batch.rejects] == [(3, field)]
    assert words in batch.rejects[0].reason
    assert batch.row_count == 1


@pytest.mark.parametrize("fmt", ["mps-borough", "mps-ward", "mps-lsoa"])
def test_a_month_column_in_the_future_is_quarantined_saying_so(tmp_path: Path, fmt: str) -> None:
    sample = corpus.SAMPLES[fmt]
    path = tmp_path / sample.filename
    path.write_bytes(
        sample.csv([r + ",7,0" for r in sample.rows]).replace(
            b"202402\n", b"202402,209901,209902\n"
        )
    )
    batch = read(path)
    assert {(r.field, r.reason) for r in batch.rejects} == {
        ("209901", f"month 2099-01 is in the future (after {datetime.date.today():%Y-%m})")
    }
    assert len(batch.rejects) == len(sample.rows)  # the zeros of 209902 are no rows
    assert batch.table["month"].to_pylist() == read_plain(tmp_path, sample)["month"].to_pylist()
    assert "column '209901' is a month in the future: its non-zero cells quarantined" in batch.notes


def read_plain(tmp_path: Path, sample: corpus.Sample) -> pa.Table:
    path = tmp_path / "plain" / sample.filename
    path.parent.mkdir()
    path.write_bytes(sample.csv())
    return read(path).canonical()


# Readers that list their required columns (population-wide and the boundaries match a
# pattern instead).
LISTED = {r.name: list(getattr(r, "required_columns", ())) for r in registry.READERS}


@pytest.mark.parametrize("fmt", sorted(f for f in corpus.SAMPLES if LISTED[f]))
def test_a_header_missing_one_column_names_it(tmp_path: Path, fmt: str) -> None:
    sample = corpus.SAMPLES[fmt]
    required = LISTED[fmt]
    names = sample.header.split(",")
    drop = next(i for i, n in enumerate(names) if normalise(n) == required[-1])
    path = tmp_path / sample.filename
    path.write_text(",".join(names[:drop] + names[drop + 1 :]) + "\n")
    with pytest.raises(FormatError, match="header matches no known format") as info:
        read(path)
    assert f"which also needs: {required[-1]}" in str(info.value)


def test_a_header_like_no_format_names_none(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("alpha,beta\n1,2\n")
    with pytest.raises(FormatError, match="header matches no known format") as info:
        read(path)
    assert "closest" not in str(info.value)
