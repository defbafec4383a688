"""Where a comparison's variance lies: Kalibera & Jones's two components, and the precision aimed for.

A comparison is measured in processes (level 2) of passes (level 1); its per-pass log ratios
``y[j][k]`` (process j, pass k) hold two variance components, estimated as in Kalibera & Jones,
"Rigorous benchmarking in reasonable time" (ISMM 2013), and libkalibera's ``Data``:

- ``S1^2``: the mean within-process variance of a pass; ``T1^2 = S1^2``;
- ``S2^2``: the variance of the process means; ``T2^2 = S2^2 - S1^2 / r1`` (r1: passes per process),
  the part of it that more passes cannot remove (floored at a small share of ``S2^2``).

The 95% half-width with n processes of r1 passes is ``t(0.975, n - 1) * sqrt((T2^2 + T1^2 / r1) / n)``
on the log scale (libkalibera ``confidence95``). Ragged data (processes with different pass counts)
use the mean pass count. The engine's allocation rule (:mod:`jaxbench.allocation`) and the report's
health section (:mod:`reports.sections.health.variance`) both read them from here.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

LEVEL = 0.95
TARGET = 0.10                      # half-width of a comparison's 95% interval aimed for
LECTURE_TARGET = 0.05              # ... of a lecture ratio's
FLOOR = 0.05                       # T2^2 floor, as a share of S2^2: an estimate of 0 is noise


@dataclass(frozen=True)
class Components:
    """Variance components of one comparison's log per-pass ratios (see the module docstring)."""

    within: float        # T1^2 = S1^2
    between: float       # T2^2
    passes: float        # mean passes per process (r1)
    processes: int       # processes measured (n)

    @property
    def between_share(self) -> float:
        """The share of a process mean's variance that lies between processes: T2^2 / (T2^2 + T1^2 / r1)."""
        total = self.between + self.within / self.passes
        return self.between / total if total > 0 else math.nan

    def half_width(self, processes: int | None = None, passes: float | None = None) -> float:
        """The relative 95% half-width with ``processes`` of ``passes`` (default: as measured)."""
        n = self.processes if processes is None else processes
        r1 = self.passes if passes is None else passes
        if n < 2:
            return math.inf
        return math.expm1(t_quantile(n - 1) * math.sqrt((self.between + self.within / r1) / n))


def target_of(kinds) -> float:
    """The half-width a comparison of these kinds aims for (a lecture ratio's is the narrower)."""
    kinds = kinds.split(",") if isinstance(kinds, str) else list(kinds or ())
    return LECTURE_TARGET if "lecture" in kinds else TARGET


@functools.lru_cache(maxsize=256)
def t_quantile(df: int, level: float = LEVEL) -> float:
    """Student-t quantile ``t((1 + level) / 2, df)`` (remembered: SciPy's ppf costs ~0.1 ms, and a
    report asks it for thousands of comparisons with a handful of process counts). SciPy's
    ``special.stdtrit``, which ``stats.t.ppf`` calls, equal to it to the last bit: importing
    ``scipy.stats`` took 1.6 s here (2-core Zen 3 EPYC), ``scipy.special`` 0.4 s."""
    from scipy import special

    return float(special.stdtrit(df, 0.5 + level / 2.0))


def components(processes) -> Components | None:
    """:class:`Components` of per-process lists of per-pass ratios (None with fewer than two
    processes of two passes: nothing to separate)."""
    logs = [np.log(np.asarray([x for x in p if x and x > 0], dtype=float)) for p in processes or []]
    logs = [y for y in logs if y.size >= 2]
    if len(logs) < 2:
        return None
    r1 = float(np.mean([y.size for y in logs]))
    s1 = float(np.mean([np.var(y, ddof=1) for y in logs]))
    s2 = float(np.var([y.mean() for y in logs], ddof=1))
    return Components(within=s1, between=max(s2 - s1 / r1, FLOOR * s2), passes=r1, processes=len(logs))
