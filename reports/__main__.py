"""``python -m reports``: build the report from an asv results folder.

    python -m reports --results .asv/results --out reports/out
    python -m reports --machine cpu-box --machine gpu-box --kernels matmul,selu --formats png,md,tex,html

The measurement health section alone: ``python -m reports.health`` (same --results, --machine,
--commit). Exit status: 0 when the report was written (warnings about bad input included), 2 when an
option names a machine, commit, kernel or format that does not exist (the message lists what does).
"""
from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

from results.rows import CALIBRATION_KERNEL

from .build import ALL_FORMATS, DEFAULT_FORMATS, build
from .options import load_current, refuse, resolve_commits, selected_machines, split_csv  # noqa: F401

DEFAULT_RESULTS = ".asv/results"
DEFAULT_OUT = "reports/out"


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
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
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
    command = "python -m reports " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    built = build(results, args.out, machines, commits, kernels, formats, progress=not args.no_progress,
                  command=command.strip())
    elapsed = time.perf_counter() - t0
    index = Path(args.out) / "index.html"
    print(f"report: {len(built.files)} files in {args.out} ({elapsed:.1f} s)"
          + (f"; open {index}" if index.exists() else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
