"""Reports from asv results: tidy DataFrame -> speedup plots, tables (Markdown, LaTeX), index.html.

    python -m reports --results .asv/results --out reports/out

Public API (pure functions over DataFrames; only :func:`build` writes files)::

    from reports import load_results, build
    res = load_results(".asv/results")        # res.df: one row per benchmark x parameters
    build(res, "reports/out")                 # figures/, tables/, index.html, data.csv

The report opens with the lecture, reproduced (:mod:`reports.sections.lecture`: every figure of the seed
notes, from ``kernels/lecture_figures.toml``, next to each machine's measurement, with a verdict).
Every product uses the one-device rows (``devices == 1``); cases sharded over more devices get a
scaling table of their own (:mod:`reports.sections.devices`). See docs/reports.md for what the report contains.
"""
from results.frame import COLUMNS, Results, latest_commits, load_results, select
from results.files import ResultsWarning


def __getattr__(name: str):
    """``build`` and ``DEFAULT_FORMATS``, imported on first use: they import matplotlib (the
    figures), which ``python -m reports --health`` and ``--rerun`` never need (PEP 562)."""
    if name in ("build", "DEFAULT_FORMATS"):
        from . import build as module

        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["COLUMNS", "DEFAULT_FORMATS", "Results", "ResultsWarning", "build", "latest_commits",
           "load_results", "select"]
