"""Shared pieces of the statistics layer: verdicts, JSON conversion, tail probabilities."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

Verdict = Literal["up", "down", "no meaningful change"]
UP: Verdict = "up"
DOWN: Verdict = "down"
NO_CHANGE: Verdict = "no meaningful change"


def to_json_value(value: Any) -> Any:
    """One value as JSON-ready Python: numpy scalars unwrapped, inf/nan → None."""
    if isinstance(value, AsDict):
        return value.as_dict()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list | tuple):
        return [to_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    raise TypeError(f"cannot serialise {type(value).__name__} to JSON")


class AsDict:
    """Mixin for the result dataclasses: `as_dict()` gives JSON-ready values.

    Non-finite floats become None (strict JSON has no Infinity): an unbounded
    confidence limit, e.g. the upper limit of a rate ratio against zero, reads as None.
    """

    def as_dict(self) -> dict[str, Any]:
        assert dataclasses.is_dataclass(self)
        return {f.name: to_json_value(getattr(self, f.name)) for f in dataclasses.fields(self)}


def check_count(value: int, name: str) -> int:
    """A count must be a non-negative whole number (bool is refused: it is a mistake)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an int count, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return int(value)


def check_alpha(alpha: float) -> float:
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    return float(alpha)


def central_p(log_cdf: float, log_sf_incl: float) -> tuple[float, float]:
    """Two-sided "central" p-value from the two one-sided tail log-probabilities.

    p = min(1, 2 * min(P(X <= x), P(X >= x))). Doubling the smaller exact tail is
    the test that inverts to the equal-tailed (Clopper–Pearson style) interval, so a
    verdict and its interval never contradict each other. Returns (p, -log10 p),
    the second computed in logs so that extreme counts still rank (no underflow to 0).
    """
    log_p = min(0.0, math.log(2.0) + min(log_cdf, log_sf_incl))
    return math.exp(log_p), -log_p / math.log(10.0)


def verdict_from(p_value: float, alpha: float, direction: int) -> Verdict:
    """The verdict: up or down only when p < alpha; the sign of `direction` says which."""
    if p_value < alpha and direction != 0:
        return UP if direction > 0 else DOWN
    return NO_CHANGE


def as_float_list(values: Sequence[float], name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a flat sequence of numbers")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains a missing or non-finite value")
    return arr
