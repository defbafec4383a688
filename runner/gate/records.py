"""What the gate's worker processes dropped, read back (``python -m runner.gate``; docs/gate.md).

Each worker process of a side drops its records (one JSON file per comparison class,
:func:`results.records.drop`: groups with ``sides`` (case keys), ``numbers`` and ``passes``, the
seconds per call of every side in every pass) into a folder of its own,
``<results>/<side>/<pair>-d<devices>``. :func:`load_process` turns one such folder into
{case key: per-pass seconds per call} through :func:`results.records.side_samples`: only the
cases whose device count is the process's (a one-device side timed beside a sharded case, in a
process with host devices forced, is left out), never a transfer side.
"""
from __future__ import annotations

import json
from pathlib import Path


def kernel_of(key: str) -> str:
    """The kernel of a case key (``kernel|backend|placement|transform|size|dtype|variant|devices``)."""
    return key.split("|", 1)[0]


def devices_of(key: str) -> int:
    """The device count of a case key (its last field)."""
    return int(key.rsplit("|", 1)[1])


def load_process(folder: Path, devices: int) -> dict:
    """One process's drops: {"cases": {key: per-pass seconds}, "kernel_seconds": {kernel: seconds
    its groups took (prepare, calibration, sampling, freeing)}, "sample_seconds": seconds sampling,
    "pass_seconds": seconds of one pass of every group}."""
    from results import records

    dropped = [dict(json.loads(f.read_text(encoding="utf-8")), devices=devices)
               for f in sorted(Path(folder).glob("*.json"))]
    cases = {k: [x for p in v["processes"] for x in p] for k, v in records.side_samples({"processes": dropped}).items()}
    kernel_s, sample_s, pass_s = {}, 0.0, 0.0
    for rec in dropped:
        for g in rec.get("groups", []):
            sides = g.get("sides") or []
            if not sides:
                continue
            k = kernel_of(sides[0])
            kernel_s[k] = kernel_s.get(k, 0.0) + float(g.get("wall_seconds") or 0.0)
            sample_s += float(g.get("sample_seconds") or 0.0)
            if g.get("passes"):
                pass_s += float(g.get("sample_seconds") or 0.0) / len(g["passes"])
    return {"cases": cases, "kernel_seconds": kernel_s, "sample_seconds": sample_s, "pass_seconds": pass_s}


def case_processes(processes: list[dict]) -> dict[str, list[list[float]]]:
    """{case key: [per-pass seconds of each process that measured it]} over a side's processes."""
    out: dict[str, list] = {}
    for proc in processes:
        for k, v in proc["cases"].items():
            out.setdefault(k, []).append(v)
    return out


def process_cost(processes: list[dict]) -> tuple[float, float]:
    """(seconds of a process beyond its sampling, seconds of one pass of all its groups), means
    over ``processes`` (each with its measured ``wall``): the two costs of Kalibera & Jones."""
    fixed = [p["wall"] - p["sample_seconds"] for p in processes if p.get("wall")]
    per_pass = [p["pass_seconds"] for p in processes if p.get("pass_seconds")]
    mean = lambda xs: sum(xs) / len(xs) if xs else float("nan")   # noqa: E731
    return mean(fixed), mean(per_pass)


__all__ = ["kernel_of", "devices_of", "load_process", "case_processes", "process_cost"]
