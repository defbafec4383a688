"""asv results folder -> one tidy pandas DataFrame (one row per benchmark x parameter combination).

Reads, never writes: ``<results>/benchmarks.json``, and per machine folder ``machine.json``,
``jaxbench-facts.jsonc`` and every ``<commit>-<env>.json`` results file (asv 0.6 format,
``result_columns`` + a row per benchmark, see ``asv/results.py``).

Statistics, as asv stores them: ``median`` is asv's ``result`` (the median of the samples for
``time_`` benchmarks, the returned value for ``track_``); ``q25``/``q75`` are the sample
quartiles (IQR); ``ci99_lo``/``ci99_hi`` asv's 99% confidence interval of the median
(infinite when asv had too few samples: stored as NaN here); ``n_samples`` is ``stats_repeat``.

Samples: ``rounds`` holds the raw samples of a case (asv ``samples``, recorded with
``--record-samples``) cut into rounds, one list per process, with the counts of
``jaxbench-rounds.jsonc`` (:mod:`jaxbench.rounds`); without that file, or when its counts do not
add up, all samples form one pooled round. ``n_rounds`` is the number of rounds (0: no samples).
``rounds`` holds Python lists: it is left out of ``data.csv``.

Devices: ``devices`` is the case's device count (asv parameter ``devices`` of the kernels that
shard, :attr:`kernels.Kernel.sharding`); 1 where the benchmark has no such parameter. Every product
of the report but the scaling table (:mod:`reports.scaling`) uses the ``devices == 1`` rows only
(:func:`one_device`); ``data.csv`` holds those and leaves the column out.

Status: asv writes NaN for a skipped parameter combination (n/a) and null for a failed one;
rows keep them as ``status`` ``skipped``/``failed`` with NaN values, never as zero.

Registry facts (:mod:`kernels`, read once, here): ``flops`` and ``bytes`` per call, ``valid``, and the
columns of :func:`with_registry` (notes, lecture baseline, why skipped; not in ``data.csv``); the
registry itself in ``Results.kernels``, so the report imports none of its own.

Bad input never stops the load: each problem is a :class:`ResultsWarning` naming the file.
"""
from __future__ import annotations

import ast
import itertools
import json
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import rounds as rounds_file

FACTS_FILE = "jaxbench-facts.jsonc"
REMEASURE_FILE = "jaxbench-remeasure.jsonc"
COMPARISONS_FILE = "jaxbench-comparisons.jsonc"   # jaxbench.store.FILE: the paired comparisons
NOT_RESULTS = {"machine.json", "benchmarks.json", FACTS_FILE}
# the registry's facts of each row (with_registry)
REGISTRY_COLUMNS = ["numpy_note", "jax_note", "kernel_baseline", "unavailable", "in_default_run"]
# columns data.csv leaves out: paths and Python lists; devices (data.csv holds the one-device rows,
# the sharded ones are in tables/scaling.csv); the registry's facts
NOT_IN_CSV = ("file", "rounds", "devices", "started", *REGISTRY_COLUMNS)
CASE_AXES = ("backend", "placement", "transform", "size", "dtype")
DEVICES_AXIS = "devices"   # the case's device count (asv param of the kernels that shard)
CALIBRATION_KERNEL = "calibration"
STATS = {"q25": "stats_q_25", "q75": "stats_q_75", "ci99_lo": "stats_ci_99_a", "ci99_hi": "stats_ci_99_b",
         "n_samples": "stats_repeat", "number": "stats_number"}   # column <- asv's result column

COLUMNS = [
    "machine", "commit", "date", "env", "kernel", "benchmark", "role", "unit",
    "backend", "placement", "transform", "size", "dtype", "variant", "devices",
    "median", "q25", "q75", "ci99_lo", "ci99_hi", "n_samples", "number", "status",
    "valid", "stale", "flops", "bytes", "params", "file", "rounds", "n_rounds", "started", *REGISTRY_COLUMNS,
]


class ResultsWarning(UserWarning):
    """A problem with the results folder; the report goes on without the offending part."""


@dataclass
class Results:
    """What :func:`load_results` found: the tidy rows plus the per-machine context."""

    df: pd.DataFrame
    machines: dict = field(default_factory=dict)    # name -> machine.json contents ({} if none)
    facts: dict = field(default_factory=dict)       # name -> jaxbench-facts.jsonc ({} if none)
    benchmarks: dict = field(default_factory=dict)  # benchmarks.json without "version"
    problems: list = field(default_factory=list)    # the warning messages, in order
    thresholds: dict = field(default_factory=dict)  # asv.conf.json regressions_thresholds
    remeasure: dict = field(default_factory=dict)   # name -> jaxbench-remeasure.jsonc ({} if none)
    comparisons: dict = field(default_factory=dict)  # name -> jaxbench-comparisons.jsonc ({} if none)
    kernels: dict = field(default_factory=dict)     # kernel name -> kernels.Kernel (the registry, read once)


def _warn(problems: list, message: str) -> None:
    problems.append(message)
    warnings.warn(message, ResultsWarning, stacklevel=3)


def _read_json(path: Path, problems: list, what: str):
    """JSON (asv writes NaN/Infinity, which Python's json accepts) or None with a warning."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        _warn(problems, f"{path}: no {what} file")
    except (OSError, ValueError) as exc:
        _warn(problems, f"{path}: unreadable {what} ({exc}); skipped")
    return None


def parse_param(text):
    """asv stores parameter values as their repr: "'jax-cpu'" -> 'jax-cpu', "256" -> 256."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


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


def _nan(x) -> float:
    """None / non-finite -> NaN (asv's infinite CI means 'too few samples')."""
    if x is None:
        return math.nan
    x = float(x)
    return x if math.isfinite(x) else math.nan


def _column(row: dict, key: str, j: int):
    """Parameter combination ``j``'s entry of an asv result column (None where there is none)."""
    value = row.get(key)
    return (value[j] if j < len(value) else None) if isinstance(value, list) else value


def _attempt(f, default=math.nan):
    """``f()``, or ``default`` where the registry cannot tell (it raises)."""
    try:
        return f()
    except Exception:
        return default


def _cost(spec, size, dtype, variant):
    """FLOPs and bytes per call from the registry (NaN where unknown)."""
    if spec is None or size is None:
        return math.nan, math.nan
    nbytes = _attempt(lambda: spec.bytes_moved(int(size), np.dtype(dtype or "float32").itemsize, variant), None)
    return _nan(_attempt(lambda: spec.flops(int(size), variant), None)), _nan(nbytes)


def devices_of(p: dict) -> int:
    """The device count of one parameter combination: its ``devices`` value, 1 without one."""
    value = p.get(DEVICES_AXIS, 1)
    try:
        return int(value) if not isinstance(value, bool) else 1
    except (TypeError, ValueError):
        return 1


def _valid(spec, p: dict) -> bool:
    """Whether the registry declares this combination (False: an asv grid point that is never a case:
    an axis value the kernel does not offer, a size outside the transform's bounds, a device count
    the kernel does not shard that case over).

    Unknown kernels and non-case benchmarks count as valid, so nothing is hidden by mistake.
    """
    if spec is None or "backend" not in p:
        return True
    backend, devices = p["backend"], devices_of(p)
    if devices != 1 and devices not in spec.device_counts_for(backend, p.get("transform")):
        return False   # Kernel.device_counts_for: 1, or the sharded counts of a JAX backend and transform
    checks = [("placement", spec.placements_for(backend)), ("transform", spec.transforms_for(backend)),
              ("dtype", spec.dtypes)]
    if spec.variant_name:
        checks.append((spec.variant_name, spec.variants))
    if not all(p[axis] in allowed for axis, allowed in checks if axis in p):
        return False
    if "transform" in p and isinstance(p.get("size"), int):   # e.g. jit of a Python loop: bounded sizes
        lo, hi = _attempt(lambda: spec.bounds_for(p["transform"]), (-math.inf, math.inf))
        return lo <= p["size"] <= hi
    return True


def registry() -> dict:
    """kernel name -> :class:`kernels.Kernel`: the registry, read once per load ({} with a warning
    where it cannot be imported: the report still works, minus FLOPs, bytes and notes)."""
    try:
        import kernels
        return kernels.kernels()
    except Exception as exc:
        warnings.warn(f"kernels registry not importable ({exc}); no FLOPs/bytes", ResultsWarning)
        return {}


def _why_skipped(spec, r: dict, kernels) -> tuple[str, bool | None]:
    """(the reason the kernel's availability check gives here, '' when it passes or has none;
    kernels.in_default_run of the row's case, None when it is not a registry case)."""
    reason, size = "", None if pd.isna(r["size"]) else int(r["size"])
    try:
        if spec.availability is not None:
            spec.availability(size if size is not None else spec.default_size, r["variant"] or spec.variants[0])
    except kernels.Unavailable as exc:
        reason = f"unavailable on the machine that built this report: {exc.reason}"
    except Exception:
        pass
    if r["role"] not in kernels.ROLES or r["backend"] is None or size is None:
        return reason, None
    try:
        case = kernels.Case(r["kernel"], r["backend"], r["placement"], r["transform"], size,
                            r["dtype"] or spec.dtypes[0], r["variant"] or "")
        return reason, kernels.in_default_run(case, r["role"])
    except (ValueError, TypeError):        # not a case of the registry's grid
        return reason, None


def with_registry(df: pd.DataFrame, registry: dict) -> pd.DataFrame:
    """``df`` with the registry's facts of each row (:data:`REGISTRY_COLUMNS`): the kernel's notes on
    the row's variant for NumPy and for JAX (``numpy_note``, ``jax_note``), its lecture baseline
    (``kernel_baseline``; ``numpy`` for a kernel the registry does not know) and, for a skipped row,
    why (``unavailable``: the kernel's availability check on this machine; ``in_default_run``)."""
    import kernels   # importable: the registry came from it

    values, notes, skips = {c: [] for c in REGISTRY_COLUMNS}, {}, {}
    for r in df[["kernel", "role", "backend", "placement", "transform", "size", "dtype", "variant",
                 "status"]].to_dict("records"):
        spec, skip = registry.get(r["kernel"]), ("", None)
        if spec is None:
            facts = ("", "", "numpy")
        else:
            key = (r["kernel"], r["variant"])
            if key not in notes:
                notes[key] = tuple(_attempt(lambda b=b: spec.notes(b, r["variant"]) or "", "")
                                   for b in ("numpy-cpu", "jax-cpu")) + (spec.lecture_baseline or "numpy",)
            facts = notes[key]
            case = tuple(str(v) for v in r.values())
            if r["status"] == "skipped" and case not in skips:
                skips[case] = _why_skipped(spec, r, kernels)
            skip = skips.get(case, skip)
        for c, v in zip(REGISTRY_COLUMNS, facts + skip):
            values[c].append(v)
    for c, v in values.items():
        df[c] = pd.Series(v, index=df.index, dtype=object)
    return df


def case_rounds(samples, counts) -> list[list]:
    """The samples of one case cut into rounds ([] without samples; see :func:`jaxbench.rounds.split`)."""
    if not isinstance(samples, list) or not samples:
        return []
    return rounds_file.split([float(x) for x in samples if x is not None], counts)


def rows_of_file(path: Path, machine: str, benchmarks: dict, registry: dict, problems: list,
                 round_counts: dict | None = None) -> list:
    """Tidy rows of one asv results file (see module docstring).

    ``round_counts``: the machine's ``jaxbench-rounds.jsonc`` ``commits`` mapping ({} if none).
    """
    data = _read_json(path, problems, "results")
    if data is None:
        return []
    try:
        columns = data["result_columns"]
        results = data["results"]
        commit = data["commit_hash"]
    except (KeyError, TypeError) as exc:
        _warn(problems, f"{path}: not an asv results file (missing {exc}); skipped")
        return []
    date = pd.to_datetime(data.get("date"), unit="ms", utc=True) if data.get("date") else pd.NaT
    commit_counts = (round_counts or {}).get(commit, {})
    out = []
    for name, values in results.items():
        bench = benchmarks.get(name)
        if bench is None:
            _warn(problems, f"{path}: results of benchmark {name!r}, which no longer exists "
                            "(not in benchmarks.json); left out")
            continue
        row = dict(zip(columns, values))
        params = row.get("params") or []
        names = bench.get("param_names") or []
        if len(names) != len(params):
            _warn(problems, f"{path}: {name} has {len(params)} parameter axes, benchmarks.json "
                            f"{len(names)}; left out")
            continue
        stale = row.get("version") is not None and row.get("version") != bench.get("version")
        kernel, method = split_name(name)
        role = role_of(kernel, method)
        spec = registry.get(kernel)
        extra_axis = spec.variant_name if spec is not None and spec.variant_name else None
        combos = list(itertools.product(*[[parse_param(v) for v in axis] for axis in params])) or [()]
        raw_combos = list(itertools.product(*params)) or [()]
        result = row.get("result")
        for j, combo in enumerate(combos):
            p = dict(zip(names, combo))
            value = result[j] if isinstance(result, list) and j < len(result) else None
            if value is None:
                status = "failed"
            elif isinstance(value, float) and math.isnan(value):
                status = "skipped"
            else:
                status = "ok"
            others = {k: v for k, v in p.items() if k not in CASE_AXES and k != DEVICES_AXIS}
            if extra_axis in p:
                variant = str(p[extra_axis])
            elif others and role != "calibration":
                variant = ",".join(f"{k}={v}" for k, v in others.items())
            else:
                variant = ""
            size = p.get("size")
            dtype = p.get("dtype", "float32" if spec is not None else None)
            flops, nbytes = _cost(spec, size, dtype, variant)
            counts = commit_counts.get(name, {}).get(rounds_file.params_key(raw_combos[j]))
            rounds = case_rounds(_column(row, "samples", j), counts) if status == "ok" else []
            out.append({
                "machine": machine, "commit": commit, "date": date, "env": data.get("env_name"),
                "kernel": kernel, "benchmark": name, "role": role, "unit": bench.get("unit"),
                "backend": p.get("backend"), "placement": p.get("placement"),
                "transform": p.get("transform"), "size": size, "dtype": dtype, "variant": variant,
                "devices": devices_of(p),
                "median": _nan(value) if status == "ok" else math.nan,
                **{c: _nan(_column(row, key, j)) for c, key in STATS.items()},
                "status": status, "valid": _valid(spec, p), "stale": bool(stale), "flops": flops, "bytes": nbytes,
                "params": json.dumps(p, default=str), "file": str(path),
                "rounds": rounds, "n_rounds": len(rounds), "started": _nan(row.get("started_at")),
            })
    return out


def _thresholds(results_dir: Path) -> dict:
    """regressions_thresholds of the asv.conf.json next to the results (asv's default: 5%)."""
    for conf in (results_dir.parent / "asv.conf.json", Path("asv.conf.json")):
        if conf.is_file():
            try:  # asv.conf.json allows // comments: read it the way asv does
                from asv import util
                return util.load_json(str(conf), js_comments=True).get("regressions_thresholds", {}) or {}
            except Exception:
                return {}
    return {}


def load_results(results_dir) -> Results:
    """Every machine, every commit under ``results_dir`` as one DataFrame (``COLUMNS``)."""
    results_dir = Path(results_dir)
    problems: list[str] = []
    if not results_dir.is_dir():
        _warn(problems, f"{results_dir}: results folder does not exist; the report will be empty")
        return Results(_typed(pd.DataFrame([], columns=COLUMNS)), problems=problems)
    bj = _read_json(results_dir / "benchmarks.json", problems, "benchmarks.json") or {}
    benchmarks = {k: v for k, v in bj.items() if k != "version" and isinstance(v, dict)}
    specs = registry()
    rows, machines, facts, remeasure, comparisons = [], {}, {}, {}, {}
    for folder in sorted(p for p in results_dir.iterdir() if p.is_dir()):
        files = sorted(f for f in folder.glob("*.json") if f.name not in NOT_RESULTS)
        if not files:
            continue
        machine = folder.name
        mj = folder / "machine.json"
        machines[machine] = (_read_json(mj, problems, "machine.json") or {}) if mj.exists() else {}
        if not mj.exists():
            _warn(problems, f"{mj}: no machine.json; results kept under the folder name {machine!r}")
        ff = folder / FACTS_FILE
        facts[machine] = (_read_json(ff, problems, "machine facts") or {}) if ff.exists() else {}
        if not ff.exists():
            _warn(problems, f"{ff}: machine {machine!r} has no facts file (CPU, BLAS, versions unknown)")
        counts = rounds_file.load(folder).get("commits", {})
        for f in files:
            rows.extend(rows_of_file(f, machine, benchmarks, specs, problems, counts))
        for name, found, what in ((REMEASURE_FILE, remeasure, "re-measurement"), (COMPARISONS_FILE, comparisons,
                                                                                   "comparisons")):
            if (folder / name).exists():
                found[machine] = _read_json(folder / name, problems, what) or {}
    df = latest_env(_typed(pd.DataFrame(rows, columns=COLUMNS)), problems)
    df = with_registry(df, specs) if specs else df
    return Results(df, machines, facts, benchmarks, problems, _thresholds(results_dir), remeasure, comparisons,
                   specs)


def latest_env(df: pd.DataFrame, problems: list) -> pd.DataFrame:
    """One row per case of a commit: where a commit was measured in several asv environments
    (``make bench``'s ``--python=same`` and ``--commits``' virtualenv), each benchmark's latest run."""
    envs = df.groupby(["machine", "commit"])["env"].nunique() if len(df) else pd.Series(dtype=int)
    for (machine, commit), n in envs[envs > 1].items():
        _warn(problems, f"{machine}: commit {commit[:8]} was measured in {n} asv environments; the report "
                        "reads each benchmark's latest run")
    if not (envs > 1).any():
        return df
    latest = df.sort_values("started", kind="stable", na_position="first")
    return latest.drop_duplicates(["machine", "commit", "benchmark", "params"], keep="last").sort_index()


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    df["size"] = pd.to_numeric(df["size"], errors="coerce").astype("Int64")
    df["n_rounds"] = pd.to_numeric(df["n_rounds"], errors="coerce").fillna(0).astype(int)
    df["devices"] = pd.to_numeric(df["devices"], errors="coerce").fillna(1).astype(int)
    for col in ("median", "q25", "q75", "ci99_lo", "ci99_hi", "n_samples", "number", "flops", "bytes"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    df[["valid", "stale"]] = df[["valid", "stale"]].astype(bool)
    df["date"] = pd.to_datetime(df["date"], utc=True)
    return df


def current(df: pd.DataFrame) -> pd.DataFrame:
    """Rows measured with the benchmark's current code (asv drops stale versions too)."""
    return df[~df["stale"]]


def one_device(df: pd.DataFrame) -> pd.DataFrame:
    """The rows of one-device cases (``devices == 1``): what every product but the scaling table uses."""
    return df[df["devices"] == 1] if "devices" in df.columns else df


def sharded(df: pd.DataFrame) -> bool:
    """Whether ``df`` holds any row of a case on more than one device."""
    return "devices" in df.columns and bool((df["devices"] > 1).any())


def latest_commits(df: pd.DataFrame) -> dict:
    """machine -> its most recent commit (by commit date, then by file order)."""
    return {m: g.sort_values("date", kind="stable")["commit"].iloc[-1] for m, g in df.groupby("machine", sort=True)}


def select(df: pd.DataFrame, machines=None, commits=None, kernels=None) -> pd.DataFrame:
    """Rows of the given machines, the given commit per machine (dict) and kernels."""
    out = df
    if machines:
        out = out[out["machine"].isin(machines)]
    if commits:
        out = out[[commits.get(m) == c for m, c in zip(out["machine"], out["commit"])]]
    if kernels:
        out = out[out["kernel"].isin(list(kernels) + [CALIBRATION_KERNEL])]
    return out


def commit_matches(df: pd.DataFrame, machine: str, prefix: str) -> list[str]:
    """Full commit hashes of ``machine`` starting with ``prefix``."""
    commits = df.loc[df["machine"] == machine, "commit"].dropna().unique()
    return sorted(c for c in commits if c.startswith(prefix))


__all__ = ["COLUMNS", "ResultsWarning", "Results", "load_results", "current", "one_device", "sharded",
           "latest_commits", "latest_env", "select", "commit_matches", "parse_param", "split_name", "role_of", "devices_of",
           "case_rounds", "FACTS_FILE", "REMEASURE_FILE", "NOT_IN_CSV", "REGISTRY_COLUMNS", "registry", "with_registry"]
