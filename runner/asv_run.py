"""``python -m runner``'s asv invocations: which benchmarks of a kernel to run (``-b`` regexes of the
valid cases: :func:`runner.asv_selection.selection`), asv's command lines (``asv run``, its JSON
writes atomic) and the asv rounds.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .asv_selection import selection

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "asv.conf.json"


def _asv(*args) -> list[str]:
    """asv's command line, its JSON writes atomic (results/asv_atomic.py)."""
    return [sys.executable, "-m", "results.asv_atomic", *args]


def _repeat(full: bool) -> str:
    """asv ``repeat`` of the run's time_ processes, as the suite declares it per mode."""
    from bench.common import REPEAT

    return str(REPEAT["full" if full else "default"]).replace(" ", "")


def _conf() -> dict:
    from results.asv_json import read_conf

    return read_conf(CONF)


def _config(results_dir: Path | None, folder: Path) -> Path:
    """asv.conf.json itself, or a copy in ``folder`` whose results/html folders are ``results_dir``."""
    if results_dir is None:
        return CONF
    conf = _conf()
    conf.update(repo=str(ROOT), benchmark_dir=str(ROOT / conf["benchmark_dir"]),
                env_dir=str(ROOT / conf["env_dir"]), results_dir=str(results_dir),
                html_dir=str(results_dir.parent / "html"))
    tmp = folder / "asv.conf.json"
    tmp.write_text(json.dumps(conf, indent=2))
    return tmp


# free disk a run needs beyond rewriting every file of its results folder once (atomic writes
# keep the old file until the new one is whole): new results, the log, the report's inputs
ROOM_MARGIN = 4 << 20


def room_needed(results_dir: Path) -> int:
    """Bytes a run needs free on the results folder's disk: its files once more, plus the margin."""
    size = sum(f.stat().st_size for f in results_dir.rglob("*") if f.is_file()) if results_dir.is_dir() else 0
    return size + ROOM_MARGIN


def asv_runner(args, config: Path, commit: str, machine: str, env: dict, log, in_env: bool = False,
               room_for: Path | None = None):
    """``run_asv(regexes, append=False, on_line=None) -> exit code``: one ``asv run`` of the selected
    benchmarks (``on_line``: each line of asv's output, for progress):
    of the checkout in this Python (``--python=same``), or, ``in_env``, of ``commit`` built and
    installed into asv's virtualenv (``asv run <commit>^!``).

    One round per invocation: python -m runner runs the rounds itself, as passes over every kernel,
    so the processes of one case are minutes apart and the samples of each round can be told apart
    afterwards (asv concatenates them; rounds.record counts them). asv prints every grid point,
    n/a ones included (~1,500 lines): that goes to the log. ``room_for``: the results folder whose
    disk is checked after a failed invocation (:func:`results.atomic.check_room`)."""
    from . import children

    def run_asv(regexes: list[str], append: bool = False, on_line=None) -> int:
        where = [f"{commit}^!"] if in_env else ["--python=same", "--set-commit-hash", commit]
        cmd = _asv("run", "--config", str(config), *where, "--machine", machine, "--launch-method", args.launch_method, "--record-samples",
                   "-a", "rounds=1")
        if append:
            cmd += ["--append-samples"]
        cmd += ["-a", "repeat=" + _repeat(args.full)]
        for rx in regexes:
            cmd += ["-b", rx]
        log.write(f"\n$ {' '.join(cmd)}\n")
        log.flush()
        rc = children.run_logged(cmd, log, on_line, cwd=ROOT, env=env)
        if rc != 0 and room_for is not None:   # asv failed: if the disk filled up, stop with one line
            from results import atomic

            atomic.check_room(room_for, ROOM_MARGIN)
        return rc

    return run_asv


INVOCATIONS = 3   # asv invocations per round of asv-timed rounds: each costs ~12 s of asv start-up, discovery and results I/O here
CALIBRATION = r"^bench_calibration\."


def kernel_chunks(kernels: list[str], cases: dict, n: int = INVOCATIONS) -> list[list[str]]:
    """``kernels`` in order, cut into at most ``n`` contiguous chunks of about equal case counts.

    One asv invocation per chunk: asv saves a pass's results when the invocation ends, so an
    interrupt loses the chunk in progress only, while 11 invocations (one per kernel) cost ~2 min
    more per round than one (a round of 211 cases: ~300 s in 11 invocations, 166-175 s in one)."""
    total, chunks, done = sum(cases[k] for k in kernels), [[]], 0
    for k in kernels:
        if chunks[-1] and done >= total * len(chunks) / n:
            chunks.append([])
        chunks[-1].append(k)
        done += cases[k]
    return [c for c in chunks if c]


def timed_rounds(args, gpu: bool, run_asv, machine_dir: Path, commit: str, run_log,
                 deadline: float | None = None, calibration: bool = False) -> None:
    """The asv rounds: round 1 every benchmark of each kernel, later rounds the steady-state timings;
    one asv invocation and one console line per chunk of kernels (:func:`kernel_chunks`) and round;
    each goes into ``run_log`` (:class:`runner.run_log.RunLog`). With the comparisons on there is one
    round of what only a fresh process measures (~60 cases), in one invocation; ``calibration`` adds
    the machine's calibration to it (make bench on the 2-core VM, same hour: the round in three
    invocations and the calibration in a fourth 97 + 23 s, all in one 106 s)."""
    from results import rounds as rounds_file

    from . import outcome

    engine = args.comparisons   # steady-state times come from the comparison processes (asv_record)
    for r in range(1, (1 if engine else args.rounds) + 1):
        print(f"\n== round {r}/{args.rounds}" + (" (what only a fresh process measures: compile, transfer, peak "
                                                  "memory, accuracy)" if engine else " (all benchmarks)" if r == 1
                                                 else " (steady-state timings)"), flush=True)
        picked = {k: selection(k, gpu, args.full, timed_only=r > 1 or args.timed_only, steady=not engine)
                  for k in args.kernel_list}
        live = [k for k in args.kernel_list if picked[k][0]]
        chunks = kernel_chunks(live, {k: picked[k][1] for k in live}, 1 if engine else INVOCATIONS)
        for i, chunk in enumerate(chunks or ([[]] if calibration else [])):
            calibrate = calibration and r == 1 and i == max(len(chunks) - 1, 0)
            name = ", ".join(chunk + (["calibration"] if calibrate else []))
            wanted = {b: keys for k in chunk for b, keys in picked[k][3].items()}
            regexes = [rx for k in chunk for rx in picked[k][0]] + ([CALIBRATION] if calibrate else [])
            rc, status = outcome.run_pass(
                name, sum(picked[k][1] for k in chunk),
                lambda on_line: run_asv(regexes, append=r > 1 or args.append, on_line=on_line),
                machine_dir, commit, wanted, deadline=deadline)
            run_log.asv_run((name, r), rc, status, f"{name} (round {r})")
            for k in chunk:
                rounds_file.record(machine_dir, commit, r + int(args.append), f"bench_{k}.")
                run_log.keep(f"{k} round {r}")
            if calibrate:
                run_log.keep("calibration")
