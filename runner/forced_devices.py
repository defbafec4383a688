"""Does forcing N host devices change the one-device numbers? Measured, not assumed.

    python -m runner.forced_devices [--devices 2] [--processes 6] [--out FILE.json]

``XLA_FLAGS=--xla_force_host_platform_device_count=N`` (``kernels.force_host_devices``) makes XLA's CPU client expose N devices,
which the sharded (``devices > 1``) cases need. It is read once, when JAX starts its CPU backend,
so it holds for a whole process. Whether it may be set for every benchmark process, or only for
the processes of sharded cases, depends on whether it moves the ``devices = 1`` cases. This tool
answers that on the machine at hand: it starts ``2 x --processes`` fresh interpreters, alternating
plain and forced (so drift of the box hits both alike), each prepares the same ``devices = 1``
cases (``probe_cases``: the baselines of the default run's sharded cases, and their NumPy twins)
and times them with ``kernels.measure``; the verdict per case is the ratio forced / plain of
the medians, with the two-level bootstrap interval of ``results.median_intervals`` over processes and samples.

Nothing here is timed across the two conditions in one process: that is impossible by
construction (the flag is per process), which is why the interval resamples processes.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

REPEAT = 7
MIN_SAMPLE_S = 0.02


def forced_env(devices: int, base: dict | None = None) -> dict:
    """``base`` (default: this environment) with ``XLA_FLAGS`` forcing ``devices`` host devices;
    any earlier value of the same flag is replaced, other XLA flags are kept."""
    from kernels._devices import with_forced_host_devices

    env = dict(os.environ if base is None else base)
    env["XLA_FLAGS"] = with_forced_host_devices(env.get("XLA_FLAGS", ""), devices)
    if not env["XLA_FLAGS"]:
        del env["XLA_FLAGS"]
    return env


def probe_cases() -> list:
    """From the registry: the one-device twins of the default run's sharded cases (the baselines
    of the scaling table), then the NumPy twin of each as a control forcing cannot touch."""
    from dataclasses import replace

    import kernels

    jax_cases = list(dict.fromkeys(replace(c, devices=1) for c in kernels.cases(backend="jax-cpu")
                                   if c.devices > 1 and kernels.in_default_run(c)))
    controls = [replace(c, backend="numpy-cpu", placement="host", transform=kernels.kernel(c.kernel).numpy_eager)
                for c in jax_cases]
    return jax_cases + list(dict.fromkeys(controls))


def _worker() -> None:
    """One process: prepare every probe case, time each, print {label: [seconds per call, ...]}."""
    import timeit

    import jax

    import kernels

    out = {"devices": len(jax.devices()), "samples": {}}
    for case in probe_cases():
        prepared = kernels.prepare(case)
        number = kernels.calls_per_sample(prepared.run, MIN_SAMPLE_S)
        samples = timeit.Timer(prepared.run).repeat(repeat=REPEAT, number=number)
        out["samples"][case.label] = [t / number for t in samples]
    print(json.dumps(out))


def measure(devices: int, processes: int, log=print) -> dict:
    """{"plain": [per-process dicts], "forced": [...]} from alternating fresh processes."""
    runs = {"plain": [], "forced": []}
    for i in range(2 * processes):
        which = ("plain", "forced")[(i + i // 2) % 2]      # plain, forced, forced, plain, ...: no order bias
        env = forced_env(devices if which == "forced" else 1)
        env.setdefault("JAX_PLATFORMS", "cpu")
        proc = subprocess.run([sys.executable, "-m", "runner.forced_devices", "--worker"], env=env,
                              capture_output=True, text=True, check=False)
        if proc.returncode:
            raise RuntimeError(f"worker ({which}) failed with exit {proc.returncode}:\n{proc.stderr[-2000:]}")
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        want = devices if which == "forced" else 1
        if got["devices"] != want:
            raise RuntimeError(f"a {which} worker saw {got['devices']} devices, expected {want}")
        runs[which].append(got["samples"])
        log(f"  process {i + 1}/{2 * processes}: {which} ({got['devices']} devices)")
    return runs


def verdicts(runs: dict) -> list[dict]:
    """Per case: plain and forced medians, forced / plain with its 95% interval, and the verdict."""
    import numpy as np

    from results import median_intervals

    rows = []
    for label in runs["plain"][0]:
        plain = [p[label] for p in runs["plain"]]
        forced = [p[label] for p in runs["forced"]]
        m_plain = float(np.median(np.concatenate(plain)))
        m_forced = float(np.median(np.concatenate(forced)))
        ratio = m_forced / m_plain
        lo, hi = median_intervals.ratio_interval(median_intervals.bootstrap_medians(forced, "forced " + label),
                                      median_intervals.bootstrap_medians(plain, "plain " + label), ratio)
        verdict = ("no change detected" if median_intervals.contains_one(lo, hi)
                   else "slower when forced" if lo > 1 else "faster when forced")
        rows.append({"case": label, "plain": m_plain, "forced": m_forced, "ratio": ratio,
                     "lo": lo, "hi": hi, "verdict": verdict})
    return rows


def table(rows: list[dict], devices: int, processes: int) -> str:
    from kernels import format_seconds

    lines = [f"Forcing {devices} host devices vs 1, devices = 1 cases, {processes} + {processes} alternating "
             f"processes, {REPEAT} samples each (python -m runner.forced_devices)", "",
             "| case | 1 device | forced | forced / 1 [95% CI] | verdict |", "| --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['case']} | {format_seconds(r['plain'])} | {format_seconds(r['forced'])} | "
                     f"{r['ratio']:.3g}x [{r['lo']:.3g}, {r['hi']:.3g}] | {r['verdict']} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m runner.forced_devices", description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=2, help="host devices to force (default 2)")
    parser.add_argument("--processes", type=int, default=6, help="processes per condition (default 6)")
    parser.add_argument("--out", help="also write the samples and verdicts to this JSON file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker()
        return 0
    if args.devices < 2 or args.processes < 2:
        parser.error("--devices and --processes must be at least 2")
    runs = measure(args.devices, args.processes, log=lambda s: print(s, file=sys.stderr))
    rows = verdicts(runs)
    print(table(rows, args.devices, args.processes))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"devices": args.devices, "processes": args.processes, "repeat": REPEAT,
                       "runs": runs, "verdicts": rows}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
