"""Closed forms the statistics tests check against, computed by hand rather than by the
library under test."""

from __future__ import annotations

import math


def t2_two_sided(t: float) -> float:
    """Two-sided p-value of Student's t with 2 degrees of freedom: 1 − |t| / √(2 + t²)."""
    return 1.0 - abs(t) / math.sqrt(2.0 + t * t)
