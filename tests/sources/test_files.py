"""Discovery streams zip members within the read limits: a CSV member is read as a stream
(never held whole) and surveyed for long lines on the way; a Parquet member, which is read
by seeking, is still readable."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from crimepulse.config import ReadLimits
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
