"""A planted slowdown, for testing the regression gate only (``python -m runner.gate --plant``).

Never on by default. With the setting ``settings.PLANT_SLOWDOWN`` at ``selu:1.25`` (several:
``selu:1.25,matmul:1.5``; kernels/settings.py parses it, a malformed one is a ``PlantError``)
every case of the named kernel(s) that ``kernels.prepare`` returns has a ``run`` that takes
``factor`` times as long as the real call, and its ``notes`` start with ``PLANTED SLOWDOWN``, so a
planted result can never be taken for a real one.

Method: the wrapped ``run`` times each real call and owes ``(factor - 1) x`` its duration.
- A short call (under ``LONG_CALL_S`` = 1 ms) pays what it owes with extra real calls, back to
  back: whenever the debt reaches half a call, the kernel runs once more and its measured time is
  subtracted (the remainder carries over). A pause would not do: on the CPU, XLA's worker threads
  park during any gap between calls and the next jit call then runs several times slower, so a
  wait after the call would slow the kernel by far more than the wait (bench/common.py). Over
  the ``number`` calls of an asv sample (>= 20 for such calls) this averages to ``factor``.
- A long call pays at once with a busy-wait (a spin, not ``time.sleep``, which the scheduler
  rounds up): asv times it one call per sample, so the debt cannot wait for later calls, and a
  gap after a millisecond call costs the next call a negligible fraction.
Either way the slowdown follows the calls it slows, in whatever state the process is, instead of
adding a constant fixed at preparation. The two clock reads per call are not free: the factor of a
kernel of a few microseconds reads slightly above the one asked for.
"""
from __future__ import annotations

import time

from . import settings

MARK = "PLANTED SLOWDOWN"
LONG_CALL_S = 1e-3                # calls at least this long pay with a busy-wait

_clock = time.perf_counter        # replaced by the tests (no wall-clock assertions there)


def planted() -> dict[str, float]:
    """The slowdowns asked for in this process's environment."""
    return settings.plant_slowdown()


def busy_wait(seconds: float) -> None:
    """Spin (no sleep) for ``seconds``."""
    end = _clock() + seconds
    while _clock() < end:
        pass


def slowed(run, factor: float):
    """``run`` wrapped so that, on average, each call lasts ``factor`` times the real call."""
    extra = factor - 1.0
    owed = 0.0

    def planted_run():
        nonlocal owed
        t0 = _clock()
        out = run()
        dt = _clock() - t0
        owed += extra * dt
        if dt >= LONG_CALL_S:
            busy_wait(owed)
            owed = 0.0
        else:
            while owed >= 0.5 * dt:
                t1 = _clock()
                run()
                owed -= _clock() - t1
        return out

    planted_run.planted_factor = factor
    planted_run.__wrapped__ = run
    return planted_run


def apply(prepared):
    """The prepared case, slowed down when the environment plants a slowdown for its kernel."""
    factor = planted().get(prepared.case.kernel)
    if factor is None:
        return prepared
    prepared.run = slowed(prepared.run, factor)
    note = (f"{MARK} x{factor:g} ({settings.PLANT_SLOWDOWN.var}; a self-test of the regression gate, not a real "
            "measurement).")
    prepared.notes = note + (" " + prepared.notes if prepared.notes else "")
    return prepared
