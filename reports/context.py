"""What every section of the report reads, computed once per build from the loaded results.

The selection (machines, commits, kernels) narrows :class:`results.frame.Results` to the rows a
report shows; the timing rows get their speedups, rates, flags and absence reasons here, once, so
that each section (``reports/sections/``) only arranges them into tables and figures.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from results.frame import Results, current, latest_commits, one_device, select

from . import ratios
from .derived import coverage, flags, speedup


@dataclass
class Context:
    """The report's inputs, as plain data (see :func:`make`)."""

    results: Results
    commits: dict                       # machine -> the full commit hash reported
    wanted_machines: list | None        # the --machine selection (None: all)
    wanted_kernels: list | None         # the --kernels selection (None: all)
    all_rows: pd.DataFrame              # rows of the current benchmark code, every commit
    selected: pd.DataFrame              # the selection, every device count
    df: pd.DataFrame                    # the selection's one-device rows
    machines: list                      # machines with one-device rows, sorted
    comparisons: ratios.Lookup
    rates: pd.DataFrame                 # timing rows: speedups, rates, flags, absence
    shown: pd.DataFrame                 # rates without the no-GPU and not-selected rows
    gpu_lines: list = field(default_factory=list)   # "jax-gpu: not measured on <machine> (no GPU)"
    no_gpu: list = field(default_factory=list)      # machines known to have no GPU
    command: str = ""                   # the command line that built the report

    @property
    def kernels(self) -> dict:
        """kernel -> :class:`kernels.Kernel`: the registry, as results.frame read it."""
        return self.results.kernels

    def machine_note(self, machine: str, extra: str = "") -> str:
        """The note line of a figure of one machine: ``extra`` (the registry's notes), then the GPU line."""
        lines = [extra] if extra else []
        if machine in set(self.no_gpu):
            lines.append(coverage.gpu_note(machine))
        return "\n".join(lines)


def make(results: Results, machines=None, commits=None, kernels=None, command: str = "") -> Context:
    """The context of a report of ``results`` for the given selection (commits: machine -> full hash;
    default: each machine's latest)."""
    all_rows = current(results.df)
    commits = commits or latest_commits(all_rows)
    selected = select(all_rows, machines, commits, kernels)
    df = one_device(selected)   # every product but the scaling table: one-device cases
    comparisons = ratios.Lookup(results.comparisons)   # every ratio stated: a measured comparison
    rates = speedup.with_rates(speedup.with_transfer(speedup.with_speedups(df, comparisons), df), speedup.peaks(df))
    rates = flags.with_flags(rates, results.benchmarks, results.facts)
    rates = coverage.classify(rates, results.facts)
    shown, gpu_lines = coverage.tidy(rates, results.facts)
    return Context(results, commits, machines, kernels, all_rows, selected, df, sorted(df["machine"].unique()),
                   comparisons, rates, shown, gpu_lines, coverage.no_gpu_machines(df, results.facts), command)


def figure_groups(shown: pd.DataFrame):
    """((machine, kernel, dtype, variant), its rows, its display name 'kernel [variant]') of every
    group a figure per kernel shows, sorted."""
    for key, g in shown.groupby(["machine", "kernel", "dtype", "variant"], sort=True):
        yield key, g, key[1] + (f" [{key[3]}]" if key[3] else "")


__all__ = ["Context", "make", "figure_groups"]
