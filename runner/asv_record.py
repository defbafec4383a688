"""The comparisons' pooled ratios written into asv's results as the ``track_ratio`` values of the run.

``python -m runner`` measures the comparisons in its own processes (runner/measuring_process.py), several
per comparison; asv's ``track_ratio`` benchmarks (bench/paired_suite.py) are the same comparisons,
and a plain ``asv run`` measures them in one ``setup_cache`` process per class. So that ``asv
publish``, ``asv compare`` and the history across commits show the run's speed-ups, each
comparison's value goes into the checkout's asv results file (this Python, ``--python=same``,
written by the timed round) through asv's own ``Results.add_result``: the point of
:class:`results.comparisons.Comparisons` (the pooled median over every process and pass), NaN (asv's
"skipped") where no process could measure it here. asv keeps no interval for a ``track_`` value:
the report and ``jaxbench-comparisons.jsonc`` hold the intervals.

Hand-written because asv has no command to record a value measured elsewhere; everything it
writes goes through asv's API (``asv.results``, by :mod:`results.asv_json`), as ``asv run`` does.
"""
from __future__ import annotations

import datetime
import math
from pathlib import Path

SUFFIX = ".track_ratio"


def values(benchmarks: dict, rows) -> dict[str, list[float]]:
    """{track_ratio benchmark name: [value per parameter]} for every comparison benchmark of
    ``benchmarks`` (asv's benchmarks.json) that has a row in ``rows`` (a commit's
    :class:`results.comparisons.Comparisons`): the pooled ratio, NaN where the row has no
    measurement. Benchmarks without any row are left out."""
    by_id = {repr(m.id): m for m in rows}
    out = {}
    for name, bench in benchmarks.items():
        if not name.endswith(SUFFIX) or not bench.get("params"):
            continue
        ids = bench["params"][0]
        if not any(i in by_id for i in ids):
            continue
        out[name] = [float(by_id[i].point) if i in by_id and by_id[i].processes else math.nan for i in ids]
    return out


TIME_PREFIX = "time_"   # the steady-state benchmarks of the suite (bench/common.py: time_<kernel>)
CI_LEVEL = 0.99   # asv's stats_ci_99_a/b: the process-level interval at asv's own level


def _case_keys(name: str, bench: dict) -> list[str] | None:
    """The case key of every parameter combination of a ``time_<kernel>`` benchmark, in asv's
    order (None for a benchmark that is not a kernel's steady-state timing)."""
    import kernels
    from results import asv_json
    from results.rows import split_name

    from bench import common

    kernel, method = split_name(name)
    if method != TIME_PREFIX + kernel or kernel not in kernels.kernels():
        return None
    spec = kernels.kernel(kernel)
    if list(bench.get("param_names") or []) != common.param_names(spec):
        return None
    return [common.case_of(spec, tuple(asv_json.parse_param(v) for v in combo)).key
            for combo in asv_json.combos(bench)]


def steady_values(benchmarks: dict, samples: dict) -> dict[str, list[dict | None]]:
    """{time_ benchmark name: [per parameter: {"processes", "numbers"} of
    :func:`results.records.side_samples`, or None where the engine has no sample]} for every
    kernel's steady-state benchmark with at least one case measured by the engine."""
    out = {}
    for name, bench in benchmarks.items():
        keys = _case_keys(name, bench) if name.split(".")[-1].startswith(TIME_PREFIX) else None
        if keys and any(k in samples for k in keys):
            out[name] = [samples.get(k) for k in keys]
    return out


def _time_values(cells: list) -> tuple[list, list, list]:
    """(result, samples, number) of one time_ benchmark: every pass of every process as its samples
    (asv computes the median and quartiles from them), NaN (skipped) where nothing was measured."""
    import statistics

    result = [math.nan if c is None else 0.0 for c in cells]   # add_result recomputes measured values
    samples = [None if c is None else [x for proc in c["processes"] for x in proc] for c in cells]
    number = [None if c is None else int(statistics.median(c["numbers"])) for c in cells]
    return result, samples, number


def _process_ci(res, name: str, cells: list, key: str) -> None:
    """Replace asv's sample-level 99% interval of each measured cell by the process-level one
    (:func:`results.comparison_stats.interval`: processes, then passes, widened to Student-t over the
    process medians); the processes themselves are the rounds of ``jaxbench-rounds.jsonc``."""
    from results import asv_json, comparison_stats

    stats = asv_json.result_stats(res, name)
    for j, c in enumerate(cells):
        if c is None or j >= len(stats) or not stats[j]:
            continue
        _, lo, hi = comparison_stats.interval(c["processes"], f"{key}[{j}]", level=CI_LEVEL)
        stats[j].update(ci_99_a=lo, ci_99_b=hi)


def record(config_path: Path, machine: str, commit: str, entry: dict) -> str:
    """Write ``entry``'s comparisons (one commit of the comparisons file) as ``track_ratio`` results;
    a one-line account of what was written, or why nothing was."""
    from results import asv_json, files, records, rounds
    from results.comparisons import Comparisons

    results_dir = asv_json.results_dir_of(config_path)
    res = asv_json.checkout_results(results_dir, machine, commit)
    if res is None:
        return (f"no asv results of {commit[:8]} in this Python under {results_dir / machine}: the ratios stay "
                f"in {files.COMPARISONS_FILE} only")
    benchmarks = asv_json.read_benchmarks(results_dir)
    started = min((p.get("started") or 0 for p in entry.get("processes", [])), default=0)
    started_at = datetime.datetime.fromtimestamp(started, datetime.timezone.utc) if started else None
    written = measured = 0
    for name, vals in values(benchmarks, Comparisons(entry)).items():
        asv_json.add_result(res, benchmarks[name], vals, [None] * len(vals), [None] * len(vals), started_at)
        written += 1
        measured += sum(not math.isnan(v) for v in vals)
    timed, counts = steady_values(benchmarks, records.side_samples(entry)), {}
    for name, cells in timed.items():
        asv_json.add_result(res, benchmarks[name], *_time_values(cells), started_at, record_samples=True)
        _process_ci(res, name, cells, name)
        counts[name] = {asv_json.params_key(combo): [len(p) for p in c["processes"]]
                        for combo, c in zip(asv_json.combos(benchmarks[name]), cells) if c is not None}
    asv_json.save(res, results_dir)      # atomic: a kill while saving leaves the previous file whole
    rounds.set_counts(results_dir / machine, commit, counts)   # a process = a round: the report's bootstrap
    times = sum(c is not None for cells in timed.values() for c in cells)
    return (f"{measured} ratios of {written} track_ratio benchmarks and {times} steady-state times of "
            f"{len(timed)} time_ benchmarks written to asv's results under {results_dir / machine}")
