"""What :func:`jaxbench.compare` returns, computed from the per-pass samples of its processes.

A :class:`Result` is one paired ratio ``time(f) / time(g)`` with its 95% interval, from the per-pass
ratios of every process (:func:`results.comparison_stats.interval`: processes resampled, then
passes); a :class:`Ladder` holds several functions timed in the same passes, each against the first
(:func:`_paired` makes any pair's Result from the same samples). Both show themselves through
:mod:`jaxbench.compare_show`. Imports neither NumPy nor the results layer until a number is needed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Result:
    """``ratio`` = time(f) / time(g) (> 1: g is faster), with its 95% interval [lo, hi]."""

    ratio: float
    lo: float
    hi: float
    processes: int                   # processes measured (1 where f/g could not run in a fresh one)
    passes: int                      # passes in all, every process together
    per_process: list = field(repr=False)   # per process, the per-pass ratios time(f) / time(g)
    f_name: str
    g_name: str
    note: str = ""                   # why fewer processes than asked, said explicitly
    median_f: float = math.nan       # seconds per call of f, median over every pass of every process
    median_g: float = math.nan
    process_medians: tuple = field(default=((), ()), repr=False)   # (f's, g's) median seconds per call, per process

    @property
    def half_width(self) -> float:
        """The interval's relative half-width around the ratio (NaN without an interval)."""
        from results.comparison_stats import half_width

        return half_width(self.ratio, self.lo, self.hi)

    @property
    def verdict(self) -> str:
        """'faster', 'slower' (g relative to f), 'no difference' or 'unknown'."""
        if not all(math.isfinite(x) and x > 0 for x in (self.ratio, self.lo, self.hi)):
            return "unknown"
        if self.lo <= 1.0 <= self.hi:
            return "no difference"
        return "faster" if self.lo > 1.0 else "slower"

    def headline(self) -> str:
        """The first line of :meth:`__str__`: the verdict with its interval."""
        f, g, v = self.f_name, self.g_name, self.verdict
        if v == "faster":
            return f"{g} is {_x(self.ratio)}x [{_x(self.lo)}, {_x(self.hi)}] faster than {f}"
        if v == "slower":
            return f"{g} is {_x(1 / self.ratio)}x [{_x(1 / self.hi)}, {_x(1 / self.lo)}] slower than {f}"
        if v == "no difference":
            return (f"no measurable difference between {f} and {g}: "
                    f"{_x(self.ratio)}x [{_x(self.lo)}, {_x(self.hi)}]")
        return f"{f} vs {g}: could not be measured (ratio {self.ratio}, interval [{self.lo}, {self.hi}])"

    def __str__(self) -> str:
        from .compare_show import result_text

        return result_text(self)

    def _repr_pretty_(self, p, cycle) -> None:
        from .compare_show import pretty

        pretty(self, p, cycle)

    def _repr_html_(self) -> str:
        from .compare_show import result_html

        return result_html(self)

    def to_frame(self):
        """A one-row pandas DataFrame (columns: ``jaxbench.compare_show.FRAME_COLUMNS``)."""
        from .compare_show import frame

        return frame([self])

    def plot(self):
        """A matplotlib Figure: each side's per-process medians, and the ratio with its interval."""
        from .compare_show import figure

        return figure([self.f_name, self.g_name], [self.median_f, self.median_g], list(self.process_medians),
                      [self], self.headline())


@dataclass(frozen=True)
class Ladder:
    """Several functions timed in the same passes; ``rungs[i]``: the first against function i + 1."""

    names: tuple                     # the functions' names, the first one the reference
    rungs: tuple                     # one Result per function after the first: ratio = time(first) / time(it)
    samples: list = field(repr=False)   # samples[p][k][i]: function i's seconds per call, pass k of process p
    note: str = ""

    @property
    def processes(self) -> int:
        return len(self.samples)

    @property
    def passes(self) -> int:
        """Passes in all, every process together."""
        return sum(len(p) for p in self.samples)

    @property
    def medians(self) -> list[float]:
        """Each function's median seconds per call, over every pass of every process."""
        return [_median([row[i] for p in self.samples for row in p]) for i in range(len(self.names))]

    @property
    def process_medians(self) -> list[list[float]]:
        """Each function's median seconds per call in each process."""
        return [[_median([row[i] for row in p]) for p in self.samples] for i in range(len(self.names))]

    def __len__(self) -> int:
        return len(self.rungs)

    def __iter__(self):
        return iter(self.rungs)

    def __getitem__(self, key) -> Result:
        """A rung by position, or by the name of the function it compares with the first."""
        if not isinstance(key, str):
            return self.rungs[key]
        i = self._index(key)
        if i == 0:
            raise KeyError(f"{key!r} is the reference every rung is compared with: use pair({key!r}, other)")
        return self.rungs[i - 1]

    def pair(self, a, b) -> Result:
        """The paired Result of function ``a`` against ``b`` (names or positions), from the same passes."""
        i, j = (self._index(k) for k in (a, b))
        return _paired(self.samples, i, j, self.names, self.note)

    def _index(self, key) -> int:
        if isinstance(key, int) and -len(self.names) <= key < len(self.names):
            return key % len(self.names)
        if key in self.names:
            return self.names.index(key)
        raise KeyError(f"no function {key!r} in this ladder: {list(self.names)}")

    def __str__(self) -> str:
        from .compare_show import ladder_text

        return ladder_text(self)

    def _repr_pretty_(self, p, cycle) -> None:
        from .compare_show import pretty

        pretty(self, p, cycle)

    def _repr_html_(self) -> str:
        from .compare_show import ladder_html

        return ladder_html(self)

    def to_frame(self):
        """A pandas DataFrame, one row per rung (columns: ``jaxbench.compare_show.FRAME_COLUMNS``)."""
        from .compare_show import frame

        return frame(self.rungs)

    def plot(self):
        """A matplotlib Figure: each function's per-process medians, and every rung's ratio with its interval."""
        from .compare_show import figure

        return figure(list(self.names), self.medians, self.process_medians, list(self.rungs),
                      f"{len(self.names)} functions against {self.names[0]}")


def _x(r: float) -> str:
    """A ratio for the text: three significant digits (1.01, 5.43, 12.3)."""
    return f"{r:.3g}"


def _median(values) -> float:
    """The median of the finite values (NaN without any)."""
    import numpy as np

    v = [x for x in values if x is not None and math.isfinite(x)]
    return float(np.median(v)) if v else math.nan


def _paired(samples, i: int, j: int, labels, note: str) -> Result:
    """The Result of function i against function j from the same passes: pooled median of the balanced
    pass pairs' ratios, :func:`results.comparison_stats.ratio_interval` (processes, then pairs), medians per side."""
    from results import comparison_stats

    per_process = [comparison_stats.pass_ratios(p, i, j) for p in samples]
    pt, lo, hi = comparison_stats.ratio_interval(per_process, f"{labels[i]} / {labels[j]}")
    side = [[[row[s] for row in p] for p in samples] for s in (i, j)]
    return Result(ratio=pt, lo=lo, hi=hi, processes=len(samples), passes=sum(len(p) for p in samples),
                  per_process=per_process, f_name=labels[i], g_name=labels[j], note=note,
                  median_f=_median(t for p in side[0] for t in p), median_g=_median(t for p in side[1] for t in p),
                  process_medians=tuple(tuple(_median(p) for p in s) for s in side))
