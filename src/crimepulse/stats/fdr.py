"""False discovery rate across a grid of tests (Benjamini & Hochberg 1995)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Protocol, TypeVar

from statsmodels.stats.multitest import multipletests

from ._common import NO_CHANGE, check_alpha
from .dispersion import NOT_ENOUGH_HISTORY


class _Tested(Protocol):
    """What `apply_fdr` needs of a result (Comparison, BaselineComparison,
    WeightedComparison and Expectation all fit)."""

    @property
    def p_value(self) -> float | None: ...
    @property
    def verdict(self) -> str: ...


T = TypeVar("T", bound=_Tested)


def benjamini_hochberg(p_values: Sequence[float | None], alpha: float = 0.05) -> list[float | None]:
    """Benjamini–Hochberg adjusted p-values (q-values), in the input order.

    None (no test possible, e.g. a cell with no data) stays None and does not count
    towards the family size m. q_i = min over j >= rank(i) of p_(j)·m/j, capped at 1
    (statsmodels `multipletests(method="fdr_bh")`). `alpha` only validates here: q
    does not depend on it; a finding is a discovery at FDR alpha when q < alpha.
    """
    check_alpha(alpha)
    present = [(i, float(p)) for i, p in enumerate(p_values) if p is not None]
    idx = [i for i, _ in present]
    pvals = [p for _, p in present]
    for p in pvals:
        if not (0.0 <= p <= 1.0) or math.isnan(p):
            raise ValueError(f"p-values must be in [0, 1], got {p}")
    out: list[float | None] = [None] * len(p_values)
    if not pvals:
        return out
    _, q, _, _ = multipletests(pvals, alpha=alpha, method="fdr_bh")
    for i, qi in zip(idx, q, strict=True):
        out[i] = float(qi)
    return out


def apply_fdr(results: Sequence[T], alpha: float = 0.05) -> list[T]:
    """The same results with BH q-values over the whole family, verdicts downgraded.

    Returns new objects (dataclasses.replace) with `q_value`, `fdr_controlled=True`
    and `fdr_family_size=len(results)`; an "up"/"down" whose q >= alpha becomes
    "no meaningful change". `p_value` is kept, so a reader can see both. A result
    without a p-value keeps q None and does not count in the family; its verdict becomes
    "no meaningful change" unless it is "not enough history", which stays. Use one call per
    published grid: the family is what the reader sees at once.
    """
    alpha = check_alpha(alpha)
    qs = benjamini_hochberg([r.p_value for r in results], alpha)
    family = sum(q is not None for q in qs)
    out: list[T] = []
    for r, q in zip(results, qs, strict=True):
        keep = (q is not None and q < alpha) or r.verdict == NOT_ENOUGH_HISTORY
        verdict = r.verdict if keep else NO_CHANGE
        out.append(
            dataclasses.replace(  # type: ignore[type-var]
                r, q_value=q, verdict=verdict, fdr_controlled=True, fdr_family_size=family
            )
        )
    return out
