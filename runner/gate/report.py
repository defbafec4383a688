"""What the gate prints and writes (``gate.json``): the flagged cases, the totals, and the design
figures behind them (variance within and between processes; Kalibera & Jones's passes per process).
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from . import records as gate_records, rule as gate_rule
from .processes import SERVER_PAIRS

METHOD = ("worker processes of each commit alternate A B B A ...; per case, one median per process "
          "(over its passes); ratio: Hodges-Lehmann estimate of HEAD / BASE over the process medians with "
          "its Moses 95% interval; test: one-sided exact Mann-Whitney over the process medians; regression "
          "when ratio >= factor and p <= alpha")


def _fmt(x: float, digits: int = 3) -> str:
    """A number for the table, '-' for a missing one."""
    return "-" if x is None or x != x else f"{x:.{digits}f}"


def spread(base: list, head: list, factor: float, alpha: float) -> dict:
    """A case's noise: its variance components (:func:`gate_rule.components`: ``within``, between
    passes of a process, and ``between`` processes beyond what the passes explain, log scale),
    ``median_sd`` (log process medians about each side's mean) and ``processes_to_detect``
    (:func:`gate_rule.processes_to_detect`)."""
    comp = gate_rule.components(base, head)
    sd = gate_rule.log_median_sd(gate_rule.process_medians(base), gate_rule.process_medians(head))
    return {"components": dataclasses.asdict(comp) if comp else None, "median_sd": sd,
            "processes_to_detect": gate_rule.processes_to_detect(sd, factor, alpha)}


def row_components(row: dict):
    """The :class:`jaxbench.allocation.Components` of a case's row (None without)."""
    from jaxbench import allocation

    return allocation.Components(**row["components"]) if row.get("components") else None


def plan_text(plan: dict) -> str:
    """``d1 selu,grad; d2 selu``: the kernels of each device count's process."""
    return "; ".join(f"d{d} {','.join(ks)}" for d, ks in plan.items())


def progress_text(rows: dict, factor: float) -> str:
    """After a pair: regressions and ambiguous cases so far, processes per side."""
    live = [r for r in rows.values() if r["verdict"] != "missing"]
    n = [min(r["processes"]) for r in live] or [0]
    return (f"{sum(r['verdict'] == 'regression' for r in live)} regressions, "
            f"{sum(gate_rule.ambiguous(r, factor) for r in live)} ambiguous of {len(live)} cases, "
            f"{min(n)}-{max(n)} processes a side")


def design(rows: dict, history: list[dict]) -> dict:
    """Medians over the compared cases of the noise figures (sd within and between processes, log
    scale), the costs of a process and of a pass, and the passes per process Kalibera & Jones
    would choose at those costs (:func:`jaxbench.allocation.optimal_passes`, from 1 up)."""
    from jaxbench import allocation

    comps = [c for c in (row_components(r) for r in rows.values() if r["verdict"] != "missing") if c]
    process_s, pass_s = gate_records.process_cost(history)
    med = lambda xs: float(np.median(xs)) if xs else math.nan   # noqa: E731
    costs_known = process_s == process_s and pass_s == pass_s and pass_s > 0
    return {"within_sd": med([math.sqrt(c.within) for c in comps]),
            "between_sd": med([math.sqrt(c.between) for c in comps]),
            "passes": med([c.passes for c in comps]), "process_seconds": process_s, "pass_seconds": pass_s,
            "kj_passes": med([allocation.optimal_passes(c, process_s, pass_s, lo=1) for c in comps]) if costs_known else math.nan,
            "processes_to_detect": med([r["processes_to_detect"] for r in rows.values() if r.get("processes_to_detect", -1) >= 0])}


def summary(args, rows: dict, history: list[dict], stop: str, wall: float) -> dict:
    """The content of gate.json: settings, every case's row, every process, totals, design figures."""
    live = {k: r for k, r in rows.items() if r["verdict"] != "missing"}
    count = lambda v: sum(r["verdict"] == v for r in live.values())   # noqa: E731
    per_case = [min(r["processes"]) for r in live.values()] or [0]
    return _finite({
        "base": args.base_hash, "head": args.head_hash, "base_rev": args.base, "head_rev": args.head,
        "kernels": args.kernel_list, "factor": args.factor, "alpha": args.alpha, "flag_p": gate_rule.FLAG_P,
        "look_again_p": gate_rule.LOOK_AGAIN_P, "plant": args.plant, "budget_s": args.budget,
        "initial_pairs": args.processes, "max_processes": args.max_processes, "fixed": args.fixed,
        "method": METHOD, "launch": launch_text(history), "wall_seconds": wall, "stopped": stop, "pairs": 1 + max((p["pair"] for p in history), default=-1),
        "compared": len(live), "regressions": count("regression"), "improvements": count("improvement"),
        "unconfirmed": count("unconfirmed"), "undecided": count("undecided"), "only_one_side": len(rows) - len(live),
        "processes_per_case": [min(per_case), max(per_case)], "design": design(rows, history),
        "cases": rows,
        "processes": [{k: p[k] for k in ("side", "pair", "devices", "kernels", "passes_asked", "wall",
                                                  "sample_seconds", "pass_seconds")}
                      for p in history]})


def launch_text(history: list[dict]) -> str:
    """How the processes were started (both sides the same way: runner/gate/processes.py)."""
    if history and all(p.get("forked") for p in history):
        return f"forks of a worker server per side (new servers every {SERVER_PAIRS} pairs)"
    return "fresh processes"


def _finite(x):
    """``x`` with NaN and infinities as None (strict JSON)."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    return x


def print_table(rows: dict, everything: bool, factor: float) -> None:
    """The regressions, unconfirmed cases, improvements and undecided cases (every case with ``everything``)."""
    shown = [(k, r) for k, r in rows.items()
             if everything or r["verdict"] in ("regression", "unconfirmed", "improvement", "undecided")]
    if not shown:
        return
    print(f"\n{'verdict':11s} {'ratio':>6s} {'95% interval':>15s} {'p':>7s} {'processes':>9s} {'to see':>6s}  case")
    for key, r in shown:
        p = r["p_faster"] if r["ratio"] < 1 else r["p_slower"]
        print(f"{r['verdict']:11s} {_fmt(r['ratio']):>6s} [{_fmt(r['lo'])}, {_fmt(r['hi'])}] {_fmt(p, 4):>7s} "
              f"{r['processes'][0]:>4d}/{r['processes'][1]:<4d} {r['processes_to_detect']:>6d}  {key}")
    print(f"(processes: BASE/HEAD; to see: processes per side that would see a change of {factor:g} with "
          f"{gate_rule.POWER:.0%} power, from the spread of this case's process medians)")


def totals(s: dict) -> list[str]:
    """The closing lines: verdict counts, processes, time; the design figures."""
    d = s["design"]
    lines = [f"\n{s['compared']} cases compared, {s['regressions']} regressions, {s['improvements']} improvements, "
             f"{s['unconfirmed']} unconfirmed (ratio >= {s['factor']:g} at p <= {s['flag_p']:g} only), "
             f"{s.get('undecided', 0)} undecided (interval reaching {s['factor']:g} or 1/{s['factor']:g}); "
             f"{s['processes_per_case'][0]}-{s['processes_per_case'][1]} processes per side and case, "
             f"{s['pairs']} pairs, stopped: {s['stopped']}; {s['wall_seconds'] / 60:.1f} min"]
    if s["only_one_side"]:
        lines.append(f"({s['only_one_side']} cases measured on one side only, not compared)")
    lines.append(f"noise (medians over cases, log scale): between passes sd {_fmt(d['within_sd'], 2)}, between processes "
                 f"sd {_fmt(d['between_sd'], 2)} beyond the passes; a process costs {_fmt(d['process_seconds'], 1)} s "
                 f"beyond its sampling, a pass {_fmt(d['pass_seconds'], 2)} s: Kalibera & Jones would run "
                 f"{_fmt(d['kj_passes'], 1)} passes per process (the worker ran {_fmt(d['passes'], 1)})")
    return lines
