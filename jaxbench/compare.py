"""Is g faster than f? Paired, replicated timings of two or more callables (or registry cases).

``compare(f, g, *args)`` calls each function once (warm-up, compilation: not timed), then times
them in the same process, interleaved: one sample of each function per pass, the order reversed
every other pass (:func:`jaxbench.passes.sample`), until every ratio ``time(f) / time(g)`` is known
to within ``target`` or ``budget_s`` is spent. It does so in ``processes`` fresh processes, one
after the other (never in parallel: they would disturb each other), so that what differs from one
process to the next (memory layout, thread pools, frequency) is sampled too; the interval is the
two-level bootstrap of :func:`results.comparison_stats.interval` (processes, then passes).

**Which arguments are functions**: the leading callables (or ``kernels.Case`` objects) are the
functions compared; the first positional argument that is not callable starts the arguments each
function is called with, and keyword arguments go to every function. Where an argument is itself
callable, pass the arguments explicitly: ``compare(f, g, args=(fn, x))``.

**Two functions** give a :class:`Result`: ``ratio`` = time(f) / time(g) (> 1: g is faster), its 95%
interval ``[lo, hi]``, the counts, each side's median. **More** (``compare(loop, vmap, jit_vmap, x)``)
give a :class:`Ladder`: every function against the first, all timed in the same passes, so every
ratio is paired; ``ladder.rungs[i]`` is the Result of the first against function i + 1, and
``ladder.pair(a, b)`` that of any two. Both show themselves in a notebook (``_repr_html_``: the
headline, the interval, processes x passes, each function's median; ``_repr_pretty_`` in a terminal),
give a pandas DataFrame (``to_frame()``: one row per ratio) and a matplotlib figure (``plot()``:
each function's per-process medians, each ratio's interval); both are made in :mod:`jaxbench.compare_result`).

**Fresh processes** receive the functions and arguments by :mod:`jaxbench.compare_send`: importable
ones by name, functions of a notebook or script (``__main__``), lambdas and closures by value
(cloudpickle), a ``jax.jit`` function as the function it wraps, re-jitted there with the same
options. What cannot be sent (a function holding a lock, a ``jax.jit`` with shardings...) is
measured in this process only, and the result's ``note`` names it (no silent fallback). JAX's
asynchronous dispatch is always included: when jax is imported, every call's result is blocked on
(:func:`kernels.timing.blocker`: an array's own ``block_until_ready``, ``jax.block_until_ready``
for a pytree).

This module imports neither jax nor kernels nor NumPy at import time (``import jaxbench`` stays cheap).
"""
from __future__ import annotations

import sys

from .compare_result import Ladder, Result, _paired

__all__ = ["Ladder", "Result", "compare"]

NOT_SAMPLED = "process-to-process noise not sampled"


# --- what one process does -------------------------------------------------------------------

def _is_case(obj) -> bool:
    """Whether ``obj`` is a ``kernels.Case`` (without importing kernels: a Case implies it is)."""
    mod = sys.modules.get("kernels._case")
    return mod is not None and isinstance(obj, mod.Case)


def _name(obj) -> str:
    """A case's label, a function's qualified name, ``jit(name)`` for a ``jax.jit`` function."""
    from .compare_send import is_jitted

    if _is_case(obj):
        return obj.label
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or repr(obj)
    return f"jit({name})" if is_jitted(obj) else name


def _labels(sides, names) -> tuple[str, ...]:
    """``names`` as given, else each side's name, a repeated one numbered ('f', 'f #2')."""
    if names is not None:
        return tuple(str(n) for n in names)
    out, seen = [], {}
    for s in sides:
        base = _name(s)
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base} #{seen[base]}")
    return tuple(out)


def _side(i: int) -> str:
    """How errors name function i: f, g, h, then 'function 4', ..."""
    return "fgh"[i] if i < 3 else f"function {i + 1}"


def _runner(side: str, obj, args, kwargs):
    """A blocking zero-argument callable for one side, after its warm-up call (not timed)."""
    if _is_case(obj):
        import kernels

        return kernels.prepare(obj).run          # prepared: compiled, warmed up, verified, blocking
    try:
        obj(*args, **kwargs)                     # warm-up / compilation, not timed
    except Exception as exc:
        raise RuntimeError(f"{side} ({_name(obj)}) failed on its warm-up call: {type(exc).__name__}: {exc}") from exc
    jax = sys.modules.get("jax")                 # imported by now if a side (or the arguments) use JAX
    if jax is None:
        return lambda: obj(*args, **kwargs)
    from kernels import timing

    block = timing.blocker()                     # an array's own method: no pytree walk per call
    return lambda: block(obj(*args, **kwargs))


def _measure_here(sides, args, kwargs, sampling: dict) -> dict:
    """Warm up and time ``sides`` interleaved in THIS process: {"passes": [[t0, t1, ...], ...], ...}.

    Module-level, so that a fresh process can run it (:func:`jaxbench.compare_send.run_fresh`)."""
    from . import passes

    runs = [_runner(_side(i), obj, () if _is_case(obj) else args, {} if _is_case(obj) else kwargs)
            for i, obj in enumerate(sides)]
    s = passes.sample(runs, [(0, i) for i in range(1, len(runs))], **sampling)
    return {"passes": s.passes, "numbers": s.numbers, "stopped": s.stopped, "seconds": s.seconds}


# --- where the processes run --------------------------------------------------------------------

def _unsendable(sides, args, kwargs, labels) -> str:
    """What cannot be sent to a fresh process, named, with why ('' if everything can)."""
    from .compare_send import why_not

    named = [(f"{_side(i)} ({labels[i]})", obj) for i, obj in enumerate(sides)]
    named += [(f"argument {k + 1} ({type(a).__name__})", a) for k, a in enumerate(args)]
    named += [(f"keyword argument {k}", v) for k, v in kwargs.items()]
    problems = []
    for what, obj in named:
        why = why_not(obj)
        if why:
            problems.append(f"{what}: {why}")
    return "; ".join(problems)


def _measure(sides, args, kwargs, processes: int, sampling: dict, labels) -> tuple[list[dict], str]:
    """The records of ``processes`` fresh processes, or of this process alone with the note saying why."""
    from . import compare_send

    if processes == 1:
        return [_measure_here(sides, args, kwargs, sampling)], f"1 process (processes=1): {NOT_SAMPLED}"
    each = dict(sampling, budget_s=sampling["budget_s"] / processes)
    try:
        call = compare_send.dumps((_measure_here, (sides, args, kwargs, each)))
    except Exception as exc:
        why = (_unsendable(sides, args, kwargs, labels)
               or f"the functions and arguments together ({type(exc).__name__}: {exc})")
        return ([_measure_here(sides, args, kwargs, sampling)],
                f"1 process: cannot send to a fresh process: {why}; {NOT_SAMPLED}")
    records = []
    for k in range(processes):
        try:
            records.append(compare_send.run_fresh(call))
        except compare_send.LoadFailed as exc:
            if records:
                raise RuntimeError(f"fresh process {k + 1} of {processes} could not load what was sent: {exc}") from None
            return ([_measure_here(sides, args, kwargs, sampling)],
                    f"1 process: a fresh process could not load what was sent ({exc}); {NOT_SAMPLED}")
        except RuntimeError as exc:
            raise RuntimeError(f"in fresh process {k + 1} of {processes}: {exc}") from None
    return records, ""


# --- the engine -----------------------------------------------------------------------------

def _is_side(obj) -> bool:
    return _is_case(obj) or callable(obj)


def _split(positional, args) -> tuple[tuple, tuple]:
    """(functions, arguments): the leading callables, then the rest; every positional is a function
    where ``args`` is given."""
    if args is not None:
        for i, obj in enumerate(positional):
            if not _is_side(obj):
                raise TypeError(f"compare: {_side(i)} must be a callable or a kernels.Case, not "
                                f"{type(obj).__name__} ({obj!r:.80}); with args=, every positional argument is a function")
        return tuple(positional), tuple(args)
    n = 0
    while n < len(positional) and _is_side(positional[n]):
        n += 1
    return tuple(positional[:n]), tuple(positional[n:])


def _check_sides(positional, sides, args, kwargs) -> None:
    if len(sides) < 2:
        if len(positional) > len(sides):
            obj = positional[len(sides)]
            raise TypeError(f"compare: {_side(len(sides))} must be a callable or a kernels.Case, not {type(obj).__name__} "
                            f"({obj!r:.80}): compare needs at least two functions (the leading callables; the first "
                            "argument that is not callable starts their arguments)")
        raise TypeError(f"compare: needs at least two functions to compare, got {len(sides)}")
    if all(_is_case(s) for s in sides) and (args or kwargs):
        raise TypeError("compare: every side is a kernels.Case object, which take no arguments; "
                        f"got {len(args)} positional and {len(kwargs)} keyword argument(s)")


def _check(processes, target, budget_s, min_passes, max_passes, names, n_sides) -> None:
    if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
        raise ValueError(f"compare: processes must be an integer >= 1, not {processes!r}")
    if not (isinstance(target, (int, float)) and target > 0):
        raise ValueError(f"compare: target (the relative half-width aimed for, e.g. 0.05 for +-5%) must be > 0, not {target!r}")
    if not (isinstance(budget_s, (int, float)) and budget_s > 0):
        raise ValueError(f"compare: budget_s (seconds of sampling in all) must be > 0, not {budget_s!r}")
    if not (isinstance(min_passes, int) and isinstance(max_passes, int) and 2 <= min_passes <= max_passes):
        raise ValueError(f"compare: need 2 <= min_passes ({min_passes!r}) <= max_passes ({max_passes!r})")
    if names is not None and (isinstance(names, str) or len(names) != n_sides):
        raise ValueError(f"compare: names must be {n_sides} names (one per function), not {names!r}")


def compare(*functions_then_args, processes: int = 3, target: float = 0.05, budget_s: float = 10.0,
            min_passes: int = 5, max_passes: int = 200, names=None, args=None, **kwargs):
    """Time ``f(*args, **kwargs)`` against ``g(*args, **kwargs)`` (and ``h``...), paired, in ``processes`` processes.

    ``compare(f, g, *args, **kwargs)``: the leading callables are the functions (or ``kernels.Case``
    objects: each process prepares the case and times its ``run``), called once first, untimed
    (warm-up and compilation); the first non-callable starts their arguments (``args=`` gives them
    explicitly). ``target``: the relative half-width to stop at in each process (0.05: +-5%);
    ``budget_s``: seconds of sampling in all, shared between the processes; ``names``: one name per
    function for the text.

    Two functions: a :class:`Result`, ``ratio`` = time(f) / time(g); ``str(result)`` reads
    ``g is 5.4x [4.9, 6.3] faster than f (3 processes x 12 passes, paired; f 2.94 ms, g 544 us)``.
    More: a :class:`Ladder` of every function against the first, from the same passes.
    """
    sides, call_args = _split(functions_then_args, args)
    _check_sides(functions_then_args, sides, call_args, kwargs)
    _check(processes, target, budget_s, min_passes, max_passes, names, len(sides))
    labels = _labels(sides, names)
    sampling = {"min_passes": min_passes, "max_passes": max_passes, "target": float(target),
                "budget_s": float(budget_s)}
    records, note = _measure(sides, call_args, kwargs, processes, sampling, labels)
    samples = [r["passes"] for r in records]
    rungs = tuple(_paired(samples, 0, i, labels, note) for i in range(1, len(sides)))
    return rungs[0] if len(rungs) == 1 else Ladder(labels, rungs, samples, note)
