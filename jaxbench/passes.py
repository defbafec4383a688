"""Sides timed in ONE process, interleaved: one sample of every side per pass, order swapped each pass.

A sample is ``number`` back-to-back calls of a side (``timeit``), divided by ``number``: the calls
per sample are chosen once per side so that a sample lasts >= ``min_sample_s``
(``kernels.timing.calls_per_sample``). A pass takes one sample of each side, in the order
0, 1, ..., n-1 on even passes and n-1, ..., 0 on odd ones, so that no side always runs first, and
sampling stops only after a reversed pass: every forward pass has its reverse (a **balanced** pair),
so an order effect (a side timed slower right after another one) cancels in the pair's geometric
mean (:func:`results.comparison_stats.pair_ratios`). Measured on the 2-core VM (f34bd05): rowdot's
jit(vmap) at 10,000 read loop / jit(vmap) ~3,000 in forward passes and ~1,500 in reversed ones, in
every process; with 3 passes (two forward, one reversed) the pooled ratio leaned to the forward one.

Precision decides the cost, not a fixed count: after ``min_passes`` passes, at the end of a pair, the sampling stops as
soon as every ratio of interest (``pairs``: (num, den[, extra]) side indices) is known to within
``target`` in this process (:func:`results.comparison_stats.quick_half_width`), or when ``budget_s``
seconds of sampling are spent, or after ``max_passes`` passes.
"""
from __future__ import annotations

import time
import timeit
from dataclasses import dataclass, field

from results import comparison_stats

MIN_SAMPLE_S = 0.02     # as the asv suite's sample_time
MIN_PASSES = 2          # one balanced pair: processes, not passes, narrow an interval here (jaxbench.allocation)
MAX_PASSES = 40         # even: every pass has its reverse
TARGET = 0.04           # in-process half-width aimed for (the processes add their own spread)
BUDGET_S = 1.0          # seconds of sampling per group of sides in one process, at least
BUDGET_PER_SIDE_S = 0.15   # ... and per side of the group (jaxbench.measure)
# A pause before a sample whose side runs on another library than the sample before it (``libraries``).
# After a call, OpenBLAS's idle threads spin for 2^28 cycles (~0.1 s) before they sleep; on 2 cores
# that spinning took the cores XLA's threads needed, and XLA's x@y at 1024 read 1.62x [1.51, 1.73]
# slower right after a NumPy sample than in a process of its own (python -m jaxbench.solo_check,
# docs/comparisons.md "NumPy's BLAS beside XLA"). After the pause each library starts its sample
# with the other's threads asleep, as in a process of its own, and both keep their default settings.
SETTLE_S = 0.15
# Untimed samples of a side before its first sample in a process and after each pause, up to
# ``WARMUP_S`` of calls (sides of several calls per sample only: for a call of >= 20 ms a wake-up's
# ~50 us is lost in it). A jitted call on XLA:CPU hands work to another thread and waits for it; on
# this 2-core VM the hand-off is slow for a while after the cores were idle (SELU jit at 1e5, samples
# of 20 ms after a 1 s pause: 122, 100, 108, 97, 73, 72 us; after 0.15 s: 82, 72, 69, 61, 60 us;
# pinned to one core: 57 us throughout; medians of 15 cycles, one run), so a short process's first
# samples read up to 2x slow (docs/comparisons.md "Slow after idle"). One untimed call before the
# cold samples of one-call sides too was tried (97c218f) and removed: over four make bench runs it
# changed nothing measurable and cost 24-28 s of calls a run (docs/comparisons.md).
WARMUP_S = 0.1
WARMUP_SAMPLES = 8      # at most, however short the calls


@dataclass
class Sampled:
    """What one process measured: ``passes[k][i]`` is side i's seconds per call in pass k."""

    numbers: list[int]
    passes: list[list[float]] = field(default_factory=list)
    seconds: float = 0.0        # wall time spent sampling
    stopped: str = ""           # why sampling stopped: "precise", "budget", "max passes"


def calls_per_sample(run, min_sample_s: float = MIN_SAMPLE_S) -> int:
    """Calls per sample of one side (timeit autorange; one call only for clearly slow calls)."""
    from kernels.timing import calls_per_sample as cps   # the one rule the suite uses too

    return cps(run, min_sample_s)


def warm_up(timer: timeit.Timer, number: int, warmup_s: float = WARMUP_S) -> int:
    """Untimed samples of one side until ``warmup_s`` of calls are spent (``WARMUP_SAMPLES`` at
    most; none for a side of one call per sample, or with ``warmup_s`` 0); how many it took."""
    spent, done = 0.0, 0
    while number > 1 and spent < warmup_s and done < WARMUP_SAMPLES:
        spent += timer.timeit(number=number)
        done += 1
    return done


def order_of(k: int, n: int) -> list[int]:
    """Side order of pass ``k``: forward on even passes, reversed on odd ones."""
    return list(range(n)) if k % 2 == 0 else list(range(n - 1, -1, -1))


def precise_enough(passes, pairs, target: float) -> bool:
    """Whether every pair's in-process half-width is within ``target`` (over its balanced pass pairs)."""
    for pair in pairs:
        r = comparison_stats.pair_ratios(comparison_stats.pass_ratios(passes, *pair))
        if not comparison_stats.quick_half_width(r) <= target:
            return False
    return True


def sample(runs, pairs, *, numbers=None, min_passes: int = MIN_PASSES, max_passes: int = MAX_PASSES,
           target: float = TARGET, budget_s: float = BUDGET_S, min_sample_s: float = MIN_SAMPLE_S,
           libraries=None, settle_s: float = SETTLE_S, warmup_s: float = WARMUP_S,
           clock=time.perf_counter, sleep=time.sleep) -> Sampled:
    """Time ``runs`` (blocking callables) interleaved until ``pairs`` are precise (see module doc),
    stopping only after an even number of passes (an odd ``max_passes`` ends unbalanced: the last
    pass has no reverse and the pair ratios leave it out);
    ``libraries`` (one name per run): pause ``settle_s`` before a sample whose library is not the
    previous sample's (``SETTLE_S``); untimed samples (``warmup_s``, :func:`warm_up`) before the
    process's first sample and after each pause."""
    if not runs:
        raise ValueError("nothing to time: no sides")
    if min_passes < 2 or max_passes < min_passes:
        raise ValueError(f"passes: need 2 <= min_passes ({min_passes}) <= max_passes ({max_passes})")
    numbers = list(numbers) if numbers is not None else [calls_per_sample(r, min_sample_s) for r in runs]
    timers = [timeit.Timer(r) for r in runs]
    out = Sampled(numbers)
    start = clock()
    previous, cold = None, True     # cold: the process's first sample, or one after a pause
    for k in range(max_passes):
        row = [0.0] * len(runs)
        for i in order_of(k, len(runs)):
            if libraries is not None:
                if previous is not None and libraries[i] != previous:
                    sleep(settle_s)
                    cold = True
                previous = libraries[i]
            if cold:
                warm_up(timers[i], numbers[i], warmup_s)
                cold = False
            row[i] = timers[i].timeit(number=numbers[i]) / numbers[i]
        out.passes.append(row)
        out.seconds = clock() - start
        if k + 1 >= min_passes and (k + 1) % 2 == 0:   # stop only at the end of a balanced pair
            if precise_enough(out.passes, pairs, target):
                out.stopped = "precise"
                break
            if out.seconds >= budget_s:
                out.stopped = "budget"
                break
    else:
        out.stopped = "max passes"
    return out
