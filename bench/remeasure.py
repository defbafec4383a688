"""Re-measure a few cases of an asv run in ONE process with ``timeit``: the harness checks itself.

    python -m bench.remeasure [--results-dir .asv/results] [--machine M] [--commit HASH] [--cases 6]

asv times every case in processes of its own; ``kernels.measure`` (``timeit``, back-to-back calls)
in one process, interleaved over ``ROUNDS`` passes, is the independent measurement. The cases
chosen are the ones where a measurement artifact would show first: the fastest steady-state cases
of the run (microseconds: process noise, dispatch, calls per sample), one per kernel and
placement, NumPy and JAX alike, both sides of a device/explicit pair where there is one.
The result goes beside the asv results, for ``python -m reports.health`` and the report:

    <results>/<machine>/jaxbench-remeasure.jsonc
    {"version": 1, "commits": {"<commit>": {"measured_at": iso, "method": text,
        "cases": [{"benchmark", "params", "asv_median", "timeit_median", "timeit_q25", "timeit_q75",
                   "number", "repeat"}]}}}
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import statistics
import subprocess
import sys
import timeit
from pathlib import Path

REMEASURE_FILE = "jaxbench-remeasure.jsonc"
ROUNDS = 3            # interleaved passes over the chosen cases
REPEAT = 5            # timeit samples per pass
MIN_SAMPLE_S = 0.02   # as the suite's sample_time
METHOD = (f"kernels.prepare + kernels.measure (timeit autorange, samples >= {MIN_SAMPLE_S * 1e3:g} ms), "
          f"{ROUNDS} interleaved passes x {REPEAT} samples, one process; median of all samples")


def choose(rows, n: int) -> list:
    """Up to ``n`` ok steady-state rows (a pandas frame of reports.load), fastest first: one per
    (kernel, backend, placement), and the device/explicit partner of each chosen JAX case."""
    ok = rows[(rows["role"] == "time") & (rows["status"] == "ok") & rows["valid"]
              & (rows["kernel"] != "calibration")].sort_values("median", kind="stable")
    ok = ok[~ok["backend"].eq("jax-gpu")] if not _gpu_present() else ok
    chosen, seen = [], set()
    for _, r in ok.iterrows():
        key = (r["kernel"], r["backend"], r["placement"])
        if key in seen:
            continue
        seen.add(key)
        chosen.append(r)
        partner = {"device": "explicit", "explicit": "device"}.get(r["placement"])
        if partner:
            twin = ok[(ok["kernel"] == r["kernel"]) & (ok["backend"] == r["backend"]) & (ok["placement"] == partner)
                      & (ok["transform"] == r["transform"]) & (ok["size"] == r["size"])
                      & (ok["dtype"] == r["dtype"]) & (ok["variant"] == r["variant"])]
            if len(twin):
                seen.add((r["kernel"], r["backend"], partner))
                chosen.append(twin.iloc[0])
        if len(chosen) >= n:
            break
    return chosen[:max(n, 0)]


def _gpu_present() -> bool:
    try:
        import jax

        return bool(jax.devices("gpu"))
    except RuntimeError:
        return False


def case_of(row):
    import kernels

    return kernels.Case(row["kernel"], row["backend"], row["placement"], row["transform"], int(row["size"]),
                        row["dtype"], row["variant"])


def remeasure(rows) -> list[dict]:
    """Prepare every row's case in this process, time them interleaved, one record per case."""
    import kernels

    prepared = [kernels.prepare(case_of(r)) for r in rows]
    numbers = [kernels.calls_per_sample(p.run, MIN_SAMPLE_S) for p in prepared]
    samples: list[list[float]] = [[] for _ in prepared]
    for _ in range(ROUNDS):
        for i, (p, number) in enumerate(zip(prepared, numbers)):
            samples[i] += [t / number for t in timeit.Timer(p.run).repeat(repeat=REPEAT, number=number)]
    out = []
    for r, s, number in zip(rows, samples, numbers):
        q = statistics.quantiles(s, n=4, method="inclusive")
        out.append({"benchmark": r["benchmark"], "params": json.loads(r["params"]),
                    "asv_median": float(r["median"]), "timeit_median": statistics.median(s),
                    "timeit_q25": q[0], "timeit_q75": q[2], "number": number, "repeat": len(s)})
    return out


def write(machine_dir: Path, commit: str, cases: list[dict]) -> Path:
    path = Path(machine_dir) / REMEASURE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {"version": 1, "commits": {}}
    data.setdefault("commits", {})[commit] = {
        "measured_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "method": METHOD, "cases": cases}
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def run(results_dir: Path, machine: str, commit: str, n: int = 6) -> Path | None:
    """Re-measure up to ``n`` cases of ``commit`` on ``machine``; the file written (None: no cases)."""
    from reports.load import current, load_results, select

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = current(load_results(results_dir).df)
    rows = choose(select(df, [machine], {machine: commit}), n)
    if not rows:
        return None
    return write(Path(results_dir) / machine, commit, remeasure(rows))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.remeasure", description=__doc__.split("\n\n")[0])
    p.add_argument("--results-dir", default=".asv/results")
    p.add_argument("--machine", default=None, help="default: this host's asv machine name")
    p.add_argument("--commit", default=None, help="default: git rev-parse HEAD")
    p.add_argument("--cases", type=int, default=6, help="how many cases (default 6)")
    args = p.parse_args(argv)
    if args.machine is None:
        from asv.machine import Machine

        args.machine = Machine.get_unique_machine_name()
    commit = args.commit or subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                                           check=True).stdout.strip()
    path = run(Path(args.results_dir), args.machine, commit, args.cases)
    if path is None:
        sys.stderr.write(f"no ok steady-state results of commit {commit[:8]} on {args.machine} "
                         f"in {args.results_dir}\n")
        return 1
    for c in json.loads(path.read_text())["commits"][commit]["cases"]:
        print(f"{c['benchmark'].split('.')[-1]:14s} {json.dumps(c['params'])[:70]:70s} "
              f"asv {c['asv_median'] * 1e6:9.1f} us  timeit {c['timeit_median'] * 1e6:9.1f} us  "
              f"asv/timeit {c['asv_median'] / c['timeit_median']:.2f}")
    print(f"written: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
