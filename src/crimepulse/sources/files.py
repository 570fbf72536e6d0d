"""Finding readable units under a path: plain files, .gz files, zip members, folders.

The kind (CSV, Parquet, JSON) is sniffed from the bytes, never from the file name. A file
that cannot be read (a truncated gzip, a damaged or empty zip, an encrypted member) is
still yielded, with its `problem` in words, so that one bad file is rejected by name and
never stops the others; zip members are read in place, never extracted, and streamed (a
member is never held whole). Every compressed unit is read through once before it is
parsed (`limits.survey`: for a zip member during discovery, which reads it anyway for its
hash; for a plain file when it is read, so that an unchanged file costs only its hash):
one that expands past the `ReadLimits` is rejected with the limit named.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import gzip
import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast

import ijson
import pyarrow as pa

from crimepulse.config import LIMIT_OPTIONS, ReadLimits
from crimepulse.errors import FormatError
from crimepulse.sources import limits as bounds
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


class _Utf16AsUtf8(io.RawIOBase):
    """UTF-16 text read as UTF-8, a chunk at a time: never the whole file in memory."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.decoder = codecs.getincrementaldecoder("utf-16")()
        self.pending = b""
        self.done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self.pending and not self.done:
            chunk = self.raw.read(1 << 16)
            self.done = not chunk
            self.pending = self.decoder.decode(chunk, final=self.done).encode("utf-8")
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


def _transcoded(opener: Callable[[], BinaryIO]) -> Callable[[], BinaryIO]:
    """UTF-16 text (Excel's "Unicode text") as the UTF-8 every reader expects."""

    def transcode() -> BinaryIO:
        return cast(BinaryIO, io.BufferedReader(_Utf16AsUtf8(opener()), buffer_size=1 << 16))

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


def _from_plain(path: Path, limits: ReadLimits) -> Iterator[SourceFile]:
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
        yield from _from_zip(path, source_hint, content_hash, limits)
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
        limits=limits,
    )


def _from_zip(
    path: Path, source_hint: str | None, content_hash: str, limits: ReadLimits
) -> Iterator[SourceFile]:
    """Each member of the archive, read in place: nothing is ever extracted to disk.

    The archive is rejected whole when it holds more members than the limit, or when its
    members together expand past the limits (a member alone past them is rejected alone)."""
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
        if len(members) > limits.max_members:
            problem = (
                f"holds {len(members):,} files, more than the limit of {limits.max_members:,} "
                f"({LIMIT_OPTIONS['max_members']} {limits.max_members})"
            )
            yield _broken(str(path), problem, content_hash, size)
            return
        units = list(_members(path, archive, members, source_hint, content_hash, limits))
    expanded = sum(unit.size for unit in units if not unit.problem and not unit.skip)
    too_big = bounds.expansion_problem(expanded, size, limits, "its members together ")
    if too_big:
        yield _broken(str(path), too_big, content_hash, size)
        return
    yield from units


def _members(
    path: Path,
    archive: zipfile.ZipFile,
    members: list[zipfile.ZipInfo],
    source_hint: str | None,
    content_hash: str,
    limits: ReadLimits,
) -> Iterator[SourceFile]:
    """The units of an archive's members (`size`: each one's bytes once decompressed)."""
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

        def stored(info: zipfile.ZipInfo = member) -> BinaryIO:
            # The member's stream keeps the archive's file open after the `with`.
            with zipfile.ZipFile(path) as again:
                return cast(BinaryIO, again.open(info))

        def in_memory(info: zipfile.ZipInfo = member) -> BinaryIO:
            # Parquet is read by seeking, which a compressed stream does by starting over;
            # its size has passed the limits by then.
            with zipfile.ZipFile(path) as again:
                return io.BytesIO(again.read(info))

        try:
            with archive.open(member) as fh:
                data_head = fh.read(64)
            gz = data_head.startswith(_GZIP_MAGIC)
            kind = _sniff_kind(data_head)
            with archive.open(member) as fh:
                found = bounds.survey(
                    fh,
                    limits,
                    compressed=member.compress_size,
                    lines=kind == "csv" and not gz,
                    digest=True,
                )
        except bounds.LimitExceeded as exc:
            yield _broken(name, str(exc), content_hash, member.file_size)
            continue
        except _MEMBER_ERRORS as exc:
            problem = unreadable(exc) or f"unreadable zip member ({exc})"
            yield _broken(name, problem, content_hash, member.file_size)
            continue
        member_hash = str(found.digest)
        if data_head.startswith(_ZIP_MAGIC):
            problem = "zip inside a zip is not read (unzip the outer one first)"
            yield _broken(name, problem, member_hash, member.file_size)
            continue
        opener: Callable[[], BinaryIO] = _gunzipped(stored) if gz else stored
        if kind == "parquet":
            opener = in_memory
        if gz:
            try:
                with opener() as fh:
                    data_head = fh.read(64)
                kind = _sniff_kind(data_head)
                with opener() as fh:
                    found = bounds.survey(
                        fh, limits, compressed=found.expanded, lines=kind == "csv"
                    )
            except bounds.LimitExceeded as exc:
                yield _broken(name, str(exc), member_hash, member.file_size)
                continue
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
            size=found.expanded,
            source_hint=source_hint,
            force_hint=_force_hint(member.filename),
            compression="gzip" if gz else None,
            encoding="UTF-16" if utf16 else None,
            limits=limits,
            long_lines=found.long_lines,
        )


def _gunzipped(opener: Callable[[], BinaryIO]) -> Callable[[], BinaryIO]:
    """A `.csv.gz` inside a zip: decompressed, as a plain `.gz` file is."""

    def gunzip() -> BinaryIO:
        return cast(BinaryIO, gzip.GzipFile(fileobj=opener()))

    return gunzip


def discover(paths: list[Path], limits: ReadLimits | None = None) -> Iterator[SourceFile]:
    """Every readable unit under `paths` (files, or folders read recursively), in name order,
    to be read within `limits` (default: the defaults).

    Raises FileNotFoundError naming a path that does not exist.
    """
    limits = limits or ReadLimits()
    roots = [p.resolve() for p in paths]
    for root in roots:
        if not root.exists():
            raise FileNotFoundError(f"{root}: no such file or folder")
        candidates = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in candidates:
            name = path.name.lower()
            if not path.is_file() or name in _IGNORED_NAMES or name.startswith("."):
                continue
            yield from _from_plain(path, limits)


def surveyed(f: SourceFile) -> SourceFile:
    """`f` once read through (`limits.survey`): whether a line is over the line limit.

    Raises LimitExceeded, naming the file and the limit, when a compressed file expands
    past the limits. A unit already surveyed (a zip member, during discovery) is returned
    as it is; so is one that is neither compressed nor CSV (nothing to find)."""
    if f.long_lines is not None or (f.kind != "csv" and not f.compression):
        return f
    native = f.path is not None and f.encoding is None
    stream = pa.input_stream(f.path, compression=f.compression) if native else f.open()
    compressed = f.size if f.compression else None
    try:
        with stream as fh:
            found = bounds.survey(fh, f.limits, compressed=compressed, lines=f.kind == "csv")
    except bounds.LimitExceeded as exc:
        raise bounds.LimitExceeded(f"{f.name}: {exc}") from None
    return dataclasses.replace(f, long_lines=found.long_lines)


def csv_header(f: SourceFile) -> list[str]:
    """The normalised header of a CSV file (BOM, CRLF, case and punctuation ignored).

    Raises FormatError when the first line is over the line limit or not CSV."""
    limit = f.limits.max_line_bytes
    with f.open() as fh:
        lines = bounds.physical_lines(fh, limit)
        first_line = next(lines, b"")
        if isinstance(first_line, bounds.LongLine):
            reason = bounds.line_reason(1, first_line.length, limit)
            raise bounds.LimitExceeded(f"{f.name}: the header, {reason}")
        first = first_line.decode("utf-8-sig", errors="replace").rstrip("\r\n")
        if not first.strip():
            if not any(isinstance(line, bounds.LongLine) or line.strip() for line in lines):
                raise FormatError(f"{f.name}: empty file (no header line)")
            raise FormatError(f"{f.name}: line 1 is blank (the header must be the first line)")
    try:
        row = next(csv.reader([first]), [])
    except csv.Error as exc:  # e.g. a 200 KB quoted first line: no header of ours is like that
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


# GeoJSON needs 8 levels (collection, features, feature, geometry, coordinates, polygon,
# ring, position) and a few more for nested properties; far more is a hostile file, refused
# before it is built (a parser that tracks paths spends memory quadratic in the depth).
MAX_JSON_DEPTH = 64
_UTF8_BOM = b"\xef\xbb\xbf"
# The top-level members a GeoJSON reader uses besides `features`; others are skipped unread.
_COLLECTION_MEMBERS = ("type", "crs")
_VALUE_KINDS = {"start_array": "a list", "string": "a string", "number": "a number"}


def _not_valid(f: SourceFile, exc: Exception) -> FormatError:
    """yajl's error (several lines, with a picture of where) as one line naming the file."""
    text = exc.args[0] if exc.args else exc
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    why = text.strip().splitlines()[0] if text.strip() else "unreadable"
    return FormatError(f"{f.name}: not valid JSON ({why.removeprefix('parse error: ')})")


def _open_json(f: SourceFile) -> BinaryIO:
    """The file's bytes after a UTF-8 byte-order mark, if it has one (yajl refuses the BOM)."""
    fh = f.open()
    if fh.read(len(_UTF8_BOM)) != _UTF8_BOM:
        fh.close()
        fh = f.open()
    return fh


Events = Iterator[tuple[str, Any]]


def geojson_features(f: SourceFile, members: dict[str, Any] | None = None) -> Iterator[Any]:
    """Each element of a FeatureCollection's `features`, parsed one at a time.

    The document is streamed (ijson over yajl's C parser), never held: memory is one
    feature's, whatever the file's size. `members` receives the collection's `type` and
    `crs` as they are met. Raises FormatError for JSON that is not valid or is nested over
    MAX_JSON_DEPTH, for a document that is not a FeatureCollection (said as soon as its
    `type` is read, or at the end when the type follows the features) and for one without
    a features list.
    """
    found: dict[str, Any] = {} if members is None else members
    saw_features = False
    with _open_json(f) as fh:
        events: Events = ijson.basic_parse(fh, use_float=True)
        try:
            first = next(events, None)
            if first is None or first[0] != "start_map":
                kind = _VALUE_KINDS.get(first[0] if first else "", "a JSON value")
                raise FormatError(f"{f.name}: not a GeoJSON FeatureCollection (found {kind})")
            for event, value in events:
                if event == "end_map":
                    break
                if value == "features":  # a map_key: the document's top level is an object
                    saw_features = True
                    yield from _feature_list(f, events)
                elif value in _COLLECTION_MEMBERS:
                    found[value] = _build(f, events, depth=1)
                    _check_collection(f, found)
                else:
                    _build(f, events, depth=1, keep=False)
        except ijson.JSONError as exc:
            raise _not_valid(f, exc) from None
    _check_collection(f, found, ended=True)
    if not saw_features:
        raise FormatError(f"{f.name}: the FeatureCollection has no features list")


def _check_collection(f: SourceFile, members: dict[str, Any], ended: bool = False) -> None:
    kind = members.get("type")
    if (ended or "type" in members) and kind != "FeatureCollection":
        raise FormatError(f"{f.name}: not a GeoJSON FeatureCollection (found type {kind!r:.40})")


def _feature_list(f: SourceFile, events: Events) -> Iterator[Any]:
    event, _ = next(events, ("end", None))
    if event != "start_array":
        raise FormatError(f"{f.name}: the FeatureCollection has no features list")
    while True:
        feature = _build(f, events, depth=2)
        if feature is _END:
            return
        yield feature


_END = object()  # the end of the list being read, in place of an element


def _build(f: SourceFile, events: Events, depth: int, keep: bool = True) -> Any:
    """The next JSON value from `events` (None when not `keep`), or _END when the list it
    would be an element of ends instead. Iterative, so depth costs no recursion; `depth` is
    how deep the value sits, so MAX_JSON_DEPTH counts from the document's top. The tests are
    ordered by how often GeoJSON needs them (a position is start, number, number, end)."""
    stack: list[Any] = []
    keys: list[Any] = []
    room = MAX_JSON_DEPTH - depth
    node: Any
    for event, value in events:
        if event == "number" or event == "string":
            node = value
        elif event == "start_array" or event == "start_map":
            if len(stack) >= room:
                raise FormatError(
                    f"{f.name}: JSON nested too deeply to read (more than {MAX_JSON_DEPTH} levels)"
                )
            stack.append(([] if event == "start_array" else {}) if keep else None)
            keys.append(None)
            continue
        elif event == "end_array" or event == "end_map":
            if not stack:  # only the end of the enclosing list can come first
                return _END
            node = stack.pop()
            keys.pop()
        elif event == "map_key":
            keys[-1] = value
            continue
        else:  # boolean, null
            node = value
        if not stack:
            return node
        if keep:
            parent = stack[-1]
            if parent.__class__ is list:
                parent.append(node)
            else:
                parent[keys[-1]] = node
    raise FormatError(f"{f.name}: not valid JSON (premature EOF)")  # yajl says so first


def json_header(f: SourceFile) -> list[str]:
    """GeoJSON: the property names of every feature (in order of first use), plus the
    marker `geojson`: a first feature without a name or code must not hide the file's format
    (the reader quarantines that feature). Streamed, like the reader: one feature at a time."""
    names: dict[str, None] = {}
    count, objects, first = 0, 0, None
    for feature in geojson_features(f):
        count += 1
        if not isinstance(feature, dict):
            first = feature if count == 1 else first
            continue
        objects += 1
        props = feature.get("properties")
        names.update(
            dict.fromkeys(normalise(k) for k in (props if isinstance(props, dict) else {}))
        )
    if not count:
        raise FormatError(f"{f.name}: the FeatureCollection has no features")
    if not objects:
        raise FormatError(f"{f.name}: no feature is a JSON object (feature 1: {first!r:.40})")
    return ["geojson", *names]


def header(f: SourceFile) -> list[str]:
    """The normalised column names of any supported file kind."""
    if f.kind == "parquet":
        return parquet_header(f)
    if f.kind == "json":
        return json_header(f)
    return csv_header(f)
