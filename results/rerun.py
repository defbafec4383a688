"""Does an interval cover a re-run? Two runs' ratios against each other, and what calibrated
intervals would give.

A 95% interval is about the true ratio, not about the next run's point: the next run's point
carries its own processes' noise too. For a Student-t interval over n1 processes and a re-run's
mean over n2 processes of the same spread, ``P(re-run inside) = P(|T(n1 - 1)| < t / sqrt(1 + n1 / n2))``
(``t = t(0.975, n1 - 1)``; X2 - X1 ~ N(0, s^2 (1/n1 + 1/n2)), the interval t s1 / sqrt(n1)):
88% for 5 and 5 processes, 86% for 10 and 10, 83% for many. A share of re-run points inside below
that says the runs differ by more than their processes show (the machine's state over hours);
at or above it, the intervals are as wide as their processes allow. :func:`compare` counts both,
and the re-run points inside the first run's interval widened for a re-run (:func:`for_a_rerun`:
its log half-widths times ``sqrt(1 + n1 / n2)``, which a calibrated interval's re-run falls inside
95% of the time).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .variance_components import LEVEL, t_quantile


def expected_inside(n1: int, n2: int, level: float = LEVEL) -> float:
    """P(a re-run's point of ``n2`` processes falls inside this run's ``level`` Student-t interval
    of ``n1`` processes), both runs of one normal spread (log scale); NaN below 2 processes."""
    if not (n1 >= 2 and n2 >= 1):
        return math.nan
    from scipy import special

    df = int(n1) - 1
    return float(2.0 * special.stdtr(df, t_quantile(df, level) / math.sqrt(1.0 + n1 / n2)) - 1.0)


def chance_at_least(probs, share: float) -> float:
    """P(at least ``ceil(share x len(probs))`` of independent events happen), event i with
    probability ``probs[i]`` (the Poisson binomial tail, by its recurrence)."""
    p = [float(x) for x in probs]
    need = math.ceil(share * len(p) - 1e-9)
    dist = np.zeros(len(p) + 1)
    dist[0] = 1.0
    for x in p:                                  # dist[k]: P(k of the events so far)
        dist[1:] = dist[1:] * (1.0 - x) + dist[:-1] * x
        dist[0] *= 1.0 - x
    return float(dist[need:].sum())


def for_a_rerun(point: float, lo: float, hi: float, n1: int, n2: int) -> tuple[float, float]:
    """(lo, hi) of the interval ``[lo, hi]`` around ``point`` (n1 processes) widened to hold a
    re-run's point of n2 processes: each log half-width times ``sqrt(1 + n1 / n2)``."""
    k = math.sqrt(1.0 + n1 / n2)
    return point * (lo / point) ** k, point * (hi / point) ** k


@dataclass(frozen=True)
class Rerun:
    """Run 2's points against run 1's intervals, over the ratios both runs measured."""

    ratios: int              # measured in both runs, with an interval in run 1
    inside: int              # run 2's point inside run 1's interval
    inside_widened: int      # ... inside run 1's interval widened for a re-run (:func:`for_a_rerun`)
    expected: float          # the share calibrated intervals would put inside (mean of expected_inside)
    chance: float            # P(a share >= ``bar`` inside | calibrated intervals)
    bar: float
    z_sd: float              # sd of log(p2 / p1) / sqrt(se1^2 + se2^2): ~1 when calibrated
    outside: list            # (key, run 1's point, lo, hi, run 2's point) of the ratios outside

    @property
    def share(self) -> float:
        return self.inside / self.ratios if self.ratios else math.nan


def _se(lo, hi, n) -> float:
    """The standard error (log scale) a Student-t interval of ``n`` processes implies."""
    if not (n >= 2 and lo > 0 and hi > lo):
        return math.nan
    return math.log(hi / lo) / 2.0 / t_quantile(int(n) - 1)


def compare(first: dict, second: dict, bar: float = 0.90, level: float = LEVEL) -> Rerun:
    """``first``, ``second``: {key: (point, lo, hi, processes)} of two runs (processes 0 where
    unknown: the other run's count is used, else 5, the runner's floor). Ratios with no interval in
    ``first``, of one process, or with no point in ``second`` are left out."""
    inside, widened, probs, zs, outside = 0, 0, [], [], []
    for key, (p1, lo1, hi1, n1) in first.items():
        if key not in second or not (lo1 == lo1 and hi1 == hi1 and p1 > 0):
            continue
        p2, lo2, hi2, n2 = second[key]
        if not p2 > 0:
            continue
        n1, n2 = int(n1 or n2 or 5), int(n2 or n1 or 5)
        expected = expected_inside(n1, n2, level)
        if expected != expected:                 # one process: no Student-t interval to check
            continue
        probs.append(expected)
        if lo1 <= p2 <= hi1:
            inside += 1
        else:
            outside.append((key, p1, lo1, hi1, p2))
        wlo, whi = for_a_rerun(p1, lo1, hi1, n1, n2)
        widened += wlo <= p2 <= whi
        se = math.hypot(_se(lo1, hi1, n1), _se(lo2, hi2, n2))
        if se > 0:
            zs.append(math.log(p2 / p1) / se)
    return Rerun(len(probs), inside, widened, float(np.mean(probs)) if probs else math.nan,
                 chance_at_least(probs, bar) if probs else math.nan, bar,
                 float(np.std(zs, ddof=1)) if len(zs) > 1 else math.nan, outside)


__all__ = ["expected_inside", "chance_at_least", "for_a_rerun", "Rerun", "compare"]
