"""asv ``-b`` regexes selecting the benchmarks of one kernel that can run here: the suite's ordinary
classes (``python -m runner``'s rounds, :mod:`runner.asv_run`) or its comparison classes
(``track_ratio(comparison)``, the sweeps of a ``--commits`` run, :mod:`runner.comparison_sweeps`).

Only valid cases are selected (``bench.common.selected``); ``jax-gpu`` cases, and comparisons with
a ``jax-gpu`` side, are selected only where JAX sees a GPU (elsewhere asv records them as n/a, NaN,
without starting a process). The bench modules are imported when first asked for: their grids
depend on the run's settings (``settings.SIZES``).
"""
from __future__ import annotations

import importlib
import itertools
import re

METHODS = r"(time|track|peakmem|mem|timeraw)_"


def classes(kernel: str) -> list[tuple[str, type]]:
    """[(name, class)] of the benchmark classes the suite's ``bench_<kernel>`` module defines, by name."""
    module = importlib.import_module(f"bench.bench_{kernel}")
    return [(name, cls) for name, cls in sorted(vars(module).items())
            if isinstance(cls, type) and cls.__module__ == module.__name__]


def _methods(cls, timed_only: bool, steady: bool) -> list[str]:
    """The benchmark methods of an ordinary class: ``timed_only`` only the steady-state ``time_``
    ones, ``steady=False`` none of them."""
    methods = [m for m in dir(cls) if re.match(METHODS, m)]
    if timed_only:
        methods = [m for m in methods if m.startswith("time_")]
    if not steady:
        methods = [m for m in methods if not m.startswith("time_")]
    return methods


def _regex(kernel: str, cls_name: str, methods: list[str], keep: list[tuple], grouped: bool) -> str:
    """The regex of ``methods`` of one class at the parameter tuples ``keep`` (the methods in a
    group of their own where ``grouped``)."""
    alts = "|".join(re.escape(", ".join(repr(x) for x in v)) for v in keep)
    names = "|".join(map(re.escape, methods))
    return f"^{re.escape(f'bench_{kernel}.{cls_name}.')}{f'({names})' if grouped else names}\\(({alts})\\)$"


def selection(kernel: str, gpu: bool, full: bool = True, timed_only: bool = False, steady: bool = True,
              comparisons: bool = False) -> tuple[list[str], int, int, dict]:
    """asv ``-b`` regexes selecting the runnable cases of one kernel; (regexes, selected, total,
    wanted), ``wanted`` = {benchmark name: [params key, ...]} of the selected cases.

    ``comparisons``: the comparison classes' ``track_ratio`` at each comparison that can run here
    (``bench.paired_suite.runnable``; ``full``, ``timed_only`` and ``steady`` do not apply); else the
    ordinary classes (the comparison classes are measured in passes of their own): ``timed_only``,
    only the steady-state ``time_`` benchmarks (the later rounds); ``steady=False``, none of them
    (the comparison processes time every steady-state case: runner/asv_record.py)."""
    from bench import common, paired_suite
    from results.asv_json import params_key

    regexes, chosen, total, wanted = [], 0, 0, {}
    for cls_name, cls in classes(kernel):
        if hasattr(cls, "comparisons") != comparisons:
            continue
        methods = ["track_ratio"] if comparisons else _methods(cls, timed_only, steady)
        if not methods:
            continue
        grid = len(list(itertools.product(*cls.params))) * len(methods)
        if comparisons:
            keep = [(c,) for c in paired_suite.runnable(cls, gpu)]
        elif not hasattr(cls, "skip_params"):      # accuracy tracks: every backend, cheap skips
            if not (full or getattr(cls, "default_run", True)):
                continue                           # declared beside the track: not in the default run
            regexes.append("^" + re.escape(f"bench_{kernel}.{cls_name}."))
            keep = list(itertools.product(*cls.params))
        else:
            # the suite's grid is the run's (bench/common.py: settings.SIZES, set by measure())
            keep = [v for v in common.selected(cls) if gpu or v[0] != "jax-gpu"]
        total, chosen = total + grid, chosen + len(keep) * len(methods)
        if keep and (comparisons or hasattr(cls, "skip_params")):
            regexes.append(_regex(kernel, cls_name, methods, keep, grouped=not comparisons))
        for m in methods:
            if keep:
                wanted[f"bench_{kernel}.{cls_name}.{m}"] = [params_key(repr(x) for x in v) for v in keep]
    return regexes, chosen, total, wanted
