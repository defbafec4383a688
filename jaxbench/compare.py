"""Is g faster than f? A paired, replicated timing of two callables (or two registry cases).

``compare(f, g, *args)`` calls both once (warm-up, compilation: not timed), then times them in
the same process, interleaved: one sample of each per pass, the order swapped every pass
(:func:`jaxbench.passes.sample`), until the ratio ``time(f) / time(g)`` is known to within
``target`` or ``budget_s`` is spent. It does so in ``processes`` fresh processes, one after the
other (never in parallel: they would disturb each other), so that what differs from one process to
the next (memory layout, thread pools, frequency) is sampled too; the interval is the two-level
bootstrap of :func:`jaxbench.pairstats.interval` (processes, then passes).

Functions defined in ``__main__`` (a notebook, a script) or that cannot be pickled (lambdas, local
functions) cannot run in a fresh process: they are measured in this process only, and the result
says so in its ``note`` (no silent fallback). JAX's asynchronous dispatch is always included: when
jax is imported, every call's result goes through ``jax.block_until_ready``.

This module imports neither jax nor kernels nor NumPy at import time (``import jaxbench`` stays cheap).
"""
from __future__ import annotations

import io
import math
import pickle
import sys
import types
from dataclasses import dataclass, field

SIDES = ("f", "g")


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

    @property
    def half_width(self) -> float:
        """The interval's relative half-width around the ratio (NaN without an interval)."""
        from .pairstats import half_width

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
        from kernels.timing import format_seconds

        counts = [len(p) for p in self.per_process] or [0]
        each = str(counts[0]) if min(counts) == max(counts) else f"{min(counts)}-{max(counts)}"
        procs = f"{self.processes} process" + ("es" if self.processes != 1 else "")
        times = ", ".join(f"{n} {format_seconds(t)}" for n, t in ((self.f_name, self.median_f), (self.g_name, self.median_g))
                          if math.isfinite(t))
        text = f"{self.headline()} ({procs} x {each} passes, paired" + (f"; {times})" if times else ")")
        return text + (f"\n{self.note}" if self.note else "")


def _x(r: float) -> str:
    """A ratio for the text: three significant digits (1.01, 5.43, 12.3)."""
    return f"{r:.3g}"


# --- what one process does -------------------------------------------------------------------

def _is_case(obj) -> bool:
    """Whether ``obj`` is a ``kernels.Case`` (without importing kernels: a Case implies it is)."""
    mod = sys.modules.get("kernels._case")
    return mod is not None and isinstance(obj, mod.Case)


def _name(obj) -> str:
    if _is_case(obj):
        return obj.label
    return getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or repr(obj)


def _runner(side: str, obj, args, kwargs):
    """A blocking zero-argument callable for one side, after its warm-up call (not timed)."""
    if _is_case(obj):
        import kernels

        return kernels.prepare(obj).run          # prepared: compiled, warmed up, verified, blocking
    try:
        obj(*args, **kwargs)                     # warm-up / compilation, not timed
    except Exception as exc:
        raise RuntimeError(f"{side} ({_name(obj)}) failed on its warm-up call: {type(exc).__name__}: {exc}") from exc
    jax = sys.modules.get("jax")                 # imported by now if f/g (or their arguments) use JAX
    if jax is None:
        return lambda: obj(*args, **kwargs)
    block = jax.block_until_ready
    return lambda: block(obj(*args, **kwargs))


def _measure_here(f, g, args, kwargs, sampling: dict) -> dict:
    """Warm up and time f and g interleaved in THIS process: {"passes": [[tf, tg], ...], ...}.

    Module-level, so that a fresh process can run it (``ProcessPoolExecutor`` with spawn)."""
    from . import passes

    runs = [_runner(side, obj, args if not _is_case(obj) else (), kwargs if not _is_case(obj) else {})
            for side, obj in zip(SIDES, (f, g))]
    s = passes.sample(runs, [(0, 1)], **sampling)
    return {"passes": s.passes, "numbers": s.numbers, "stopped": s.stopped, "seconds": s.seconds}


def _measure_pickled(payload: bytes, sampling: dict) -> dict:
    """:func:`_measure_here` of ``(f, g, args, kwargs)`` pickled by :func:`_payload` (the fresh
    process's side: unpickling imports f's and g's modules)."""
    f, g, args, kwargs = pickle.loads(payload)
    return _measure_here(f, g, args, kwargs, sampling)


def _in_fresh_process(payload: bytes, sampling: dict) -> dict:
    """:func:`_measure_pickled` in a fresh spawned process, waited for (one process at a time)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # A new executor per process: a pool would reuse its worker, and its state, for the next one.
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_measure_pickled, payload, sampling).result()


# --- can it run in a fresh process? ---------------------------------------------------------

def _resolve(module: str, qualname: str):
    """The object named ``qualname`` in ``module`` (imported): how :class:`_ByReference` unpickles."""
    import importlib

    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _importable_name(obj):
    """(module, qualname) under which ``obj`` itself is importable, else None."""
    mod, qual = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not (isinstance(mod, str) and isinstance(qual, str)) or mod == "__main__" or "<" in qual:
        return None
    try:
        return (mod, qual) if _resolve(mod, qual) is obj else None
    except Exception:
        return None


class _ByReference(pickle.Pickler):
    """A pickler that sends importable callables by name, whatever their type (a ``jax.jit``
    function is not a plain function: the standard pickler refuses it), and records whether
    anything pickled lives in ``__main__`` (a fresh process cannot import a notebook's names)."""

    def __init__(self, file):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.in_main = False

    def reducer_override(self, obj):
        plain = isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType, types.MethodType))
        mod = getattr(obj, "__module__", None) if plain else type(obj).__module__
        if mod == "__main__" or getattr(obj, "__module__", None) == "__main__":
            self.in_main = True
        if callable(obj) and not isinstance(obj, type):
            name = _importable_name(obj)
            if name is not None:
                return _resolve, name
        return NotImplemented


def _payload(f, g, args, kwargs) -> tuple[bytes | None, str]:
    """``(f, g, args, kwargs)`` pickled for a fresh process, or (None, why it cannot run in one)."""
    problems = []
    for side, obj in zip(SIDES, (f, g)):
        if getattr(obj, "__module__", None) == "__main__":
            problems.append((side, "main"))
            continue
        try:
            _ByReference(io.BytesIO()).dump(obj)
        except Exception as exc:       # PicklingError, AttributeError ("Can't pickle local object")...
            problems.append((side, f"{type(exc).__name__}: {exc}"))
    if problems:
        sides = " and ".join(side for side, _ in problems)
        verb = "are" if len(problems) > 1 else "is"
        if all(why == "main" for _, why in problems):
            return None, f"{sides} {verb} defined in __main__ and cannot run in a fresh process"
        whys = "; ".join(f"{side}: {why}" for side, why in problems if why != "main")
        return None, (f"{sides} cannot be pickled by reference (lambdas, local functions and functions defined in "
                      f"__main__ cannot) and cannot run in a fresh process ({whys})")
    buf = io.BytesIO()
    pickler = _ByReference(buf)
    try:
        pickler.dump((f, g, args, kwargs))
    except Exception as exc:
        return None, f"the arguments cannot be pickled ({type(exc).__name__}: {exc}) and cannot go to a fresh process"
    if pickler.in_main:
        return None, "f/g or their arguments use objects defined in __main__ and cannot run in a fresh process"
    return buf.getvalue(), ""


# --- the engine -----------------------------------------------------------------------------

def _check(f, g, args, kwargs, processes, target, budget_s, min_passes, max_passes, names):
    for side, obj in zip(SIDES, (f, g)):
        if not (_is_case(obj) or callable(obj)):
            raise TypeError(f"compare: {side} must be a callable or a kernels.Case, not {type(obj).__name__} ({obj!r:.80})")
    if _is_case(f) and _is_case(g) and (args or kwargs):
        raise TypeError("compare: f and g are both kernels.Case objects, which take no arguments; "
                        f"got {len(args)} positional and {len(kwargs)} keyword argument(s)")
    if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
        raise ValueError(f"compare: processes must be an integer >= 1, not {processes!r}")
    if not (isinstance(target, (int, float)) and target > 0):
        raise ValueError(f"compare: target (the relative half-width aimed for, e.g. 0.05 for +-5%) must be > 0, not {target!r}")
    if not (isinstance(budget_s, (int, float)) and budget_s > 0):
        raise ValueError(f"compare: budget_s (seconds of sampling in all) must be > 0, not {budget_s!r}")
    if not (isinstance(min_passes, int) and isinstance(max_passes, int) and 2 <= min_passes <= max_passes):
        raise ValueError(f"compare: need 2 <= min_passes ({min_passes!r}) <= max_passes ({max_passes!r})")
    if names is not None and (isinstance(names, str) or len(names) != 2):
        raise ValueError(f"compare: names must be two names (for f and g), not {names!r}")


def compare(f, g, *args, processes: int = 3, target: float = 0.05, budget_s: float = 10.0, min_passes: int = 5,
            max_passes: int = 200, names=None, **kwargs) -> Result:
    """Time ``f(*args, **kwargs)`` against ``g(*args, **kwargs)``, paired, in ``processes`` processes.

    ``f``/``g``: callables (called once first, untimed: warm-up and compilation), or ``kernels.Case``
    objects (each process prepares the case and times its ``run``). ``target``: the relative
    half-width to stop at in each process (0.05: +-5%); ``budget_s``: seconds of sampling in all,
    shared between the processes; ``names``: (name of f, name of g) for the text.

    Returns a :class:`Result`: ``ratio`` = time(f) / time(g), ``str(result)`` reads
    ``g is 5.4x [4.9, 6.3] faster than f (3 processes x 12 passes, paired; f 2.94 ms, g 544 us)``.
    """
    _check(f, g, args, kwargs, processes, target, budget_s, min_passes, max_passes, names)
    f_name, g_name = (str(n) for n in names) if names is not None else (_name(f), _name(g))
    note = ""
    payload = None
    if processes > 1:
        payload, problem = _payload(f, g, args, kwargs)
        if payload is None:
            note = f"1 process: {problem}; process-to-process noise not sampled"
            processes = 1
    else:
        note = "1 process (processes=1): process-to-process noise not sampled"
    sampling = {"min_passes": min_passes, "max_passes": max_passes, "target": float(target),
                "budget_s": float(budget_s) / processes}
    records = []
    for _ in range(processes):
        if payload is not None:
            records.append(_in_fresh_process(payload, sampling))
        else:
            records.append(_measure_here(f, g, args, kwargs, sampling))
    return _result(records, f_name, g_name, note)


def _result(records, f_name: str, g_name: str, note: str) -> Result:
    """The Result of the processes' records (see :func:`_measure_here`)."""
    import numpy as np

    from . import pairstats

    per_process = [pairstats.pass_ratios(r["passes"], 0, 1) for r in records]
    pt, lo, hi = pairstats.interval(per_process, f"{f_name} / {g_name}")
    tf = [p[0] for r in records for p in r["passes"]]
    tg = [p[1] for r in records for p in r["passes"]]
    return Result(ratio=pt, lo=lo, hi=hi, processes=len(records), passes=sum(len(p) for p in per_process),
                  per_process=per_process, f_name=f_name, g_name=g_name, note=note,
                  median_f=float(np.median(tf)) if tf else math.nan,
                  median_g=float(np.median(tg)) if tg else math.nan)
