"""Discovery streams zip members within the read limits: a CSV member is read as a stream
(never held whole) and surveyed for long lines on the way; a Parquet member, which is read
by seeking, is still readable. GeoJSON is streamed too, one feature at a time."""

from __future__ import annotations

import dataclasses
import io
import json
import tracemalloc
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crimepulse.config import ReadLimits
from crimepulse.errors import FormatError
from crimepulse.sources import files
from tests.corpus import street_csv
from tests.corpus_limits import with_long_line


def test_members_stream_and_parquet_still_seeks(tmp_path: Path) -> None:
    table = pa.table({"Code": ["E09000007"], "Borough": ["Camden"], "202401": [12]})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    path = tmp_path / "download.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.csv", street_csv(3))
        archive.writestr("b.csv", with_long_line())
        archive.writestr("c.parquet", buffer.getvalue())
    a, b, c = files.discover([path], ReadLimits(max_line_bytes=16 << 10))
    assert (a.long_lines, b.long_lines) == (False, True)
    assert (a.size, b.size) == (len(street_csv(3)), len(with_long_line()))
    with a.open() as fh:
        assert not isinstance(fh, io.BytesIO)  # a stream over the member, not its bytes
        assert fh.read() == street_csv(3)
    assert c.kind == "parquet"
    assert files.header(c) == ["code", "borough", "202401"]


# ---------------------------------------------------------------- GeoJSON, streamed


def _collection(features: int, type_first: bool = True) -> bytes:
    """A FeatureCollection of small squares, written as a publisher would."""
    items = [
        {
            "type": "Feature",
            "properties": {"NAME": f"Area {i}", "GSS_CODE": f"E05{i:06d}", "LONG": "x" * 40},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[-0.1, 51.5], [-0.09, 51.5], [-0.09, 51.51], [-0.1, 51.5]]],
            },
        }
        for i in range(features)
    ]
    kind = {"type": "FeatureCollection"}
    doc = {**kind, "features": items} if type_first else {"features": items, **kind}
    return json.dumps(doc).encode()


class _Counting(io.BytesIO):
    """A file that counts how many of its bytes have been read."""

    taken = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        _Counting.taken += len(chunk)
        return chunk


def _unit(tmp_path: Path, data: bytes, name: str = "areas.geojson") -> files.SourceFile:
    path = tmp_path / name
    path.write_bytes(data)
    return next(files.discover([path]))


def test_features_come_one_at_a_time_before_the_file_is_read_through(tmp_path: Path) -> None:
    data = _collection(20_000)
    unit = dataclasses.replace(_unit(tmp_path, data), open=lambda: _Counting(data))
    _Counting.taken = 0
    features = files.geojson_features(unit)
    first = next(features)
    assert first["properties"]["NAME"] == "Area 0"
    assert _Counting.taken < len(data) // 20  # a buffer's worth, not the 5 MB document
    assert sum(1 for _ in features) == 19_999


def test_detection_and_reading_hold_one_feature_not_the_document(tmp_path: Path) -> None:
    """json.load would hold every feature at once (about seven times the file's size); a
    stream holds one feature and its read buffers (about 1 MB, whatever the file's size)."""
    data = _collection(20_000)
    unit = _unit(tmp_path, data)
    tracemalloc.start()
    try:
        columns = files.json_header(unit)
        count = sum(1 for _ in files.geojson_features(unit))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert columns == ["geojson", "name", "gsscode", "long"] and count == 20_000
    assert peak < len(data) // 4, f"peak {peak:,} bytes for a {len(data):,}-byte file"


def test_the_collection_type_may_follow_its_features(tmp_path: Path) -> None:
    members: dict[str, object] = {}
    unit = _unit(tmp_path, _collection(3, type_first=False))
    assert sum(1 for _ in files.geojson_features(unit, members)) == 3
    assert members == {"type": "FeatureCollection"}
    wrong = _unit(
        tmp_path, _collection(3, type_first=False).replace(b"FeatureCollection", b"Feature")
    )
    with pytest.raises(
        FormatError, match=r"not a GeoJSON FeatureCollection \(found type 'Feature'\)"
    ):
        list(files.geojson_features(wrong))


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (
            b'[{"type": "Feature"}]',
            r"areas\.geojson: not a GeoJSON FeatureCollection \(found a list\)",
        ),
        (b'{"type": "FeatureCollection"}', "the FeatureCollection has no features list"),
        (b'{"type": "FeatureCollection", "features": {}}', "has no features list"),
        (
            b'{"type": "FeatureCollection", "features": []}',
            "the FeatureCollection has no features$",
        ),
        (b'{"type": "FeatureCollection", "features": [1, 2', r"not valid JSON \(premature EOF\)$"),
        (
            b'{"type": "FeatureCollection", "features": [tru]}',
            r"not valid JSON \(lexical error: invalid",
        ),
        (
            b'{"features": [' + b"[" * 65 + b"]" * 65 + b"]}",
            "nested too deeply to read \\(more than 64",
        ),
    ],
)
def test_geojson_that_cannot_be_read_is_refused_in_one_line(
    tmp_path: Path, data: bytes, words: str
) -> None:
    with pytest.raises(FormatError, match=words) as raised:
        files.json_header(_unit(tmp_path, data))
    assert "\n" not in str(raised.value)


def test_a_utf8_byte_order_mark_is_read_past(tmp_path: Path) -> None:
    unit = _unit(tmp_path, b"\xef\xbb\xbf" + _collection(2))
    assert files.json_header(unit) == ["geojson", "name", "gsscode", "long"]
    assert len(list(files.geojson_features(unit))) == 2
