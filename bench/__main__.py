"""``python -m bench``: run the asv suite on this machine, write the machine facts, build the report.

    python -m bench                         # every kernel, quick sizes (~10 min on 2 CPU cores)
    python -m bench --kernels matmul,selu   # some kernels
    python -m bench --full                  # each kernel's full benchmark grid (long)
    python -m bench --machine lab-gpu       # results under that asv machine name

What it runs, per kernel (so an interrupted run keeps every kernel already finished; asv merges
them into one results file per commit and environment):

    JAXBENCH_SIZES=quick|full asv run --python=same --set-commit-hash $(git rev-parse HEAD) \\
        --machine M -b <the valid cases of that kernel> [-a rounds=1 when quick]

Only valid cases are selected (``bench.common.selected``); ``jax-gpu`` cases are selected only
where JAX sees a GPU (elsewhere asv records them as n/a, NaN, without starting a process).
A crashing benchmark is recorded by asv as failed and the run goes on.
Then it writes ``<results_dir>/<machine>/jaxbench-facts.jsonc`` and builds the report with
``python -m reports`` when that exists, else ``asv publish`` (asv's HTML).
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "asv.conf.json"
QUICK_REPEAT = "(3,10,0.6)"   # asv repeat of the quick run: min samples, max samples, max seconds


def _asv(*args) -> list[str]:
    return [sys.executable, "-m", "asv", *args]


def _conf() -> dict:
    from asv import util

    return util.load_json(str(CONF), js_comments=True)


def _gpu_present() -> bool:
    try:
        import jax

        return bool(jax.devices("gpu"))
    except RuntimeError:
        return False


def _quick_keep(cls, names, values) -> bool:
    """The quick run's subset of the valid cases (sizes are already the kernels' quick sizes):
    the kernel's default dtype only; its ``quick_variants`` where it declares them; compile and transfer times at the largest quick size;
    compile time / peak memory for one placement (the jitted function and the footprint hardly
    depend on it). The full run keeps every case."""
    from . import common

    v = dict(zip(names, values))
    spec = cls.spec
    if v.get("dtype", spec.dtypes[0]) != spec.dtypes[0]:
        return False
    if spec.variant_name and spec.quick_variants and v[spec.variant_name] not in spec.quick_variants:
        return False
    if cls.__name__.endswith(("Compile", "Transfer")) and v["size"] != max(common.sizes_for(spec)):
        return False
    if cls.__name__.endswith(("Compile", "Peakmem")) and v["backend"] != "numpy-cpu":
        preferred = [p for p in ("explicit", "device", "implicit") if p in spec.jax_placements]
        if v["placement"] != preferred[0]:
            return False
    if cls.__name__.endswith("Peakmem") and v["backend"] != "numpy-cpu":
        jit = [t for t in spec.jax_transforms if t in ("jit", "jit_vmap", "jit_loop")]
        if v["transform"] != (jit or list(spec.jax_transforms))[0]:
            return False
    return True


def selection(kernel: str, gpu: bool, full: bool = True, timed_only: bool = False) -> tuple[list[str], int, int]:
    """asv ``-b`` regexes selecting the runnable cases of one kernel; (regexes, selected, total).

    ``timed_only``: only the steady-state ``time_`` benchmarks (the later rounds)."""
    from . import common

    module = importlib.import_module(f"bench.bench_{kernel}")
    regexes, chosen, total = [], 0, 0
    for cls_name, cls in sorted(vars(module).items()):
        if not isinstance(cls, type) or cls.__module__ != module.__name__:
            continue
        methods = [m for m in dir(cls) if re.match(r"(time|track|peakmem|mem|timeraw)_", m)]
        if timed_only:
            methods = [m for m in methods if m.startswith("time_")]
        if not methods:
            continue
        prefix = re.escape(f"bench_{kernel}.{cls_name}.")
        if not hasattr(cls, "skip_params"):        # accuracy tracks: every backend, cheap skips
            regexes.append("^" + prefix)
            n = len(cls.params[0]) * len(methods)
            chosen, total = chosen + n, total + n
            continue
        total += len(list(_product(cls.params))) * len(methods)
        keep = [v for v in common.selected(cls) if (gpu or v[0] != "jax-gpu")
                and (full or _quick_keep(cls, cls.param_names, v))]
        chosen += len(keep) * len(methods)
        if keep:
            alts = "|".join(re.escape(", ".join(repr(x) for x in v)) for v in keep)
            regexes.append(f"^{prefix}({'|'.join(map(re.escape, methods))})\\(({alts})\\)$")
    return regexes, chosen, total


def _product(params):
    import itertools

    return itertools.product(*params)


def parse_args(argv=None):
    import kernels

    known = list(kernels.kernels())
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="make bench KERNELS=matmul,selu FULL=1 MACHINE=name RESULTS=dir")
    parser.add_argument("--kernels", default="all",
                        help="comma-separated kernels, or 'all' (default); valid: " + ", ".join(known))
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--full", action="store_true", help="each kernel's full benchmark grid, 2 rounds")
    size.add_argument("--quick", dest="full", action="store_false",
                      help="the kernels' quick sizes, 1 round (default)")
    parser.add_argument("--machine", default=None,
                        help="asv machine name (default: this host's name); use a distinct one per machine")
    parser.add_argument("--results-dir", default=None,
                        help="asv results folder (default: results_dir of asv.conf.json, .asv/results)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="processes per timed case, run as separate passes over all kernels "
                             "(default 2; at least 2 so the between-process spread is measured)")
    parser.add_argument("--launch-method", choices=("forkserver", "spawn"), default="forkserver",
                        help="how asv starts each benchmark process (default forkserver: no "
                             "interpreter start-up or JAX import per case; see docs/asv.md)")
    parser.add_argument("--commit", default=None,
                        help="record the results under this commit hash (default: git rev-parse HEAD)")
    parser.add_argument("--append", action="store_true",
                        help="keep the samples already recorded for this commit: every round appends "
                             "(the regression gate interleaves commits this way)")
    parser.add_argument("--no-report", action="store_true", help="skip building the report")
    args = parser.parse_args(argv)
    wanted = known if args.kernels in ("all", "") else [k.strip() for k in args.kernels.split(",") if k.strip()]
    unknown = [k for k in wanted if k not in known]
    if unknown:
        parser.error(f"unknown kernel(s) {', '.join(unknown)}; valid kernels: {', '.join(known)}")
    if args.machine is not None and not re.fullmatch(r"[A-Za-z0-9_.-]+", args.machine):
        parser.error(f"machine name {args.machine!r}: use letters, digits, '.', '_' or '-'")
    if args.rounds < 1:
        parser.error(f"--rounds {args.rounds}: at least 1 (2 or more to measure the spread between processes)")
    args.kernel_list = wanted
    return args


def _config(results_dir: Path | None) -> Path:
    """asv.conf.json itself, or a temporary copy whose results/html folders are ``results_dir``."""
    if results_dir is None:
        return CONF
    conf = _conf()
    conf.update(repo=str(ROOT), benchmark_dir=str(ROOT / conf["benchmark_dir"]),
                env_dir=str(ROOT / conf["env_dir"]), results_dir=str(results_dir),
                html_dir=str(results_dir.parent / "html"))
    tmp = Path(tempfile.mkdtemp(prefix="jaxbench-asv-")) / "asv.conf.json"
    tmp.write_text(json.dumps(conf, indent=2))
    return tmp


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    conf = _conf()
    results_dir = Path(args.results_dir).resolve() if args.results_dir else ROOT / conf["results_dir"]
    html_dir = results_dir.parent / "html" if args.results_dir else ROOT / conf["html_dir"]
    config = _config(Path(args.results_dir).resolve() if args.results_dir else None)
    commit = args.commit or subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                                           text=True, check=True).stdout.strip()

    machine_cmd = _asv("machine", "--yes") + (["--machine", args.machine] if args.machine else [])
    subprocess.run(machine_cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    if args.machine:
        machine = args.machine
    else:
        from asv.machine import Machine

        machine = Machine.get_unique_machine_name()

    gpu = _gpu_present()
    # set here too: the selection below imports the bench modules, whose grids depend on it
    os.environ["JAXBENCH_SIZES"] = "full" if args.full else "quick"
    env = dict(os.environ)
    mode = "full grid" if args.full else "quick sizes"
    print(f"jaxbench: {', '.join(args.kernel_list)} | {mode}, {args.rounds} round(s) | machine {machine}"
          f" | commit {commit[:10]} | GPU: {'yes' if gpu else 'none (jax-gpu cases recorded as n/a)'}",
          flush=True)

    def run_asv(regexes: list[str], append: bool = False) -> int:
        # One round per invocation: python -m bench runs the rounds itself, as passes over every
        # kernel, so the processes of one case are minutes apart and the samples of each round
        # can be told apart afterwards (asv concatenates them; rounds.record counts them).
        cmd = _asv("run", "--config", str(config), "--python=same", "--set-commit-hash", commit,
                   "--machine", machine, "--launch-method", args.launch_method, "--record-samples",
                   "-a", "rounds=1")
        if append:
            cmd += ["--append-samples"]
        if not args.full:
            cmd += ["-a", f"repeat={QUICK_REPEAT}"]
        for rx in regexes:
            cmd += ["-b", rx]
        return subprocess.run(cmd, cwd=ROOT, env=env).returncode

    from . import rounds as rounds_file

    summary, failed_runs = {}, []
    for r in range(1, args.rounds + 1):
        for kernel in args.kernel_list:
            # round 1: every benchmark of the kernel; later rounds: the steady-state timings only
            regexes, chosen, total = selection(kernel, gpu, args.full, timed_only=r > 1)
            if r == 1:
                summary[kernel] = (chosen, total)
            if not regexes:
                continue
            print(f"\n== round {r}/{args.rounds}, {kernel}: {chosen} benchmark cases"
                  + (f" of {total} in the grid (the rest are invalid or need a GPU: n/a)" if r == 1 else ""),
                  flush=True)
            rc = run_asv(regexes, append=r > 1 or args.append)
            if rc != 0:
                failed_runs.append((f"{kernel} (round {r})", rc))
            rounds_file.record(results_dir / machine, commit, r + int(args.append), f"bench_{kernel}.")
    # the machine's measured peaks (GEMM GFLOP/s, copy GB/s): the reports' "percent of peak"
    print("\n== calibration: GEMM peak and copy bandwidth of this machine", flush=True)
    rc = run_asv([r"^bench_calibration\."])
    if rc != 0:
        failed_runs.append(("calibration", rc))

    # the harness checks itself: a few of the fastest cases re-timed in one process with timeit
    print("\n== self-check: re-measuring a few cases in one process (timeit, interleaved)", flush=True)
    remeasured = subprocess.run([sys.executable, "-m", "bench.remeasure", "--results-dir", str(results_dir),
                                 "--machine", machine, "--commit", commit], cwd=ROOT, env=env).returncode

    from . import facts
    from .common import _TimeBench

    facts_path = facts.write(results_dir, machine, {
        "launch_method": args.launch_method, "rounds": args.rounds, "sizes": "full" if args.full else "quick",
        "sample_time_s": _TimeBench.sample_time, "repeat": QUICK_REPEAT if not args.full else str(_TimeBench.repeat),
        "calls_per_sample": "timeit autorange in setup; back-to-back calls (docs/asv.md)"})
    wall = time.monotonic() - started
    print(f"\njaxbench: benchmarks done in {wall / 60:.1f} min")
    for kernel, (chosen, total) in summary.items():
        print(f"  {kernel:10s} {chosen:5d} run, {total - chosen:5d} n/a")
    if failed_runs:
        print("  asv reported failed benchmarks for: "
              + ", ".join(f"{k} (exit {rc})" for k, rc in failed_runs)
              + " -- see the results JSON / report; the run went on")
    print(f"results: {results_dir / machine} (asv JSON, commit {commit[:8]})")
    print(f"facts:   {facts_path}")
    if remeasured != 0:
        print(f"  self-check re-measurement failed (exit {remeasured}); the health report lacks it")
    # (reports/__init__ imports build, which imports health: runpy's "found in sys.modules" notice
    # is harmless here)
    health = [sys.executable, "-W", "ignore:'reports.health' found in sys.modules:RuntimeWarning",
              "-m", "reports.health", "--results", str(results_dir), "--machine", machine, "--commit", commit]
    print("\n== measurement health (python -m reports.health)", flush=True)
    subprocess.run(health, cwd=ROOT)
    if not args.no_report:
        report(config, results_dir, html_dir)
    return 0


def report(config: Path, results_dir: Path, html_dir: Path) -> None:
    """The report (``python -m reports``); asv's own HTML if that fails."""
    rc = subprocess.run([sys.executable, "-m", "reports", "--results", str(results_dir)], cwd=ROOT).returncode
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
