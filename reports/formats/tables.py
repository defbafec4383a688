"""Display strings shared by the report's tables: times in %timeit style, speedups with their
intervals, statuses, and the headline size of a kernel (:mod:`reports.formats.writers` writes the
tables as Markdown or LaTeX, booktabs). Each table used by one section only lives in that section.

Every time is a median per call (asv's ``result``) printed %timeit style (``746 us``); the IQR
column is the sample quartiles q25-q75; speedups are ratios of medians against the NumPy-CPU
baseline of the same machine, size, dtype and variant, measured as comparisons (both sides in one
process, interleaved, several processes: :mod:`reports.ratios`) and printed with their 95% interval
(processes resampled, then passes): ``5.83x [5.21, 6.42]``; a ratio nobody declared is the quotient
of two asv medians, marked ``(across processes: not a measured comparison)`` with no interval; a ratio whose interval contains 1 reads
``no measurable difference (0.97x [0.91, 1.04])`` and is never called faster or slower; one
without samples ``3.1x (no interval: no samples)``; "(1P)" marks an interval of one process
(a plain bootstrap). "% peak" compares the rate of the median with the machine's calibration
peak (see :mod:`reports.derived.speedup`). The Flags column holds :data:`reports.derived.flags.FLAGS` codes.
Next to "vs NumPy", "vs lecture baseline" is the speedup over the baseline the lecture's claim
uses (``Kernel.lecture_baseline``: the Python loop, eager, or NumPy; see
:func:`reports.derived.speedup.with_lecture_speedups`), e.g. ``480x [455, 502] vs loop``.
Rows left out (jax-gpu on a machine without a GPU, cases the run did not select) and the reasons
of the skips that stay: :mod:`reports.derived.coverage`.
"""
from __future__ import annotations

import math

import pandas as pd

from kernels import format_seconds

from results import median_intervals

STATUS = {"skipped": "n/a", "failed": "failed"}


def fmt_time(x) -> str:
    return format_seconds(float(x)) if x is not None and x == x else "-"


def fmt_iqr(q25, q75) -> str:
    return f"{fmt_time(q25)} - {fmt_time(q75)}" if q25 == q25 and q75 == q75 else "-"


def fmt_num(x, digits=3, suffix="") -> str:
    if x is None or x != x or math.isinf(x):
        return "-"
    return f"{x:.{digits}g}{suffix}" if abs(x) < 10 ** digits else f"{x:,.0f}{suffix}"


NO_DIFFERENCE = "no measurable difference"
NO_INTERVAL = "no interval: no samples"
ACROSS_TEXT = "across processes: not a measured comparison"


def fmt_interval(point, lo, hi) -> str:
    """'5.83x [5.21, 6.42]'."""
    return f"{fmt_num(point, suffix='x')} [{fmt_num(lo)}, {fmt_num(hi)}]"


def fmt_speedup(point, lo, hi, method: str = median_intervals.METHOD_ROUNDS, baseline: bool = False) -> str:
    """A ratio with its 95% interval; 'no measurable difference (...)' when the interval contains 1."""
    if point is None or point != point:
        return "-"
    if baseline:
        return f"{fmt_num(point, suffix='x')} (baseline)"
    if method == median_intervals.METHOD_ACROSS:
        return f"{fmt_num(point, suffix='x')} ({ACROSS_TEXT})"
    if method == median_intervals.METHOD_NONE or lo != lo or hi != hi:
        return f"{fmt_num(point, suffix='x')} ({NO_INTERVAL})"
    text = fmt_interval(point, lo, hi) + (" (1P)" if method == median_intervals.METHOD_ONE else "")
    return f"{NO_DIFFERENCE} ({text})" if median_intervals.contains_one(lo, hi) else text


def speedup_cell(r) -> str:
    """The speedup of a rates row as printed in the tables."""
    return fmt_speedup(r["speedup"], r.get("speedup_lo", math.nan), r.get("speedup_hi", math.nan),
                       r.get("speedup_method", median_intervals.METHOD_NONE), r.get("label") == r.get("baseline_label"))


def lecture_cell(r) -> str:
    """The speedup over the lecture's baseline, naming the baseline: '480x [455, 502] vs loop'."""
    base = r.get("lecture_baseline", "numpy")
    if not isinstance(base, str):
        base = "numpy"
    if base == "numpy":
        return speedup_cell(r) + " vs NumPy" if r.get("speedup") == r.get("speedup") else "-"
    point = r.get("lecture_speedup", math.nan)
    if point != point:
        note = r.get("lecture_note", "")
        return f"- ({note})" if isinstance(note, str) and note else "-"
    text = fmt_speedup(point, r.get("lecture_lo", math.nan), r.get("lecture_hi", math.nan),
                       r.get("lecture_method", median_intervals.METHOD_NONE), r.get("label") == r.get("lecture_baseline_label"))
    note = r.get("lecture_note", "")
    return f"{text} vs {base}" + (" (explicit placement's)" if isinstance(note, str) and "explicit" in note else "")


def status_cell(r) -> str:
    """What a table prints for a row without a value: 'failed', or 'n/a (reason)' where the row
    says why (its ``absence``, :func:`reports.derived.coverage.classify`), else 'n/a'."""
    if "absence" not in r:
        return STATUS.get(r["status"], r["status"])
    if r["status"] == "failed":
        return "failed"
    why = r.get("absence", "") if hasattr(r, "get") else ""
    return f"n/a ({why})" if why else "n/a"


def headline_size(rows: pd.DataFrame, default_size=None):
    """The size a summary shows: the kernel's default size if NumPy measured it, else the
    largest size with an ok NumPy baseline, else the largest size present."""
    ok = rows[(rows["backend"] == "numpy-cpu") & (rows["status"] == "ok")]["size"].dropna()
    if default_size is not None and default_size in set(ok):
        return default_size
    if len(ok):
        return ok.max()
    sizes = rows["size"].dropna()
    return sizes.max() if len(sizes) else None


def headline(rows: pd.DataFrame, spec) -> tuple:
    """(dtype, its rows, size) a figure or summary of one kernel shows: float32 where measured, at
    :func:`headline_size` with the kernel's lecture size, else its default size (``spec``: its
    :class:`kernels.Kernel`, or None)."""
    dtype = "float32" if "float32" in set(rows["dtype"]) else sorted(rows["dtype"].dropna())[0]
    rows = rows[rows["dtype"] == dtype]
    return dtype, rows, headline_size(rows, getattr(spec, "lecture_size", None) or getattr(spec, "default_size", None))


__all__ = ["STATUS", "NO_DIFFERENCE", "NO_INTERVAL", "ACROSS_TEXT", "fmt_time", "fmt_iqr", "fmt_num", "fmt_interval",
           "fmt_speedup", "speedup_cell", "lecture_cell", "status_cell", "headline_size", "headline"]
