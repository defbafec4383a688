"""``python -m runner --commits A..B`` (``make bench COMMITS=A..B``): the default run on each commit of
a range, in asv's virtualenv, commits interleaved, so the report's history shows every commit.

    python -m runner --commits HEAD~3..HEAD        # HEAD~2, HEAD~1, HEAD (git's A..B: A excluded)
    python -m runner --commits 1a2b3c,HEAD         # a list of revisions, in the order given

Each commit is measured by ``asv run <hash>^!`` without ``--python=same``: asv builds the commit's
wheel and installs it into the virtualenv of asv.conf.json's matrix (created once, under
``.asv/env``), and the suite (bench/, asv's ``benchmark_dir``) of this checkout measures the
commit's ``kernels`` (asv's model: one suite, the code of each commit). The passes go round the
commits as the gate does, reversing the order every pass, so a slow spell of the machine falls on
every commit alike: timed rounds first (``--rounds``, one process per case each), then the
comparison passes (``--processes``, every declared comparison per pass), then the calibration of
each commit. No extra comparison processes (unlike a one-commit run): every commit gets the same.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

MAX_COMMITS = 12   # more is a job for asv itself (asv run A..B), not for interleaved passes


class CommitsError(ValueError):
    """A commit range that cannot be measured (a usage error)."""


def resolve(spec: str, cwd: Path) -> list[str]:
    """Full hashes of ``spec``, oldest first: a git range ``A..B`` (first-parent history, A excluded,
    as asv and git read it) or comma-separated revisions (in the order given)."""
    def git(*args) -> str:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
        if done.returncode != 0:
            first = (done.stderr.strip().splitlines() or ["not a commit of this repository"])[0]
            raise CommitsError(f"--commits {spec!r}: {first}")
        return done.stdout.strip()

    spec = spec.strip()
    if ".." in spec:
        hashes = git("rev-list", "--first-parent", "--reverse", spec).split()
        if not hashes:
            raise CommitsError(f"--commits {spec!r}: the range holds no commit (git's A..B excludes A: "
                               f"HEAD~3..HEAD is the last three)")
    else:
        revs = [r.strip() for r in spec.split(",") if r.strip()]
        if not revs:
            raise CommitsError("--commits: no revision given")
        hashes = []
        for r in revs:
            try:
                hashes.append(git("rev-parse", "--verify", "--quiet", f"{r}^{{commit}}"))
            except CommitsError:
                raise CommitsError(f"--commits {spec!r}: {r!r} is not a commit of this repository") from None
    if len(set(hashes)) != len(hashes):
        raise CommitsError(f"--commits {spec!r}: a commit is named twice")
    if len(hashes) > MAX_COMMITS:
        raise CommitsError(f"--commits {spec!r}: {len(hashes)} commits; at most {MAX_COMMITS} are interleaved "
                           f"(for a long history use asv itself: asv run {spec}, docs/asv.md)")
    return hashes


def order(commits: list[str], pass_no: int) -> list[str]:
    """The commits in pass ``pass_no`` (1-based): oldest first, then newest first, alternating."""
    return list(commits) if pass_no % 2 else list(reversed(commits))


def kernel_regexes(kernel_list, gpu: bool, full: bool, timed_only: bool, selection) -> tuple[list[str], int, dict]:
    """The ``-b`` regexes, case count and wanted keys of every kernel together (one asv invocation
    per commit and pass: each invocation may reinstall the commit into the virtualenv)."""
    regexes, chosen, wanted = [], 0, {}
    for kernel in kernel_list:
        rx, n, _, w = selection(kernel, gpu, full, timed_only=timed_only)
        regexes += rx
        chosen += n
        wanted.update(w)
    return regexes, chosen, wanted


def measure_commits(args, commits: list[str], gpu: bool, runners: dict, env: dict, machine_dir: Path,
                    selection, run_log, say=print) -> None:
    """Timed rounds, comparison sweeps and calibration of every commit, interleaved, each into
    ``run_log`` (:class:`runner.run_log.RunLog`).

    ``runners[commit](regexes, append) -> exit code`` runs asv on that commit in the virtualenv."""
    from results import rounds as rounds_file

    from results import records

    from . import outcome, comparison_sweeps

    for r in range(1, args.rounds + 1):
        say(f"\n== round {r}/{args.rounds}" + (" (all benchmarks)" if r == 1 else " (steady-state timings)"),
            flush=True)
        regexes, chosen, wanted = kernel_regexes(args.kernel_list, gpu, args.full, r > 1 or args.timed_only, selection)
        for c in order(commits, r):
            rc, status = outcome.run_pass(c[:10], chosen, lambda on_line: runners[c](regexes, r > 1 or args.append, on_line),
                                          machine_dir, c, wanted, say)
            run_log.asv_run((c, r), rc, status, f"{c[:10]} (round {r})")
            rounds_file.record(machine_dir, c, r + int(args.append), tuple(f"bench_{k}." for k in args.kernel_list))
            run_log.keep(f"{c[:10]} round {r}")
    if args.comparisons:
        selections, measured = comparison_sweeps.selections_of(args.kernel_list, gpu)
        run_id = None if args.append else records.run_id()
        with comparison_sweeps.drop_folder(env) as drops:
            for p in range(1, args.processes + 1 if measured else 1):
                for c in order(commits, p + args.rounds):
                    comparison_sweeps.asv_sweep(p, f"/{args.processes} of {c[:10]}", measured, selections, runners[c], drops,
                                        machine_dir, c, run=run_id, say=say)
                    run_log.keep(f"{c[:10]} comparisons sweep {p}")
    if not args.timed_only:
        say("\n== calibration: GEMM peak and copy bandwidth of this machine, per commit", flush=True)
        for c in order(commits, 1):
            run_log.failed_run(f"calibration {c[:10]}", runners[c]([r"^bench_calibration\."], False))
