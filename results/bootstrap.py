"""The one bootstrap every interval of the results comes from: two levels, groups then values.

The values come in groups (a case's samples in rounds, a comparison's per-pass ratios in
processes) and the largest noise is between groups, so each replicate (:func:`two_level_medians`)

1. draws as many groups as were measured, with replacement,
2. draws, within each chosen group, as many values as it has, with replacement,
3. pools them and takes the median (:func:`row_medians`).

An interval is the central percentile interval of the replicates (:func:`percentile_interval`),
widened where needed to contain the point estimate (:func:`contain_point`). Deterministic: the
generator is seeded with a base seed and a CRC-32 of what is measured (:func:`seed_for`). Used by
:mod:`results.median_intervals` (asv's medians, over rounds) and :mod:`results.comparison_stats`
(the comparisons' per-pass ratios, over processes).
"""
from __future__ import annotations

import zlib

import numpy as np

N_BOOT = 2000
LEVEL = 0.95


def row_medians(pooled: np.ndarray) -> np.ndarray:
    """The median of each row, NaN cells ignored: ``np.nanmedian(pooled, axis=1)``, the same numbers.

    By hand because nanmedian masks its short rows one by one: one sort of the whole matrix puts
    NaN last in every row (2000 x 150, a third NaN: 1.3 ms against 11.7 ms, one run)."""
    s = np.sort(pooled, axis=1)
    count = np.sum(~np.isnan(s), axis=1)
    rows = np.arange(s.shape[0])
    middle = (s[rows, (count - 1) // 2] + s[rows, count // 2]) / 2.0   # an empty row reads NaN cells
    return np.where(count > 0, middle, np.nan)


def seed_for(base: int, key: str) -> int:
    """The generator seed of one thing measured: ``base`` combined with a CRC-32 of its identity."""
    return base ^ zlib.crc32(key.encode("utf-8"))


def two_level_medians(groups: list[np.ndarray], seed: int, n_boot: int = N_BOOT,
                      every_row: bool = False) -> np.ndarray | None:
    """``n_boot`` replicates of the pooled median of ``groups`` (non-empty float arrays): groups
    resampled, then values within each chosen group; None without a group.

    ``every_row`` lays out the seeded stream, nothing else: draw the values of a group for every
    replicate and keep those of the replicates that chose it (the medians over rounds), or draw
    them for the replicates that chose it only (the comparisons). The same bootstrap either way;
    kept, so that every interval recorded so far keeps its numbers."""
    if not groups:
        return None
    rng = np.random.default_rng(seed)
    n, width = len(groups), max(g.size for g in groups)
    pooled = np.full((n_boot, n * width), np.nan)
    chosen = rng.integers(0, n, size=(n_boot, n))    # one group: zeros, and nothing drawn from the stream
    for slot in range(n):
        for i, g in enumerate(groups):
            rows = chosen[:, slot] == i
            cells = slice(slot * width, slot * width + g.size)
            if every_row:
                pooled[rows, cells] = g[rng.integers(0, g.size, size=(n_boot, g.size))][rows]
            elif rows.any():
                pooled[rows, cells] = g[rng.integers(0, g.size, size=(int(rows.sum()), g.size))]
    return row_medians(pooled)


def percentile_interval(replicates: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """The central ``level`` percentile interval of bootstrap replicates."""
    tail = 100.0 * (1.0 - level) / 2.0
    lo, hi = np.percentile(replicates, [tail, 100.0 - tail])
    return float(lo), float(hi)


def contain_point(point: float, lo: float, hi: float) -> tuple[float, float]:
    """The interval widened, if needed, to contain the point estimate."""
    if point != point:
        return lo, hi
    return min(lo, point), max(hi, point)
