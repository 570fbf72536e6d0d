"""The statistics layer of the analysis engine: pure functions, no I/O.

Every result is a frozen dataclass with `as_dict()` (JSON-ready). Verdicts are "up",
"down" or "no meaningful change"; a change is only "up"/"down" when it is
statistically meaningful at the chosen level. `compare_with_history` (dispersion.py)
judges a change against the series' own variation between comparable periods and says
"not enough history" where it cannot; `simulate` makes series with the real structure to
calibrate the tests.
"""

from ._common import DOWN, NO_CHANGE, UP, Verdict
from .baseline import BaselineComparison, compare_to_baseline
from .counts import SMALL_COUNTS, Comparison, compare_counts, compare_counts_many, e_test
from .dispersion import NOT_ENOUGH_HISTORY, HistoryComparison, compare_with_history
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
    "NOT_ENOUGH_HISTORY",
    "NO_CHANGE",
    "SMALL_COUNTS",
    "UP",
    "BaselineComparison",
    "Comparison",
    "Expectation",
    "Flag",
    "FlagReport",
    "HistoryComparison",
    "Trend",
    "Verdict",
    "WeightedComparison",
    "apply_fdr",
    "benjamini_hochberg",
    "compare_counts",
    "compare_counts_many",
    "compare_to_baseline",
    "compare_with_history",
    "e_test",
    "flag_series",
    "seasonal_expectation",
    "trend",
    "weighted_comparison",
]
