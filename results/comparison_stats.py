"""Statistics of a paired comparison: per-pass ratios, grouped by process, and their interval.

A comparison's two sides are timed in the same process, one sample of each per pass (the order
swapped every pass), in several processes. What is measured is therefore, per process, a list of
per-pass ratios ``num / den`` (a side may also be ``den + extra``: implicit vs explicit + transfer).
A forward pass and the reversed pass after it form a balanced pair; the unit of a ratio is the
geometric mean of a pair (:func:`pair_ratios`), in which an order effect cancels (a side read
slower right after another one: rowdot loop / jit(vmap) at 10,000 read ~3,000 forward and ~1,500
reversed in every process on the 2-core VM, jaxbench/passes.py).

- Point estimate: the median of every pair ratio of every process (pooled): :func:`ratio_interval`.
- Interval: a two-level bootstrap that resamples **processes first**, then passes within each chosen
  process, and takes the pooled median of each replicate (2.5th-97.5th percentile of ``N_BOOT``),
  widened where needed to the Student-t interval of the processes' median ratios (few processes:
  the percentile bootstrap alone is too narrow to cover a re-run).
  A process whose ratios sit apart from the others' widens the interval instead of hiding in it.
  With one process only the passes are resampled; the result says so (``processes == 1``).
- Half-width: ``max(hi / point - 1, 1 - lo / point)``, the precision the sampling aims for.

Deterministic: the generator is seeded with ``SEED`` and a CRC-32 of the comparison's key.
NumPy (and SciPy for the t quantile, :func:`results.variance_components.t_quantile`): the runner,
the asv suite, the report and ``jaxbench.compare`` share it.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from .bootstrap import LEVEL, N_BOOT, percentile_interval, seed_for, two_level_medians
from .variance_components import t_quantile
SEED = 20_261_129


def clean(processes) -> list[np.ndarray]:
    """The non-empty processes as float arrays of finite, positive ratios."""
    out = []
    for p in processes if processes is not None else []:
        if isinstance(p, np.ndarray):
            a = p.astype(float)
        else:
            a = np.asarray([x for x in (p or []) if x is not None], dtype=float)
        a = a[np.isfinite(a) & (a > 0)]
        if a.size:
            out.append(a)
    return out


def pass_ratios(passes, num: int, den: int, extra: int | None = None) -> list[float]:
    """Per-pass ``num / (den [+ extra])`` of one process; ``passes`` is a list of per-pass sample
    lists (one sample per side, indexed like the sides). A pass missing a side reads NaN, so that
    every ratio keeps its pass's place (forward or reversed: :func:`pair_ratios`)."""
    out = []
    for p in passes:
        try:
            a, b = p[num], p[den] + (p[extra] if extra is not None else 0.0)
        except (IndexError, TypeError):
            a, b = None, None
        out.append(a / b if a is not None and b and b > 0 else math.nan)
    return out


def pair_ratios(ratios) -> list[float]:
    """The balanced pairs of one process's per-pass ratios (in pass order: forward, reversed, ...):
    the geometric mean of passes 2k and 2k + 1. A process of one pass keeps it; an unpaired last
    pass is left out; a pair with a missing or non-positive pass is left out."""
    r = [x if x is not None else math.nan for x in (ratios if ratios is not None else [])]
    if len(r) == 1:
        return [float(r[0])] if math.isfinite(r[0]) and r[0] > 0 else []
    out = []
    for a, b in zip(r[0::2], r[1::2]):
        if math.isfinite(a) and math.isfinite(b) and a > 0 and b > 0:
            out.append(math.sqrt(a * b))
    return out


def point(processes) -> float:
    """The median of all per-pass ratios (NaN without any)."""
    ps = clean(processes)
    return float(np.median(np.concatenate(ps))) if ps else math.nan


def bootstrap(processes, key: str = "", n_boot: int = N_BOOT) -> np.ndarray | None:
    """``n_boot`` replicates of the pooled median: processes resampled, then passes within each."""
    return two_level_medians(clean(processes), seed_for(SEED, key), n_boot)


def process_t_half_width(processes, level: float = LEVEL) -> float:
    """Student-t half-width, on the log scale, of the mean of the processes' log median ratios:
    t(level, n - 1) x sd / sqrt(n); 0 with fewer than two processes."""
    ps = clean(processes)
    if len(ps) < 2:
        return 0.0
    m = np.log([np.median(p) for p in ps])
    return float(t_quantile(len(m) - 1, level) * np.std(m, ddof=1) / math.sqrt(len(m)))


def interval(processes, key: str = "", level: float = LEVEL) -> tuple[float, float, float]:
    """(point, lo, hi): the pooled median; the interval is the union of the two-level bootstrap
    percentile interval and point x exp(+-t half-width) over the processes' median ratios.

    The bootstrap alone cannot see a process variance larger than its few processes show (3
    processes give it 10 distinct process draws); the t quantile pays for estimating that variance
    from n processes. Measured on two fresh ``make bench`` runs (2-core Xeon VM, 208 comparisons x 3
    processes, each run's interval vs the other's point): bootstrap 76% coverage, union 84%.

    Remembered by content (the seeded bootstrap makes it a pure function): the report asks for
    the same comparison's interval in several sections, ``python -m reports --health`` again."""
    ps = clean(processes)
    return _interval(key, level, tuple(p.size for p in ps), b"".join(p.tobytes() for p in ps))


@functools.lru_cache(maxsize=1 << 16)
def _interval(key: str, level: float, sizes: tuple, data: bytes) -> tuple[float, float, float]:
    """:func:`interval` of the processes packed as ``sizes`` and the float64 bytes ``data``."""
    flat = np.frombuffer(data, dtype=float)
    processes = np.split(flat, np.cumsum(sizes)[:-1]) if sizes else []
    pt = point(processes)
    reps = bootstrap(processes, key)
    if reps is None:
        return pt, math.nan, math.nan
    lo, hi = percentile_interval(reps, level)
    h = process_t_half_width(processes, level)
    return pt, float(min(lo, pt, pt * math.exp(-h))), float(max(hi, pt, pt * math.exp(h)))


def ratio_interval(processes, key: str = "", level: float = LEVEL) -> tuple[float, float, float]:
    """(point, lo, hi) of a comparison from its per-pass ratios per process: :func:`interval` of
    their balanced pairs (:func:`pair_ratios`)."""
    return interval([pair_ratios(p) for p in (processes if processes is not None else [])], key, level)


def half_width(pt: float, lo: float, hi: float) -> float:
    """The relative half-width of an interval around its point (NaN without one)."""
    if not (pt == pt and lo == lo and hi == hi) or pt <= 0 or lo <= 0:
        return math.nan
    return max(hi / pt - 1.0, 1.0 - lo / pt)


def quick_half_width(ratios) -> float:
    """A cheap in-process precision estimate for the stopping rule: the normal-theory half-width of
    the median of log ratios (1.96 x 1.2533 x sd / sqrt(n)), as a relative factor - 1."""
    r = np.asarray(ratios, dtype=float)
    r = r[np.isfinite(r) & (r > 0)]
    if r.size < 3:
        return math.inf
    return float(math.expm1(1.96 * 1.2533 * np.std(np.log(r), ddof=1) / math.sqrt(r.size)))
