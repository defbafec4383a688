"""Uncertainty of medians and of ratios of medians: a two-level (hierarchical) bootstrap.

Why two levels: on the machines this runs on, the largest noise is between processes (one asv
round = one process): the same kernel reads 12-29 us in six fresh processes (DESIGN.md). A
bootstrap of the pooled samples treats every sample as independent and gives an interval as
narrow as the within-process scatter, which is far too narrow. So each replicate

1. draws as many rounds as were measured, with replacement, from the case's rounds,
2. draws, within each chosen round, as many samples as it has, with replacement,
3. pools them and takes the median.

A ratio's replicate is baseline replicate / case replicate (the two sides drawn independently);
the interval is the 2.5th - 97.5th percentile of ``N_BOOT`` = 2000 replicates (a percentile
interval), widened when needed so that it always contains the point estimate, which stays the
ratio of asv's medians. With one round known (one process, or results without the rounds file)
step 1 has nothing to draw from: a plain bootstrap of the samples, reported as ``one process``.
Without samples (results recorded without ``--record-samples``): no interval (``none``).

Deterministic: every case's replicates come from a generator seeded with ``SEED`` and a CRC-32
of the case's identity (machine, commit, benchmark, parameters), so a case gets the same
replicates wherever it is used, and two different cases get independent ones.
"""
from __future__ import annotations

import math

import numpy as np

from . import bootstrap
from .bootstrap import N_BOOT, contain_point, percentile_interval, two_level_medians

SEED = 20_250_901
METHOD_ROUNDS = "rounds"          # two-level bootstrap over >= 2 rounds
METHOD_ONE = "one process"        # plain bootstrap: one round known
METHOD_NONE = "none"              # no samples: no interval
METHOD_PAIRED = "paired"          # a measured comparison (results.comparison_stats): processes, then passes
METHOD_ACROSS = "across processes"   # two asv medians of different processes: no interval, no verdict


def seed_for(key: str) -> int:
    """The generator seed of one case: ``SEED`` combined with a CRC-32 of its identity."""
    return bootstrap.seed_for(SEED, key)


def clean_rounds(rounds) -> list[np.ndarray]:
    """The non-empty rounds as float arrays, non-finite samples dropped."""
    out = []
    for r in rounds or []:
        a = np.asarray([x for x in (r or []) if x is not None], dtype=float)
        a = a[np.isfinite(a)]
        if a.size:
            out.append(a)
    return out


def method(rounds) -> str:
    """Which interval a case gets: ``rounds``, ``one process`` or ``none``."""
    n = len(clean_rounds(rounds))
    return METHOD_NONE if n == 0 else (METHOD_ONE if n == 1 else METHOD_ROUNDS)


def bootstrap_medians(rounds, key: str = "", n_boot: int = N_BOOT) -> np.ndarray | None:
    """``n_boot`` bootstrap replicates of the median (two-level over rounds); None without samples."""
    return two_level_medians(clean_rounds(rounds), seed_for(key), n_boot, every_row=True)


def median_interval(rounds, key: str, point: float) -> tuple[float, float]:
    """95% interval of one case's median (NaN, NaN without samples)."""
    reps = bootstrap_medians(rounds, key)
    if reps is None:
        return math.nan, math.nan
    return contain_point(point, *percentile_interval(reps))


def ratio_interval(num_reps, den_reps, point: float) -> tuple[float, float]:
    """95% interval of numerator median / denominator median from their replicates (NaN without)."""
    if num_reps is None or den_reps is None:
        return math.nan, math.nan
    return contain_point(point, *percentile_interval(np.asarray(num_reps) / np.asarray(den_reps)))


def contains_one(lo: float, hi: float) -> bool:
    """Whether an interval of a ratio admits 'no difference' (False when there is no interval)."""
    return lo == lo and hi == hi and lo <= 1.0 <= hi


def round_medians(rounds) -> list[float]:
    """The median of each non-empty round."""
    return [float(np.median(r)) for r in clean_rounds(rounds)]


def round_spread(rounds) -> float:
    """max / min of the per-round medians (NaN with fewer than two rounds)."""
    meds = round_medians(rounds)
    if len(meds) < 2 or min(meds) <= 0:
        return math.nan
    return max(meds) / min(meds)
