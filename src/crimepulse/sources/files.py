"""Finding readable units under a path: plain files, .gz files, zip members, folders.

The kind (CSV, Parquet, JSON) is sniffed from the bytes, never from the file name.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

from crimepulse.errors import FormatError
from crimepulse.sources.base import SourceFile, normalise

SYNTHETIC_MARKER = ".crimepulse-synthetic"
_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"
_PARQUET_MAGIC = b"PAR1"
_IGNORED_NAMES = {"readme.md", "provenance.md", SYNTHETIC_MARKER}
# data.police.uk names its files YYYY-MM-<force>-<street|outcomes|stop-and-search>.csv
_POLICE_UK_NAME = re.compile(r"(\d{4}-\d{2})-(?P<force>[a-z-]+?)-(street|outcomes|stop-and-search)")


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _force_hint(name: str) -> str | None:
    match = _POLICE_UK_NAME.search(Path(name).name.lower())
    return match.group("force") if match else None


def _sniff_kind(head: bytes) -> str:
    if head.startswith(_PARQUET_MAGIC):
        return "parquet"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        return "json"
    return "csv"


def _synthetic(path: Path) -> bool:
    """True when a folder above `path` holds the marker that `demo-data` writes."""
    return any((parent / SYNTHETIC_MARKER).exists() for parent in path.parents)


def _from_plain(path: Path) -> Iterator[SourceFile]:
    with path.open("rb") as fh:
        head = fh.read(8)
    source_hint = "synthetic" if _synthetic(path) else None
    if head.startswith(_ZIP_MAGIC):
        yield from _from_zip(path, source_hint)
        return
    gz = head.startswith(_GZIP_MAGIC)

    def opener() -> BinaryIO:
        raw = path.open("rb")
        return cast(BinaryIO, gzip.GzipFile(fileobj=raw) if gz else raw)

    with opener() as inner:
        inner_head = inner.read(64)
    yield SourceFile(
        name=str(path),
        kind=_sniff_kind(inner_head),
        open=opener,
        content_hash=_hash_file(path),
        size=path.stat().st_size,
        source_hint=source_hint,
        force_hint=_force_hint(path.name),
        path=str(path),
        compression="gzip" if gz else None,
    )


def _from_zip(path: Path, source_hint: str | None) -> Iterator[SourceFile]:
    with zipfile.ZipFile(path) as archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        for member in sorted(members, key=lambda m: m.filename):
            base = Path(member.filename).name.lower()
            if base in _IGNORED_NAMES or base.startswith("."):
                continue
            data_head = archive.open(member).read(64)

            def opener(member_name: str = member.filename) -> BinaryIO:
                return io.BytesIO(zipfile.ZipFile(path).read(member_name))

            digest = hashlib.sha256()
            with archive.open(member) as fh:
                for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):  # type: ignore[misc]
                    digest.update(chunk)
            yield SourceFile(
                name=f"{path}!{member.filename}",
                kind=_sniff_kind(data_head),
                open=opener,
                content_hash=digest.hexdigest(),
                size=member.file_size,
                source_hint=source_hint,
                force_hint=_force_hint(member.filename),
            )


def discover(paths: list[Path]) -> Iterator[SourceFile]:
    """Every readable unit under `paths` (files, or folders read recursively), in name order.

    Raises FileNotFoundError naming a path that does not exist.
    """
    roots = [p.resolve() for p in paths]
    for root in roots:
        if not root.exists():
            raise FileNotFoundError(f"{root}: no such file or folder")
        candidates = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in candidates:
            name = path.name.lower()
            if not path.is_file() or name in _IGNORED_NAMES or name.startswith("."):
                continue
            yield from _from_plain(path)


def csv_header(f: SourceFile) -> list[str]:
    """The normalised header of a CSV file (BOM, CRLF, case and punctuation ignored)."""
    with f.open() as fh:
        head = fh.read(1 << 13)
        while b"\n" not in head and len(head) < (1 << 20):
            more = fh.read(1 << 16)
            if not more:
                break
            head += more
    text = head.decode("utf-8-sig", errors="replace")
    first = text.splitlines()[0] if text else ""
    row = next(csv.reader([first]), [])
    return [normalise(c) for c in row]


def parquet_header(f: SourceFile) -> list[str]:
    import pyarrow.parquet as pq

    with f.open() as fh:
        return [normalise(c) for c in pq.read_schema(fh).names]


def json_header(f: SourceFile) -> list[str]:
    """GeoJSON: the property names of the first feature, plus the marker `geojson`."""
    with f.open() as fh:
        try:
            doc = json.load(fh)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise FormatError(f"{f.name}: not valid JSON ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        return []
    features = doc.get("features") or [{}]
    props = features[0].get("properties") or {}
    return ["geojson", *(normalise(k) for k in props)]


def header(f: SourceFile) -> list[str]:
    """The normalised column names of any supported file kind."""
    if f.kind == "parquet":
        return parquet_header(f)
    if f.kind == "json":
        return json_header(f)
    return csv_header(f)
