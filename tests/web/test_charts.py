"""The map's colours carry meaning for every reader: a rise and a fall differ in lightness
enough (relative-luminance contrast of 3:1 or more) after simulating protanopia and
deuteranopia, and the rendered map uses exactly those colours."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from crimepulse.snapshot import figures
from crimepulse.web import charts
from tests.web.conftest import AS_OF

# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB.
CVD = {
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ],
}


def _linear(colour: str) -> list[float]:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]


def luminance(colour: str, matrix: list[list[float]] | None = None) -> float:
    """WCAG relative luminance of `colour`, as seen through a CVD simulation matrix."""
    rgb = _linear(colour)
    if matrix is not None:
        rgb = [
            min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb, strict=True)))) for row in matrix
        ]
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]


def contrast(a: str, b: str, matrix: list[list[float]] | None = None) -> float:
    low, high = sorted([luminance(a, matrix), luminance(b, matrix)])
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_measure_is_wcags() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    for matrix in CVD.values():  # a grey is seen as it is; a pure red darker by a protanope
        assert luminance("#777777", matrix) == pytest.approx(luminance("#777777"), rel=1e-3)
    assert luminance("#ff0000", CVD["protanopia"]) == pytest.approx(0.114, abs=0.001)


@pytest.mark.parametrize("kind", list(CVD))
def test_rise_and_fall_differ_in_lightness_under_colour_blindness(kind: str) -> None:
    assert contrast(charts.MAP_RISE, charts.MAP_FALL, CVD[kind]) >= 3.0
    assert contrast(charts.MAP_RISE, charts.MAP_FALL) >= 3.0
    assert contrast(figures.RISE, figures.FALL, CVD[kind]) < 3.0  # why the map has its own


def test_labels_on_the_map_tiles_are_readable() -> None:
    assert contrast("#ffffff", charts.MAP_RISE) >= 4.5  # white on a rise
    assert contrast(figures.INK, charts.MAP_FALL) >= 4.5  # ink on a fall


def test_the_map_is_drawn_in_those_colours(client: TestClient) -> None:
    page = client.get("/map", params={"as_of": AS_OF, "category": "robbery", "window": "year"})
    hackney = re.search(
        r'data-code="E09000012"><title>[^<]*</title><path [^>]*fill="(#\w+)"', page.text
    )
    assert hackney is not None and hackney.group(1) == charts.MAP_RISE  # robbery doubled
    fills = set(re.findall(r'fill="(#[0-9a-f]{6})"', page.text))
    assert {charts.MAP_RISE, charts.MAP_FALL} <= fills  # the legend shows both
    assert figures.RISE not in fills and figures.FALL not in fills
