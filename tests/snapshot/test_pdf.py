"""The PDF is A4, paginated, with fonts embedded; its pages (as PNG via pdftoppm) are
not blank; charts render with the network unavailable. It is tagged for screen readers
(PDF/UA-1: a structure tree, marked content, the document's language, alt text on every
chart) and its body is at most four pages, the caveats and Facts in a sources appendix."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crimepulse import snapshot
from crimepulse.api import Crimepulse
from crimepulse.oplog import OutcomesLog
from crimepulse.snapshot import figures
from tests.snapshot.conftest import WEEK_END

BODY_PAGES = 4  # the most a snapshot's body may run to, the sources appendix aside

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")


def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_pdf_pages_are_a4_non_blank_with_embedded_fonts(
    cp: Crimepulse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_network(monkeypatch)
    snap = snapshot.build(cp, "year", "2023", "violence")
    pdf = tmp_path / "s.pdf"
    pdf.write_bytes(bytes(snapshot.render(snap, "pdf")))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(next(x for x in info.stdout.splitlines() if x.startswith("Pages:")).split()[1])
    assert "595.276 x 841.89" in info.stdout or "595.28 x 841.89" in info.stdout  # A4
    assert 2 <= pages <= 20
    subprocess.run(["pdftoppm", "-r", "30", "-gray", str(pdf), str(tmp_path / "p")], check=True)
    images = sorted(tmp_path.glob("p-*.pgm"))
    assert len(images) == pages
    for image in images:
        data = image.read_bytes()
        pixels = data[data.index(b"255\n") + 4 :]
        dark = sum(1 for b in pixels if b < 200)
        assert dark > 0.002 * len(pixels), f"{image.name} is blank"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    rows = fonts.stdout.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows), fonts.stdout


def test_charts_render_offline_with_alt_text(
    cp: Crimepulse, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_network(monkeypatch)
    snap = snapshot.build(cp, "year", "2023", "robbery")
    kinds = {c.kind for c in snap.charts}
    assert kinds == {"trend", "map"}
    for chart in snap.charts:
        svg = figures.svg(chart, snap.facts)
        assert svg.lstrip().startswith("<svg") and "<path" in svg
        assert figures.png(chart, snap.facts).startswith(b"\x89PNG")
        alt = snap.text(chart.alt)
        assert any(s.fact for s in chart.alt) and len(alt) > 60
    tiles = next(c for c in snap.charts if c.kind == "map").extra["geography"]
    assert tiles["kind"] == "tiles" and len(tiles["tiles"]) == 33  # no boundaries loaded
    hackney = next(
        snap.facts[i] for i in snap.chart("map").facts if snap.facts[i]["area"]["name"] == "Hackney"
    )
    assert hackney["verdict"] == "up" and "Hackney" in snap.text(snap.chart("map").alt)


def _walk(node: Any) -> Iterator[Any]:
    """Every structure element under `node` (a pikepdf dictionary), depth first."""
    import pikepdf

    yield node
    kids = node.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary):
            yield from _walk(kid)


def _page_texts(pdf: Path, pages: int) -> list[str]:
    return [
        subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, pages + 1)
    ]


def test_weekly_pdf_is_tagged_short_and_has_a_sources_appendix(
    cp: Crimepulse, warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pikepdf = pytest.importorskip("pikepdf", reason="needs pikepdf (the dev extra)")
    _no_network(monkeypatch)
    with OutcomesLog.open(db=warehouse) as log:
        snap = snapshot.build(cp, "week", WEEK_END.isoformat(), "violence", log=log)
    path = tmp_path / "week.pdf"
    path.write_bytes(bytes(snapshot.render(snap, "pdf")))
    with pikepdf.open(path) as pdf:
        root = pdf.Root
        assert "/StructTreeRoot" in root and bool(root.MarkInfo.Marked) is True
        assert str(root.Lang) == "en-GB"
        assert b"pdfuaid:part" in root.Metadata.read_bytes()  # declared PDF/UA
        assert str(pdf.docinfo.Title) == snap.meta["title"]
        elements = list(_walk(root.StructTreeRoot))
        kinds = {str(e.get("/S")) for e in elements if e.get("/S") is not None}
        assert {"/H1", "/H2", "/P", "/L", "/LI", "/Figure"} <= kinds
        alts = [str(e.get("/Alt", "")) for e in elements if e.get("/S") == "/Figure"]
        assert len(alts) == len(snap.charts) == 2
        assert alts == [snap.text(c.alt) for c in snap.charts]  # the charts' own words
        pages = len(pdf.pages)
    texts = _page_texts(path, pages)
    appendix = next(n for n, text in enumerate(texts) if "Sources appendix" in text)
    assert 1 <= appendix <= BODY_PAGES  # the body ends on page 4 at the latest
    body, back = "".join(texts[:appendix]), "".join(texts[appendix:])
    assert "What officers did this week" in body and "How to read these figures" in back
    assert "f-" not in body  # the Facts' ids and notes are in the appendix, not the body
    assert all(i in back.replace("\n", "") for i in snap.cited()[:5])
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "p")], check=True)
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == pages
    from PIL import Image  # WeasyPrint's own dependency

    for image in images:
        with Image.open(image) as picture:
            gray = picture.convert("L")
            dark = sum(gray.histogram()[:200])  # pixels darker than 200 of 255
            assert dark > 0.002 * gray.width * gray.height, f"{image.name} is blank"
