"""``python -m runner``: run the asv suite on this machine, write the machine facts, build the report.

The command line and its usage: runner/cli.py. What it runs, per chunk of kernels (three per round,
so an interrupted run keeps every chunk already finished; asv merges them into one results file per
commit and environment; runner/asv_run.py):

    asv run --python=same --set-commit-hash $(git rev-parse HEAD) \\
        --machine M -b <the valid cases of those kernels> [-a rounds=1]

with the setting ``settings.SIZES`` (kernels/settings.py) at ``default``, or ``full`` with ``--full``.
Only valid cases are selected (``bench.common.selected``); ``jax-gpu`` cases are selected only
where JAX sees a GPU (elsewhere asv records them as n/a, NaN, without starting a process).
A crashing benchmark is recorded by asv as failed and the run goes on. The comparisons are
measured in processes of their own (runner/comparison_sweeps.py). Then it writes
``<results_dir>/<machine>/jaxbench-facts.jsonc`` and builds the report with
``python -m reports``, or ``asv publish`` (asv's HTML) if that fails.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kernels import settings

from .asv_run import CALIBRATION, ROOT, _asv, _conf, _config, _repeat, asv_runner, room_needed, selection, timed_rounds
from .cli import parse_args
from .run_log import RunLog

# extra comparison processes (imprecise ratios) start only if they end within this much of the
# run's start: health and the report (27-42 s, side by side) then keep `make bench` under 10 min.
# It bounds the extra processes only: the asv round and the five sweeps (the floor every figure
# rests on) always run. On the 2-core Zen 3 EPYC VM, 2026-12-07: at 540 s three runs took 9:38.7,
# 9:43.1 and 9:53.0 (report 29-42 s); at 510 s, 9:08.7 with no extra process (the floor 515 s);
# in that VM's slow hours the floor alone took 561-579 s (02fe6cf), over any budget.
RUN_BUDGET_S = 525.0
EXIT_DISK = 74   # EX_IOERR: the results folder could not be written (full or read-only disk)


def _gpu_present() -> bool:
    try:
        import jax

        return bool(jax.devices("gpu"))
    except RuntimeError:
        return False


def _run_tmp() -> Path:
    """The run's temporary folder, its owner recorded (runner/run_folders.py). asv's forkserver
    listens on a Unix socket inside TMPDIR (``asv-forkserver-*/socket``), and a socket path longer
    than 107 bytes fails ("Failed to start server thread"): under a long TMPDIR the folder goes to
    /tmp instead."""
    from . import run_folders

    base = tempfile.gettempdir()
    if len(base) > 50 and os.path.isdir("/tmp"):   # + jaxbench-run-*/asv-forkserver-*/socket: 53 bytes
        base = "/tmp"
    return run_folders.make("jaxbench-run-", base)


def main(argv=None) -> int:
    """Parse, then measure and report while holding the results folder's lock; SIGTERM stops the
    run like Ctrl-C. Every temporary file of the run -- the asv config of a ``--results-dir`` run,
    and what asv and its benchmark processes put in TMPDIR (forkserver sockets, result files),
    which a stopped asv cannot remove -- lives in one ``jaxbench-run-*`` folder, removed however
    the run ends."""
    args = parse_args(argv)
    from results import atomic

    from . import children, lock, run_folders

    for gone in run_folders.remove_stale():
        print(f"jaxbench: removed {gone}, left by a run that is no longer running", flush=True)
    saved = os.environ.get("TMPDIR"), tempfile.tempdir
    run_tmp = None
    try:
        run_tmp = _run_tmp()
        os.environ["TMPDIR"] = tempfile.tempdir = str(run_tmp)   # this process and every child
        with children.interrupts_as_keyboard_interrupt():
            return run(args, _config(Path(args.results_dir).resolve() if args.results_dir else None, run_tmp))
    except lock.Busy as exc:
        print(f"jaxbench: {exc}", file=sys.stderr, flush=True)
        return lock.EXIT_BUSY
    except OSError as exc:      # a full or read-only disk: one line, never a traceback
        if exc.errno not in atomic.DISK_ERRNOS:
            raise
        where = Path(exc.filename).parent if exc.filename else _results_dir(args)
        err = exc if isinstance(exc, atomic.DiskError) else atomic.disk_error(where, exc)
        print(f"jaxbench: {err}", file=sys.stderr, flush=True)
        return EXIT_DISK
    except KeyboardInterrupt:   # before the measuring started or after it ended (run() reports its own)
        print("\njaxbench: interrupted", flush=True)
        return 130
    finally:
        if saved[0] is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved[0]
        tempfile.tempdir = saved[1]
        if run_tmp is not None:
            # what the run started and outlived it: asv's forkserver, orphaned when Ctrl-C killed asv
            # while it was starting the server (seen once in a make test run, test_bench_cli's Ctrl-C)
            children.kill_marked(f"TMPDIR={run_tmp}", wait_s=2.0)
            shutil.rmtree(run_tmp, ignore_errors=True)


def _results_dir(args) -> Path:
    """The run's results folder: ``--results-dir``, else asv.conf.json's ``results_dir``."""
    return Path(args.results_dir).resolve() if args.results_dir else ROOT / _conf()["results_dir"]


def run(args, config: Path) -> int:
    from . import lock

    started = time.monotonic()
    conf = _conf()
    results_dir = _results_dir(args)
    html_dir = results_dir.parent / "html" if args.results_dir else ROOT / conf["html_dir"]
    if args.commits is not None:
        commit = args.commit_list[-1]   # the newest: the one the health check and report read
    else:
        commit = args.commit or subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                                               text=True, check=True).stdout.strip()

    machine_cmd = _asv("machine", "--yes") + (["--machine", args.machine] if args.machine else [])
    subprocess.run(machine_cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    if args.machine:
        machine = args.machine
    else:
        from asv.machine import Machine

        machine = Machine.get_unique_machine_name()
    from results import atomic

    # refused before anything is written: what the folder holds stays as it is
    atomic.check_room(results_dir / machine, room_needed(results_dir))
    with lock.results_lock(results_dir / machine, wait_s=args.lock_wait):
        for folder in (results_dir, results_dir / machine):   # what killed writers left half-written
            atomic.remove_partials(folder)
        rc = measure(args, config, results_dir, machine, commit, started)
    if rc is not None:
        return rc
    # results elsewhere: the report goes beside them, never over the repository's reports/out
    out = results_dir.parent / "report" if args.results_dir else None
    health_and_report(results_dir, machine, commit, None if args.no_report else (config, html_dir, out))
    return 0


def worker_runner(server, env: dict):
    """``run_worker(devices, kernels, reverse) -> exit code``: one comparison process outside asv
    (runner/measuring_process.py's work), forked by the worker ``server`` (runner/worker_server.py), with
    ``env`` as it is at the call and the environment variables asv.conf.json's matrix gives asv's
    benchmark processes; its output goes to the server's log."""
    matrix_env = {k: str(v) for k, v in _conf().get("matrix", {}).get("env", {}).items()}

    def run_worker(devices: int, kernel_names: list[str], reverse: bool = False) -> int:
        return server(devices, kernel_names, reverse, {**env, **matrix_env})

    return run_worker


def measure(args, config: Path, results_dir: Path, machine: str, commit: str, started: float) -> int | None:
    """The asv rounds, the comparison sweeps, calibration and facts; an exit code when
    interrupted, None when the health and the report may follow."""
    gpu = _gpu_present()
    # set here too: the selection below imports the bench modules, whose grids depend on it
    os.environ.update(settings.env(sizes="full" if args.full else "default"))
    env = dict(os.environ)
    mode = "full grid" if args.full else "default run"
    print(f"jaxbench: {', '.join(args.kernel_list)} | {mode}, {args.rounds} round(s) | machine {machine}"
          f" | commit {commit[:10]} | GPU: {'yes' if gpu else 'none (jax-gpu cases not run)'}",
          flush=True)
    log_path = results_dir.parent / "jaxbench-asv.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    print(f"asv's own output: {log_path}", flush=True)
    run_log = RunLog()
    with open(log_path, "w", encoding="utf-8") as log:
        run_asv = asv_runner(args, config, commit, machine, env, log, room_for=results_dir / machine)
        try:
            if args.commits is not None:
                commits_run(args, config, machine, env, log, gpu, results_dir / machine, run_log)
            else:
                from .worker_server import Server

                with Server(ROOT, log) as server:
                    checkout_run(args, gpu, run_asv, worker_runner(server, env), env, results_dir / machine, commit,
                                 started, run_log, lambda entry: _record(config, machine, commit, entry, log))
        except KeyboardInterrupt:
            print(f"\n\njaxbench: interrupted after {(time.monotonic() - started) / 60:.1f} min. Kept the results "
                  f"of the rounds and sweeps that finished: {run_log.kept_text()} (asv JSON in {results_dir / machine}, "
                  f"commit {commit[:8]}); the round in progress is lost (asv saves a round when it ends; a "
                  f"comparison sweep keeps the classes it finished). "
                  f"Not done: {'' if 'calibration' in run_log.kept else 'calibration, '}health, report. `python -m reports --results "
                  f"{results_dir}` reports what was kept.", flush=True)
            return 130
    summarize(args, results_dir, machine, commit, started, run_log, log_path)
    return None


def _record(config: Path, machine: str, commit: str, entry: dict, log) -> None:
    """The comparisons' pooled ratios into asv's results (runner/asv_record.py); the account to the log."""
    from . import asv_record

    log.write(f"\n{asv_record.record(config, machine, commit, entry)}\n")
    log.flush()


def checkout_run(args, gpu: bool, run_asv, run_worker, env: dict, machine_dir: Path, commit: str, started: float,
                 run_log: RunLog, record=None) -> None:
    """The checkout's run: the asv rounds, the comparison sweeps, the calibration, each into ``run_log``."""
    # the machine's measured peaks (the reports' "percent of peak"): in the round's asv invocation
    # when there is one round, after the rounds otherwise
    with_round = args.comparisons and not args.timed_only
    timed_rounds(args, gpu, run_asv, machine_dir, commit, run_log, deadline=started + RUN_BUDGET_S,
                 calibration=with_round)
    if args.comparisons:   # every ratio the report states, paired, in several processes
        from . import comparison_sweeps

        comparison_sweeps.run(args.kernel_list, gpu, run_worker, env, machine_dir, commit,
                       append=args.append, processes=args.processes, run_log=run_log,
                       deadline=started + RUN_BUDGET_S, record=record)
    if not args.timed_only and not with_round:
        print("\n== calibration: GEMM peak and copy bandwidth of this machine", flush=True)
        run_log.failed_run("calibration", run_asv([CALIBRATION]))


def commits_run(args, config: Path, machine: str, env: dict, log, gpu: bool, machine_dir: Path,
                run_log: RunLog) -> None:
    """``--commits``: asv's virtualenv (made once), then every commit's rounds and sweeps, interleaved."""
    from . import commits

    print(f"commits ({len(args.commit_list)}, oldest first): "
          + ", ".join(c[:10] for c in args.commit_list), flush=True)
    print("\n== asv's virtualenv (asv setup: created once under .asv/env, from asv.conf.json's matrix; "
          "the first time downloads jax, scipy, flax... and takes minutes) ...", end="", flush=True)
    t0 = time.monotonic()
    log.write(f"\n$ asv setup --config {config}\n")
    log.flush()
    rc = subprocess.run(_asv("setup", "--config", str(config)), cwd=ROOT, env=env, stdout=log,
                        stderr=subprocess.STDOUT).returncode
    # asv 0.6.6's `asv setup` exits 1 even when it made the environment: the runs below tell
    print(f" {time.monotonic() - t0:.0f} s" + (f" (asv exit {rc}; see {log.name} if the runs fail)" if rc else ""),
          flush=True)
    runners = {c: asv_runner(args, config, c, machine, env, log, in_env=True, room_for=machine_dir)
               for c in args.commit_list}
    commits.measure_commits(args, args.commit_list, gpu, runners, env, machine_dir, selection, run_log)


def _samples_asked(args) -> dict:
    """How the run's ``time_`` results were sampled: by the comparison processes (one balanced pair of
    passes per process at least: the report's FEW flag reads ``repeat``), or by asv's own rounds."""
    if args.comparisons and not args.commits:
        from jaxbench import passes

        from .comparison_sweeps import BASE_PASSES
        return {"repeat": f"({BASE_PASSES},{passes.MAX_PASSES},{passes.BUDGET_S:g})",
                "calls_per_sample": "timeit autorange in the first comparison process, reused by the later ones "
                                    "(docs/comparisons.md)"}
    return {"repeat": _repeat(args.full), "calls_per_sample": "timeit autorange in setup; back-to-back calls (docs/asv.md)"}


def summarize(args, results_dir: Path, machine: str, commit: str, started: float, run_log: RunLog,
              log_path: Path) -> None:
    """Write the machine facts and print the run's totals (the health's summary follows the lock's
    release: :func:`health_and_report`)."""
    from . import facts
    from bench.common import _TimeBench

    facts_path = facts.write(results_dir, machine, {
        "kernels": list(args.kernel_list), "launch_method": args.launch_method, "rounds": args.rounds,
        "sizes": "full" if args.full else "default",
        "sample_time_s": _TimeBench.sample_time, **_samples_asked(args)})
    print(f"\njaxbench: benchmarks done in {(time.monotonic() - started) / 60:.1f} min")
    total = run_log.totals()
    print(f"  cases measured (all rounds): {total['ok']} ok, {total['failed'] + total['missing']} failed, "
          f"{total['skipped']} skipped (n/a: no GPU, missing data; reasons in the report and {log_path.name})")
    if run_log.failed:
        print("  asv exited non-zero for: " + ", ".join(f"{k} (exit {rc})" for k, rc in run_log.failed)
              + f" -- tracebacks in {log_path}; the run went on")
    print(f"results: {results_dir / machine} (asv JSON, commit {commit[:8]})")
    print(f"facts:   {facts_path}")


def health_and_report(results_dir: Path, machine: str, commit: str, report_to: tuple | None) -> None:
    """The measurement health's summary of this run (``python -m reports --health --summary``),
    printed as it comes, and the report (``report_to``: (config, html_dir, out); None: no report)
    built beside it, its output printed after the health's. Both only read the results; side by
    side on 2 cores the report's loading overlaps the health's (~10 s each on the 2-core VM)."""
    health = [sys.executable, "-m", "reports", "--health", "--summary", "--results", str(results_dir),
              "--machine", machine, "--commit", commit]
    print("\n== measurement health (python -m reports --health)", flush=True)
    checking = subprocess.Popen(health, cwd=ROOT)
    try:
        if report_to is not None:
            config, html_dir, out = report_to
            report(config, results_dir, html_dir, out, before=checking.wait)
    finally:
        checking.wait()


def report(config: Path, results_dir: Path, html_dir: Path, out: Path | None = None, before=lambda: None) -> None:
    """The report (``python -m reports``, into ``out`` if given), its output printed once ``before()``
    returns; asv's own HTML if it fails."""
    cmd = [sys.executable, "-m", "reports", "--results", str(results_dir), "--no-progress"] + \
        (["--out", str(out)] if out else [])
    building = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    before()
    said, _ = building.communicate()
    print(said, end="", flush=True)
    if building.returncode == 0:
        print("report:  written by `python -m reports` (its output above says where)")
        return
    print(f"report:  `python -m reports` failed (exit {building.returncode}); falling back to asv publish")
    rc = subprocess.run(_asv("publish", "--config", str(config)), cwd=ROOT).returncode
    where = html_dir / "index.html"
    print(f"report:  {where} (asv publish{'' if rc == 0 else f' FAILED, exit {rc}'}; "
          f"view with `asv preview`)")


if __name__ == "__main__":
    raise SystemExit(main())
