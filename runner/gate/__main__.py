"""``python -m runner.gate BASE HEAD``: a regression gate that does not cry wolf (docs/gate.md).

    python -m runner.gate main HEAD                       # the lecture set, factor 1.10
    python -m runner.gate main HEAD --kernels selu --factor 1.2
    python -m runner.gate HEAD HEAD --plant selu:1.25     # self-test: a planted 25% slowdown

1. Checks BASE and HEAD out into temporary git worktrees (``git worktree add --detach``).
2. Measures with the comparison engine's worker processes of each commit: in each worktree (cwd
   and PYTHONPATH = the worktree), ``python -m runner.measuring_process --devices N --kernels K``
   (``runner.paired_worker`` or ``bench.paired_worker`` in older commits: ``WORKERS``) times every
   side of every declared comparison of those kernels, interleaved within the process, and drops
   its records into ``<results>/<side>/<pair>-d<N>`` (runner/gate/records.py). Where both commits
   hold the worker server, each process is a fork of its side's server (runner/gate/processes.py).
   Each process gives every case it timed one value: the median of its passes.
3. Alternates the sides over many short processes, A B B A A B ... (runner/gate/plan.py): first
   ``--processes`` pairs of every kernel (``INITIAL_PASSES`` passes per group), then more pairs
   only of the kernels that still hold an ambiguous case (slower by half the factor's margin or
   more, p <= 0.25, no regression yet), in the passes per process that Kalibera & Jones's rule
   gives for those cases, while the time budget (``--budget``) lasts and up to
   ``--max-processes`` per side.
4. Decides per case on the process medians (runner/gate/rule.py): the ratio is the Hodges-Lehmann
   estimate of HEAD / BASE with its Moses 95% interval; a regression when ratio >= factor (1.10)
   AND the one-sided exact Mann-Whitney test over the process medians gives p <= alpha (0.001);
   "unconfirmed" when ratio >= factor at p <= 0.03 only; an improvement in the mirror case;
   "same" only when the interval rules out a change of the factor's size, else "undecided".

Exit status: 1 when a regression is found, 0 otherwise, 2 on a usage error or a failed run,
130 when interrupted. ``--plant KERNEL:FACTOR`` sets the setting ``settings.PLANT_SLOWDOWN``
(kernels/settings.py) for HEAD's processes only (kernels/_plant.py, applied by ``kernels.prepare``
inside the worker too): a self-test that the gate sees a slowdown of that size.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kernels import settings   # the worker's switches (older commits ignore settings.PASSES)

from .. import children
from . import plan as gate_plan, records as gate_records, report as gate_report, rule as gate_rule
from .processes import WORKERS, GateError, Launchers, run_process, worker_module  # noqa: F401  (gate.run_process: tests replace it)

ROOT = Path(__file__).resolve().parents[2]
LECTURE_SET = ("selu", "batching", "rowdot", "grad", "matmul")
DEFAULT_PROCESSES = 4     # pairs of every kernel before the adaptive ones
DEFAULT_MAX_PROCESSES = 60
DEFAULT_FACTOR = 1.10
DEFAULT_BUDGET_S = 555.0  # seconds from the start to the last pair's end: the gate ends within 10 minutes
INITIAL_PASSES = 5        # passes per group in the first pairs: enough to estimate the variance within a process


# --------------------------------------------------------------------------- commits and worktrees

def _git(*args, cwd=ROOT) -> str:
    """The stripped output of a git command (raises CalledProcessError when it fails)."""
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def resolve(rev: str) -> str | None:
    """The full hash of a revision, None when it names no commit."""
    try:
        return _git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    except subprocess.CalledProcessError:
        return None


def has_worker(commit: str) -> bool:
    """Whether ``commit`` holds the engine's worker (any name of ``WORKERS``)."""
    return any(subprocess.run(["git", "cat-file", "-e", f"{commit}:{path}"], cwd=ROOT,
                              capture_output=True).returncode == 0 for path, _ in WORKERS)


def worker_added() -> str:
    """The commit that added the worker (short hash; '?' where unknown)."""
    try:
        added = _git("log", "--diff-filter=A", "--format=%h", "--", *(path for path, _ in WORKERS)).split()
    except subprocess.CalledProcessError:
        return "?"
    return added[-1] if added else "?"


def side_env(worktree: Path, plant: str | None) -> dict:
    """The environment of a side's processes: the worktree's code and this environment without the
    settings a run sets (:func:`kernels.settings.without_runner_only`): the default run's cases, every
    comparison (no ``settings.COMPARISONS_ONLY``), the worker's own passes unless the gate asks
    (``settings.PASSES``), its own calls per sample, the planted slowdown only where asked."""
    env = settings.without_runner_only(os.environ)
    env.update(settings.env(plant_slowdown=plant or None))
    env["PYTHONPATH"] = str(worktree)
    return env


def check_imports(worktree: Path, env: dict) -> None:
    """Fail unless a process started with ``env`` imports the worktree's kernels/, bench/ and the
    worker's package (runner/; bench/ in commits from before the move)."""
    names = list(dict.fromkeys(("kernels", "bench", worker_module(worktree).split(".")[0])))
    probe = f"import os, {', '.join(names)}\n" + "".join(
        f"print(os.path.dirname(os.path.dirname({n}.__file__)))\n" for n in names)
    with tempfile.TemporaryDirectory() as elsewhere:
        out = subprocess.run([sys.executable, "-c", probe], cwd=elsewhere, env=env, capture_output=True, text=True)
    where = {Path(p).resolve() for p in out.stdout.split()}
    if out.returncode != 0 or where != {worktree.resolve()}:
        raise GateError(f"the worktree {worktree} would not import its own {', '.join(names)} "
                        f"(got {sorted(map(str, where))}; {out.stderr.strip()[-300:]})")


def add_worktrees(sides: dict, tmp: Path) -> dict:
    """One worktree per side (``main`` removes them, however the gate ends); {side: its processes' env}."""
    envs = {}
    (tmp / "tmp").mkdir(exist_ok=True)
    for side, (commit, wt, plant) in sides.items():
        _git("worktree", "add", "--detach", "--quiet", str(wt), commit)
        # temporary files and JAX's compilation cache inside the gate's folder: removed with it;
        # one cache per side, so that each side's first process compiles, as the other's does
        envs[side] = dict(side_env(wt, plant), TMPDIR=str(tmp / "tmp"),
                          **settings.env(jax_cache=tmp / f"jax-cache-{side}"))
        check_imports(wt, envs[side])
    return envs


def remove_worktrees(paths) -> None:
    """``git worktree remove --force`` each path that exists, then ``git worktree prune``."""
    for wt in paths:
        if Path(wt).exists():
            subprocess.run(["git", "worktree", "remove", "--force", str(wt)], cwd=ROOT, capture_output=True)
    subprocess.run(["git", "worktree", "prune"], cwd=ROOT, capture_output=True)


# --------------------------------------------------------------------------- measuring

def judge(history: list[dict], factor: float, alpha: float) -> dict:
    """{case key: row}: every case either side measured, decided on its process medians
    (:func:`gate_rule.compare_case`), with its noise figures (:func:`gate_report.spread`)."""
    per_side = {s: gate_records.case_processes([p for p in history if p["side"] == s]) for s in gate_plan.SIDES}
    rows = {}
    for key in sorted(set(per_side["base"]) | set(per_side["head"])):
        b, h = per_side["base"].get(key, []), per_side["head"].get(key, [])
        row = gate_rule.compare_case(gate_rule.process_medians(b), gate_rule.process_medians(h), factor, alpha)
        rows[key] = dict(row, **gate_report.spread(b, h, factor, alpha))
    return rows


def next_plan(args, k: int, rows: dict, full_plan: dict, history: list[dict], started: float):
    """(plan of pair ``k``, passes per process, why the gate stops: '' to go on): every kernel in
    ``INITIAL_PASSES`` for the first ``--processes`` pairs; then the kernels holding an ambiguous
    case, where worth it, in Kalibera & Jones's passes for those cases, while the budget lasts."""
    if k < args.processes:
        return full_plan, INITIAL_PASSES, ""
    if args.fixed:
        return {}, None, f"--fixed: {args.processes} pairs"
    plan = gate_plan.ambiguous_plan(rows, full_plan, args.factor, args.max_processes)
    if not plan:
        return {}, None, "no ambiguous case left"
    plan = gate_plan.worth_running(plan, rows, args.factor, history)
    cost = gate_plan.pair_seconds(plan, history)
    if time.monotonic() - started + cost > args.budget:
        return {}, None, f"budget: the next pair (~{cost:.0f} s) would end after {args.budget:.0f} s"
    comps = [gate_report.row_components(r) for key, r in rows.items()
             if gate_rule.ambiguous(r, args.factor) and gate_records.kernel_of(key) in plan.get(gate_records.devices_of(key), [])]
    return plan, gate_rule.passes_for(comps, *gate_records.process_cost(history)), ""


def measure(args, sides: dict, envs: dict, out_dir: Path, log, started: float):
    """Pairs of processes, A B B A ..., until :func:`next_plan` stops: (history, rows, why it stopped)."""
    full_plan = gate_plan.device_counts(args.kernel_list)
    history, rows, k = [], {}, 0
    with Launchers({side: wt for side, (_, wt, _) in sides.items()}, log) as launch:
        print(f"gate: {'each side forks its processes from a worker server of its own' if launch.forked else 'fresh worker processes (a side has no worker server)'}", flush=True)
        while True:
            plan, passes, stop = next_plan(args, k, rows, full_plan, history, started)
            if stop:
                return history, rows, stop
            t0 = time.monotonic()
            launch.at_pair(k)
            for side in gate_plan.pair_order(k):
                for devices, kernel_list in plan.items():
                    history.append(run_process(sides[side][1], side, k, devices, kernel_list, passes, envs[side],
                                               out_dir, log, server=launch.get(side)))
            rows = judge(history, args.factor, args.alpha)
            if k == 0:
                full_plan = gate_plan.measured_plan(full_plan, rows)   # no process for classes that measure nothing here
            print(f"  pair {k + 1:2d} {'-'.join(gate_plan.pair_order(k)):9s} {gate_report.plan_text(plan):28s} "
                  f"{f'{passes} passes' if passes else 'own passes':10s} {time.monotonic() - t0:4.0f} s | "
                  f"{gate_report.progress_text(rows, args.factor)}", flush=True)
            k += 1


# --------------------------------------------------------------------------- CLI

def parse_args(argv=None):
    """The command line, checked (:func:`check_args`): usage errors exit 2."""
    import kernels as registry

    parser = argparse.ArgumentParser(prog="python -m runner.gate",
                                     description="Regression gate: BASE vs HEAD in alternating worker processes, "
                                                 "a Mann-Whitney test over the processes' medians (docs/gate.md).")
    parser.add_argument("base", metavar="BASE", help="baseline commit (any git revision)")
    parser.add_argument("head", metavar="HEAD", help="commit under test (any git revision)")
    parser.add_argument("--kernels", default=",".join(LECTURE_SET),
                        help=f"comma-separated kernels (default: the lecture set {','.join(LECTURE_SET)})")
    parser.add_argument("--processes", "--rounds", dest="processes", type=int, default=DEFAULT_PROCESSES,
                        help=f"pairs of processes of every kernel before the adaptive ones (default {DEFAULT_PROCESSES})")
    parser.add_argument("--max-processes", type=int, default=DEFAULT_MAX_PROCESSES,
                        help=f"processes per side and case at most (default {DEFAULT_MAX_PROCESSES})")
    parser.add_argument("--budget", type=float, default=DEFAULT_BUDGET_S,
                        help=f"seconds from the start by which the last pair must end (default {DEFAULT_BUDGET_S:g}); "
                             "the first --processes pairs always run")
    parser.add_argument("--factor", type=float, default=DEFAULT_FACTOR,
                        help=f"smallest slowdown reported (default {DEFAULT_FACTOR}: asv's own default)")
    parser.add_argument("--alpha", type=float, default=gate_rule.ALPHA,
                        help=f"one-sided p-value threshold of the Mann-Whitney test over the processes' medians "
                             f"(default {gate_rule.ALPHA}: a regression needs 7 processes per side at least)")
    parser.add_argument("--results-dir", default=None,
                        help="keep the records here (<dir>/base/, <dir>/head/: one folder per process; <dir>/gate.json, "
                             "<dir>/gate.log); a new folder: one holding an earlier gate run is refused. "
                             "Default: a temporary folder, removed afterwards")
    parser.add_argument("--plant", default=None, metavar="KERNEL:FACTOR",
                        help=f"self-test: plant this slowdown in HEAD's processes only ({settings.PLANT_SLOWDOWN.var})")
    parser.add_argument("--fixed", "--no-confirm", dest="fixed", action="store_true",
                        help="decide on the first --processes pairs alone: no adaptive pairs")
    parser.add_argument("--all", action="store_true", help="print every case, not only the flagged ones")
    args = parser.parse_args(argv)
    check_args(parser, args, list(registry.kernels()))
    return args


def check_args(parser, args, known: list[str]) -> None:
    """Usage errors (exit 2): kernels, counts, thresholds, the plant, the commits and their worker."""
    args.kernel_list = [k.strip() for k in args.kernels.split(",") if k.strip()]
    unknown = [k for k in args.kernel_list if k not in known]
    if unknown or not args.kernel_list:
        parser.error(f"unknown kernel(s) {', '.join(unknown) or '(none given)'}; valid kernels: {', '.join(known)}")
    if args.processes < 2 or args.max_processes < args.processes:
        parser.error(f"--processes {args.processes}, --max-processes {args.max_processes}: need 2 <= processes <= max")
    if not 0 < args.alpha < 1:
        parser.error(f"--alpha {args.alpha}: must be between 0 and 1")
    if gate_rule.min_p(args.max_processes) > args.alpha:
        parser.error(f"--max-processes {args.max_processes} cannot reach p <= {args.alpha:g} (the smallest p-value is "
                     f"1/C({2 * args.max_processes}, {args.max_processes}) = {gate_rule.min_p(args.max_processes):.2g})")
    if not args.factor > 1.0:
        parser.error(f"--factor {args.factor}: must be > 1")
    if args.plant is not None:
        try:
            planted = settings.parse_plant(args.plant)
        except settings.PlantError as exc:
            parser.error(str(exc))
        bad = [k for k in planted if k not in known]
        if bad or not planted:
            parser.error(f"--plant {args.plant!r}: unknown kernel(s) {', '.join(bad)}; valid: {', '.join(known)}")
    args.base_hash, args.head_hash = resolve(args.base), resolve(args.head)
    for rev, got in ((args.base, args.base_hash), (args.head, args.head_hash)):
        if got is None:
            parser.error(f"unknown commit {rev!r}: not a revision of the repository at {ROOT}")
        if not has_worker(got):
            files = " or ".join(path for path, _ in WORKERS)
            parser.error(f"{rev} ({got[:10]}) has no {files}: the gate measures each commit with its own worker "
                         f"processes, which came in at {worker_added()}; choose commits from there on")


def main(argv=None) -> int:
    """The gate; Ctrl-C or SIGTERM stops it at once (exit 130): its processes stopped as process
    groups, its worktrees removed, its temporary folder deleted, and it says what it kept."""
    args = parse_args(argv)
    from .. import run_folders

    if removed := run_folders.remove_stale():   # folders (and worktrees) of runs killed outright
        remove_worktrees([])
        print("gate: removed " + ", ".join(map(str, removed)) + ", left by runs no longer running", flush=True)
    tmp = run_folders.make("jaxbench-gate-")
    started = time.monotonic()
    try:
        with children.interrupts_as_keyboard_interrupt():
            return gate(args, tmp, started)
    except KeyboardInterrupt:
        kept = (f"the rounds that finished are in {Path(args.results_dir).resolve()} (each process's records "
                "under base/ and head/, gate.log)" if args.results_dir
                else "nothing (no --results-dir: the records lived in a temporary folder)")
        print(f"\ngate: interrupted after {(time.monotonic() - started) / 60:.1f} min; its processes were stopped, "
              f"its worktrees and temporary folder removed; kept: {kept}", flush=True)
        return 130
    finally:
        # stragglers that left the processes' groups carry the processes' TMPDIR
        children.kill_marked(f"TMPDIR={tmp / 'tmp'}")
        remove_worktrees([tmp / "wt-base", tmp / "wt-head"])
        shutil.rmtree(tmp, ignore_errors=True)


def gate(args, tmp: Path, started: float) -> int:
    """Worktrees, pairs of processes, the decision; the exit status."""
    out_dir = Path(args.results_dir).resolve() if args.results_dir else tmp
    earlier = [d for d in ("base", "head") if (out_dir / d).exists()]
    if earlier:
        print(f"gate: error: {out_dir} holds an earlier gate run ({', '.join(earlier)}/): give a new --results-dir",
              file=sys.stderr)
        return 2
    out_dir.mkdir(parents=True, exist_ok=True)
    sides = {"base": (args.base_hash, tmp / "wt-base", None), "head": (args.head_hash, tmp / "wt-head", args.plant)}
    print(f"gate: {args.base} ({args.base_hash[:10]}) -> {args.head} ({args.head_hash[:10]}) | "
          f"{','.join(args.kernel_list)} | worker processes A B B A ..., {args.processes} pairs then adaptive "
          f"(budget {args.budget:.0f} s) | regression: ratio >= {args.factor:g} and Mann-Whitney p <= {args.alpha:g} "
          f"over process medians", flush=True)
    if args.plant:
        print(f"gate: SELF-TEST, planted slowdown {args.plant} in HEAD's processes ({settings.PLANT_SLOWDOWN.var})")
    log = open(out_dir / "gate.log", "w", encoding="utf-8")
    try:
        envs = add_worktrees(sides, tmp)
        history, rows, stop = measure(args, sides, envs, out_dir, log, started)
    except (GateError, subprocess.CalledProcessError) as exc:
        print(f"gate: error: {exc}", file=sys.stderr)
        return 2
    finally:
        log.close()
    if not any(r["verdict"] != "missing" for r in rows.values()):
        print(f"gate: error: no case was measured on both sides; see {out_dir / 'gate.log'}", file=sys.stderr)
        return 2
    return conclude(args, rows, history, stop, time.monotonic() - started, out_dir)


def conclude(args, rows: dict, history: list[dict], stop: str, wall: float, out_dir: Path) -> int:
    """Print the flagged cases and the totals, write gate.json; exit 1 if a regression was found."""
    summary = gate_report.summary(args, rows, history, stop, wall)
    gate_report.print_table(rows, args.all, args.factor)
    for line in gate_report.totals(summary):
        print(line)
    (out_dir / "gate.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    if args.results_dir:
        print(f"results: {out_dir} (gate.json, gate.log, base/, head/: one folder of records per process)")
    return 1 if summary["regressions"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
