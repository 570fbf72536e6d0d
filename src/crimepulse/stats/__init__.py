"""The statistics layer of the analysis engine: pure functions, no I/O.

Every result is a frozen dataclass with `as_dict()` (JSON-ready). Verdicts are "up",
"down" or "no meaningful change"; a change is only "up"/"down" when it is
statistically meaningful at the chosen level.
"""

from ._common import DOWN, NO_CHANGE, UP, Verdict
from .baseline import BaselineComparison, compare_to_baseline
from .counts import SMALL_COUNTS, Comparison, compare_counts, compare_counts_many, e_test
from .fdr import apply_fdr, benjamini_hochberg
from .seasonal import (
    Expectation,
    Flag,
    FlagReport,
    flag_series,
    seasonal_expectation,
)
from .trend import Trend, trend
from .weighted import WeightedComparison, weighted_comparison

__all__ = [
    "DOWN",
    "NO_CHANGE",
    "SMALL_COUNTS",
    "UP",
    "BaselineComparison",
    "Comparison",
    "Expectation",
    "Flag",
    "FlagReport",
    "Trend",
    "Verdict",
    "WeightedComparison",
    "apply_fdr",
    "benjamini_hochberg",
    "compare_counts",
    "compare_counts_many",
    "compare_to_baseline",
    "e_test",
    "flag_series",
    "seasonal_expectation",
    "trend",
    "weighted_comparison",
]
