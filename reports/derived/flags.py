"""Instability flags per timing row, as pyperf warns about unstable benchmarks (codes; thresholds below).

A flag names a case that stands out from how this machine measures, not what every case does:
the spread between processes is the usual noise here (DESIGN.md), so it is judged per process.

- ``IQR``: noisy within a process: the median over its rounds (processes) of each round's
  (q75 - q25) / median > ``IQR_WIDE`` (0.25); with one round, the row's own quartiles.
- ``RND``: the rounds (processes) disagree: the standard deviation of the log per-round medians >
  ``ROUNDS_SD`` (0.25, i.e. processes typically ~28% apart). A standard deviation, not max / min:
  max / min grows with the number of processes, so it would flag every case measured in many.
- ``FEW``: a round has fewer samples than asked: fewer than the benchmark's ``min_repeat``
  (first element of ``repeat`` in benchmarks.json, or the run's own in the facts: a comparison
  process's is one balanced pair of passes, 2) or than ``MIN_SAMPLES`` (2). asv does not record
  ``-a repeat=...`` overrides, so the comparison is with benchmarks.json and the facts.
- ``1P``: one process: one round known (measured in one process, or rounds not recorded, when
  there is no ``jaxbench-rounds.jsonc``); its intervals are a plain bootstrap and too narrow.
- ``N1``: one call per sample (``stats_number`` = 1) while the median is below the benchmark's
  ``sample_time``: asv's calibration gave up (DESIGN.md), the timing is of isolated calls.

Pure functions over the timing rows; :mod:`reports.sections.health.checks` judges the measurement with them.
"""
from __future__ import annotations

import ast
import math

import numpy as np
import pandas as pd

from results import median_intervals

from ..formats import tables

IQR_WIDE = 0.25
ROUNDS_SD = 0.25
ROUNDS_APART = 1.25               # the health check (c): max / min of the per-round medians
MIN_SAMPLES = 2                   # one balanced pair of passes: the fewest a comparison process takes
DEFAULT_SAMPLE_TIME = 0.01        # asv's default sample_time

FLAGS = {
    "IQR": f"noisy within a process: IQR / median > {IQR_WIDE:g} (median over processes)",
    "RND": f"processes disagree: sd of log per-process medians > {ROUNDS_SD:g}",
    "FEW": f"fewer samples in a round than asked (benchmark's min_repeat, at least {MIN_SAMPLES})",
    "1P": "one process: one round known (plain bootstrap, interval too narrow)",
    "N1": "one call per sample with a median below the benchmark's sample_time",
}
FLAG_LEGEND = "Flags: " + "; ".join(f"{k} = {v}" for k, v in FLAGS.items()) + "."


def min_repeat(entry: dict) -> int:
    """The fewest samples per process the benchmark asks for (benchmarks.json ``repeat``)."""
    rep = (entry or {}).get("repeat", 0)
    if isinstance(rep, (list, tuple)) and rep:
        return int(rep[0])
    if isinstance(rep, (int, float)) and rep > 0:
        return int(rep)
    return 1


def sample_time(entry: dict) -> float:
    """The benchmark's ``sample_time`` (asv's default 10 ms when absent)."""
    value = (entry or {}).get("sample_time")
    return float(value) if isinstance(value, (int, float)) else DEFAULT_SAMPLE_TIME


def iqr_ratio(r) -> float:
    """(q75 - q25) / median of one row: the median over its rounds of each round's own, or the
    row's quartiles where fewer than two rounds are known (NaN where unknown)."""
    rounds = median_intervals.clean_rounds(r.get("rounds"))
    if len(rounds) >= 2:
        return float(np.median([(np.percentile(x, 75) - np.percentile(x, 25)) / np.median(x) for x in rounds]))
    if not r["median"] or r["median"] != r["median"]:
        return math.nan
    return (r["q75"] - r["q25"]) / r["median"]


def rounds_sd(r) -> float:
    """The standard deviation of the log per-round medians of one row (NaN with fewer than two rounds)."""
    meds = median_intervals.round_medians(r.get("rounds"))
    return float(np.std(np.log(meds), ddof=1)) if len(meds) >= 2 and min(meds) > 0 else math.nan


def round_sizes(r) -> list[int]:
    """Samples per round of one row; the total (stats_repeat) when no samples were kept."""
    rounds = r.get("rounds") or []
    if rounds:
        return [len(x) for x in rounds]
    return [int(r["n_samples"])] if r["n_samples"] == r["n_samples"] else []


def flag_codes(r, entry: dict) -> list[str]:
    """The instability flags (``FLAGS`` codes) of one ok timing row."""
    if r["status"] != "ok":
        return []
    codes = []
    if iqr_ratio(r) > IQR_WIDE:
        codes.append("IQR")
    if rounds_sd(r) > ROUNDS_SD:
        codes.append("RND")
    need = max(min_repeat(entry), MIN_SAMPLES)
    if any(n < need for n in round_sizes(r)):
        codes.append("FEW")
    if r.get("n_rounds", 0) == 1:
        codes.append("1P")
    if r["number"] == 1 and r["median"] < sample_time(entry):
        codes.append("N1")
    return codes


def flag_reasons(r, entry: dict, codes: list[str]) -> str:
    """The flags of one row in words, with its numbers."""
    why = {
        "IQR": f"IQR / median = {iqr_ratio(r):.2f}",
        "RND": f"per-process medians {', '.join(tables.fmt_time(m) for m in median_intervals.round_medians(r.get('rounds')))}"
               f" (sd of logs {rounds_sd(r):.2f})",
        "FEW": f"samples per round {round_sizes(r)}, asked >= {max(min_repeat(entry), MIN_SAMPLES)}",
        "1P": "one round known" if r.get("n_rounds", 0) == 1 else "",
        "N1": f"1 call/sample, median {tables.fmt_time(r['median'])} < sample_time "
              f"{tables.fmt_time(sample_time(entry))}",
    }
    return "; ".join(why[c] for c in codes)


def asked(benchmarks: dict, facts: dict | None, machine: str, name: str) -> dict:
    """The benchmarks.json entry of ``name`` with the ``repeat`` the run really asked for: python -m
    bench records its ``-a repeat=...`` override in the facts (asv keeps the class attribute)."""
    entry = dict(benchmarks.get(name, {}))
    override = ((facts or {}).get(machine) or {}).get("measurement", {}).get("repeat")
    if override:
        try:
            entry["repeat"] = ast.literal_eval(str(override))
        except (ValueError, SyntaxError):
            pass
    return entry


def with_flags(t: pd.DataFrame, benchmarks: dict, facts: dict | None = None) -> pd.DataFrame:
    """Timing rows with ``flags`` (comma-joined codes, '' when none), ``flag_reasons``,
    ``iqr_ratio`` and ``round_spread``; ``facts``: machine -> facts file (the run's repeat)."""
    out = t.copy()
    entries = [asked(benchmarks, facts, r["machine"], r["benchmark"]) for _, r in out.iterrows()]
    codes = [flag_codes(r, e) for (_, r), e in zip(out.iterrows(), entries)]
    out["flags"] = [",".join(c) for c in codes]
    out["flag_reasons"] = [flag_reasons(r, e, c) for (_, r), e, c in zip(out.iterrows(), entries, codes)]
    out["iqr_ratio"] = [iqr_ratio(r) for _, r in out.iterrows()]
    out["round_spread"] = [median_intervals.round_spread(x) for x in out.get("rounds", pd.Series([None] * len(out)))]
    return out



__all__ = ["FLAGS", "FLAG_LEGEND", "IQR_WIDE", "ROUNDS_APART", "MIN_SAMPLES", "min_repeat", "sample_time",
           "iqr_ratio", "round_sizes", "flag_codes", "flag_reasons", "asked", "with_flags"]
