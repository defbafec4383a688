"""Assemble the report: every section of :data:`reports.sections.SECTIONS`, in order, turns the
selected results into tables, figures and notes; :mod:`reports.render` writes them into the output
folder. The only entry point here that writes files.

Layout of the output folder (``docs/reports.md`` lists it for users)::

    index.html                     everything below, self-contained (images as base64); first
                                   section: the lecture, reproduced
    lecture.md  lecture.tex        every figure of the seed notes next to each machine's measurement
                                   and the verdict on the lecture's claim (reports/sections/lecture/)
    lecture.csv                    the same, one row per figure and machine (with csv)
    data.csv                       the tidy rows used (selected machines/commits/kernels)
    warnings.txt                   problems met while reading the results (empty if none)
    tables/health.{md,tex}         measurement health: null test, calls/sample, rounds, flags
    tables/summary.{md,tex}        kernel x variant x machine
    tables/<kernel>.{md,tex}       every case of a kernel
    tables/crossover.{md,tex}      where JAX first beats NumPy
    tables/machines.{md,tex}       same cases on each machine (two or more machines)
    tables/regressions.{md,tex}    what asv would flag across commits
    figures/speedup_*.png  figures/scaling_*.png  figures/devices_*.png  figures/placement_*.png
    figures/machines_*.png figures/history_*.png
    figures/lecture_ladder_*.png   the vmap ladder (rowdot) per machine
    figures/lecture_placement_*.png  matmul at the lecture's n = 3000: NumPy, device, explicit, implicit
    tables/scaling.{md,tex,csv}    (sharded results only) each case on N devices vs 1 device:
                                   speed-up and efficiency with 95% intervals (reports/sections/devices.py)
    figures/devices_<kernel>_<machine>.png  (sharded results only) time and speed-up vs devices

Every product but the scaling table and its figures uses the one-device rows (``devices == 1``);
results without a devices parameter give exactly the report they gave before the axis existed.

Rows that would only say n/a are left out (reports/derived/coverage.py): jax-gpu on a machine without a GPU
(one line instead: "jax-gpu: not measured on <machine> (no GPU)"), cases the run did not select.
"""
from __future__ import annotations

from pathlib import Path

from results.frame import Results

from . import context, render
from .parts import slug  # noqa: F401 (file names: reports.build.slug, as before)
from .render import Built
from .formats import ALL_FORMATS, DEFAULT_FORMATS
from .sections import SECTIONS


def build(results: Results, out_dir, machines=None, commits=None, kernels=None,
          formats=DEFAULT_FORMATS, progress: bool = True, command: str = "", jobs: int = 1) -> Built:
    """Write the whole report for the given selection (commits: machine -> full hash): each
    section's part, rendered into ``out_dir`` (the figures drawn in ``jobs`` processes)."""
    ctx = context.make(results, machines, commits, kernels, command)
    parts = [(section, section.part(ctx)) for section in SECTIONS]
    return render.write(parts, Path(out_dir), formats, progress, jobs)


__all__ = ["ALL_FORMATS", "DEFAULT_FORMATS", "Built", "build", "slug"]
