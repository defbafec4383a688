"""The comparisons file: what every measuring process recorded, per commit, beside the asv results.

    <results>/<machine>/jaxbench-comparisons.jsonc
    {"version": 1, "commits": {"<commit>": {
        "method": text,
        "comparisons": {id: {"num": key, "den": key, "transfer": bool, "kinds": [...]}},
        "processes": [{"class": asv class, "devices": n, "pid": int, "started": unix time,
                       "subset": bool (an extra process: some comparisons only),
                       "groups": [{"sides": [key, ...], "numbers": [...], "passes": [[s, ...], ...],
                                   "missing": {key: reason}, "stopped": why, ...}]}]}}}

A measuring process (the asv suite's ``setup_cache``) drops its record as one JSON file into the
folder named by the setting ``settings.COMPARISONS_OUT`` (when set; every setting a measuring process
is given is read here through kernels/settings.py); :func:`collect` moves the drops of a run
into the file, merging with what the commit already has: a run renews the records of the classes
it measured and keeps every other record.
:class:`results.comparisons.Comparisons` turns a commit's processes into one row per comparison:
the point, the 95% interval that resamples processes then passes (:mod:`results.comparison_stats`),
the processes and passes.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from kernels import settings

from . import atomic, comparison_stats
from .files import COMPARISONS_FILE

TRANSFER = "transfer:"      # side key prefix of the host->device transfer of a case's inputs
METHOD = ("paired: both sides prepared in one process and timed interleaved, one sample of each per pass "
          "(order swapped every pass), passes until the in-process interval is within the target or the "
          "group's budget is spent; several processes; the interval resamples processes, then passes")


def drop(record: dict, cls: str, devices: int, comparisons: dict,
         folder: str | os.PathLike | None = None) -> Path | None:
    """Write one process's record into the drop folder (``folder``, else ``settings.COMPARISONS_OUT``);
    None when none is set. ``comparisons``: {id: entry} of the comparisons it measured
    (:func:`jaxbench.declare.entries`)."""
    folder = folder or settings.path(settings.COMPARISONS_OUT)
    if not folder:
        return None
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    payload = dict(record, **{"class": cls, "devices": devices, "subset": only_ids() is not None,
                              "comparisons": dict(comparisons)})
    path = folder / f"{cls}-{os.getpid()}-{time.time_ns()}.json"
    return atomic.write_json(path, payload)     # readers never see half a file


def load(machine_dir: str | os.PathLike) -> dict:
    """The comparisons file of one machine folder ({"version": 1, "commits": {}} when absent)."""
    path = Path(machine_dir) / COMPARISONS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"version": 1, "commits": {}}
    if not isinstance(data, dict) or not isinstance(data.get("commits"), dict):
        raise ValueError(f"{path}: not a comparisons file (no 'commits' object)")
    return data


def run_id() -> str:
    """A new run's id, stored in each process record it collects (:func:`collect`)."""
    return f"{os.getpid()}-{time.time_ns()}"


def collect(drop_dir: str | os.PathLike, machine_dir: str | os.PathLike, commit: str, run: str | None = None) -> int:
    """Move every drop of ``drop_dir`` into the machine's comparisons file under ``commit``; the
    number of processes added.

    Merge, never replace: every record of the file is kept, except that a run (``run``: its id,
    stored in each record it adds) renews what it measures: the first time a class of the run's
    drops arrives, the commit's records of that class from other runs go. A run of one kernel
    keeps every other kernel's records; ``run=None`` (``--append``) keeps everything."""
    drops = sorted(Path(drop_dir).glob("*.json")) if Path(drop_dir).is_dir() else []
    records = [json.loads(f.read_text(encoding="utf-8")) for f in drops]
    data = load(machine_dir)
    entry = data["commits"].get(commit) or {"method": METHOD, "comparisons": {}, "processes": []}
    if run is not None:
        renewed = {r.get("class") for r in records}
        entry["processes"] = [p for p in entry["processes"] if p.get("class") not in renewed or p.get("run") == run]
    for rec in records:
        entry["comparisons"].update(rec.pop("comparisons", {}))
        entry["processes"].append(dict(rec, run=run) if run is not None else rec)
    data["commits"][commit] = entry
    atomic.write_json(Path(machine_dir) / COMPARISONS_FILE, data)
    for f in drops:
        f.unlink()
    return len(drops)


def only_ids() -> set[str] | None:
    """The comparison ids a process is asked to measure (the file ``settings.COMPARISONS_ONLY``
    names, one a line), None for all of them."""
    path = settings.path(settings.COMPARISONS_ONLY)
    if path is None:
        return None
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}


def env_sampling() -> dict:
    """The sampling options a process is given (``settings.PASSES``: exactly that many passes per group)."""
    n = settings.passes()
    return {} if n is None else {"min_passes": n, "max_passes": n}


def env_numbers() -> dict[str, int]:
    """{side key: calls per sample} a process is given (the JSON file ``settings.CALLS_PER_SAMPLE``
    names), empty when none."""
    path = settings.path(settings.CALLS_PER_SAMPLE)
    return {k: int(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items()} if path else {}


def calls_per_sample(entry: dict, min_sample_s: float | None = None) -> dict[str, int]:
    """{side key: calls per sample} of the earliest process that recorded the side (its probe ran once).

    With ``min_sample_s``: a side that process timed one call per sample whose samples there read a
    median below the probe's threshold gets the calls for a sample of ``min_sample_s``
    (``kernels.timing.calls_for``): its cold start outlasted the probe. Seen in make bench runs of
    the 2-core VM: svt_hard's truncated SVD at 256 on implicit inputs, one call a sample of 10-28 ms
    (2026-12-07, de479ea), which health's (b) bar counts as a failure."""
    from kernels.timing import calls_for

    out: dict[str, int] = {}
    for proc in sorted((entry or {}).get("processes", []), key=lambda p: p.get("started", 0.0)):
        for g in proc.get("groups", []):
            columns = list(zip(*(g.get("passes") or []))) or [()] * len(g.get("sides") or [])
            for k, n, samples in zip(g.get("sides") or [], g.get("numbers") or [], columns):
                if k in out:
                    continue
                seen = sorted(x for x in samples if x is not None and x > 0)
                if int(n) == 1 and min_sample_s and seen:
                    n = calls_for(seen[(len(seen) - 1) // 2], min_sample_s)
                out[k] = int(n)
    return out


def side_costs(entry: dict) -> dict[str, tuple[float, float]]:
    """{side key: (seconds a process spends on it besides its passes, seconds per pass)}: each
    recorded group's overhead (wall time less sampling: prepare, calls per sample, freeing) and
    sampling time per pass, shared equally among its sides, averaged over processes."""
    per: dict[str, list] = {}
    for proc in (entry or {}).get("processes", []):
        for g in proc.get("groups", []):
            sides, passes = g.get("sides") or [], len(g.get("passes") or [])
            if sides and passes and g.get("wall_seconds"):
                sample = g.get("sample_seconds") or 0.0
                for k in sides:
                    per.setdefault(k, []).append(((g["wall_seconds"] - sample) / len(sides), sample / passes / len(sides)))
    return {k: (sum(a for a, _ in v) / len(v), sum(b for _, b in v) / len(v)) for k, v in per.items()}


def side_indices(num: str, den: str, transfer: bool, sides: list[str]):
    """(num, den[, transfer]) indices of a comparison's side keys among ``sides`` (None where one is missing)."""
    want = [num, den] + ([TRANSFER + den] if transfer else [])
    return tuple(sides.index(k) for k in want) if all(k in sides for k in want) else None


def per_process(entry: dict, cid: str) -> list[list[float]]:
    """The per-pass ratios of comparison ``cid`` in each process that measured it."""
    e = (entry.get("comparisons") or {}).get(cid)
    if e is None:
        return []
    out = []
    for proc in entry.get("processes", []):
        for g in proc.get("groups", []):
            idx = side_indices(e["num"], e["den"], bool(e.get("transfer")), g.get("sides", []))
            if idx is not None:
                r = comparison_stats.pass_ratios(g.get("passes", []), *idx)
                if r:
                    out.append(r)
                break
    return out


def missing_reason(entry: dict, cid: str) -> str:
    """Why a comparison has no measurement (the first side's reason), '' if none recorded."""
    e = entry["comparisons"][cid]
    for proc in entry.get("processes", []):
        for g in proc.get("groups", []):
            for k in (e["num"], e["den"]):
                if k in g.get("missing", {}):
                    return g["missing"][k]
    return ""


def _devices(key: str) -> int:
    """The device count of a case key (its last field; 1 where the key has none)."""
    try:
        return int(key.rsplit("|", 1)[1])
    except (IndexError, ValueError):
        return 1


def side_samples(entry: dict) -> dict[str, dict]:
    """{case key: {"processes": [[seconds per call, one per pass], ...], "numbers": [calls per
    sample, one per process]}}: every steady-state case the comparisons timed, from the processes
    that measured every comparison of their classes and whose device count is the case's own. Left
    out: a one-device side measured beside a sharded case, in a process with host devices forced
    (forcing devices slows one-device cases), and the extra processes that measured a subset of
    the comparisons (``subset``), so that every absolute time of a run comes from the same
    processes: two medians side by side (device vs explicit) are then a comparison too."""
    out: dict[str, dict] = {}
    for proc in (entry or {}).get("processes", []):
        if proc.get("subset"):
            continue
        for g in proc.get("groups", []):
            for i, k in enumerate(g.get("sides", [])):
                if k.startswith(TRANSFER) or _devices(k) != int(proc.get("devices", 1)):
                    continue
                got = [p[i] for p in g.get("passes", []) if i < len(p) and p[i] is not None and p[i] > 0]
                if got:
                    mine = out.setdefault(k, {"processes": [], "numbers": []})
                    mine["processes"].append(got)
                    numbers = g.get("numbers") or []
                    mine["numbers"].append(int(numbers[i]) if i < len(numbers) else 1)
    return out


def side_medians(entry: dict) -> dict[str, tuple[float, int]]:
    """{case key: (median seconds per call over every pass of :func:`side_samples`, samples)}: what
    ``python -m runner`` records as the case's asv time_ result (runner/asv_record.py)."""
    import numpy as np

    out = {}
    for k, v in side_samples(entry).items():
        every = [x for proc in v["processes"] for x in proc]
        out[k] = (float(np.median(every)), len(every))
    return out


__all__ = ["METHOD", "only_ids", "drop", "load", "collect", "per_process",
           "side_samples", "side_medians", "TRANSFER"]
