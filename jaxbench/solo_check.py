"""Does timing two sides in one process slow either of them? Both alternated in one process vs each alone.

The comparison engine times the two sides of a ratio back to back in one process (jaxbench.passes).
Two multi-threaded libraries (NumPy's BLAS and XLA's CPU runtime) could slow each other there:
thread pools that spin after a call, caches the other evicted. This check runs, over several fresh
processes, three kinds in rotation: ``paired`` (both sides, alternating pass by pass, as the engine
does), ``a`` alone and ``b`` alone, and reports:

- the paired ratio a/b (per-pass ratios, two-level bootstrap over processes: results.comparison_stats);
- the solo ratio: the a-alone process medians over the b-alone ones (Welch's t on the logs);
- per side, paired over alone (Welch's t on the logs): 1.0 when pairing slows neither side.

    python -m jaxbench.solo_check "matmul|numpy-cpu|host|eager|3000|float32|x@x.T|1" \\
        "matmul|jax-cpu|device|eager|3000|float32|x@x.T|1" --processes 6

Fresh interpreters (not forks) on purpose: the most independent processes there are. Prints a table;
``--json FILE`` keeps every sample.
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np

MODES = ("paired", "a", "b")
PASSES = 10


def measure_process(mode: str, keys: tuple[str, str], passes: int, settle_s: float) -> dict:
    """In this process: prepare the sides ``mode`` needs and time them for ``passes`` passes, as the
    engine does (jaxbench.measure: a pause of ``settle_s`` where the library changes)."""
    import kernels

    from . import measure
    from . import passes as passes_mod

    wanted = {"paired": (0, 1), "a": (0,), "b": (1,)}[mode]
    runs = [kernels.prepare(kernels.Case.from_key(keys[i])).run for i in wanted]
    s = passes_mod.sample(runs, [], min_passes=passes, max_passes=passes, settle_s=settle_s,
                          libraries=[measure.library(keys[i]) for i in wanted])
    by_side = {"ab"[i]: [row[j] for row in s.passes] for j, i in enumerate(wanted)}
    return {"mode": mode, "numbers": s.numbers, **by_side}


def run_processes(keys: tuple[str, str], processes: int, passes: int, settle_s: float) -> list[dict]:
    """``processes`` rounds, each one fresh process of every mode, the order rotated round by round."""
    out = []
    for r in range(processes):
        for mode in MODES[r % 3:] + MODES[:r % 3]:
            cmd = [sys.executable, "-m", "jaxbench.solo_check", "--worker", mode, *keys, "--passes", str(passes),
                   "--settle", str(settle_s)]
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"{mode} process failed (rc {done.returncode}):\n{done.stderr[-2000:]}")
            out.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"  round {r + 1}/{processes} {mode:6s} done", file=sys.stderr, flush=True)
    return out


def log_medians(records: list[dict], mode: str, side: str) -> np.ndarray:
    """The log of each ``mode`` process's median seconds per call of ``side``."""
    return np.log([np.median(r[side]) for r in records if r["mode"] == mode])


def welch_ratio(x_logs: np.ndarray, y_logs: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """exp of (mean x - mean y) of two sets of log process medians, with Welch's t interval."""
    from scipy import stats

    if len(x_logs) < 2 or len(y_logs) < 2:
        return (math.exp(x_logs.mean() - y_logs.mean()) if len(x_logs) and len(y_logs) else math.nan), math.nan, math.nan
    res = stats.ttest_ind(x_logs, y_logs, equal_var=False)
    ci = res.confidence_interval(level)
    return math.exp(x_logs.mean() - y_logs.mean()), math.exp(ci.low), math.exp(ci.high)


def summary(records: list[dict]) -> dict[str, tuple[float, float, float]]:
    """{what: (point, lo, hi)}: the paired and solo ratios a/b, and each side paired over alone."""
    from results import comparison_stats

    paired = [[x / y for x, y in zip(r["a"], r["b"])] for r in records if r["mode"] == "paired"]
    return {
        "a/b paired (one process, alternating)": comparison_stats.ratio_interval(paired),
        "a/b solo (each side alone)": welch_ratio(log_medians(records, "a", "a"), log_medians(records, "b", "b")),
        "a paired / a alone": welch_ratio(log_medians(records, "paired", "a"), log_medians(records, "a", "a")),
        "b paired / b alone": welch_ratio(log_medians(records, "paired", "b"), log_medians(records, "b", "b")),
    }


def table(keys: tuple[str, str], records: list[dict]) -> str:
    lines = [f"a = {keys[0]}", f"b = {keys[1]}",
             f"{sum(r['mode'] == 'paired' for r in records)} processes per mode, "
             f"{len(records[0]['a' if 'a' in records[0] else 'b'])} passes each", "",
             "| what | ratio | 95% interval |", "| --- | --- | --- |"]
    for what, (pt, lo, hi) in summary(records).items():
        lines.append(f"| {what} | {pt:.3g} | [{lo:.3g}, {hi:.3g}] |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m jaxbench.solo_check", description=__doc__.splitlines()[0])
    ap.add_argument("keys", nargs=2, metavar="CASE", help="case key kernel|backend|placement|transform|size|dtype|variant|devices")
    ap.add_argument("--processes", type=int, default=6, help="processes per mode (default 6)")
    ap.add_argument("--passes", type=int, default=PASSES, help=f"passes per process (default {PASSES})")
    ap.add_argument("--settle", type=float, default=None,
                    help="seconds of pause where the library changes between two samples (default: the "
                         "engine's, jaxbench.passes.SETTLE_S; 0: none, as before it had one)")
    ap.add_argument("--json", type=Path, help="write every process's samples here")
    ap.add_argument("--worker", choices=MODES, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    import kernels

    try:   # a bad key or an invalid case is refused before any process starts
        for k in args.keys:
            kernels.validate(kernels.Case.from_key(k))
    except ValueError as exc:
        ap.error(str(exc))
    if args.processes < 2 or args.passes < 2:
        ap.error("--processes and --passes must be at least 2")
    from .passes import SETTLE_S

    settle = SETTLE_S if args.settle is None else args.settle
    if settle < 0:
        ap.error(f"--settle {settle}: at least 0")
    keys = tuple(args.keys)
    if args.worker:
        print(json.dumps(measure_process(args.worker, keys, args.passes, settle)))
        return 0
    records = run_processes(keys, args.processes, args.passes, settle)
    if args.json:
        args.json.write_text(json.dumps({"keys": keys, "settle_s": settle, "processes": records}, indent=1))
    print(table(keys, records))
    return 0


if __name__ == "__main__":
    sys.exit(main())
