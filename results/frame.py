"""asv results folder -> one tidy pandas DataFrame (one row per benchmark x parameter combination).

Reads, never writes: ``<results>/benchmarks.json``, and per machine folder ``machine.json``,
``jaxbench-facts.jsonc`` and every ``<commit>-<env>.json`` results file (:mod:`results.files`; asv's
JSON read by :mod:`results.asv_json`, each file's rows made by :mod:`results.rows`).

Statistics, as asv stores them: ``median`` is asv's ``result`` (the median of the samples for
``time_`` benchmarks, the returned value for ``track_``); ``q25``/``q75`` are the sample
quartiles (IQR); ``ci99_lo``/``ci99_hi`` asv's 99% confidence interval of the median
(infinite when asv had too few samples: stored as NaN here); ``n_samples`` is ``stats_repeat``.

Samples: ``rounds`` holds the raw samples of a case (asv ``samples``, recorded with
``--record-samples``) cut into rounds, one list per process, with the counts of
``jaxbench-rounds.jsonc`` (:mod:`results.rounds`); without that file, or when its counts do not
add up, all samples form one pooled round. ``n_rounds`` is the number of rounds (0: no samples).
``rounds`` holds Python lists: it is left out of ``data.csv``.

Devices: ``devices`` is the case's device count (asv parameter ``devices`` of the kernels that
shard, :attr:`kernels.Kernel.sharding`); 1 where the benchmark has no such parameter. Every product
of the report but the scaling table (:mod:`reports.sections.devices`) uses the ``devices == 1`` rows only
(:func:`one_device`); ``data.csv`` holds those and leaves the column out.

Status: asv writes NaN for a skipped parameter combination (n/a) and null for a failed one;
rows keep them as ``status`` ``skipped``/``failed`` with NaN values, never as zero.

Registry facts (:mod:`kernels`, read once per load, :mod:`results.registry`): ``flops`` and ``bytes``
per call, ``valid``, and the columns of :func:`results.registry.with_registry` (notes, lecture
baseline, why skipped; not in ``data.csv``); the registry itself in ``Results.kernels``, so the
report imports none of its own.

Bad input never stops the load: each problem is a :class:`results.files.ResultsWarning` naming the file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import asv_json, files, rounds as rounds_file
from .registry import REGISTRY_COLUMNS, registry, with_registry
from .rows import CALIBRATION_KERNEL, rows_of_file

# columns data.csv leaves out: paths and Python lists; devices (data.csv holds the one-device rows,
# the sharded ones are in tables/scaling.csv); the registry's facts
NOT_IN_CSV = ("file", "rounds", "devices", "started", *REGISTRY_COLUMNS)

COLUMNS = [
    "machine", "commit", "date", "env", "kernel", "benchmark", "role", "unit",
    "backend", "placement", "transform", "size", "dtype", "variant", "devices",
    "median", "q25", "q75", "ci99_lo", "ci99_hi", "n_samples", "number", "status",
    "valid", "stale", "flops", "bytes", "params", "file", "rounds", "n_rounds", "started", *REGISTRY_COLUMNS,
]


@dataclass
class Results:
    """What :func:`load_results` found: the tidy rows plus the per-machine context."""

    df: pd.DataFrame
    machines: dict = field(default_factory=dict)    # name -> machine.json contents ({} if none)
    facts: dict = field(default_factory=dict)       # name -> jaxbench-facts.jsonc ({} if none)
    benchmarks: dict = field(default_factory=dict)  # benchmarks.json without "version"
    problems: list = field(default_factory=list)    # the warning messages, in order
    thresholds: dict = field(default_factory=dict)  # asv.conf.json regressions_thresholds
    comparisons: dict = field(default_factory=dict)  # name -> jaxbench-comparisons.jsonc ({} if none)
    kernels: dict = field(default_factory=dict)     # kernel name -> kernels.Kernel (the registry, read once)


def _read(path: Path, problems: list, what: str, default=None):
    """A JSON file of the results folder, or ``default`` with a warning in ``problems``."""
    try:
        return asv_json.read_json(path, what)
    except asv_json.Unreadable as exc:
        files.warn(problems, str(exc))
        return default


# the files beside a machine's results: Results attribute -> (file, what it is, the warning where it
# is absent; None: optional)
BESIDE = {"machines": (files.MACHINE_FILE, "machine.json", "no machine.json; results kept under the folder name {m!r}"),
          "facts": (files.FACTS_FILE, "machine facts", "machine {m!r} has no facts file (CPU, BLAS, versions unknown)"),
          "comparisons": (files.COMPARISONS_FILE, "comparisons", None)}


def _read_beside(folder: Path, keys, problems: list, found: dict) -> None:
    """Read the files ``keys`` of :data:`BESIDE` of one machine folder into ``found[key][machine]``."""
    for key in keys:
        name, what, missing = BESIDE[key]
        path = folder / name
        if path.exists():
            found[key][folder.name] = _read(path, problems, what) or {}
        elif missing:
            found[key][folder.name] = {}
            files.warn(problems, f"{path}: " + missing.format(m=folder.name))


def _thresholds(results_dir: Path) -> dict:
    """regressions_thresholds of the asv.conf.json next to the results (asv's default: 5%)."""
    for conf in (results_dir.parent / files.CONF_FILE, Path(files.CONF_FILE)):
        if conf.is_file():
            try:
                return asv_json.read_conf(conf).get("regressions_thresholds", {}) or {}
            except Exception:
                return {}
    return {}


def load_results(results_dir) -> Results:
    """Every machine, every commit under ``results_dir`` as one DataFrame (``COLUMNS``)."""
    results_dir = Path(results_dir)
    problems: list[str] = []
    if not results_dir.is_dir():
        files.warn(problems, f"{results_dir}: results folder does not exist; the report will be empty")
        return Results(_typed(pd.DataFrame([], columns=COLUMNS)), problems=problems)
    try:
        benchmarks = asv_json.read_benchmarks(results_dir)
    except asv_json.Unreadable as exc:
        files.warn(problems, str(exc))
        benchmarks = {}
    specs = registry()
    rows, found = [], {key: {} for key in BESIDE}
    for folder in files.machine_folders(results_dir):
        paths = files.result_files(folder)
        if not paths:
            continue
        _read_beside(folder, ("machines", "facts"), problems, found)
        counts = rounds_file.load(folder).get("commits", {})
        for f in paths:
            rows.extend(rows_of_file(f, folder.name, benchmarks, specs, problems, counts))
        _read_beside(folder, ("comparisons",), problems, found)
    df = latest_env(_typed(pd.DataFrame(rows, columns=COLUMNS)), problems)
    df = with_registry(df, specs) if specs else df
    return Results(df, found["machines"], found["facts"], benchmarks, problems, _thresholds(results_dir),
                   found["comparisons"], specs)


def latest_env(df: pd.DataFrame, problems: list) -> pd.DataFrame:
    """One row per case of a commit: where a commit was measured in several asv environments
    (``make bench``'s ``--python=same`` and ``--commits``' virtualenv), each benchmark's latest run."""
    envs = df.groupby(["machine", "commit"])["env"].nunique() if len(df) else pd.Series(dtype=int)
    for (machine, commit), n in envs[envs > 1].items():
        files.warn(problems, f"{machine}: commit {commit[:8]} was measured in {n} asv environments; the report "
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


__all__ = ["COLUMNS", "NOT_IN_CSV", "Results", "load_results", "current", "one_device", "sharded",
           "latest_commits", "latest_env", "select", "commit_matches"]
