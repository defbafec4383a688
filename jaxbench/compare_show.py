"""How a comparison shows itself: text, HTML (a notebook's ``_repr_html_``), rows for pandas, a figure.

Nothing is computed here that :mod:`jaxbench.compare` did not compute: a ratio is time(first) /
time(other), the pooled median of per-pass ratios, with the 95% interval of
:func:`results.comparison_stats.interval` (processes resampled, then passes; widened to the Student-t
interval over the processes' median ratios); a function's time is its median seconds per call over
every pass of every process, and a process's time the median over that process's passes.
"""
from __future__ import annotations

import functools
import html
import io
import math

INTERVAL = ("95% interval: two-level bootstrap (processes, then passes), widened to Student-t over "
            "the processes' median ratios")
FRAME_COLUMNS = ("f", "g", "ratio", "lo", "hi", "verdict", "processes", "passes", "median_f", "median_g",
                 "half_width", "note")


def finite(x) -> bool:
    """Whether ``x`` is a finite number."""
    return isinstance(x, (int, float)) and math.isfinite(x)


def seconds(t) -> str:
    """%timeit style ('489 us'); 'n/a' where there is no time."""
    from kernels.timing import format_seconds

    return format_seconds(t) if finite(t) and t > 0 else "n/a"


def counts(processes: int, per_process) -> str:
    """'3 processes x 9 passes' (a range of passes where the processes differ)."""
    n = [len(p) for p in per_process] or [0]
    each = str(n[0]) if min(n) == max(n) else f"{min(n)}-{max(n)}"
    return f"{processes} process" + ("es" if processes != 1 else "") + f" x {each} passes"


def ratio_text(r) -> str:
    """'2.14x [1.85, 2.48]': a Result's ratio time(f) / time(g) and its interval, as measured."""
    return f"{r.ratio:.3g}x [{r.lo:.3g}, {r.hi:.3g}]"


# --- text -------------------------------------------------------------------------------------

def result_text(r) -> str:
    """A Result in words: headline, counts, each side's median, then the note."""
    times = ", ".join(f"{n} {seconds(t)}" for n, t in ((r.f_name, r.median_f), (r.g_name, r.median_g)) if finite(t))
    text = f"{r.headline()} ({counts(r.processes, r.per_process)}, paired" + (f"; {times})" if times else ")")
    return text + (f"\n{r.note}" if r.note else "")


def ladder_text(lad) -> str:
    """A Ladder in words: one line for the first function, one per rung, then the note."""
    first = lad.rungs[0]
    lines = [f"{len(lad.names)} functions against {lad.names[0]} ({counts(first.processes, first.per_process)}, "
             f"paired; {lad.names[0]} {seconds(first.median_f)})"]
    lines += [f"  {r.headline()} ({r.g_name} {seconds(r.median_g)})" for r in lad.rungs]
    return "\n".join(lines) + (f"\n{lad.note}" if lad.note else "")


def pretty(obj, p, cycle: bool) -> None:
    """IPython's ``_repr_pretty_``: the text of ``obj`` (its class name only on a cycle)."""
    p.text(type(obj).__name__ + "(...)" if cycle else str(obj))


# --- HTML -------------------------------------------------------------------------------------

def _row(cells, tag="td") -> str:
    return "<tr>" + "".join(f"<{tag} style='text-align:left;padding:2px 8px'>{c}</{tag}>" for c in cells) + "</tr>"


def _table(names, medians, process_medians, rungs) -> str:
    """One row per function: median, per-process medians, ratio against the first with its interval."""
    head = _row(["function", "median per call", "each process", f"time({html.escape(names[0])}) / time(this)",
                 "verdict"], "th")
    rows = [_row([f"<code>{html.escape(names[0])}</code>", seconds(medians[0]),
                  ", ".join(seconds(t) for t in process_medians[0]), "1 (the reference)", ""])]
    for name, m, pm, r in zip(names[1:], medians[1:], process_medians[1:], rungs):
        rows.append(_row([f"<code>{html.escape(name)}</code>", seconds(m), ", ".join(seconds(t) for t in pm),
                          f"<b>{html.escape(ratio_text(r))}</b>", html.escape(r.verdict)]))
    return "<table>" + head + "".join(rows) + "</table>"


def _html(headlines, names, medians, process_medians, rungs, note) -> str:
    first = rungs[0]
    parts = ["<div class='jaxbench-compare'>"]
    parts += [f"<div><b>{html.escape(h)}</b></div>" for h in headlines]
    parts.append(f"<div>{counts(first.processes, first.per_process)}, paired (one sample of each function per "
                 f"pass, order reversed every other pass)</div>")
    parts.append(_table(names, medians, process_medians, rungs))
    parts.append(f"<div style='font-size:smaller'>{INTERVAL}; &gt; 1: faster than {html.escape(names[0])}</div>")
    if note:
        parts.append(f"<div style='color:#a33'>{html.escape(note)}</div>")
    return "".join(parts) + "</div>"


def result_html(r) -> str:
    """A Result's ``_repr_html_``: headline, counts, each side's median, the interval's method, the note."""
    return _html([r.headline()], [r.f_name, r.g_name], [r.median_f, r.median_g], list(r.process_medians), [r],
                 r.note)


def ladder_html(lad) -> str:
    """A Ladder's ``_repr_html_``: one headline per rung, then the table of every function."""
    return _html([r.headline() for r in lad.rungs], list(lad.names), lad.medians, lad.process_medians,
                 list(lad.rungs), lad.note)


# --- pandas -----------------------------------------------------------------------------------

def row(r) -> dict:
    """One ratio as plain data (the columns of :data:`FRAME_COLUMNS`)."""
    return {"f": r.f_name, "g": r.g_name, "ratio": r.ratio, "lo": r.lo, "hi": r.hi, "verdict": r.verdict,
            "processes": r.processes, "passes": r.passes, "median_f": r.median_f, "median_g": r.median_g,
            "half_width": r.half_width, "note": r.note}


def frame(results):
    """A pandas DataFrame, one row per ratio."""
    import pandas as pd

    return pd.DataFrame([row(r) for r in results], columns=list(FRAME_COLUMNS))


# --- the figure -------------------------------------------------------------------------------

def _unit(times) -> tuple[str, float]:
    """The %timeit unit that fits the smallest of ``times`` (seconds)."""
    ok = [t for t in times if finite(t) and t > 0]
    low = min(ok) if ok else 1.0
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if low >= scale:
            return unit, scale
    return "ns", 1e-9


def _log_axis(axis) -> None:
    """A log axis ticked at 1, 2, 5 x 10^k and labelled in plain numbers (2, 50, 0.5)."""
    from matplotlib import ticker

    axis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(ticker.StrMethodFormatter("{x:g}"))
    axis.set_minor_formatter(ticker.NullFormatter())


def _times(ax, names, medians, process_medians) -> None:
    """Left panel: each process's median time (dots) and the median over every pass (bar) per function."""
    unit, scale = _unit([t for pm in process_medians for t in pm] + list(medians))
    for i, (m, pm) in enumerate(zip(medians, process_medians)):
        ys = [t / scale for t in pm if finite(t) and t > 0]
        xs = [i + (k - (len(ys) - 1) / 2) * 0.08 for k in range(len(ys))]
        ax.plot(xs, ys, "o", color=f"C{i}", alpha=0.75, label="a process's median" if i == 0 else None)
        if finite(m) and m > 0:
            ax.hlines(m / scale, i - 0.3, i + 0.3, color=f"C{i}", label="median, every pass" if i == 0 else None)
    ax.set_xticks(range(len(names)), [str(n) for n in names], rotation=20, ha="right")
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_yscale("log")
    _log_axis(ax.yaxis)
    ax.set_ylabel(f"time per call ({unit})")
    ax.set_title("each function, per process", fontsize="medium")
    ax.legend(fontsize="small")


def _ratios(ax, first: str, rungs) -> None:
    """Right panel: each ratio's interval (bar), point (diamond) and per-process median ratios (dots)."""
    import numpy as np

    for j, r in enumerate(rungs, start=1):
        dots = [float(np.median(p)) for p in r.per_process if len(p)]
        ax.plot(dots, [j] * len(dots), "o", color=f"C{j}", alpha=0.5, label="a process's median" if j == 1 else None)
        if all(finite(x) and x > 0 for x in (r.ratio, r.lo, r.hi)):
            ax.errorbar([r.ratio], [j], xerr=[[r.ratio - r.lo], [r.hi - r.ratio]], fmt="D", color=f"C{j}",
                        capsize=4, label="ratio, 95% interval" if j == 1 else None)
    ax.axvline(1.0, color="0.5", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    _log_axis(ax.xaxis)
    ax.set_yticks(range(1, len(rungs) + 1), [str(r.g_name) for r in rungs])
    ax.set_ylim(0.4, len(rungs) + 0.6)
    ax.invert_yaxis()
    ax.set_xlabel(f"time({first}) / time(function): > 1 is faster")
    ax.set_title(f"against {first}, paired", fontsize="medium")
    ax.legend(fontsize="small")


@functools.cache
def _figure_class():
    """A matplotlib Figure that shows itself in a notebook as a PNG, with or without pyplot."""
    from matplotlib.figure import Figure

    class ComparisonFigure(Figure):
        def _repr_png_(self) -> bytes:
            buf = io.BytesIO()
            self.savefig(buf, format="png", bbox_inches="tight")
            return buf.getvalue()

    ComparisonFigure.__qualname__ = "ComparisonFigure"     # importable as such: see __getattr__
    return ComparisonFigure


def __getattr__(name: str):
    """``ComparisonFigure``, made on first use (matplotlib is imported only then)."""
    if name == "ComparisonFigure":
        return _figure_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def figure(names, medians, process_medians, rungs, title: str):
    """One matplotlib Figure (no pyplot state): times per process, and the ratios with their intervals."""
    fig = _figure_class()(figsize=(10, 2.6 + 0.5 * len(names)), layout="constrained")
    left, right = fig.subplots(1, 2)
    _times(left, names, medians, process_medians)
    _ratios(right, str(names[0]), rungs)
    fig.suptitle(title, fontsize="medium")
    return fig
