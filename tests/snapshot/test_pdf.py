"""The PDF is A4, paginated, with fonts embedded; its pages (as PNG via pdftoppm) are
not blank; charts render with the network unavailable."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from crimepulse import snapshot
from crimepulse.api import Crimepulse
from crimepulse.snapshot import figures

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
