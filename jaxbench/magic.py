"""``%compare``: :func:`jaxbench.compare.compare` as an IPython magic (``%load_ext jaxbench``).

    %compare [-n PROCESSES] [-p N] [-t SECONDS] [-o] EXPR_A vs EXPR_B [vs EXPR_C ...]

Each expression becomes a function of no arguments, evaluated in the notebook's namespace (compiled
once, as ``%timeit`` does), each call's result blocked on with ``jax.block_until_ready`` where jax is
imported. Two expressions give a :class:`~jaxbench.compare.Result` ("EXPR_B is R x [lo, hi] faster
than EXPR_A (...)"), more a :class:`~jaxbench.compare.Ladder` (each against the first, from the same
passes). The magic displays it (HTML in a notebook, text in a terminal); ``-o`` also returns it, as
``%timeit -o`` does (``r = %compare -o ...``).

``-n PROCESSES``: fresh processes (default 3), one after the other. The expressions and the notebook
names they use (functions, arrays) are sent there by value (:mod:`jaxbench.compare_send`); where
something cannot be sent, they are measured in this process only and the result's note names what.
``-t SECONDS``: seconds of sampling at most, all processes together (default 5); ``-p N``: passes at
most per process (default 200).

As a cell magic, the cell holds the expressions (``EXPR_A vs EXPR_B``, on one line or more) and the
first line the options. IPython is imported only here, when the extension is loaded.
"""
from __future__ import annotations

import re

BUDGET_S = 5.0
MAX_PASSES = 200
PROCESSES = 3
USAGE = "usage: %compare [-n PROCESSES] [-p MAX_PASSES] [-t SECONDS] [-o] EXPR_A vs EXPR_B [vs EXPR_C ...]"
_VS = re.compile(r"\s+vs\s+")
_VALUED = {"-n": ("n", int, "an integer"), "-p": ("p", int, "an integer"), "-t": ("t", float, "a number of seconds")}


def split(text: str) -> tuple[str, ...]:
    """``'EXPR_A vs EXPR_B vs EXPR_C'`` -> ``('EXPR_A', 'EXPR_B', 'EXPR_C')``; ValueError unless at
    least two non-empty expressions."""
    parts = [p.strip() for p in _VS.split(" " + text.strip() + " ")]
    if len(parts) < 2 or not all(parts):
        raise ValueError(f"{USAGE}\n  (need at least two expressions separated by ' vs '; got {text.strip()!r})")
    return tuple(parts)


def thunk(expr: str, namespace: dict):
    """A zero-argument function returning ``expr`` evaluated in ``namespace`` (compiled once, as
    %timeit does: the cost of the call itself is the same for every side)."""
    code = compile(f"def __jaxbench_compare_thunk():\n    return ({expr}\n    )\n", "<%compare>", "exec")
    local: dict = {}
    exec(code, namespace, local)       # globals: the user's namespace, so its names resolve at call time
    fn = local["__jaxbench_compare_thunk"]
    fn.__qualname__ = fn.__name__ = expr
    return fn


def run(line: str, namespace: dict, cell: str | None = None, out=print):
    """What ``%compare`` does, without IPython: parse, measure, hand the result to ``out``, return it."""
    from .compare import compare

    opts, rest = _options(line)
    exprs = split(rest if cell is None else rest + " " + cell)
    try:
        fns = [thunk(e, namespace) for e in exprs]
    except SyntaxError as exc:
        raise ValueError(f"{USAGE}\n  (not an expression: {exc.text!r}: {exc.msg})") from exc
    result = compare(*fns, args=(), processes=opts["n"], budget_s=opts["t"], max_passes=opts["p"], names=exprs)
    out(result)
    return result


def _options(line: str) -> tuple[dict, str]:
    """Leading ``-n N`` / ``-p N`` / ``-t SECONDS`` / ``-o`` options, and the rest of the line."""
    opts = {"n": PROCESSES, "p": MAX_PASSES, "t": BUDGET_S, "o": False}
    rest = line.strip()
    while True:
        words = rest.split(None, 1)
        if not words or (words[0] not in _VALUED and words[0] != "-o"):
            break
        flag, rest = words[0], (words[1] if len(words) > 1 else "")
        if flag == "-o":
            opts["o"] = True
            continue
        key, kind, what = _VALUED[flag]
        words = rest.split(None, 1)
        if not words:
            raise ValueError(f"{USAGE}\n  ({flag} needs a value)")
        value, rest = words[0], (words[1] if len(words) > 1 else "")
        try:
            opts[key] = kind(value)
        except ValueError:
            raise ValueError(f"{USAGE}\n  ({flag} needs {what}, not {value!r})") from None
    _check_options(opts)
    return opts, rest


def _check_options(opts: dict) -> None:
    if opts["t"] <= 0:
        raise ValueError(f"{USAGE}\n  (-t must be > 0 seconds, not {opts['t']})")
    if opts["p"] < 5:
        raise ValueError(f"{USAGE}\n  (-p must be >= 5 passes, not {opts['p']})")
    if opts["n"] < 1:
        raise ValueError(f"{USAGE}\n  (-n must be >= 1 process, not {opts['n']})")


def magics_class():
    """The IPython ``Magics`` class (built here so that this module imports without IPython)."""
    from IPython.core.error import UsageError
    from IPython.core.magic import Magics, line_cell_magic, magics_class as register
    from IPython.display import display

    @register
    class CompareMagics(Magics):
        @line_cell_magic
        def compare(self, line, cell=None):
            """%compare [-n PROCESSES] [-p MAX_PASSES] [-t SECONDS] [-o] EXPR_A vs EXPR_B [vs EXPR_C ...]

            Times the expressions paired and interleaved (after one untimed call each: warm-up,
            compilation) in -n fresh processes (default 3; this one where the expressions cannot be
            sent) and displays "EXPR_B is R x [lo, hi] faster than EXPR_A"; with more expressions,
            each against the first. -t: seconds of sampling at most (default 5); -p: passes at most
            per process (default 200); -o: return the result too.
            """
            try:
                opts, _ = _options(line)
                result = run(line, self.shell.user_ns, cell, out=display)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
            return result if opts["o"] else None

    return CompareMagics


def load_ipython_extension(ipython) -> None:
    """``%load_ext jaxbench``: register ``%compare`` / ``%%compare``."""
    ipython.register_magics(magics_class())
