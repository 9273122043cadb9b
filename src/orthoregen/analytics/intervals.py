"""Confidence intervals for a mean, a proportion and a Poisson count."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats


@dataclass(frozen=True)
class Interval:
    """A two-sided confidence interval; `level` is the coverage, e.g. 0.95."""

    low: float
    high: float
    level: float = 0.95


def t_interval(mean: float, sd: float, n: int, *, level: float = 0.95) -> Interval:
    """Return the t-based interval mean ± t(n−1) · sd/√n (Student 1908; R `t.test`).

    Undefined (NaN bounds) when n < 2, because the SD then has no degrees of freedom.
    """
    if n < 2:
        return Interval(math.nan, math.nan, level)
    half = stats.t.ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n)
    return Interval(mean - half, mean + half, level)


def wilson_interval(count: int, n: int, *, level: float = 0.95) -> Interval:
    """Return the Wilson score interval for count/n, without continuity correction.

    Wilson EB, J Am Stat Assoc 1927;22:209-12; method 3 of Newcombe RG, Stat Med
    1998;17:857-72, which recommends it over the Wald interval (it stays inside 0-1 and keeps
    its coverage at 0/n and n/n). NaN bounds when n = 0.
    """
    if not 0 <= count <= n:
        raise ValueError(f"count {count} must lie between 0 and n = {n}")
    if n == 0:
        return Interval(math.nan, math.nan, level)
    low, high = wilson_bounds(np.array([count]), np.array([n]), level=level)
    return Interval(float(low[0]), float(high[0]), level)


def wilson_bounds(
    counts: npt.ArrayLike, ns: npt.ArrayLike, *, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Return vectorised Wilson score bounds (see `wilson_interval`); NaN where n = 0."""
    z = stats.norm.ppf(0.5 + level / 2)
    counts = np.asarray(counts, dtype=float)
    ns = np.asarray(ns, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = counts / ns
        centre = (p + z * z / (2 * ns)) / (1 + z * z / ns)
        half = z * np.sqrt(p * (1 - p) / ns + z * z / (4 * ns * ns)) / (1 + z * z / ns)
    # At 0/n and n/n the bound is exactly 0 or 1; floating point leaves dust like 5e-17.
    low = np.where(counts == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(counts == ns, 1.0, np.clip(centre + half, 0.0, 1.0))
    return low, high


def poisson_exact_bounds(
    counts: npt.ArrayLike, *, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Return exact (Garwood 1936) Poisson bounds for observed counts, via the chi² identity.

    low = χ²(α/2; 2x)/2 (0 when x = 0), high = χ²(1−α/2; 2x+2)/2; the same limits as
    R `poisson.test`. Divide by the exposure to get a rate interval.
    """
    counts = np.asarray(counts, dtype=float)
    alpha = 1 - level
    with np.errstate(invalid="ignore"):
        low = np.where(counts > 0, stats.chi2.ppf(alpha / 2, 2 * counts) / 2, 0.0)
    high = np.asarray(stats.chi2.ppf(1 - alpha / 2, 2 * counts + 2) / 2)
    return low, high
