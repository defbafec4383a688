"""The comparisons' pooled ratios written into asv's results as the ``track_ratio`` values of the run.

``python -m bench`` measures the comparisons in its own processes (bench/paired_worker.py), several
per comparison; asv's ``track_ratio`` benchmarks (bench/paired_suite.py) are the same comparisons,
and a plain ``asv run`` measures them in one ``setup_cache`` process per class. So that ``asv
publish``, ``asv compare`` and the history across commits show the run's speed-ups, each
comparison's value goes into the checkout's asv results file (this Python, ``--python=same``,
written by the timed round) through asv's own ``Results.add_result``: the point of
:func:`jaxbench.store.summary` (the pooled median over every process and pass), NaN (asv's
"skipped") where no process could measure it here. asv keeps no interval for a ``track_`` value:
the report and ``jaxbench-comparisons.jsonc`` hold the intervals.

Hand-written because asv has no command to record a value measured elsewhere; everything it
writes goes through asv's API (``asv.results``), as ``asv run`` does.
"""
from __future__ import annotations

import datetime
import math
import os
import sys
from pathlib import Path

SUFFIX = ".track_ratio"


def values(benchmarks: dict, rows: list[dict]) -> dict[str, list[float]]:
    """{track_ratio benchmark name: [value per parameter]} for every comparison benchmark of
    ``benchmarks`` (asv's benchmarks.json) that has a row in ``rows`` (:func:`jaxbench.store.summary`):
    the pooled ratio, NaN where the row has no measurement. Benchmarks without any row are left out."""
    by_id = {repr(r["id"]): r for r in rows}
    out = {}
    for name, bench in benchmarks.items():
        if not name.endswith(SUFFIX) or not bench.get("params"):
            continue
        ids = bench["params"][0]
        if not any(i in by_id for i in ids):
            continue
        out[name] = [float(by_id[i]["ratio"]) if i in by_id and by_id[i]["processes"] else math.nan for i in ids]
    return out


def checkout_results(results_dir: Path, machine: str, commit: str, python: str = sys.executable):
    """The asv results of ``commit`` measured in ``python`` (``--python=same``), None if none yet."""
    from asv import results as asv_results

    found = [r for r in asv_results.iter_results_for_machine_and_hash(str(results_dir), machine, commit)
             if r.env_name.startswith("existing-") and r._python == python]   # (asv keeps the Python without a public accessor)
    return max(found, key=lambda r: r.date or 0) if found else None


def record(config_path: Path, machine: str, commit: str, entry: dict) -> str:
    """Write ``entry``'s comparisons (one commit of the comparisons file) as ``track_ratio`` results;
    a one-line account of what was written, or why nothing was."""
    from asv import benchmarks as asv_benchmarks, config as asv_config, runner

    from jaxbench import atomic, store

    conf = asv_config.Config.load(str(config_path))
    results_dir = Path(conf.results_dir)
    res = checkout_results(results_dir, machine, commit)
    if res is None:
        return f"no asv results of {commit[:8]} in this Python under {results_dir / machine}: the ratios stay in {store.FILE} only"
    benchmarks = asv_benchmarks.Benchmarks.load(conf)
    started = min((p.get("started") or 0 for p in entry.get("processes", [])), default=0)
    started_at = datetime.datetime.fromtimestamp(started, datetime.timezone.utc) if started else None
    written = measured = 0
    for name, vals in values(benchmarks, store.summary(entry)).items():
        n = len(vals)
        res.add_result(benchmarks[name], runner.BenchmarkResult(result=vals, samples=[None] * n, number=[None] * n,
                                                                errcode=0, stderr="", profile=None),
                       started_at=started_at)
        written += 1
        measured += sum(not math.isnan(v) for v in vals)
    with atomic.asv_writes():            # a kill while saving leaves the previous file whole
        res.save(str(results_dir))
    return f"{measured} ratios of {written} track_ratio benchmarks written to asv's results under {results_dir / machine}"
