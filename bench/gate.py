"""``python -m bench.gate BASE HEAD``: a regression gate that does not cry wolf (docs/gate.md).

    python -m bench.gate main HEAD                       # the lecture set, 4 rounds, factor 1.10
    python -m bench.gate main HEAD --kernels selu --rounds 4 --factor 1.2
    python -m bench.gate HEAD HEAD --plant selu:1.25     # self-test: a planted 25% slowdown

1. Checks BASE and HEAD out into temporary git worktrees.
2. For each round, runs ``python -m bench --kernels K --rounds 1 [--append] --commit C
   --results-dir DIR/<side> --no-report`` in each worktree (cwd and PYTHONPATH = the worktree,
   and ASV_PYTHONPATH too: asv drops PYTHONPATH from its benchmark processes, which would then
   import the ``kernels`` of the editable install instead of the worktree's). The order of the
   two commits alternates (B,H then H,B ...), so their processes are interleaved in time.
3. Compares every steady-state case (``time_``) of HEAD with BASE. The ratio is HEAD's median /
   BASE's median (all samples, as asv reports them). A case is a regression when
   ratio >= factor (1.10) AND a one-sided exact Mann-Whitney test over the processes' medians
   (one per round and commit) gives p <= alpha (0.03; with 4 rounds: at most one of the 16
   HEAD/BASE process pairs out of order); an improvement in the mirror case. Processes, not
   samples, are the unit: the noise between processes dominates here, and a test over pooled
   samples (asv continuous) cries wolf. The two-level bootstrap interval (``jaxbench.stats``)
   is printed for information.
4. Looks again where the first set is flagged or ambiguous (ratio >= 1 + (factor - 1) / 2 and
   p <= 0.25): ``--rounds`` fresh rounds of those kernels, and the decision is taken on the
   processes of BOTH sets together (2R per side): ratio >= factor and p <= 0.005
   (``COMBINED_ALPHA``). A case flagged by the first set alone and not by both is "unconfirmed".
   ``--no-confirm`` decides on the first set alone.

Exit status: 1 when a regression is found, 0 otherwise, 2 on a usage error or a failed run.
``--plant KERNEL:FACTOR`` sets ``JAXBENCH_PLANT_SLOWDOWN`` for HEAD's runs only (kernels/_plant.py):
a self-test that the gate sees a slowdown of that size.
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

from . import children
from .gate_rule import ALPHA, LEVEL, asv_pooled_verdict, compare_case, decide_both, load_rounds, min_p, second_look

ROOT = Path(__file__).resolve().parents[1]
LECTURE_SET = ("selu", "batching", "rowdot", "grad", "matmul")
DEFAULT_ROUNDS = 4
DEFAULT_FACTOR = 1.10
class GateError(RuntimeError):
    """A run of the gate could not be completed (exit 2)."""


# --------------------------------------------------------------------------- running

def _git(*args, cwd=ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def resolve(rev: str) -> str | None:
    try:
        return _git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    except subprocess.CalledProcessError:
        return None


def side_env(worktree: Path, plant: str | None) -> dict:
    env = dict(os.environ)
    env.pop("JAXBENCH_PLANT_SLOWDOWN", None)
    if plant:
        env["JAXBENCH_PLANT_SLOWDOWN"] = plant
    # the worktree's kernels/ and bench/, in python -m bench and in asv's benchmark processes
    # (asv replaces PYTHONPATH by ASV_PYTHONPATH there; without it the editable install wins)
    env["PYTHONPATH"] = str(worktree)
    env["ASV_PYTHONPATH"] = str(worktree)
    env.pop("JAXBENCH_SIZES", None)
    return env


def check_imports(worktree: Path, env: dict) -> None:
    """Fail unless a process started like asv's benchmark processes imports the worktree's code."""
    probe = ("import kernels, bench, os; print(os.path.dirname(os.path.dirname(kernels.__file__)));"
             "print(os.path.dirname(os.path.dirname(bench.__file__)))")
    child = dict(env, PYTHONPATH=env["ASV_PYTHONPATH"])
    with tempfile.TemporaryDirectory() as elsewhere:
        out = subprocess.run([sys.executable, "-c", probe], cwd=elsewhere, env=child,
                             capture_output=True, text=True)
    where = {Path(p).resolve() for p in out.stdout.split()}
    if out.returncode != 0 or where != {worktree.resolve()}:
        raise GateError(f"the worktree {worktree} would not import its own kernels/ and bench/ "
                        f"(got {sorted(map(str, where))}; {out.stderr.strip()[-300:]})")


def run_side(worktree: Path, commit: str, kernels: list[str], results: Path, machine: str | None,
             append: bool, env: dict, log) -> None:
    cmd = [sys.executable, "-m", "bench", "--kernels", ",".join(kernels), "--rounds", "1",
           "--commit", commit, "--results-dir", str(results), "--no-report"]
    if append:
        cmd.append("--append")
    if machine:
        cmd += ["--machine", machine]
    log.write(f"\n$ (cd {worktree}) {' '.join(cmd)}\n")
    log.flush()
    # the gate compares absolute times of two commits: no comparison passes (older commits ignore this)
    # and only the steady-state time_ benchmarks it compares (no compile/transfer/peak-memory/calibration)
    env = dict(env, JAXBENCH_COMPARISONS="0", JAXBENCH_TIMED_ONLY="1")
    # its own process group: an interrupted gate stops it and everything it started (children.py)
    rc = children.run_group(cmd, cwd=worktree, env=env, stdout=log, stderr=subprocess.STDOUT)
    if rc != 0:
        raise GateError(f"`python -m bench` failed (exit {rc}) in {worktree}; see {log.name}")


def machine_name(worktree: Path, env: dict, machine: str | None) -> str:
    if machine:
        return machine
    out = subprocess.run([sys.executable, "-c", "from asv.machine import Machine;"
                          "print(Machine.get_unique_machine_name())"],
                         cwd=worktree, env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


# --------------------------------------------------------------------------- CLI

def parse_args(argv=None):
    import kernels as registry
    from kernels import _plant

    parser = argparse.ArgumentParser(prog="python -m bench.gate",
                                     description="Regression gate: BASE vs HEAD, interleaved rounds, a "
                                                 "Mann-Whitney test over processes (docs/gate.md).")
    parser.add_argument("base", metavar="BASE", help="baseline commit (any git revision)")
    parser.add_argument("head", metavar="HEAD", help="commit under test (any git revision)")
    parser.add_argument("--kernels", default=",".join(LECTURE_SET),
                        help=f"comma-separated kernels (default: the lecture set {','.join(LECTURE_SET)})")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS,
                        help=f"processes per case and commit, interleaved (default {DEFAULT_ROUNDS}; "
                             "at least 2; with R rounds, complete separation of the processes happens "
                             "by chance with probability 1/C(2R, R) per case and direction)")
    parser.add_argument("--factor", type=float, default=DEFAULT_FACTOR,
                        help=f"smallest slowdown reported (default {DEFAULT_FACTOR}: asv's own default)")
    parser.add_argument("--alpha", type=float, default=ALPHA,
                        help=f"one-sided p-value threshold of the Mann-Whitney test over the processes' "
                             f"medians (default {ALPHA}); needs 1/C(2R, R) <= alpha, R = --rounds")
    parser.add_argument("--results-dir", default=None,
                        help="keep the results here (<dir>/base, <dir>/head, <dir>/gate.json, "
                             "<dir>/gate.log); default: a temporary folder, removed afterwards")
    parser.add_argument("--machine", default=None, help="asv machine name (default: this host's)")
    parser.add_argument("--plant", default=None, metavar="KERNEL:FACTOR",
                        help="self-test: plant this slowdown in HEAD's runs only (JAXBENCH_PLANT_SLOWDOWN)")
    parser.add_argument("--no-confirm", dest="confirm", action="store_false",
                        help="report the first set of rounds' regressions without confirming them "
                             "in a second, independent set (default: confirm)")
    parser.add_argument("--all", action="store_true", help="print every case, not only the flagged ones")
    args = parser.parse_args(argv)
    known = list(registry.kernels())
    args.kernel_list = [k.strip() for k in args.kernels.split(",") if k.strip()]
    unknown = [k for k in args.kernel_list if k not in known]
    if unknown or not args.kernel_list:
        parser.error(f"unknown kernel(s) {', '.join(unknown) or '(none given)'}; valid kernels: {', '.join(known)}")
    if args.rounds < 2:
        parser.error(f"--rounds {args.rounds}: at least 2 (the interval is over processes)")
    if not 0 < args.alpha < 1:
        parser.error(f"--alpha {args.alpha}: must be between 0 and 1")
    if min_p(args.rounds) > args.alpha:
        parser.error(f"--rounds {args.rounds} cannot reach p <= {args.alpha:g} (the smallest p-value is "
                     f"1/C({2 * args.rounds}, {args.rounds}) = {min_p(args.rounds):.3f}): raise --rounds or --alpha")
    if not args.factor > 1.0:
        parser.error(f"--factor {args.factor}: must be > 1")
    if args.plant is not None:
        try:
            planted = _plant.parse(args.plant)
        except _plant.PlantError as exc:
            parser.error(str(exc))
        bad = [k for k in planted if k not in known]
        if bad or not planted:
            parser.error(f"--plant {args.plant!r}: unknown kernel(s) {', '.join(bad)}; valid: {', '.join(known)}")
    args.base_hash, args.head_hash = resolve(args.base), resolve(args.head)
    for rev, got in ((args.base, args.base_hash), (args.head, args.head_hash)):
        if got is None:
            parser.error(f"unknown commit {rev!r}: not a revision of the repository at {ROOT}")
    return args


def _fmt(x: float) -> str:
    return "nan" if x != x else f"{x:.3f}"


def main(argv=None) -> int:
    """The gate; Ctrl-C or SIGTERM stops it at once (exit 130): its runs stopped as process groups,
    its worktrees removed, its temporary folder deleted, and it says what it kept."""
    args = parse_args(argv)
    from . import run_folders

    if removed := run_folders.remove_stale():   # folders (and worktrees) of runs killed outright
        remove_worktrees([])
        print("gate: removed " + ", ".join(map(str, removed)) + ", left by runs no longer running", flush=True)
    tmp = run_folders.make("jaxbench-gate-")
    started = time.monotonic()
    try:
        with children.interrupts_as_keyboard_interrupt():
            return gate(args, tmp, started)
    except KeyboardInterrupt:
        kept = (f"the rounds that finished are in {Path(args.results_dir).resolve()} (asv JSON per side, gate.log)"
                if args.results_dir else "nothing (no --results-dir: the runs lived in a temporary folder)")
        print(f"\ngate: interrupted after {(time.monotonic() - started) / 60:.1f} min; its runs were stopped, "
              f"its worktrees and temporary folder removed; kept: {kept}", flush=True)
        return 130
    finally:
        # stragglers that left the runs' process groups (asv's benchmark server) carry the runs' TMPDIR
        children.kill_marked(f"TMPDIR={tmp / 'tmp'}")
        remove_worktrees([tmp / "wt-base", tmp / "wt-head"])
        shutil.rmtree(tmp, ignore_errors=True)


def remove_worktrees(paths) -> None:
    """``git worktree remove --force`` each path that exists, then ``git worktree prune``."""
    for wt in paths:
        if Path(wt).exists():
            subprocess.run(["git", "worktree", "remove", "--force", str(wt)], cwd=ROOT, capture_output=True)
    subprocess.run(["git", "worktree", "prune"], cwd=ROOT, capture_output=True)


def judge(base: dict, head: dict, factor: float, alpha: float) -> dict:
    """{case key: row}: every case measured on both sides, compared (``compare_case``), with asv's
    pooled-sample verdict beside it."""
    rows = {}
    for key in sorted(set(base) & set(head)):
        res = compare_case(base[key], head[key], factor, key="|".join(key), alpha=alpha)
        res["asv_pooled"], res["asv_p"] = asv_pooled_verdict(base[key], head[key], factor)
        rows[key] = {"benchmark": key[0], "params": key[1], **res}
    return rows


def add_worktrees(sides: dict, tmp: Path) -> dict:
    """One worktree per side (``main`` removes them, however the gate ends); {side: its runs' env}."""
    envs = {}
    (tmp / "tmp").mkdir(exist_ok=True)
    for side, (commit, wt, plant) in sides.items():
        _git("worktree", "add", "--detach", "--quiet", str(wt), commit)
        # the runs' temporary files inside the gate's folder: removed with it, however they end
        envs[side] = dict(side_env(wt, plant), TMPDIR=str(tmp / "tmp"))
        check_imports(wt, envs[side])
    return envs


def gate(args, tmp: Path, started: float) -> int:
    out_dir = Path(args.results_dir).resolve() if args.results_dir else tmp
    out_dir.mkdir(parents=True, exist_ok=True)
    sides = {"base": (args.base_hash, tmp / "wt-base", None),
             "head": (args.head_hash, tmp / "wt-head", args.plant)}
    print(f"gate: {args.base} ({args.base_hash[:10]}) -> {args.head} ({args.head_hash[:10]}) | "
          f"{','.join(args.kernel_list)} | {args.rounds} interleaved rounds | regression: ratio >= "
          f"{args.factor:g} and p <= {args.alpha:g} over processes")
    if args.plant:
        print(f"gate: SELF-TEST, planted slowdown {args.plant} in HEAD's runs (JAXBENCH_PLANT_SLOWDOWN)")
    log = open(out_dir / "gate.log", "w", encoding="utf-8")

    def measure(kernel_list, tag):
        for r in range(1, args.rounds + 1):
            for side in (["base", "head"] if r % 2 else ["head", "base"]):
                commit, wt, _ = sides[side]
                t0 = time.monotonic()
                run_side(wt, commit, kernel_list, out_dir / f"{tag}{side}", machine, r > 1, envs[side], log)
                print(f"  {tag}round {r}/{args.rounds} {side:4s} ({commit[:10]}): "
                      f"{time.monotonic() - t0:.0f} s", flush=True)
        return (load_rounds(out_dir / f"{tag}base", machine, args.base_hash, kernel_list),
                load_rounds(out_dir / f"{tag}head", machine, args.head_hash, kernel_list))

    try:
        envs = add_worktrees(sides, tmp)
        machine = machine_name(sides["base"][1], envs["base"], args.machine)
        base, head = measure(args.kernel_list, "")
        if not set(base) & set(head):
            raise GateError(f"no steady-state case was measured on both sides; see {log.name}")
        rows = judge(base, head, args.factor, args.alpha)
        flagged = [k for k, r in rows.items() if r["verdict"] == "regression"]
        again_keys = [k for k, r in rows.items() if r["verdict"] == "regression" or second_look(r, args.factor)]
        if again_keys and args.confirm:
            # a second set of rounds for the kernels with a flagged or ambiguous case; the decision
            # is taken on the processes of both sets together (docs/gate.md, "Two sets, one decision")
            again = sorted({k[0].split(".")[0][len("bench_"):] for k in again_keys})
            print(f"gate: {len(flagged)} case(s) flagged, {len(again_keys) - len(flagged)} ambiguous; "
                  f"{args.rounds} more rounds of {','.join(again)}, then one decision over both sets", flush=True)
            base2, head2 = measure(again, "confirm-")
            for key in again_keys:
                if key in base2 and key in head2:
                    rows[key] = decide_both(rows[key], base[key] + base2[key], head[key] + head2[key],
                                            args.factor, "|".join(key))
    except (GateError, subprocess.CalledProcessError) as exc:
        print(f"gate: error: {exc}", file=sys.stderr)
        return 2
    finally:
        log.close()
    only = len(set(base) ^ set(head))
    return conclude(args, list(rows.values()), only, machine, time.monotonic() - started, out_dir)


def conclude(args, rows: list[dict], only: int, machine: str, wall: float, out_dir: Path) -> int:
    """Print the flagged cases and the totals, write gate.json; exit 1 if a regression was found."""
    regressions = [r for r in rows if r["verdict"] == "regression"]
    improvements = [r for r in rows if r["verdict"] == "improvement"]
    asv_flags = sum(r["asv_pooled"] in ("regression", "improvement") for r in rows)
    unconfirmed = [r for r in rows if r["verdict"] == "unconfirmed"]
    shown = rows if args.all else regressions + unconfirmed + improvements
    if shown:
        print(f"\n{'verdict':11s} {'ratio':>6s} {'p':>6s} {'bootstrap 95%':>15s}  case")
        for r in shown:
            p_side = r["p_faster"] if r["ratio"] < 1 else r["p_slower"]
            print(f"{r['verdict']:11s} {_fmt(r['ratio']):>6s} {_fmt(p_side):>6s} "
                  f"[{_fmt(r['boot_lo'])}, {_fmt(r['boot_hi'])}]  {r['benchmark']}({r['params']})")
    if only:
        print(f"({only} cases measured on one side only, not compared)")
    print(f"\n{len(rows)} cases compared, {len(regressions)} regressions, {len(improvements)} improvements"
          + (f", {len(unconfirmed)} flagged but not confirmed" if unconfirmed else "") +
          f"  (pooled-sample Mann-Whitney as in asv continuous would flag {asv_flags}; "
          f"{wall / 60:.1f} min)")
    summary = {"base": args.base_hash, "head": args.head_hash, "kernels": args.kernel_list,
               "rounds": args.rounds, "factor": args.factor, "alpha": args.alpha, "level": LEVEL, "plant": args.plant,
               "machine": machine, "wall_seconds": wall, "cases": rows,
               "regressions": len(regressions), "improvements": len(improvements),
               "unconfirmed": len(unconfirmed), "confirm": args.confirm,
               "asv_pooled_flags": asv_flags}
    (out_dir / "gate.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    if args.results_dir:
        print(f"results: {out_dir} (gate.json, gate.log, base/, head/)")
    return 1 if regressions else 0


if __name__ == "__main__":
    raise SystemExit(main())
