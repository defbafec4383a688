"""The tidy rows of one asv results file: one row per benchmark x parameter combination.

The columns are :data:`results.frame.COLUMNS`; what each means is said there. Here: which kernel and
role a benchmark measures (:func:`split_name`, :func:`role_of`), its case axes and variant, asv's
statistics of the combination (:data:`STATS`), its samples cut into rounds (:func:`case_rounds`)
and the registry's facts (:mod:`results.registry`).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from . import asv_json, files, rounds as rounds_file
from .registry import DEVICES_AXIS, cost, devices_of, valid

CASE_AXES = ("backend", "placement", "transform", "size", "dtype")
CALIBRATION_KERNEL = "calibration"
STATS = {"q25": "stats_q_25", "q75": "stats_q_75", "ci99_lo": "stats_ci_99_a", "ci99_hi": "stats_ci_99_b",
         "n_samples": "stats_repeat", "number": "stats_number"}   # column <- asv's result column


def split_name(name: str) -> tuple[str, str]:
    """'bench_matmul.Matmul.time_matmul' -> ('matmul', 'time_matmul')."""
    parts = name.split(".")
    method = parts[-1]
    module = next((p for p in parts if p.startswith("bench_")), None)
    kernel = module[len("bench_"):] if module else method.split("_", 1)[-1]
    return kernel, method


def role_of(kernel: str, method: str) -> str:
    """What a benchmark measures: time | compile | transfer | accuracy | peakmem | mem | calibration."""
    if kernel == CALIBRATION_KERNEL:
        return "calibration"
    if method.startswith("peakmem_"):
        return "peakmem"
    if method.startswith("mem_"):
        return "mem"
    if "compile" in method:
        return "compile"
    if "transfer" in method:
        return "transfer"
    if method == "track_ratio":            # a declared comparison (bench/paired_suite.py): num / den
        return "comparison"
    if method.startswith("track_"):
        return "accuracy"
    return "time"


def case_rounds(samples, counts) -> list[list]:
    """The samples of one case cut into rounds ([] without samples; see :func:`results.rounds.split`)."""
    if not isinstance(samples, list) or not samples:
        return []
    return rounds_file.split([float(x) for x in samples if x is not None], counts)


def _variant(p: dict, spec, role: str) -> str:
    """The row's variant: the kernel's variant axis, else its other non-case parameters as ``k=v``."""
    extra_axis = spec.variant_name if spec is not None and spec.variant_name else None
    others = {k: v for k, v in p.items() if k not in CASE_AXES and k != DEVICES_AXIS}
    if extra_axis in p:
        return str(p[extra_axis])
    if others and role != "calibration":
        return ",".join(f"{k}={v}" for k, v in others.items())
    return ""


def _benchmark_rows(head: dict, name: str, row: dict, bench: dict, spec, counts: dict) -> list[dict]:
    """The rows of one benchmark of a results file, one per parameter combination (``head``: the
    file's columns; ``counts``: {params key: samples per round} of the benchmark)."""
    kernel, method = split_name(name)
    role = role_of(kernel, method)
    stale = row.get("version") is not None and row.get("version") != bench.get("version")
    names = bench.get("param_names") or []
    out = []
    for j, raw in enumerate(asv_json.combos(row)):
        p = dict(zip(names, (asv_json.parse_param(v) for v in raw)))
        value = asv_json.cell(row, "result", j)
        status = asv_json.status_of(value)
        variant = _variant(p, spec, role)
        size = p.get("size")
        dtype = p.get("dtype", "float32" if spec is not None else None)
        flops, nbytes = cost(spec, size, dtype, variant)
        rounds = case_rounds(asv_json.cell(row, "samples", j), counts.get(asv_json.params_key(raw))) \
            if status == "ok" else []
        out.append({
            **head, "kernel": kernel, "benchmark": name, "role": role, "unit": bench.get("unit"),
            "backend": p.get("backend"), "placement": p.get("placement"),
            "transform": p.get("transform"), "size": size, "dtype": dtype, "variant": variant,
            "devices": devices_of(p),
            "median": asv_json.number(value) if status == "ok" else math.nan,
            **{c: asv_json.number(asv_json.cell(row, key, j)) for c, key in STATS.items()},
            "status": status, "valid": valid(spec, p), "stale": bool(stale), "flops": flops, "bytes": nbytes,
            "params": json.dumps(p, default=str),
            "rounds": rounds, "n_rounds": len(rounds), "started": asv_json.number(row.get("started_at")),
        })
    return out


def rows_of_file(path: Path, machine: str, benchmarks: dict, registry: dict, problems: list,
                 round_counts: dict | None = None) -> list:
    """Tidy rows of one asv results file (each problem a warning in ``problems``).

    ``round_counts``: the machine's ``jaxbench-rounds.jsonc`` ``commits`` mapping ({} if none).
    """
    try:
        found = asv_json.read_results(path)
    except asv_json.Unreadable as exc:
        files.warn(problems, str(exc))
        return []
    date = pd.to_datetime(found.date, unit="ms", utc=True) if found.date else pd.NaT
    head = {"machine": machine, "commit": found.commit, "date": date, "env": found.env, "file": str(path)}
    commit_counts = (round_counts or {}).get(found.commit, {})
    out = []
    for name, row in found.rows():
        bench = benchmarks.get(name)
        if bench is None:
            files.warn(problems, f"{path}: results of benchmark {name!r}, which no longer exists "
                                 "(not in benchmarks.json); left out")
            continue
        params, names = row.get("params") or [], bench.get("param_names") or []
        if len(names) != len(params):
            files.warn(problems, f"{path}: {name} has {len(params)} parameter axes, benchmarks.json "
                                 f"{len(names)}; left out")
            continue
        spec = registry.get(split_name(name)[0])
        out.extend(_benchmark_rows(head, name, row, bench, spec, commit_counts.get(name, {})))
    return out
