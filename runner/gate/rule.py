"""The gate's decision rule, on the medians of processes (``python -m runner.gate``; docs/gate.md).

Per case, each side (BASE, HEAD) gives one value per worker process: the median of its passes'
seconds per call. Processes, not passes, are the unit: on the 2-core VMs the processes disagree
by more than the passes within one (DESIGN.md, asv facts). Per case:

- ``ratio``: the Hodges-Lehmann estimate of HEAD / BASE, exp(median over every (BASE, HEAD) pair
  of processes of log HEAD - log BASE), with the distribution-free 95% interval that goes with it
  (Moses: order statistics of those pairwise differences, cut where the Mann-Whitney null
  distribution puts 2.5% in each tail);
- ``p_slower`` / ``p_faster``: one-sided exact Mann-Whitney p-values over the process medians;
- verdict: ``regression`` when ratio >= factor and p_slower <= alpha, ``improvement`` in the
  mirror case, ``unconfirmed`` when ratio >= factor and p_slower <= ``FLAG_P`` only; otherwise
  ``same`` when the interval lies within (1/factor, factor), a change of the factor's size ruled
  out, and ``undecided`` when it does not (too few processes for their spread: "not seen", not
  "shown equal"); ``missing`` without a process on each side.

A case is ``ambiguous`` (its kernel gets another pair of processes) when it is no regression yet,
slower by at least half the factor's margin, with p_slower <= ``LOOK_AGAIN_P``, and its interval
does not lie below the factor.
The variance components (within a process: between passes; between processes) and what they
imply for the design (Kalibera & Jones 2013) are computed here too, for the summary.
"""
from __future__ import annotations

import functools
import math

import numpy as np

ALPHA = 0.001          # one-sided, per case; a regression needs >= 7 processes per side (1/C(14, 7))
FLAG_P = 0.03          # ratio >= factor at this p only: "unconfirmed" (printed, exit status unchanged)
LOOK_AGAIN_P = 0.25    # a case this suggestive (ratio >= 1 + (factor - 1) / 2) gets more processes
LEVEL = 0.95
POWER = 0.8            # for processes_needed
MW_EFFICIENCY = 3 / math.pi   # asymptotic relative efficiency of Mann-Whitney vs t under normal noise


# --------------------------------------------------------------------------- Mann-Whitney

@functools.lru_cache(maxsize=None)
def u_distribution(m: int, n: int) -> np.ndarray:
    """P(U = u), u = 0 .. m*n, of the Mann-Whitney U of m and n values without ties under the null
    (the recurrence p(u; m, n) = m/(m+n) p(u - n; m-1, n) + n/(m+n) p(u; m, n-1))."""
    if m == 0 or n == 0:
        return np.ones(1)
    out = np.zeros(m * n + 1)
    a, b = u_distribution(m - 1, n), u_distribution(m, n - 1)
    out[n:n + a.size] += m / (m + n) * a          # the largest value is one of the m: n more pairs
    out[:b.size] += n / (m + n) * b
    return out


def u_statistic(low, high) -> float:
    """Mann-Whitney U: the pairs (l, h) with h < l (a tie counts 1/2)."""
    lo, hi = np.asarray(low, float), np.asarray(high, float)
    return float((hi[None, :] < lo[:, None]).sum() + 0.5 * (hi[None, :] == lo[:, None]).sum())


def slower_p(low, high) -> float:
    """One-sided exact Mann-Whitney p-value that the values ``high`` are larger than ``low``:
    P(U <= observed U) under the null (ties: the null distribution without ties, U rounded down);
    1.0 when a side is empty."""
    m, n = len(low), len(high)
    if not m or not n:
        return 1.0
    u = math.floor(u_statistic(low, high) + 1e-9)
    return float(min(1.0, u_distribution(m, n)[:u + 1].sum()))


def min_p(processes: int) -> float:
    """The smallest p-value :func:`slower_p` gives with ``processes`` per side: 1 / C(2n, n)."""
    return 1 / math.comb(2 * processes, processes)


# --------------------------------------------------------------------------- the ratio

def hodges_lehmann(base, head, level: float = LEVEL) -> tuple[float, float, float]:
    """(ratio, lo, hi): exp of the median of every pairwise log HEAD - log BASE (Hodges-Lehmann),
    and the Moses distribution-free ``level`` interval (NaN, NaN with too few processes for it)."""
    b, h = np.log(np.asarray(base, float)), np.log(np.asarray(head, float))
    d = np.sort((h[None, :] - b[:, None]).ravel())
    ratio = float(math.exp(np.median(d)))
    cdf = np.cumsum(u_distribution(b.size, h.size))
    k = int((cdf <= (1 - level) / 2 + 1e-12).sum())   # the lower tail's U values
    if k == 0:
        return ratio, math.nan, math.nan
    return ratio, float(math.exp(d[k - 1])), float(math.exp(d[d.size - k]))


def process_medians(processes) -> list[float]:
    """The median of each process's positive, finite per-pass values (empty processes dropped)."""
    out = []
    for p in processes or []:
        a = np.asarray([x for x in (p or []) if x is not None], float)
        a = a[np.isfinite(a) & (a > 0)]
        if a.size:
            out.append(float(np.median(a)))
    return out


def verdict_of(ratio: float, p_slower: float, p_faster: float, factor: float, alpha: float,
               lo: float = math.nan, hi: float = math.nan) -> str:
    """regression / improvement / unconfirmed / same / undecided, from the ratio, its interval
    [lo, hi] and the one-sided p-values."""
    if ratio >= factor and p_slower <= alpha:
        return "regression"
    if ratio <= 1.0 / factor and p_faster <= alpha:
        return "improvement"
    if ratio >= factor and p_slower <= FLAG_P:
        return "unconfirmed"
    return "same" if 1.0 / factor < lo and hi < factor else "undecided"


def compare_case(base, head, factor: float, alpha: float = ALPHA) -> dict:
    """One case from its process medians (``base``, ``head``: one value per process): ratio and
    interval (:func:`hodges_lehmann`), exact Mann-Whitney p-values, verdict (:func:`verdict_of`)."""
    b, h = [float(x) for x in base if x and x > 0], [float(x) for x in head if x and x > 0]
    row = {"processes": [len(b), len(h)], "base_medians": b, "head_medians": h}
    if not b or not h:
        return dict(row, ratio=math.nan, lo=math.nan, hi=math.nan, p_slower=math.nan, p_faster=math.nan,
                    verdict="missing")
    ratio, lo, hi = hodges_lehmann(b, h)
    p_slower, p_faster = slower_p(b, h), slower_p(h, b)
    return dict(row, ratio=ratio, lo=lo, hi=hi, p_slower=p_slower, p_faster=p_faster,
                verdict=verdict_of(ratio, p_slower, p_faster, factor, alpha, lo, hi))


def ambiguous(row: dict, factor: float) -> bool:
    """Whether a case needs more processes: no regression yet, ratio >= 1 + (factor - 1) / 2,
    p_slower <= ``LOOK_AGAIN_P``, and an interval that does not exclude the factor."""
    return (row.get("verdict") not in ("regression", "missing")
            and row.get("ratio", math.nan) >= 1.0 + (factor - 1.0) / 2.0
            and row.get("p_slower", 1.0) <= LOOK_AGAIN_P
            and not row.get("hi", math.nan) < factor)


# --------------------------------------------------------------------------- variance and design

def log_median_sd(base, head) -> float:
    """The sd of log process medians, each side about its own mean (pooled, ddof 2)."""
    lb, lh = np.log(np.asarray(base, float)), np.log(np.asarray(head, float))
    dof = lb.size + lh.size - 2
    if dof < 1:
        return math.nan
    return float(math.sqrt((((lb - lb.mean()) ** 2).sum() + ((lh - lh.mean()) ** 2).sum()) / dof))


def processes_to_detect(sd: float, factor: float, alpha: float = ALPHA, power: float = POWER) -> int:
    """Processes per side for Mann-Whitney to see a change of ``factor`` with ``power`` at
    ``alpha`` against log process medians of sd ``sd``: 2 ((z_alpha + z_power) sd / log factor)^2
    / (3 / pi) (normal approximation); -1 without an sd."""
    from statistics import NormalDist

    if not sd == sd:
        return -1
    z = NormalDist().inv_cdf(1 - alpha) + NormalDist().inv_cdf(power)
    return max(2, math.ceil(2 * (z * sd / math.log(factor)) ** 2 / MW_EFFICIENCY))


def components(base, head):
    """The variance components of a case's log per-pass seconds (Kalibera & Jones, as
    :func:`jaxbench.allocation.components`), each side's estimated apart and averaged; None
    where neither side has two processes of two passes."""
    from jaxbench import allocation

    got = [c for c in (allocation.components(base), allocation.components(head)) if c is not None]
    if not got:
        return None
    return allocation.Components(within=float(np.mean([c.within for c in got])),
                                 between=float(np.mean([c.between for c in got])),
                                 passes=float(np.mean([c.passes for c in got])),
                                 processes=sum(c.processes for c in got))


def passes_for(comps, process_s: float, pass_s: float) -> int | None:
    """Passes per process for the next processes: the median over ``comps`` of Kalibera & Jones's
    optimum (:func:`jaxbench.allocation.optimal_passes`) at these costs; None without estimates."""
    from jaxbench import allocation

    comps = [c for c in comps if c is not None]
    if not comps or not (process_s == process_s and pass_s == pass_s and pass_s > 0):
        return None
    return int(np.median([allocation.optimal_passes(c, process_s, pass_s) for c in comps]))
