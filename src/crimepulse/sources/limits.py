"""Reading within the `ReadLimits`: physical lines of bounded length, and a survey of a
file's decompressed bytes that refuses an archive bomb before any reader holds it.

A reader must never hold more of a file than one line (and one line never more than the
limit): a 205 KB `.csv.gz` holding one 200 MB line, or a 1 MB zip that expands to 300 MB,
would otherwise take gigabytes. So lines are split from a stream in chunks, a line over
the limit is counted and skipped (only its first bytes are kept, for the quarantine), and
every compressed unit is read through once, in chunks, before it is parsed: that pass
counts how far it expands (refused, with the limit named, past the ratio or the size) and
whether any line is over the line limit (then the reader takes its line-by-line path).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from crimepulse.config import LIMIT_OPTIONS, RATIO_FLOOR, ReadLimits, format_size
from crimepulse.errors import FormatError

CHUNK = 1 << 20  # bytes read at a time: memory per stream is this plus one line at most
PREFIX = 200  # bytes of an over-long line kept as its raw text in the quarantine


class LimitExceeded(FormatError):
    """A file passes one of the read limits (an archive bomb, too many members): refused
    whole, the limit and its option named."""


@dataclass(frozen=True)
class LongLine:
    """A physical line over the line limit: its length (line end excluded), never its bytes."""

    length: int
    prefix: bytes


def line_reason(number: int, length: int, limit: int) -> str:
    """Why a line is refused, in words that name the limit and the option that sets it."""
    return (
        f"line {number} is {length:,} bytes, over the {format_size(limit)} line limit "
        f"({LIMIT_OPTIONS['max_line_bytes']})"
    )


def _human(size: int) -> str:
    """A file's size as people say it (decimal units): 205 KB, 1.2 MB, 300 MB."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= scale:
            value = size / scale
            return f"{value:.1f} {unit}" if value < 10 else f"{value:,.0f} {unit}"
    return f"{size:,} bytes"


def _ending(piece: bytes) -> int:
    """How many bytes of `piece` are its line end (CRLF, CR, LF or none)."""
    if piece.endswith(b"\r\n"):
        return 2
    return 1 if piece.endswith((b"\n", b"\r")) else 0


def physical_lines(stream: IO[bytes], limit: int) -> Iterator[bytes | LongLine]:
    """Each physical line of `stream`, with its line end, split as `bytes.splitlines`
    splits (CRLF, CR, LF); a line longer than `limit` bytes (line end excluded) as a
    `LongLine`. Memory: one chunk plus one line of at most `limit` bytes."""
    carry = b""  # the start of a line not yet ended, at most limit + 1 bytes
    skipped: int | None = None  # the length so far of an over-long line being skipped
    prefix = b""
    drop_lf = False  # the last chunk ended an over-long line with CR: LF may complete it
    keep = min(PREFIX, limit + 1)  # bytes of a long line kept, however the chunks fell
    while chunk := stream.read(CHUNK):
        if drop_lf:
            drop_lf = False
            if chunk.startswith(b"\n"):
                chunk = chunk[1:]
        if skipped is not None:
            ends = [i for i in (chunk.find(b"\n"), chunk.find(b"\r")) if i >= 0]
            if not ends:
                skipped += len(chunk)
                continue
            end = min(ends)
            yield LongLine(skipped + end, prefix)
            skipped = None
            if chunk[end : end + 2] == b"\r\n":
                end += 1
            elif chunk[end] == 13 and end == len(chunk) - 1:
                drop_lf = True
            chunk = chunk[end + 1 :]
        pieces = (carry + chunk).splitlines(keepends=True)
        carry = b""
        if pieces and not pieces[-1].endswith(b"\n"):
            carry = pieces.pop()  # unfinished (or a CR whose LF may be in the next chunk)
        for piece in pieces:
            length = len(piece) - _ending(piece)
            yield LongLine(length, piece[:keep]) if length > limit else piece
        if len(carry) - _ending(carry) > limit:
            if carry.endswith(b"\r"):
                yield LongLine(len(carry) - 1, carry[:keep])
                drop_lf = True
            else:
                skipped, prefix = len(carry), carry[:keep]
            carry = b""
    if skipped is not None:
        yield LongLine(skipped, prefix)
    elif carry:
        length = len(carry) - _ending(carry)
        yield LongLine(length, carry[:keep]) if length > limit else carry


@dataclass(frozen=True)
class Survey:
    """What one read through a unit's decompressed bytes found."""

    expanded: int  # bytes after decompression
    long_lines: bool  # some physical line is over the line limit
    digest: str | None = None  # sha256 of the decompressed bytes, when asked for


def expansion_problem(
    expanded: int, compressed: int | None, limits: ReadLimits, what: str = ""
) -> str | None:
    """Why `expanded` bytes from `compressed` ones are too many, naming the limit; or None.
    `what` names a plural subject ("its members together "); by default the file itself."""
    verb = "expand" if what else "expands"
    if expanded > limits.max_expanded_bytes:
        return (
            f"{what}{verb} to more than {format_size(limits.max_expanded_bytes)} "
            f"(limit {LIMIT_OPTIONS['max_expanded_bytes']} "
            f"{format_size(limits.max_expanded_bytes)})"
        )
    ratio = limits.max_expansion
    if compressed and ratio and expanded > max(ratio * compressed, RATIO_FLOOR):
        return (
            f"{what}{verb} more than {ratio:g}× ({_human(compressed)} compressed, more than "
            f"{_human(expanded)} expanded; limit {LIMIT_OPTIONS['max_expansion']} {ratio:g})"
        )
    return None


def survey(
    stream: IO[bytes],
    limits: ReadLimits,
    *,
    compressed: int | None = None,
    lines: bool = True,
    digest: bool = False,
) -> Survey:
    """Read `stream` (decompressed bytes) through once, in chunks, holding none of it.

    `compressed`: the unit's compressed size, for the expansion ratio (None: not
    compressed). Raises LimitExceeded (without the file's name: the caller adds it) as
    soon as the bytes pass the ratio or the size limit. With `lines`, notes whether a
    physical line is longer than the line limit."""
    hasher = hashlib.sha256() if digest else None
    step = min(CHUNK, limits.max_line_bytes)  # then a line inside one chunk is within limit
    expanded, run, long_lines = 0, 0, False
    while chunk := stream.read(step):
        expanded += len(chunk)
        if hasher is not None:
            hasher.update(chunk)
        if compressed is not None:
            problem = expansion_problem(expanded, compressed, limits)
            if problem:
                raise LimitExceeded(problem)
        if not lines or long_lines:
            continue
        ends = [i for i in (chunk.find(b"\n"), chunk.find(b"\r")) if i >= 0]
        if not ends:
            run += len(chunk)
        else:
            run += min(ends)
            if run <= limits.max_line_bytes:
                run = len(chunk) - max(chunk.rfind(b"\n"), chunk.rfind(b"\r")) - 1
        long_lines = run > limits.max_line_bytes
    return Survey(expanded, long_lines, hasher.hexdigest() if hasher else None)
