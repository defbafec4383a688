"""Re-measure cases of an asv run in ONE process with ``timeit``: the harness checks itself.

    python -m bench.remeasure [--results-dir .asv/results] [--machine M] [--commit HASH] [--cases 6]
                              [--no-pairs]

asv times every case in processes of its own; ``kernels.measure`` (``timeit``, back-to-back calls)
in one process, interleaved over ``ROUNDS`` passes, is the independent measurement. The cases
chosen are the ones where a measurement artifact would show first: the fastest steady-state cases
of the run (microseconds: process noise, dispatch, calls per sample), one per kernel and
placement, NumPy and JAX alike, both sides of a device/explicit pair where there is one. One-device
cases only: a sharded case (devices > 1) needs a process whose JAX started with that many devices.

Pairs: every device/explicit pair of the run (same JAX case, inputs created on the device vs one
``device_put``; ``cnn_step`` excluded, as in the health check) is also timed in this one process,
its two sides alternating sample by sample, so that the comparison is free of the process-to-process
modes that set a ~2x noise floor on microsecond kernels here (issue 9; docs/asv.md, "Comparisons
in one process"). This is the measurement the null test of ``python -m reports.health`` judges.

The result goes beside the asv results, for ``python -m reports.health`` and the report:

    <results>/<machine>/jaxbench-remeasure.jsonc
    {"version": 1, "commits": {"<commit>": {"measured_at": iso, "method": text,
        "cases": [{"benchmark", "params", "asv_median", "timeit_median", "timeit_q25", "timeit_q75",
                   "number", "repeat"}],
        "pairs_method": text,
        "pairs": [{"kernel", "backend", "transform", "size", "dtype", "variant",
                   "device": {"benchmark", "params", "asv_median", "number", "passes": [[s, ...], ...]},
                   "explicit": {...}}]}}}
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
PAIR_PASSES = 3       # passes over a pair; within a pass the two sides alternate sample by sample
PAIR_SECONDS = 0.4    # about this much sampling per side and pass (3 to 10 samples)
PAIR_SAMPLES = (3, 10)
PAIR_METHOD = (f"one process, pair by pair: both sides prepared, calls per sample by autorange (samples >= "
               f"{MIN_SAMPLE_S * 1e3:g} ms), {PAIR_PASSES} passes of {PAIR_SAMPLES[0]}-{PAIR_SAMPLES[1]} samples "
               f"per side, the sides alternating sample by sample (order swapped each pass)")
METHOD = (f"kernels.prepare + kernels.measure (timeit autorange, samples >= {MIN_SAMPLE_S * 1e3:g} ms), "
          f"{ROUNDS} interleaved passes x {REPEAT} samples, one process; median of all samples")


def choose(rows, n: int) -> list:
    """Up to ``n`` ok steady-state rows (a pandas frame of reports.load), fastest first: one per
    (kernel, backend, placement), and the device/explicit partner of each chosen JAX case."""
    from reports.load import one_device

    ok = rows[(rows["role"] == "time") & (rows["status"] == "ok") & rows["valid"]
              & (rows["kernel"] != "calibration")].sort_values("median", kind="stable")
    ok = ok[~ok["backend"].eq("jax-gpu")] if not _gpu_present() else ok
    ok = one_device(ok)   # sharded cases need a process with their own device count: asv's alone
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


PAIR_KEYS = ("kernel", "backend", "transform", "size", "dtype", "variant")   # reports.health.NULL_KEYS[2:]


def choose_pairs(rows) -> list[tuple]:
    """(device row, explicit row) of every null pair of valid steady-state timings in ``rows``
    (``reports.health.device_explicit_sides``; jax-gpu only where a GPU is present)."""
    from reports.health import device_explicit_sides

    ok = rows[(rows["role"] == "time") & rows["valid"]]
    return device_explicit_sides(ok[~ok["backend"].eq("jax-gpu")] if not _gpu_present() else ok)


def _samples_per_pass(seconds_per_sample: float) -> int:
    lo, hi = PAIR_SAMPLES
    return int(min(hi, max(lo, round(PAIR_SECONDS / max(seconds_per_sample, 1e-9)))))


def remeasure_pair(dev_row, exp_row) -> dict:
    """Time one device/explicit pair in this process, the sides alternating (see PAIR_METHOD)."""
    import kernels

    sides = [kernels.prepare(case_of(r)) for r in (dev_row, exp_row)]
    numbers = [kernels.calls_per_sample(p.run, MIN_SAMPLE_S) for p in sides]
    timers = [timeit.Timer(p.run) for p in sides]
    first = [t.timeit(number=n) for t, n in zip(timers, numbers)]       # warm both, size the passes
    per_pass = _samples_per_pass(max(first))
    passes = [[[], []] for _ in range(PAIR_PASSES)]
    for k in range(PAIR_PASSES):
        order = (0, 1) if k % 2 == 0 else (1, 0)
        for _ in range(per_pass):
            for i in order:
                passes[k][i].append(timers[i].timeit(number=numbers[i]) / numbers[i])
    out = {k: _plain(dev_row[k]) for k in PAIR_KEYS}
    for i, (name, r) in enumerate((("device", dev_row), ("explicit", exp_row))):
        out[name] = {"benchmark": r["benchmark"], "params": json.loads(r["params"]),
                     "asv_median": float(r["median"]), "number": numbers[i],
                     "passes": [pp[i] for pp in passes]}
    return out


def _plain(v):
    """A JSON-ready scalar (numpy ints from pandas become int)."""
    return v.item() if hasattr(v, "item") else v


def remeasure_pairs(pairs, progress=None) -> list[dict]:
    """Every pair, one after the other (each pair's cases freed before the next is prepared)."""
    out = []
    for i, (d, e) in enumerate(pairs):
        out.append(remeasure_pair(d, e))
        if progress:
            progress(i + 1, len(pairs), out[-1])
    return out


def write(machine_dir: Path, commit: str, cases: list[dict], pairs: list[dict] | None = None) -> Path:
    path = Path(machine_dir) / REMEASURE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {"version": 1, "commits": {}}
    entry = {"measured_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
             "method": METHOD, "cases": cases}
    if pairs is not None:
        entry |= {"pairs_method": PAIR_METHOD, "pairs": pairs}
    data.setdefault("commits", {})[commit] = entry
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def run(results_dir: Path, machine: str, commit: str, n: int = 6, pairs: bool = True,
        progress=None) -> Path | None:
    """Re-measure up to ``n`` cases of ``commit`` on ``machine`` (and every device/explicit pair
    unless ``pairs`` is False); the file written (None: no cases)."""
    from reports.load import current, load_results, select

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = current(load_results(results_dir).df)
    df = select(df, [machine], {machine: commit})
    rows = choose(df, n)
    if not rows:
        return None
    cases = remeasure(rows)
    timed_pairs = remeasure_pairs(choose_pairs(df), progress) if pairs else None
    return write(Path(results_dir) / machine, commit, cases, timed_pairs)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.remeasure", description=__doc__.split("\n\n")[0])
    p.add_argument("--results-dir", default=".asv/results")
    p.add_argument("--machine", default=None, help="default: this host's asv machine name")
    p.add_argument("--commit", default=None, help="default: git rev-parse HEAD")
    p.add_argument("--cases", type=int, default=6, help="how many cases (default 6)")
    p.add_argument("--no-pairs", dest="pairs", action="store_false",
                   help="skip the in-process device/explicit pairs")
    args = p.parse_args(argv)
    if args.machine is None:
        from asv.machine import Machine

        args.machine = Machine.get_unique_machine_name()
    commit = args.commit or subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                                           check=True).stdout.strip()
    def progress(i, n, pair):
        d, e = (statistics.median(x for pp in pair[s]["passes"] for x in pp) for s in ("device", "explicit"))
        print(f"  pair {i}/{n}: {pair['kernel']} {pair['backend']} {pair['transform']} @ {pair['size']}"
              f"{' [' + pair['variant'] + ']' if pair['variant'] else ''}: device/explicit {d / e:.2f}", flush=True)

    path = run(Path(args.results_dir), args.machine, commit, args.cases, args.pairs, progress)
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
