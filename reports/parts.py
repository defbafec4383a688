"""What a section hands the renderer: tables, output files, figures and page items, as plain data.

A section (``reports/sections/``) computes; :mod:`reports.render` writes. Between them only these
records pass, so a section never opens a file and the renderer never computes a number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd


def slug(*parts) -> str:
    """A file-name-safe stem from its parts: ``slug("speedup", "matmul", "x@x.T")`` -> 'speedup_matmul_xatxT'."""
    text = "_".join(str(p) for p in parts if p not in (None, ""))
    text = text.replace("@", "at").replace(".T", "T")
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


@dataclass
class Table:
    """One table: a DataFrame of display strings, its caption and notes, and its LaTeX layout
    (``label``, ``keys``, ``groups``, ``left``: see :func:`reports.formats.writers.to_latex`)."""

    frame: pd.DataFrame
    caption: str = ""
    notes: list = field(default_factory=list)
    label: str = ""
    keys: list | None = None
    groups: list | None = None
    left: list | None = None


@dataclass
class Doc:
    """One file family of the report folder: ``<path>.md``, ``<path>.tex`` and ``<path>.csv``, each as
    the formats ask; or, with ``text``, the one file ``path`` written whatever the formats.

    Markdown: the ``heading`` and its bullet ``lines`` (when there is a heading), then ``tables``;
    LaTeX: ``latex`` (default: ``tables``) joined by ``latex_sep``; CSV: ``csv`` as it is."""

    path: str
    tables: list = field(default_factory=list)
    latex: list | None = None
    heading: str = ""
    lines: list = field(default_factory=list)
    latex_sep: str = "\n"
    csv: pd.DataFrame | None = None
    text: str | None = None


@dataclass
class Figure:
    """One figure: ``draw()`` returns a matplotlib Figure, saved as ``figures/<stem>.<format>``;
    ``order`` places it among the figures of its page section (default: as listed)."""

    stem: str
    draw: Callable
    caption: str
    kernel: str = ""
    order: tuple = ()


@dataclass
class Part:
    """What one section adds to the report: files to write, figures to draw, what its section of
    ``index.html`` shows (``page``: :class:`Table`, :class:`Figure` or an HTML string, in order; None: no section) and
    the figures it did not draw, with why."""

    docs: list = field(default_factory=list)
    figures: list = field(default_factory=list)
    page: list | None = None
    skipped: list = field(default_factory=list)


__all__ = ["Doc", "Figure", "Part", "Table", "slug"]
