"""The figures' common style (matplotlib, Agg): colours, the %timeit-style time axis, the speedup
axis, status texts and note lines. Used by :mod:`reports.figures.plots` and
:mod:`reports.figures.plots_across`."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import pandas as pd  # noqa: E402

from kernels import format_seconds  # noqa: E402

COLORS = {"numpy-cpu": "#4c72b0", "jax-cpu": "#dd8452", "jax-gpu": "#55a868"}
MACHINE_COLORS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860"]
STATUS_TEXT = {"skipped": "n/a (skipped)", "failed": "failed"}
DPI = 100
BACKEND_ORDER = {"numpy-cpu": 0, "jax-cpu": 1, "jax-gpu": 2}


def by_backend(rows: pd.DataFrame) -> pd.DataFrame:
    """NumPy first, then JAX-CPU, then JAX-GPU; within a backend by placement and transform."""
    key = rows["backend"].map(lambda b: BACKEND_ORDER.get(b, 9))
    return rows.assign(_o=key).sort_values(["_o", "placement", "transform"], kind="stable").drop(columns="_o")


def time_axis(axis) -> None:
    """Tick labels in %timeit style on a log time axis."""
    from matplotlib.ticker import FuncFormatter, NullFormatter
    axis.set_major_formatter(FuncFormatter(lambda v, _: fmt_seconds(v)))
    axis.set_minor_formatter(NullFormatter())


def status_text(r) -> str:
    """What a figure writes where a bar would be: 'failed', 'n/a (skipped)' or 'n/a (<reason>)'."""
    if r["status"] == "failed":
        return "failed"
    why = r.get("absence", "")
    return f"n/a ({why})" if isinstance(why, str) and why else STATUS_TEXT.get(r["status"], r["status"])


def fmt_seconds(seconds) -> str:
    """A time in %timeit style ('746 us'), 'n/a' for NaN."""
    return format_seconds(float(seconds)) if seconds == seconds else "n/a"


def speedup_axis(axis) -> None:
    """Log speedup axis with ticks at 1-2-5 steps labelled '0.5x', '2x', '10x'."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
    axis.set_minor_formatter(NullFormatter())


def figure_title(kernel, machine, dtype, variant, extra="") -> str:
    """'matmul [x@y] - float32 - cpu-box'."""
    v = f" [{variant}]" if variant else ""
    return f"{kernel}{v} - {dtype} - {machine}{extra}"


def error_bar(point, lo, hi):
    """matplotlib's asymmetric error of one bar ([[below], [above]]), or None without an interval."""
    if lo != lo or hi != hi or point != point:
        return None
    return [[max(point - lo, 0.0)], [max(hi - point, 0.0)]]


def add_note(fig, note: str, bottom: float = 0.005) -> None:
    """A small grey note line at the bottom of ``fig`` (nothing for an empty note)."""
    if note:
        fig.text(0.01, bottom, note, fontsize=6.5, color="#444444")


__all__ = ["COLORS", "MACHINE_COLORS", "STATUS_TEXT", "DPI", "BACKEND_ORDER", "by_backend", "time_axis",
           "status_text", "fmt_seconds", "speedup_axis", "figure_title", "error_bar", "add_note"]
