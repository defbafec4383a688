"""asv's JSON, read in one place: results files, ``benchmarks.json``, ``asv.conf.json``; and the
one writer of values measured outside asv into asv's results (through asv's own API).

An asv 0.6 results file (``asv/results.py``) holds ``commit_hash``, ``env_name``, ``date`` (ms since
the epoch), ``result_columns`` and ``results``: {benchmark: [one value per column]}. A benchmark's
``params`` column holds one list of value reprs per parameter axis; its ``result``, ``samples`` and
``stats_*`` columns one entry per parameter combination (the axes' product, in order): a number for
an ok case, ``null`` for a failed one, NaN for a skipped one (asv writes NaN and Infinity, which
Python's json reads). ``benchmarks.json`` maps every benchmark's name to its entry (``params``,
``param_names``, ``version``, ``unit``...) beside a ``version`` key.
"""
from __future__ import annotations

import ast
import itertools
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

from . import atomic, files


class Unreadable(ValueError):
    """A file that cannot be read as what it should be; the message names it and says why."""


def read_json(path: str | Path, what: str):
    """A JSON file's contents (:class:`Unreadable` saying ``no <what> file`` or why not)."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise Unreadable(f"{path}: no {what} file") from None
    except (OSError, ValueError) as exc:
        raise Unreadable(f"{path}: unreadable {what} ({exc}); skipped") from None


def parse_param(text):
    """asv stores parameter values as their repr: "'jax-cpu'" -> 'jax-cpu', "256" -> 256."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def params_key(values) -> str:
    """The key of one parameter combination: its asv reprs joined, e.g. "'jax-cpu', 'device', 'jit', 1000"."""
    return ", ".join(str(v) for v in values)


def combos(entry: dict) -> list[tuple]:
    """The parameter combinations (value reprs) of a result row or a benchmarks.json entry, in
    asv's order; ``[()]`` for a benchmark without parameters."""
    return list(itertools.product(*(entry.get("params") or []))) or [()]


def cell(row: dict, column: str, j: int):
    """Parameter combination ``j``'s entry of a result row's ``column`` (None where there is none)."""
    value = row.get(column)
    return (value[j] if j < len(value) else None) if isinstance(value, list) else value


def number(x) -> float:
    """An asv value as a float: None and non-finite -> NaN (asv's infinite interval: too few samples)."""
    if x is None:
        return math.nan
    x = float(x)
    return x if math.isfinite(x) else math.nan


def status_of(value) -> str:
    """What asv's result value of one combination says: ``ok``, ``failed`` (null) or ``skipped`` (NaN)."""
    if value is None:
        return "failed"
    return "skipped" if isinstance(value, float) and math.isnan(value) else "ok"


@dataclass(frozen=True)
class ResultsFile:
    """One asv results file: one commit measured in one environment."""

    path: Path
    commit: str
    env: str | None
    date: int | None                 # ms since the epoch (None where asv wrote none)
    columns: list
    results: dict                    # benchmark -> [one value per column]

    def rows(self):
        """(benchmark, {column: value}) of every benchmark in the file, in its order."""
        for name, values in self.results.items():
            yield name, dict(zip(self.columns, values))


def read_results(path: str | Path) -> ResultsFile:
    """One results file (:class:`Unreadable` where it cannot be read or is no asv results file)."""
    data = read_json(path, "results")
    try:
        columns, results, commit = data["result_columns"], data["results"], data["commit_hash"]
    except (KeyError, TypeError) as exc:
        raise Unreadable(f"{path}: not an asv results file (missing {exc}); skipped") from None
    return ResultsFile(Path(path), commit, data.get("env_name"), data.get("date"), columns, results)


def commit_results(machine_dir: str | Path, commit: str):
    """(benchmark, row, combos) of every result of ``commit`` in a machine folder (files that cannot
    be read are passed over): ``row`` maps asv's result columns to values, ``combos`` is :func:`combos`."""
    for path in files.result_files(machine_dir):
        try:
            found = read_results(path)
        except Unreadable:
            continue
        if found.commit == commit:
            for name, row in found.rows():
                yield name, row, combos(row)


def read_benchmarks(results_dir: str | Path) -> dict:
    """benchmarks.json of a results folder: {name: entry}, without asv's ``version`` (:class:`Unreadable`)."""
    data = read_json(Path(results_dir) / files.BENCHMARKS_FILE, files.BENCHMARKS_FILE) or {}
    return {k: v for k, v in data.items() if k != "version" and isinstance(v, dict)}


def read_conf(path: str | Path) -> dict:
    """An ``asv.conf.json`` (which allows // comments), read the way asv reads it."""
    from asv import util

    return util.load_json(str(path), js_comments=True)


# --------------------------------------------------------------------------- writing through asv

def results_dir_of(config_path: str | Path) -> Path:
    """The results folder an asv configuration names (resolved as asv resolves it)."""
    from asv import config

    return Path(config.Config.load(str(config_path)).results_dir)


def checkout_results(results_dir: str | Path, machine: str, commit: str, python: str = sys.executable):
    """asv's Results object of ``commit`` measured in ``python`` (``--python=same``), None if none yet."""
    from asv import results

    found = [r for r in results.iter_results_for_machine_and_hash(str(results_dir), machine, commit)
             if r.env_name.startswith("existing-") and r._python == python]   # (asv keeps the Python without a public accessor)
    return max(found, key=lambda r: r.date or 0) if found else None


def add_result(res, benchmark: dict, result: list, samples: list, number: list, started_at,
               record_samples: bool = False) -> None:
    """One benchmark's values (one per combination) into ``res``, as ``asv run`` adds them: asv
    recomputes the median and statistics of every combination that has samples and a number."""
    from asv import runner

    res.add_result(benchmark, runner.BenchmarkResult(result=result, samples=samples, number=number, errcode=0,
                                                     stderr="", profile=None),
                   started_at=started_at, record_samples=record_samples)


def result_stats(res, name: str) -> list:
    """asv's statistics of each combination of benchmark ``name`` in ``res`` (a dict, or None where
    there are none): the stored ones, so that an update is saved (asv has no public setter)."""
    return res._stats.get(name) or []


def save(res, results_dir: str | Path) -> None:
    """Save ``res`` into the results folder, atomically (a kill while saving leaves the previous file whole)."""
    with atomic.asv_writes():
        res.save(str(results_dir))
