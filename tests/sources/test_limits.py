"""Reading within limits: lines split from a stream exactly as `bytes.splitlines` splits
them, wherever the chunks break; a line over the limit is counted, never held; the survey
finds over-long lines and refuses a bomb with the limit named."""

from __future__ import annotations

import gzip
import hashlib
import io
import random
import tracemalloc

import pytest

from crimepulse.config import RATIO_FLOOR, ReadLimits
from crimepulse.sources import limits as bounds


def pieces(seed: int) -> bytes:
    """Random text of short and long lines with every kind of line end, ending or not."""
    rng = random.Random(seed)
    ends = [b"\n", b"\r\n", b"\r", b""]
    parts = []
    for _ in range(rng.randint(0, 30)):
        length = rng.choice([0, 1, 5, 9, 10, 11, 30])
        parts.append(b"a" * length + rng.choice(ends[:3]))
    if rng.random() < 0.5:
        parts.append(b"tail" * rng.randint(0, 4))
    return b"".join(parts)


def expected(data: bytes, limit: int) -> list[bytes | tuple[int, bytes]]:
    """The lines by brute force: bytes.splitlines, a long line as (length, first bytes)."""
    out: list[bytes | tuple[int, bytes]] = []
    for line in data.splitlines(keepends=True):
        length = len(line.rstrip(b"\r\n")) if line.endswith((b"\n", b"\r")) else len(line)
        keep = min(bounds.PREFIX, limit + 1)  # what is kept of a long line: its start
        out.append((length, line[:keep]) if length > limit else line)
    return out


def split(data: bytes, limit: int) -> list[bytes | tuple[int, bytes]]:
    return [
        (x.length, x.prefix) if isinstance(x, bounds.LongLine) else x
        for x in bounds.physical_lines(io.BytesIO(data), limit)
    ]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_lines_split_as_splitlines_splits_them_wherever_chunks_break(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bounds, "CHUNK", chunk)
    for seed in range(300):
        data = pieces(seed)
        assert split(data, 10) == expected(data, 10), (seed, data)


def test_a_line_at_the_limit_is_kept_and_one_byte_more_is_not() -> None:
    data = b"x" * 1024 + b"\r\n" + b"y" * 1025 + b"\nz"
    got = list(bounds.physical_lines(io.BytesIO(data), 1024))
    assert got[0] == b"x" * 1024 + b"\r\n"
    assert got[1] == bounds.LongLine(1025, b"y" * bounds.PREFIX)
    assert got[2] == b"z"


class Endless(io.RawIOBase):
    """A stream of `size` bytes of one 'x' line, made as it is read (never held)."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self.left)
        buffer[:n] = b"x" * n
        self.left -= n
        return n


def test_a_long_line_is_never_held() -> None:
    size = 64 << 20
    stream = io.BufferedReader(Endless(size), buffer_size=1 << 16)
    tracemalloc.start()
    try:
        got = list(bounds.physical_lines(stream, 1 << 20))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert got == [bounds.LongLine(size, b"x" * bounds.PREFIX)]
    assert peak < 8 << 20  # a 1 MiB chunk, a line of at most 1 MiB, and their copies


@pytest.mark.parametrize("chunk", [100, 1 << 20])
def test_the_survey_finds_a_line_over_the_limit_as_brute_force_does(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bounds, "CHUNK", chunk)
    limits = ReadLimits(max_line_bytes=1024)
    rng = random.Random(7)
    for _ in range(200):
        lines = [b"a" * rng.choice([0, 500, 1023, 1024, 1025, 3000]) for _ in range(5)]
        data = b"".join(line + rng.choice([b"\n", b"\r\n", b"\r"]) for line in lines)
        found = bounds.survey(io.BytesIO(data), limits, digest=True)
        brute = max(len(line) for line in data.splitlines()) > 1024
        assert (found.long_lines, found.expanded) == (brute, len(data))
        assert found.digest == hashlib.sha256(data).hexdigest()


def test_a_bomb_is_refused_with_its_ratio_and_the_option_named() -> None:
    data = b"0" * (4 * RATIO_FLOOR)
    packed = gzip.compress(data)
    with pytest.raises(bounds.LimitExceeded) as refused:
        bounds.survey(
            gzip.GzipFile(fileobj=io.BytesIO(packed)), ReadLimits(), compressed=len(packed)
        )
    assert "expands more than 100×" in str(refused.value)
    assert "limit --max-expansion 100" in str(refused.value)


def test_below_the_floor_or_without_a_ratio_nothing_is_refused_for_its_ratio() -> None:
    small = b"0" * (RATIO_FLOOR // 2)
    assert bounds.expansion_problem(len(small), 10, ReadLimits()) is None
    assert bounds.expansion_problem(10 * RATIO_FLOOR, 10, ReadLimits(max_expansion=0)) is None
    assert bounds.expansion_problem(10 * RATIO_FLOOR, 10, ReadLimits()) is not None


def test_the_size_limit_holds_whatever_the_ratio() -> None:
    limits = ReadLimits(max_expanded_bytes=1 << 20, max_expansion=0)
    problem = bounds.expansion_problem((1 << 20) + 1, 1 << 20, limits)
    assert problem == "expands to more than 1 MiB (limit --max-expanded-bytes 1 MiB)"
    together = bounds.expansion_problem((1 << 20) + 1, None, limits, "its members together ")
    assert together is not None and together.startswith("its members together expand to")


def test_the_line_reason_names_the_length_the_limit_and_the_option() -> None:
    assert bounds.line_reason(17, 200_000_000, 1 << 20) == (
        "line 17 is 200,000,000 bytes, over the 1 MiB line limit (--max-line-bytes)"
    )
