"""Steady-state timing of a prepared case with the standard library's ``timeit``.

Statistic: the median (and quartiles) over ``repeat`` samples, each the mean of ``number``
calls, ``number`` chosen by ``timeit.Timer.autorange`` so a sample lasts >= ``min_sample_s``.
"""
from __future__ import annotations

import math
import statistics
import timeit
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Timing:
    median: float     # seconds per call
    q25: float
    q75: float
    number: int       # calls per sample
    repeat: int       # samples

    def __str__(self) -> str:
        return f"{format_seconds(self.median)} (IQR {format_seconds(self.q25)}-{format_seconds(self.q75)}, {self.repeat}x{self.number} calls)"


def format_seconds(seconds: float) -> str:
    """%timeit style: '746 us', '2.94 ms', '1.2 s'."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if seconds >= scale or unit == "ns":
            value = seconds / scale
            return f"{value:.3g} {unit}"
    return f"{seconds} s"  # pragma: no cover


def autorange(run, min_sample_s: float = 0.05) -> tuple[int, float]:
    """timeit's autorange: (calls per sample lasting >= ``min_sample_s``, seconds those calls took)."""
    number = 1
    while True:
        elapsed = timeit.Timer(run).timeit(number)
        if elapsed >= min_sample_s:
            return number, elapsed
        number = number * 10 if elapsed < min_sample_s / 10 else number * 2


PROBE_S = 0.3   # single calls tried, at most about this long, before a case gets one call per sample


def calls_per_sample(run, min_sample_s: float = 0.05, margin: float = 1.25) -> int:
    """How many calls make one sample last at least ``min_sample_s``: one call only when a call is
    clearly slower than that (``margin`` x the fastest of at least three calls, more while they
    fit in ``PROBE_S``: the first calls after a preparation can run cold for a while, e.g. the CNN
    step on device-resident images, slower for its first calls than in its steady state), so that
    no case is timed one call per sample below ``min_sample_s``. A first call of ``PROBE_S`` or
    more is one call per sample at once: its steady state would have to be over 10x faster to fall
    below ``margin`` x ``min_sample_s``; the cold starts seen were 2-2.6x (the tests' cases). Two more
    calls of each of the lecture's JAX matmuls at 3000 (~0.5 s) and of the rowdot loop at 10,000
    rows (~1.7 s) cost ~9 s in a run's first comparison process."""
    number, elapsed = autorange(run, min_sample_s)
    if number > 1:
        return number
    if elapsed >= PROBE_S:
        return 1
    per_call, spent, calls = elapsed, elapsed, 1
    while per_call >= margin * min_sample_s and (calls < 3 or spent < PROBE_S):
        t = timeit.Timer(run).timeit(1)
        per_call, spent, calls = min(per_call, t), spent + t, calls + 1
    return calls_for(per_call, min_sample_s, margin)


def calls_for(per_call: float, min_sample_s: float = 0.05, margin: float = 1.25) -> int:
    """Calls per sample for calls of ``per_call`` seconds: one only where a call is clearly slower
    than ``min_sample_s`` (``margin`` x it), else enough for a sample of ``min_sample_s`` (2 at least)."""
    if per_call >= margin * min_sample_s:
        return 1
    return max(2, math.ceil(min_sample_s / per_call))


def measure(prepared, repeat: int = 7, min_sample_s: float = 0.05) -> Timing:
    """Median seconds per call of ``prepared.run`` (already warmed up and blocking)."""
    run = prepared.run if hasattr(prepared, "run") else prepared
    number = calls_per_sample(run, min_sample_s)
    samples = [t / number for t in timeit.Timer(run).repeat(repeat=repeat, number=number)]
    q = statistics.quantiles(samples, n=4, method="inclusive") if len(samples) > 1 else [samples[0]] * 3
    return Timing(statistics.median(samples), q[0], q[2], number, repeat)


def blocker() -> Callable[[Any], Any]:
    """``block(out)``: ``out`` once it is ready, as the lecture blocks (``f(x).block_until_ready()``).

    An array's own method where ``out`` is one array, ``jax.block_until_ready`` (which walks a
    pytree) otherwise. By hand because the pytree walk costs 3-5 us a call: jit(grad) at x0 read
    13.8 us with the method and 17.0-18.5 us with ``jax.block_until_ready``, in each of two processes
    (2-core Zen 3 EPYC, 2026-12-06, samples of 3,000 calls alternated): a bias on every
    microsecond case (23-36% there) and on the ratios of the lecture table."""
    import jax

    arrays: set = set()

    def block(out):
        kind = type(out)
        if kind in arrays:
            return out.block_until_ready()
        if isinstance(out, jax.Array):
            arrays.add(kind)
            return out.block_until_ready()
        return jax.block_until_ready(out)

    return block
