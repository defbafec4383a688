"""``%compare``: :func:`jaxbench.compare.compare` as an IPython magic (``%load_ext jaxbench``).

    %compare [-p N] [-t SECONDS] EXPR_A vs EXPR_B

Both expressions are evaluated in the notebook's namespace, each call's result blocked on with
``jax.block_until_ready`` where jax is imported; the line prints (and returns) the
:class:`~jaxbench.compare.Result`: "EXPR_B is R x [lo, hi] faster than EXPR_A (...)".
``-t SECONDS``: seconds of sampling at most (default 5); ``-p N``: passes at most (default 200).
The expressions are measured in THIS process (an expression of the notebook cannot be shipped to a
fresh process): the result's note says so. For several processes, call
``jaxbench.compare(f, g, *args, processes=3)`` with functions importable from a module.

As a cell magic, the cell holds the two expressions (``EXPR_A vs EXPR_B``, on one line or more) and
the first line the options. IPython is imported only here, when the extension is loaded.
"""
from __future__ import annotations

import re

BUDGET_S = 5.0
MAX_PASSES = 200
USAGE = "usage: %compare [-p MAX_PASSES] [-t SECONDS] EXPR_A vs EXPR_B"
NOTE = ("1 process: %compare evaluates expressions of this notebook, which cannot be shipped to a fresh process; "
        "process-to-process noise not sampled (jaxbench.compare(f, g, *args, processes=3) with importable functions "
        "samples it)")
_VS = re.compile(r"\s+vs\s+")


def split(text: str) -> tuple[str, str]:
    """``'EXPR_A vs EXPR_B'`` -> ``('EXPR_A', 'EXPR_B')``; ValueError unless exactly one ``vs``."""
    parts = _VS.split(" " + text.strip() + " ")
    parts = [p.strip() for p in parts]
    if len(parts) != 2 or not all(parts):
        found = len(parts) - 1
        raise ValueError(f"{USAGE}\n  (need exactly one ' vs ' between two expressions; found {found} in {text.strip()!r})")
    return parts[0], parts[1]


def thunk(expr: str, namespace: dict):
    """A zero-argument function returning ``expr`` evaluated in ``namespace`` (compiled once, as
    %timeit does: the cost of the call itself is the same for both sides)."""
    code = compile(f"def __jaxbench_compare_thunk():\n    return ({expr}\n    )\n", "<%compare>", "exec")
    local: dict = {}
    exec(code, namespace, local)       # globals: the user's namespace, so its names resolve at call time
    fn = local["__jaxbench_compare_thunk"]
    fn.__qualname__ = fn.__name__ = expr
    return fn


def run(line: str, namespace: dict, cell: str | None = None, out=print):
    """What ``%compare`` does, without IPython: parse, measure in this process, print, return."""
    from dataclasses import replace

    from .compare import compare

    opts, rest = _options(line)
    text = rest if cell is None else rest + " " + cell
    expr_a, expr_b = split(text)
    try:
        fa, fb = thunk(expr_a, namespace), thunk(expr_b, namespace)
    except SyntaxError as exc:
        raise ValueError(f"{USAGE}\n  (not an expression: {exc.text!r}: {exc.msg})") from exc
    result = compare(fa, fb, processes=1, budget_s=opts["t"], max_passes=opts["p"], names=(expr_a, expr_b))
    result = replace(result, note=NOTE)
    out(str(result))
    return result


def _options(line: str) -> tuple[dict, str]:
    """Leading ``-p N`` / ``-t SECONDS`` options, and the rest of the line."""
    opts = {"p": MAX_PASSES, "t": BUDGET_S}
    words = line.strip().split(None, 2)
    rest = line.strip()
    while words and words[0] in ("-p", "-t"):
        if len(words) < 2:
            raise ValueError(f"{USAGE}\n  ({words[0]} needs a value)")
        flag, value = words[0], words[1]
        try:
            opts[flag[1]] = int(value) if flag == "-p" else float(value)
        except ValueError:
            kind = "an integer" if flag == "-p" else "a number of seconds"
            raise ValueError(f"{USAGE}\n  ({flag} needs {kind}, not {value!r})") from None
        rest = words[2] if len(words) > 2 else ""
        words = rest.split(None, 2)
    if opts["t"] <= 0:
        raise ValueError(f"{USAGE}\n  (-t must be > 0 seconds, not {opts['t']})")
    if opts["p"] < 5:
        raise ValueError(f"{USAGE}\n  (-p must be >= 5 passes, not {opts['p']})")
    return opts, rest


def magics_class():
    """The IPython ``Magics`` class (built here so that this module imports without IPython)."""
    from IPython.core.error import UsageError
    from IPython.core.magic import Magics, line_cell_magic, magics_class as register

    @register
    class CompareMagics(Magics):
        @line_cell_magic
        def compare(self, line, cell=None):
            """%compare [-p MAX_PASSES] [-t SECONDS] EXPR_A vs EXPR_B: is EXPR_B faster than EXPR_A?

            Times both expressions paired and interleaved in this process (after one untimed call
            each: warm-up, compilation) and prints "EXPR_B is R x [lo, hi] faster than EXPR_A".
            -t: seconds of sampling at most (default 5); -p: passes at most (default 200).
            """
            try:
                return run(line, self.shell.user_ns, cell)
            except ValueError as exc:
                raise UsageError(str(exc)) from None

    return CompareMagics


def load_ipython_extension(ipython) -> None:
    """``%load_ext jaxbench``: register ``%compare`` / ``%%compare``."""
    ipython.register_magics(magics_class())
