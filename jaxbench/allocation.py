"""Where measuring time goes: processes and passes from the measured variance (Kalibera & Jones).

The variance components of a comparison (``T1^2`` within a process, ``T2^2`` between processes) and
the half-width aimed for are :mod:`results.variance_components`'s. Optimal passes per process
(libkalibera ``optimalreps``): ``r1 = sqrt(c2 / c1 * T1^2 / T2^2)``, with ``c2`` the cost of a
process beyond its passes and ``c1`` the cost of a pass. With the spread between processes
dominating here (log sd 0.3-0.45 between, 0.05-0.1 within: DESIGN.md), r1 comes out near 1: many
short processes. Passes come in balanced pairs (a forward pass and its reverse: jaxbench/passes.py),
so r1 is rounded up to an even count, 2 at least.
"""
from __future__ import annotations

import math

from results.variance_components import (  # noqa: F401  (the engine's names for them)
    FLOOR, LECTURE_TARGET, LEVEL, TARGET, Components, components, t_quantile, target_of)

MIN_PASSES, MAX_PASSES = 2, 40     # passes per process: one balanced pair at least (a within-process estimate)


def optimal_passes(comp: Components, process_s: float, pass_s: float,
                   lo: int = MIN_PASSES, hi: int = MAX_PASSES) -> int:
    """Passes per process that minimise the cost of a given precision: ceil(sqrt(c2/c1 * T1^2/T2^2)),
    within [lo, hi], rounded up to whole balanced pairs (even; ``hi`` rounded down to even)."""
    top = max(2, hi - hi % 2)
    if comp.between <= 0 or pass_s <= 0:
        return top
    r = math.ceil(math.sqrt(process_s / pass_s * comp.within / comp.between))
    r += r % 2
    return int(min(top, max(lo + lo % 2, r)))


def processes_needed(comp: Components, target: float, passes: float | None = None, cap: int = 100) -> int:
    """The fewest processes (of ``passes`` passes) whose 95% half-width is within ``target``;
    ``cap`` when even that many would not do."""
    for n in range(2, cap + 1):
        if comp.half_width(n, passes) <= target:
            return n
    return cap


def gain_per_second(comp: Components, cost_s: float, passes: float | None = None) -> float:
    """How much one more process narrows the half-width, per second it costs."""
    if cost_s <= 0:
        return math.inf
    now = comp.half_width(comp.processes, passes)
    return (now - comp.half_width(comp.processes + 1, passes)) / cost_s if math.isfinite(now) else math.inf
