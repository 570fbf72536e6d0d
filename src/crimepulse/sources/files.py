"""Finding readable units under a path: plain files, .gz files, zip members, folders.

The kind (CSV, Parquet, JSON) is sniffed from the bytes, never from the file name. A file
that cannot be read (a truncated gzip, a damaged or empty zip, an encrypted member) is
still yielded, with its `problem` in words, so that one bad file is rejected by name and
never stops the others; zip members are read in place, never extracted.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, cast

from crimepulse.errors import FormatError
from crimepulse.sources.base import SourceFile, normalise

SYNTHETIC_MARKER = ".crimepulse-synthetic"
_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"  # an archive of no members is only its end record
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
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


def unreadable(exc: BaseException, compression: str | None = None) -> str | None:
    """Why a file's bytes cannot be read, in plain words; None when `exc` is not about them.

    Python's gzip, zlib and zipfile modules and Arrow's decompressor each fail in their own
    way; a person loading files needs "truncated gzip", not "Error -3 while decompressing".
    """
    text = str(exc)
    if isinstance(exc, EOFError):
        if compression == "gzip":
            return "truncated gzip (the compressed data ends early)"
        return f"truncated file ({text})"
    if isinstance(exc, (zlib.error, gzip.BadGzipFile)):
        return f"corrupt gzip ({text})"
    if isinstance(exc, zipfile.BadZipFile):
        return f"corrupt zip member ({text})"
    if isinstance(exc, RuntimeError) and "encrypted" in text:
        return "encrypted member (password-protected zips are not read)"
    if isinstance(exc, NotImplementedError):
        return f"zip member compressed in a way that cannot be read ({text})"
    if isinstance(exc, csv.Error):
        return f"not readable as CSV ({text})"
    if compression == "gzip" and type(exc) is OSError:  # Arrow's own decompressor
        if "runcated" in text:
            return "truncated gzip (the compressed data ends early)"
        return f"corrupt gzip ({text})"
    return None


# What reading a damaged file raises (OSError too: `unreadable` tells Arrow's gzip errors).
UNREADABLE_ERRORS: tuple[type[BaseException], ...] = (
    EOFError,
    zlib.error,
    zipfile.BadZipFile,
    NotImplementedError,
    csv.Error,
    OSError,
)
# A zip member also raises RuntimeError when it is encrypted.
_MEMBER_ERRORS: tuple[type[BaseException], ...] = (*UNREADABLE_ERRORS, RuntimeError)


def _utf16(head: bytes) -> bool:
    return head.startswith(_UTF16_BOMS)


_NO_BOM = (
    "UTF-16 text without a byte-order mark: which byte order is meant cannot be told; "
    "save it as UTF-8 (or as UTF-16 with a byte-order mark)"
)


def _utf16_without_bom(head: bytes) -> bool:
    """Text whose every other byte is NUL: UTF-16 (ASCII characters) missing its BOM.

    Read as UTF-8 it would "load" with every row quarantined for NULs between letters.
    """
    if len(head) < 8 or head.startswith((_PARQUET_MAGIC, *_UTF16_BOMS)):
        return False
    return not any(head[1::2]) or not any(head[0::2])


def _transcoded(opener: Callable[[], BinaryIO]) -> Callable[[], BinaryIO]:
    """UTF-16 text (Excel's "Unicode text") as the UTF-8 every reader expects."""

    def transcode() -> BinaryIO:
        with opener() as fh:
            return io.BytesIO(fh.read().decode("utf-16").encode("utf-8"))

    return transcode


def _broken(
    name: str, problem: str | None, content_hash: str, size: int = 0, *, skip: str | None = None
) -> SourceFile:
    """A unit that is not read: rejected for its `problem`, or skipped for `skip`."""
    return SourceFile(
        name=name,
        kind="csv",
        open=lambda: io.BytesIO(b""),
        content_hash=content_hash,
        size=size,
        problem=problem,
        skip=skip,
    )


def _from_plain(path: Path) -> Iterator[SourceFile]:
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
        content_hash = _hash_file(path)
    except OSError as exc:
        yield _broken(str(path), f"cannot be opened ({exc.strerror or exc})", "")
        return
    size = path.stat().st_size
    source_hint = "synthetic" if _synthetic(path) else None
    if head.startswith(_ZIP_MAGIC) or (head.startswith(_EMPTY_ZIP_MAGIC) and size == 22):
        yield from _from_zip(path, source_hint, content_hash)
        return
    gz = head.startswith(_GZIP_MAGIC)

    def opener() -> BinaryIO:
        raw = path.open("rb")
        return cast(BinaryIO, gzip.GzipFile(fileobj=raw) if gz else raw)

    try:
        with opener() as inner:
            inner_head = inner.read(64)
    except UNREADABLE_ERRORS as exc:
        problem = unreadable(exc, "gzip" if gz else None) or str(exc)
        yield _broken(str(path), problem, content_hash, size)
        return
    if _utf16_without_bom(inner_head):
        yield _broken(str(path), _NO_BOM, content_hash, size)
        return
    utf16 = _utf16(inner_head)
    yield SourceFile(
        name=str(path),
        kind="csv" if utf16 else _sniff_kind(inner_head),
        open=_transcoded(opener) if utf16 else opener,
        content_hash=content_hash,
        size=size,
        source_hint=source_hint,
        force_hint=_force_hint(path.name),
        # Arrow reads the file itself (faster) unless it must be transcoded first.
        path=None if utf16 else str(path),
        compression="gzip" if gz else None,
        encoding="UTF-16" if utf16 else None,
    )


def _member_hash(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> str:
    digest = hashlib.sha256()
    with archive.open(member) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _from_zip(path: Path, source_hint: str | None, content_hash: str) -> Iterator[SourceFile]:
    """Each member of the archive, read in place: nothing is ever extracted to disk."""
    size = path.stat().st_size
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        yield _broken(str(path), f"not a zip, or a damaged one ({exc})", content_hash, size)
        return
    with archive:
        members = sorted(
            (m for m in archive.infolist() if not m.is_dir()), key=lambda m: m.filename
        )
        if not members:
            yield _broken(str(path), "empty zip (no files inside)", content_hash, size)
            return
        copies: dict[str, int] = {}
        for member in members:
            copies[member.filename] = copies.get(member.filename, 0) + 1
            # Two members may share a name; each is read by its own entry and named apart.
            copy = copies[member.filename]
            name = f"{path}!{member.filename}" + (f" (copy {copy})" if copy > 1 else "")
            base = Path(member.filename).name.lower()
            if base in _IGNORED_NAMES:
                continue
            if base.startswith("."):
                hidden = "hidden member (its name starts with '.'): not read"
                yield _broken(name, None, content_hash, member.file_size, skip=hidden)
                continue
            try:
                member_hash = _member_hash(archive, member)
                with archive.open(member) as fh:
                    data_head = fh.read(64)
            except _MEMBER_ERRORS as exc:
                problem = unreadable(exc) or f"unreadable zip member ({exc})"
                yield _broken(name, problem, content_hash, member.file_size)
                continue
            if data_head.startswith(_ZIP_MAGIC):
                problem = "zip inside a zip is not read (unzip the outer one first)"
                yield _broken(name, problem, member_hash, member.file_size)
                continue

            def stored(info: zipfile.ZipInfo = member) -> BinaryIO:
                with zipfile.ZipFile(path) as again:
                    return io.BytesIO(again.read(info))

            gz = data_head.startswith(_GZIP_MAGIC)
            opener: Callable[[], BinaryIO] = _gunzipped(stored) if gz else stored
            if gz:
                try:
                    with opener() as fh:
                        data_head = fh.read(64)
                except UNREADABLE_ERRORS as exc:
                    problem = unreadable(exc, "gzip") or str(exc)
                    yield _broken(name, problem, member_hash, member.file_size)
                    continue
            if _utf16_without_bom(data_head):
                yield _broken(name, _NO_BOM, member_hash, member.file_size)
                continue
            utf16 = _utf16(data_head)
            yield SourceFile(
                name=name,
                kind="csv" if utf16 else _sniff_kind(data_head),
                open=_transcoded(opener) if utf16 else opener,
                content_hash=member_hash,
                size=member.file_size,
                source_hint=source_hint,
                force_hint=_force_hint(member.filename),
                compression="gzip" if gz else None,
                encoding="UTF-16" if utf16 else None,
            )


def _gunzipped(opener: Callable[[], BinaryIO]) -> Callable[[], BinaryIO]:
    """A `.csv.gz` inside a zip: decompressed, as a plain `.gz` file is."""

    def gunzip() -> BinaryIO:
        return cast(BinaryIO, gzip.GzipFile(fileobj=opener()))

    return gunzip


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
    if not text.strip():
        raise FormatError(f"{f.name}: empty file (no header line)")
    first = text.splitlines()[0]
    if not first.strip():
        raise FormatError(f"{f.name}: line 1 is blank (the header must be the first line)")
    try:
        row = next(csv.reader([first]), [])
    except csv.Error as exc:  # e.g. a 2 MB first line: no header of ours is like that
        raise FormatError(f"{f.name}: line 1: the header is not readable as CSV ({exc})") from exc
    return [normalise(c) for c in row]


def parquet_header(f: SourceFile) -> list[str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with f.open() as fh:
        try:
            return [normalise(c) for c in pq.read_schema(fh).names]
        except (pa.ArrowException, OSError) as exc:  # pyarrow's words, e.g. a truncated footer
            raise FormatError(f"{f.name}: not a readable Parquet file ({exc})") from exc


def json_header(f: SourceFile) -> list[str]:
    """GeoJSON: the property names of every feature (in order of first use), plus the
    marker `geojson`: a first feature without a name or code must not hide the file's format
    (the reader quarantines that feature)."""
    with f.open() as fh:
        try:
            doc = json.load(fh)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise FormatError(f"{f.name}: not valid JSON ({exc})") from exc
        except RecursionError as exc:
            raise FormatError(f"{f.name}: JSON nested too deeply to read") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        found = f"type {doc.get('type')!r:.40}" if isinstance(doc, dict) else type(doc).__name__
        raise FormatError(f"{f.name}: not a GeoJSON FeatureCollection (found {found})")
    features = doc.get("features")
    if not isinstance(features, list):
        raise FormatError(f"{f.name}: the FeatureCollection has no features list")
    if not features:
        raise FormatError(f"{f.name}: the FeatureCollection has no features")
    objects = [x for x in features if isinstance(x, dict)]
    if not objects:
        raise FormatError(f"{f.name}: no feature is a JSON object (feature 1: {features[0]!r:.40})")
    names: dict[str, None] = {}
    for feature in objects:
        props = feature.get("properties")
        names.update(
            dict.fromkeys(normalise(k) for k in (props if isinstance(props, dict) else {}))
        )
    return ["geojson", *names]


def header(f: SourceFile) -> list[str]:
    """The normalised column names of any supported file kind."""
    if f.kind == "parquet":
        return parquet_header(f)
    if f.kind == "json":
        return json_header(f)
    return csv_header(f)
