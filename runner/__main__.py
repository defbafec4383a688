"""``python -m runner``: run the asv suite on this machine, write the machine facts, build the report.

    python -m runner                         # every kernel, the default run's cases (~10 min on 2 CPU cores)
    python -m runner --kernels matmul,selu   # some kernels
    python -m runner --full                  # each kernel's full benchmark grid (long)
    python -m runner --machine lab-gpu       # results under that asv machine name

What it runs, per chunk of kernels (three per round, so an interrupted run keeps every chunk
already finished; asv merges them into one results file per commit and environment):

    JAXBENCH_SIZES=default|full asv run --python=same --set-commit-hash $(git rev-parse HEAD) \\
        --machine M -b <the valid cases of those kernels> [-a rounds=1]

Only valid cases are selected (``bench.common.selected``); ``jax-gpu`` cases are selected only
where JAX sees a GPU (elsewhere asv records them as n/a, NaN, without starting a process).
A crashing benchmark is recorded by asv as failed and the run goes on.
Then it writes ``<results_dir>/<machine>/jaxbench-facts.jsonc`` and builds the report with
``python -m reports``, or ``asv publish`` (asv's HTML) if that fails.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "asv.conf.json"
# extra comparison processes (imprecise ratios) start only if they end within this much of the
# run's start: the calibration, health and report (~1 min) then keep `make bench` under 10 min
RUN_BUDGET_S = 530.0
EXIT_DISK = 74   # EX_IOERR: the results folder could not be written (full or read-only disk)


def _asv(*args) -> list[str]:
    """asv's command line, its JSON writes atomic (jaxbench/asv_atomic.py)."""
    return [sys.executable, "-m", "jaxbench.asv_atomic", *args]


def _repeat(full: bool) -> str:
    """asv ``repeat`` of the run's time_ processes, as the suite declares it per mode."""
    from bench.common import REPEAT

    return str(REPEAT["full" if full else "default"]).replace(" ", "")


def _conf() -> dict:
    from asv import util

    return util.load_json(str(CONF), js_comments=True)


def _gpu_present() -> bool:
    try:
        import jax

        return bool(jax.devices("gpu"))
    except RuntimeError:
        return False


def selection(kernel: str, gpu: bool, full: bool = True,
              timed_only: bool = False, steady: bool = True) -> tuple[list[str], int, int, dict]:
    """asv ``-b`` regexes selecting the runnable cases of one kernel; (regexes, selected, total,
    wanted), ``wanted`` = {benchmark name: [params key, ...]} of the selected cases.

    ``timed_only``: only the steady-state ``time_`` benchmarks (the later rounds); ``steady=False``:
    none of them (the comparison processes time every steady-state case: runner/asv_record.py)."""
    from bench import common
    from jaxbench.rounds import params_key

    module = importlib.import_module(f"bench.bench_{kernel}")
    regexes, chosen, total, wanted = [], 0, 0, {}
    for cls_name, cls in sorted(vars(module).items()):
        if not isinstance(cls, type) or cls.__module__ != module.__name__:
            continue
        if hasattr(cls, "comparisons"):            # measured in passes of their own (comparison_selection)
            continue
        methods = [m for m in dir(cls) if re.match(r"(time|track|peakmem|mem|timeraw)_", m)]
        if timed_only:
            methods = [m for m in methods if m.startswith("time_")]
        if not steady:
            methods = [m for m in methods if not m.startswith("time_")]
        if not methods:
            continue
        prefix = re.escape(f"bench_{kernel}.{cls_name}.")
        if not hasattr(cls, "skip_params"):        # accuracy tracks: every backend, cheap skips
            if not (full or getattr(cls, "default_run", True)):
                continue                           # declared beside the track: not in the default run
            regexes.append("^" + prefix)
            keep = [v for v in _product(cls.params)]
            n = len(keep) * len(methods)
            chosen, total = chosen + n, total + n
        else:
            total += len(list(_product(cls.params))) * len(methods)
            # the suite's grid is the run's (bench/common.py: JAXBENCH_SIZES, set by measure())
            keep = [v for v in common.selected(cls) if gpu or v[0] != "jax-gpu"]
            chosen += len(keep) * len(methods)
            if keep:
                alts = "|".join(re.escape(", ".join(repr(x) for x in v)) for v in keep)
                regexes.append(f"^{prefix}({'|'.join(map(re.escape, methods))})\\(({alts})\\)$")
        for m in methods:
            if keep:
                wanted[f"bench_{kernel}.{cls_name}.{m}"] = [params_key(repr(x) for x in v) for v in keep]
    return regexes, chosen, total, wanted


def _product(params):
    import itertools

    return itertools.product(*params)


def parse_args(argv=None):
    import kernels

    known = list(kernels.kernels())
    from .paired_run import COMMITS_PROCESSES, LECTURE_MAX_PROCESSES, MAX_PROCESSES, PROCESSES

    parser = argparse.ArgumentParser(prog="python -m runner", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="make bench KERNELS=matmul,selu FULL=1 MACHINE=name RESULTS=dir")
    parser.add_argument("--kernels", default="all",
                        help="comma-separated kernels, or 'all' (default); valid: " + ", ".join(known))
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--full", action="store_true", help="each kernel's full benchmark grid (every size, dtype and variant: long)")
    size.add_argument("--quick", dest="full", action="store_false",
                      help="the default run's cases, declared with each kernel (default)")
    parser.add_argument("--machine", default=None,
                        help="asv machine name (default: this host's name); use a distinct one per machine")
    parser.add_argument("--results-dir", default=None,
                        help="asv results folder (default: results_dir of asv.conf.json, .asv/results)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="asv processes per timed case where asv times them (--commits runs, or the "
                             "comparisons off with JAXBENCH_COMPARISONS=0), as separate passes over all kernels "
                             "(default 1); otherwise the comparison processes time every steady-state case")
    parser.add_argument("--processes", type=int, default=None,
                        help=f"processes per comparison, each timing every steady-state case (default "
                             f"{PROCESSES}; {COMMITS_PROCESSES} with --commits, whose passes go through asv; at "
                             f"least 2); imprecise ones get more (lecture ratios first, up to {LECTURE_MAX_PROCESSES}; "
                             f"others up to {MAX_PROCESSES}) while the run's time budget lasts")
    parser.add_argument("--launch-method", choices=("forkserver", "spawn"), default="forkserver",
                        help="how asv starts each benchmark process (default forkserver: no "
                             "interpreter start-up or JAX import per case; see docs/asv.md)")
    parser.add_argument("--commit", default=None,
                        help="record the results under this commit hash (default: git rev-parse HEAD)")
    parser.add_argument("--commits", default=None, metavar="RANGE",
                        help="measure these commits instead of the checkout, each in asv's virtualenv, passes "
                             "interleaved across commits: a git range A..B (A excluded: HEAD~3..HEAD is the last "
                             "three) or comma-separated revisions (runner/commits.py, docs/asv.md)")
    parser.add_argument("--append", action="store_true",
                        help="keep the samples already recorded for this commit: every round appends "
                             "(the regression gate interleaves commits this way)")
    parser.add_argument("--no-report", action="store_true", help="skip building the report")
    parser.add_argument("--lock-wait", type=float, default=None, metavar="SECONDS",
                        help="another run writing the same results folder and machine: wait at most this "
                             "long for it, then give up with exit 75 (default: wait until it finishes)")
    args = parser.parse_args(argv)
    wanted = known if args.kernels in ("all", "") else [k.strip() for k in args.kernels.split(",") if k.strip()]
    unknown = [k for k in wanted if k not in known]
    if unknown:
        parser.error(f"unknown kernel(s) {', '.join(unknown)}; valid kernels: {', '.join(known)}")
    if args.machine is not None and not re.fullmatch(r"[A-Za-z0-9_.-]+", args.machine):
        parser.error(f"machine name {args.machine!r}: use letters, digits, '.', '_' or '-'")
    if args.rounds < 1:
        parser.error(f"--rounds {args.rounds}: at least 1 (2 or more to measure the spread between processes)")
    args.comparisons = os.environ.get("JAXBENCH_COMPARISONS", "1") != "0"   # the gate turns them off
    args.timed_only = os.environ.get("JAXBENCH_TIMED_ONLY") == "1"   # the gate: steady-state time_ only
    if args.commits is not None and args.commit is not None:
        parser.error("--commits and --commit: give one (--commit names the checkout's results; --commits "
                     "measures other commits)")
    if args.commits is not None:
        from .commits import CommitsError, resolve

        try:
            args.commit_list = resolve(args.commits, ROOT)
        except CommitsError as exc:
            parser.error(str(exc))
    if args.processes is None:
        args.processes = COMMITS_PROCESSES if args.commits is not None else PROCESSES
    if args.processes < 2:
        parser.error(f"--processes {args.processes}: at least 2 (the interval resamples processes)")
    args.kernel_list = wanted
    return args


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


# free disk a run needs beyond rewriting every file of its results folder once (atomic writes
# keep the old file until the new one is whole): new results, the log, the report's inputs
ROOM_MARGIN = 4 << 20


def room_needed(results_dir: Path) -> int:
    """Bytes a run needs free on the results folder's disk: its files once more, plus the margin."""
    size = sum(f.stat().st_size for f in results_dir.rglob("*") if f.is_file()) if results_dir.is_dir() else 0
    return size + ROOM_MARGIN


def main(argv=None) -> int:
    """Parse, then measure and report while holding the results folder's lock; SIGTERM stops the
    run like Ctrl-C. Every temporary file of the run -- the asv config of a ``--results-dir`` run,
    and what asv and its benchmark processes put in TMPDIR (forkserver sockets, result files),
    which a stopped asv cannot remove -- lives in one ``jaxbench-run-*`` folder, removed however
    the run ends."""
    args = parse_args(argv)
    from jaxbench import atomic

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
    from jaxbench import atomic

    # refused before anything is written: what the folder holds stays as it is
    atomic.check_room(results_dir / machine, room_needed(results_dir))
    with lock.results_lock(results_dir / machine, wait_s=args.lock_wait):
        for folder in (results_dir, results_dir / machine):   # what killed writers left half-written
            atomic.remove_partials(folder)
        rc = measure(args, config, results_dir, machine, commit, started)
    if rc is not None:
        return rc
    if not args.no_report:
        # results elsewhere: the report goes beside them, never over the repository's reports/out
        out = results_dir.parent / "report" if args.results_dir else None
        report(config, results_dir, html_dir, out)
    return 0


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
    disk is checked after a failed invocation (:func:`jaxbench.atomic.check_room`)."""
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
            from jaxbench import atomic

            atomic.check_room(room_for, ROOM_MARGIN)
        return rc

    return run_asv


def worker_runner(server, env: dict):
    """``run_worker(devices, kernels, reverse) -> exit code``: one comparison process outside asv
    (runner/paired_worker.py's work), forked by the worker ``server`` (runner/worker_server.py), with
    ``env`` as it is at the call and the environment variables asv.conf.json's matrix gives asv's
    benchmark processes; its output goes to the server's log."""
    matrix_env = {k: str(v) for k, v in _conf().get("matrix", {}).get("env", {}).items()}

    def run_worker(devices: int, kernel_names: list[str], reverse: bool = False) -> int:
        return server(devices, kernel_names, reverse, {**env, **matrix_env})

    return run_worker


INVOCATIONS = 3   # asv invocations per round: each costs ~12 s of asv start-up, discovery and results I/O here


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


def timed_rounds(args, gpu: bool, run_asv, machine_dir: Path, commit: str, outcomes: dict,
                 failed_runs: list, kept: list, deadline: float | None = None) -> None:
    """The asv rounds: round 1 every benchmark of each kernel, later rounds the steady-state timings;
    one asv invocation and one console line per chunk of kernels (:func:`kernel_chunks`) and round."""
    from jaxbench import rounds as rounds_file

    from . import outcome

    engine = args.comparisons   # steady-state times come from the comparison processes (asv_record)
    for r in range(1, (1 if engine else args.rounds) + 1):
        print(f"\n== round {r}/{args.rounds}" + (" (what only a fresh process measures: compile, transfer, peak "
                                                  "memory, accuracy)" if engine else " (all benchmarks)" if r == 1
                                                 else " (steady-state timings)"), flush=True)
        picked = {k: selection(k, gpu, args.full, timed_only=r > 1 or args.timed_only, steady=not engine)
                  for k in args.kernel_list}
        live = [k for k in args.kernel_list if picked[k][0]]
        for chunk in kernel_chunks(live, {k: picked[k][1] for k in live}):
            name = ", ".join(chunk)
            wanted = {b: keys for k in chunk for b, keys in picked[k][3].items()}
            regexes = [rx for k in chunk for rx in picked[k][0]]
            rc, outcomes[(name, r)] = outcome.run_pass(
                name, sum(picked[k][1] for k in chunk),
                lambda on_line: run_asv(regexes, append=r > 1 or args.append, on_line=on_line),
                machine_dir, commit, wanted, deadline=deadline)
            if rc != 0:
                failed_runs.append((f"{name} (round {r})", rc))
            for k in chunk:
                rounds_file.record(machine_dir, commit, r + int(args.append), f"bench_{k}.")
                kept.append(f"{k} round {r}")


def measure(args, config: Path, results_dir: Path, machine: str, commit: str, started: float) -> int | None:
    """The asv rounds, the comparison passes, calibration, facts and health; an exit code when
    interrupted, None when the report may follow."""
    gpu = _gpu_present()
    # set here too: the selection below imports the bench modules, whose grids depend on it
    os.environ["JAXBENCH_SIZES"] = "full" if args.full else "default"
    env = dict(os.environ)
    mode = "full grid" if args.full else "default run"
    print(f"jaxbench: {', '.join(args.kernel_list)} | {mode}, {args.rounds} round(s) | machine {machine}"
          f" | commit {commit[:10]} | GPU: {'yes' if gpu else 'none (jax-gpu cases not run)'}",
          flush=True)
    log_path = results_dir.parent / "jaxbench-asv.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    print(f"asv's own output: {log_path}", flush=True)
    failed_runs, kept, outcomes = [], [], {}
    with open(log_path, "w", encoding="utf-8") as log:
        run_asv = asv_runner(args, config, commit, machine, env, log, room_for=results_dir / machine)
        try:
            if args.commits is not None:
                commits_run(args, config, machine, env, log, gpu, results_dir / machine, outcomes, failed_runs, kept)
            else:
                from .worker_server import Server

                with Server(ROOT, log) as server:
                    checkout_run(args, gpu, run_asv, worker_runner(server, env), env, results_dir / machine, commit,
                                 started, outcomes, failed_runs, kept,
                                 lambda entry: _record(config, machine, commit, entry, log))
        except KeyboardInterrupt:
            print(f"\n\njaxbench: interrupted after {(time.monotonic() - started) / 60:.1f} min. Kept the results "
                  f"of the passes that finished: {', '.join(kept) or 'none'} (asv JSON in {results_dir / machine}, "
                  f"commit {commit[:8]}); the pass in progress is lost (asv saves a pass when it ends; a "
                  f"comparison pass keeps the classes it finished). "
                  f"Not done: calibration, health, report. `python -m reports --results "
                  f"{results_dir}` reports what was kept.", flush=True)
            return 130
    summarize(args, results_dir, machine, commit, started, outcomes, failed_runs, log_path)
    return None


def _record(config: Path, machine: str, commit: str, entry: dict, log) -> None:
    """The comparisons' pooled ratios into asv's results (runner/asv_record.py); the account to the log."""
    from . import asv_record

    log.write(f"\n{asv_record.record(config, machine, commit, entry)}\n")
    log.flush()


def checkout_run(args, gpu: bool, run_asv, run_worker, env: dict, machine_dir: Path, commit: str, started: float,
                 outcomes: dict, failed_runs: list, kept: list, record=None) -> None:
    """The checkout's run: the asv rounds, the comparison passes, the calibration."""
    timed_rounds(args, gpu, run_asv, machine_dir, commit, outcomes, failed_runs, kept, deadline=started + RUN_BUDGET_S)
    if args.comparisons:   # every ratio the report states, paired, in several processes
        from . import paired_run

        paired_run.run(args.kernel_list, gpu, run_worker, env, machine_dir, commit,
                       append=args.append, processes=args.processes, kept=kept,
                       deadline=started + RUN_BUDGET_S, record=record)
    if not args.timed_only:   # the machine's measured peaks: the reports' "percent of peak"
        print("\n== calibration: GEMM peak and copy bandwidth of this machine", flush=True)
        rc = run_asv([r"^bench_calibration\."])
        if rc != 0:
            failed_runs.append(("calibration", rc))


def commits_run(args, config: Path, machine: str, env: dict, log, gpu: bool, machine_dir: Path,
                outcomes: dict, failed_runs: list, kept: list) -> None:
    """``--commits``: asv's virtualenv (made once), then every commit's passes, interleaved."""
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
    commits.measure_commits(args, args.commit_list, gpu, runners, env, machine_dir, selection, outcomes,
                            failed_runs, kept)


def summarize(args, results_dir: Path, machine: str, commit: str, started: float, outcomes: dict,
              failed_runs: list, log_path: Path) -> None:
    """Write the machine facts, print the run's totals, then the measurement health's summary."""
    from . import facts, outcome
    from bench.common import _TimeBench

    facts_path = facts.write(results_dir, machine, {
        "kernels": list(args.kernel_list), "launch_method": args.launch_method, "rounds": args.rounds,
        "sizes": "full" if args.full else "default",
        "sample_time_s": _TimeBench.sample_time, "repeat": _repeat(args.full),
        "calls_per_sample": "timeit autorange in setup; back-to-back calls (docs/asv.md)"})
    print(f"\njaxbench: benchmarks done in {(time.monotonic() - started) / 60:.1f} min")
    total = {"ok": 0, "failed": 0, "skipped": 0, "missing": 0}
    for status in outcomes.values():
        for k, v in outcome.tally(status).items():
            total[k] += v
    print(f"  cases measured (all rounds): {total['ok']} ok, {total['failed'] + total['missing']} failed, "
          f"{total['skipped']} skipped (n/a: no GPU, missing data; reasons in the report and {log_path.name})")
    if failed_runs:
        print("  asv exited non-zero for: " + ", ".join(f"{k} (exit {rc})" for k, rc in failed_runs)
              + f" -- tracebacks in {log_path}; the run went on")
    print(f"results: {results_dir / machine} (asv JSON, commit {commit[:8]})")
    print(f"facts:   {facts_path}")
    # (reports/__init__ imports build, which imports health: runpy's "found in sys.modules" notice
    # is harmless here)
    health = [sys.executable, "-W", "ignore:'reports.health' found in sys.modules:RuntimeWarning",
              "-m", "reports.health", "--results", str(results_dir), "--machine", machine, "--commit", commit,
              "--summary"]
    print("\n== measurement health (python -m reports.health)", flush=True)
    subprocess.run(health, cwd=ROOT)


def report(config: Path, results_dir: Path, html_dir: Path, out: Path | None = None) -> None:
    """The report (``python -m reports``, into ``out`` if given); asv's own HTML if that fails."""
    cmd = [sys.executable, "-m", "reports", "--results", str(results_dir)] + (["--out", str(out)] if out else [])
    rc = subprocess.run(cmd, cwd=ROOT).returncode
    if rc == 0:
        print("report:  written by `python -m reports` (its output above says where)")
        return
    print(f"report:  `python -m reports` failed (exit {rc}); falling back to asv publish")
    rc = subprocess.run(_asv("publish", "--config", str(config)), cwd=ROOT).returncode
    where = html_dir / "index.html"
    print(f"report:  {where} (asv publish{'' if rc == 0 else f' FAILED, exit {rc}'}; "
          f"view with `asv preview`)")


if __name__ == "__main__":
    raise SystemExit(main())
