"""Measure declared comparisons in THIS process: prepare each group's sides, time them interleaved.

One record per group (:func:`jaxbench.declare.groups`): the sides' case keys, the calls per sample,
the per-pass samples (``passes[k][i]``: side i's seconds per call in pass k), why sampling stopped,
and the sides that could not run here with the reason (jax-gpu without a GPU, missing data...).
A group's cases are freed before the next group is prepared. The asv suite's ``setup_cache``
(bench/paired_suite.py) and the worker processes of ``python -m runner`` (runner/measuring_process.py)
call :func:`measure` (:func:`jaxbench.compare` samples with :func:`jaxbench.passes.sample` itself); a
ratio is computed from the records by :func:`ratios` (one process) or by the report (every process).
"""
from __future__ import annotations

import gc
import os
import time

from results import records
from results.records import TRANSFER

from . import declare
from . import passes as passes_mod


def side_keys(group) -> list[str]:
    """The distinct sides of a group: every case, then the transfers that some comparisons add."""
    keys, seen = [], set()
    for comp in group:
        for c in (comp.num, comp.den):
            k = c.key
            if k not in seen:
                seen.add(k)
                keys.append(k)
    for comp in group:
        if comp.transfer and TRANSFER + comp.den.key not in seen:
            seen.add(TRANSFER + comp.den.key)
            keys.append(TRANSFER + comp.den.key)
    return keys


def library(key: str) -> str:
    """Whose threads a side runs on: "numpy" for a NumPy-CPU case, "jax" for the rest (transfers too)."""
    base = key[len(TRANSFER):] if key.startswith(TRANSFER) else key
    return "numpy" if base.split("|")[1] == "numpy-cpu" else "jax"


def pair_indices(comp, keys: list[str]):
    """(num, den[, transfer]) indices of a comparison among ``keys`` (None where a side is missing)."""
    return records.side_indices(comp.num.key, comp.den.key, comp.transfer, keys)


def _prepare_sides(group, keys, checked_before=frozenset()):
    """{key: blocking callable} of the sides that run here, and {key: reason} of those that do not;
    a case of ``checked_before`` (an earlier process of this run prepared it, which checks its output
    against NumPy) is not checked again (``kernels.prepare(checked=False)``)."""
    import kernels
    from kernels import settings

    cases = {c.key: c for comp in group for c in (comp.num, comp.den)}
    runs, missing, prepared = {}, {}, {}
    for k in keys:
        base = k[len(TRANSFER):] if k.startswith(TRANSFER) else k
        if base in missing:
            missing[k] = missing[base]
            continue
        if base not in prepared:
            try:
                prepared[base] = kernels.prepare(cases[base], checked=base not in checked_before)
            except settings.SettingError:
                raise                       # a bad setting fails the process; it is no reason to leave a side out
            except kernels.Unavailable as exc:
                missing[k] = f"unavailable here: {exc.reason}"
                continue
            except ValueError as exc:
                missing[k] = f"refused: {exc}"
                continue
        p = prepared[base]
        if k.startswith(TRANSFER):
            if p.transfer_run is None:
                missing[k] = "no host->device transfer (a NumPy case)"
                continue
            runs[k] = p.transfer_run
        else:
            runs[k] = p.run
    return runs, missing


def measure_group(group, **sampling) -> dict:
    """Prepare and time one group interleaved (``sampling``: :func:`jaxbench.passes.sample` options)."""
    keys = side_keys(group)
    # the run's first process probed the calls per sample of the sides it measured (not again), and
    # prepared them, which checked each against NumPy: with the same seeded inputs, not again either
    known = records.env_numbers()
    t0 = time.perf_counter()
    runs, missing = _prepare_sides(group, keys, frozenset(known))
    prepare_s = time.perf_counter() - t0
    # NumPy's sides first: a pass (and its reverse) then changes library once (passes.SETTLE_S)
    here = sorted((k for k in keys if k in runs), key=lambda k: library(k) != "numpy")
    pairs = [p for p in (pair_indices(c, here) for c in group) if p is not None]
    record = {"sides": here, "missing": missing, "numbers": [], "passes": [], "stopped": "",
              "prepare_seconds": round(prepare_s, 3), "sample_seconds": 0.0}
    if here and all(k in known for k in here):
        sampling.setdefault("numbers", [known[k] for k in here])
    if here:   # a group's sampling budget grows with its sides (17 sides got 4 passes of 1 s before)
        sampling.setdefault("budget_s", max(passes_mod.BUDGET_S, passes_mod.BUDGET_PER_SIDE_S * len(here)))
        s = passes_mod.sample([runs[k] for k in here], pairs, libraries=[library(k) for k in here], **sampling)
        record.update(numbers=s.numbers, passes=s.passes, stopped=s.stopped, sample_seconds=round(s.seconds, 3))
    del runs
    gc.collect()
    record["wall_seconds"] = round(time.perf_counter() - t0, 3)   # prepare, calls per sample, sampling, freeing
    return record


def measure(comparisons, progress=None, **sampling) -> dict:
    """Every group of ``comparisons`` in this process: {"pid", "groups": [record, ...]}; the
    sampling options given to the process (:func:`results.records.env_sampling`) apply unless
    ``sampling`` overrides them."""
    sampling = {**records.env_sampling(), **sampling}
    out = {"pid": os.getpid(), "started": time.time(), "groups": []}
    groups = declare.groups(list(comparisons))
    for i, g in enumerate(groups):
        out["groups"].append(measure_group(g, **sampling))
        if progress:
            progress(i + 1, len(groups), out["groups"][-1])
    return out


def ratios(process: dict, comparisons) -> dict[str, dict]:
    """{comparison id: {"ratio", "lo", "hi", "passes"} or {"missing": reason}} from ONE process's
    record: :class:`results.comparisons.Comparisons` of an entry holding that process alone."""
    from results.comparisons import Comparisons

    entry = {"comparisons": {c.id: declare.comparison_entry(c) for c in comparisons}, "processes": [process]}
    return {m.id: ({"missing": m.missing} if not m.processes else
                   {"ratio": m.point, "lo": m.lo, "hi": m.hi, "passes": m.passes})
            for m in Comparisons(entry)}
