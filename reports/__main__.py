"""``python -m reports``: build the report from an asv results folder, or print its measurement
health section.

    python -m reports --results .asv/results --out reports/out
    python -m reports --machine cpu-box --machine gpu-box --kernels matmul,selu --formats png,md,tex,html
    python -m reports --health [--summary] [--results DIR] [--machine M] [--commit PREFIX|MACHINE=PREFIX]
    python -m reports --rerun FIRST_OUT SECOND_OUT

``--health`` prints the measurement health section as Markdown instead of writing the report
(``--summary``: its headline lines only). ``--rerun`` reads two reports written before (two runs of
``make bench``) and prints how many of the second's ratios fall inside the first's intervals, next
to what calibrated intervals would give (:mod:`reports.sections.health.rerun`). Exit status: 0 when the report was written or the section
printed (warnings about bad input included), 1 without results, 2 when an option names a machine,
commit, kernel or format that does not exist (the message lists what does) or a --rerun folder
that holds no report.
"""
from __future__ import annotations

import argparse
import shlex
import sys
import time
import warnings
from pathlib import Path

from results.files import ResultsWarning
from results.frame import commit_matches, current, latest_commits, load_results
from results.rows import CALIBRATION_KERNEL

from .formats import ALL_FORMATS, DEFAULT_FORMATS
from .render import usable_cpus
from .sections.health import print_health

DEFAULT_RESULTS = ".asv/results"
DEFAULT_OUT = "reports/out"


def positive_int(text: str) -> int:
    """An argparse type: a whole number >= 1."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return n


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m reports", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--results", default=DEFAULT_RESULTS, help=f"asv results folder (default {DEFAULT_RESULTS})")
    p.add_argument("--machine", action="append", help="machine to include (repeatable; default: all)")
    p.add_argument("--commit", action="append",
                   help="commit (hash prefix) to report; MACHINE=PREFIX for one machine; "
                        "default: the latest commit of each machine")
    p.add_argument("--kernels", action="append", help="comma-separated kernels (default: all with results)")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    p.add_argument("--formats", default=",".join(DEFAULT_FORMATS),
                   help=f"comma-separated, from {', '.join(ALL_FORMATS)} (default {','.join(DEFAULT_FORMATS)})")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--jobs", type=positive_int, default=usable_cpus(),
                   help=f"processes that draw the figures (default: the CPUs this process may use, "
                        f"{usable_cpus()} here; 1: draw in this process)")
    p.add_argument("--health", action="store_true",
                   help="print the measurement health section (Markdown) of the selection instead of writing "
                        "the report (--out, --formats and --kernels do not apply)")
    p.add_argument("--summary", action="store_true", help="with --health: the headline lines only, not the tables")
    p.add_argument("--rerun", nargs=2, metavar=("FIRST_OUT", "SECOND_OUT"),
                   help="compare two written reports (their lecture.csv and data.csv): the second's ratios "
                        "inside the first's intervals, against what calibrated intervals give; nothing is written")
    return p


# --------------------------------------------------------------------------- the selection

def split_csv(values) -> list[str]:
    """Comma-separated option values, flattened: ['a,b', 'c'] -> ['a', 'b', 'c']."""
    return [v for item in values or [] for v in item.split(",") if v]


def refuse(what: str, bad, known) -> None:
    """Exit 2, naming the unknown ``what`` and every known one."""
    known = sorted(known)
    sys.stderr.write(f"error: unknown {what} {', '.join(map(repr, bad))}; "
                     f"known {what}s: {', '.join(known) if known else '(none)'}\n")
    raise SystemExit(2)


def show_warning(message, category, filename, lineno, file=None, line=None):
    """A results warning as one 'warning: ...' line on stderr."""
    sys.stderr.write(f"warning: {message}\n")


def load_current(results_dir):
    """(Results, rows measured with the current benchmark code) of an asv results folder; each
    problem with it is printed as a 'warning: ...' line."""
    warnings.showwarning = show_warning
    warnings.simplefilter("always", ResultsWarning)
    results = load_results(results_dir)
    return results, current(results.df)


def selected_machines(df, wanted) -> list[str]:
    """``wanted`` machines (default: every machine with results); an unknown one exits 2."""
    known = sorted(df["machine"].unique())
    machines = wanted or known
    bad = [m for m in machines if m not in known]
    if bad:
        refuse("machine", bad, known)
    return machines


def resolve_commits(df, machines, specs) -> dict:
    """machine -> full commit hash, from ``--commit`` values (PREFIX or MACHINE=PREFIX)."""
    chosen = latest_commits(df[df["machine"].isin(machines)])
    for spec in specs or []:
        target, prefix = spec.split("=", 1) if "=" in spec else (None, spec)
        if target is not None and target not in machines:
            refuse("machine", [target], machines)
        hits = {m: commit_matches(df, m, prefix) for m in ([target] if target else machines)}
        if not any(hits.values()):
            known = {c[:8] for m in machines for c in df.loc[df["machine"] == m, "commit"].dropna().unique()}
            refuse("commit", [prefix], known)
        for m, found in hits.items():
            if len(found) > 1:
                refuse("commit (ambiguous prefix)", [prefix], [c[:12] for c in found])
            if found:
                chosen[m] = found[0]
    return chosen


# --------------------------------------------------------------------------- the command

def health(args) -> int:
    """``--health``: print the health section of the selected results."""
    results, df = load_current(args.results)
    if df.empty:
        sys.stderr.write(f"error: no asv results in {args.results}\n")
        return 1
    machines = selected_machines(df, args.machine)
    commits = resolve_commits(df, machines, args.commit)
    print_health(results, df, machines, commits, summary=args.summary, results_dir=args.results)
    return 0


def rerun(first: str, second: str) -> int:
    """``--rerun``: print the re-run check of two written reports; 2 where a folder holds none."""
    from .sections.health import rerun as check

    try:
        print(check.text(Path(first), Path(second)))
    except check.NotAReport as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    return 0


def main(argv=None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.summary and not args.health:
        p.error("--summary is an option of --health")
    if args.health:
        return health(args)
    if args.rerun:
        return rerun(*args.rerun)
    formats = split_csv([args.formats])
    bad = [f for f in formats if f not in ALL_FORMATS]
    if bad:
        refuse("format", bad, ALL_FORMATS)
    t0 = time.perf_counter()
    results, df = load_current(args.results)
    if df.empty:
        sys.stderr.write(f"error: no asv results to report in {args.results} (see the warnings above)\n")
        return 1
    machines = selected_machines(df, args.machine)
    kernels = split_csv(args.kernels) or None
    known_kernels = set(df.loc[df["kernel"] != CALIBRATION_KERNEL, "kernel"].unique())
    if kernels:
        bad = [k for k in kernels if k not in known_kernels]
        if bad:
            refuse("kernel", bad, known_kernels)
    commits = resolve_commits(df, machines, args.commit)
    from .build import build            # the figures' matplotlib: only where a report is written

    command = "python -m reports " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    built = build(results, args.out, machines, commits, kernels, formats, progress=not args.no_progress,
                  command=command.strip(), jobs=args.jobs)
    elapsed = time.perf_counter() - t0
    index = Path(args.out) / "index.html"
    print(f"report: {len(built.files)} files in {args.out} ({elapsed:.1f} s)"
          + (f"; open {index}" if index.exists() else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
