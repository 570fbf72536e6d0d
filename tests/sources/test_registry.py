"""Detection over every format, and what every reader does alike: trim padded values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crimepulse.sources import files, registry
from crimepulse.sources.base import Batch
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
    import pyarrow as pa
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
