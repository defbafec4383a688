"""``python -m runner``: run the asv suite on this machine, write the machine facts, build the report.

    python -m runner                         # every kernel, the default run's cases (~10 min on 2 CPU cores)
    python -m runner --kernels matmul,selu   # some kernels
    python -m runner --full                  # each kernel's full benchmark grid (long)
    python -m runner --machine lab-gpu       # results under that asv machine name

Its command line (this docstring's first paragraph is ``--help``'s description); the run itself:
runner/__main__.py.
"""
from __future__ import annotations

import argparse
import re

from kernels import settings

from .asv_run import ROOT


def _parser(known: list[str]) -> argparse.ArgumentParser:
    """The options of ``python -m runner`` (``known``: the registry's kernels)."""
    from .comparison_sweeps import COMMITS_PROCESSES, LECTURE_MAX_PROCESSES, MAX_PROCESSES, PROCESSES

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
                             f"comparisons off with {settings.COMPARISONS.var}=0), as separate passes over all kernels "
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
    return parser


def parse_args(argv=None):
    """The command line, checked: unknown kernels, a bad machine name, --rounds or --processes below
    their minimum and --commit with --commits are refused (exit 2); ``args.kernel_list``,
    ``args.comparisons``, ``args.timed_only`` (the settings ``settings.COMPARISONS`` and
    ``settings.TIMED_ONLY``; a bad value is a usage error) and, with
    ``--commits``, ``args.commit_list`` added."""
    import kernels

    from .comparison_sweeps import COMMITS_PROCESSES, PROCESSES

    known = list(kernels.kernels())
    parser = _parser(known)
    args = parser.parse_args(argv)
    wanted = known if args.kernels in ("all", "") else [k.strip() for k in args.kernels.split(",") if k.strip()]
    unknown = [k for k in wanted if k not in known]
    if unknown:
        parser.error(f"unknown kernel(s) {', '.join(unknown)}; valid kernels: {', '.join(known)}")
    if args.machine is not None and not re.fullmatch(r"[A-Za-z0-9_.-]+", args.machine):
        parser.error(f"machine name {args.machine!r}: use letters, digits, '.', '_' or '-'")
    if args.rounds < 1:
        parser.error(f"--rounds {args.rounds}: at least 1 (2 or more to measure the spread between processes)")
    try:   # the environment's switches (kernels/settings.py): comparisons off, steady-state time_ only
        args.comparisons, args.timed_only = settings.comparisons(), settings.timed_only()
    except settings.SettingError as exc:
        parser.error(str(exc))
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
