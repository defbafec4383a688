"""History: each kernel's median against commit, every commit of the selected machines up to the
reported one, with the regressions ``asv publish`` would flag (``figures/history_*.png``,
``tables/regressions.md``, ``.tex``)."""
from __future__ import annotations

import pandas as pd

from results.frame import one_device, select

from .. import html as H
from .. import coverage, history, plots, tables
from ..parts import Doc, Figure, Part, Table, slug

ONE = H.note("Results for one commit only.")


def history_rows(ctx) -> pd.DataFrame:
    """:func:`reports.history.ordered` rows of every commit of the selected machines up to the
    reported one (no jax-gpu rows of a machine without a GPU)."""
    rows = ctx.all_rows
    upto = {m: rows.loc[(rows["machine"] == m) & (rows["commit"] == c), "date"].max() for m, c in ctx.commits.items()}
    h = one_device(select(rows, ctx.wanted_machines, None, ctx.wanted_kernels))
    h = h[[d <= upto.get(m, d) for m, d in zip(h["machine"], h["date"])]]
    ordered = history.ordered(h)
    return ordered[~((ordered["backend"] == coverage.GPU_BACKEND) & ordered["machine"].isin(ctx.no_gpu))]


def series_figure(g: pd.DataFrame, regs: pd.DataFrame, machine: str, kernel: str, variant: str, spec) -> Figure:
    """The history figure of one machine, kernel and variant: the headline size, plus every series
    with a flagged regression (any size)."""
    dtype, g, size = tables.headline(g, spec)
    r = regs[(regs["machine"] == machine) & (regs["kernel"] == kernel) & (regs["variant"] == variant)
             & (regs["dtype"] == dtype)]
    flagged = set(zip(r["label"], r["size"]))
    keep = (g["size"] == size) | pd.Series([(lb, sz) in flagged for lb, sz in zip(g["label"], g["size"])],
                                           index=g.index)
    series = g[keep & (g["status"] == "ok")].copy()
    series["label"] = series["label"] + " @ " + series["size"].astype(str)
    r = r.assign(label=r["label"] + " @ " + r["size"].astype(str))
    name = kernel + (f" [{variant}]" if variant else "")
    return Figure(slug("history", kernel, variant, dtype, size, machine),
                  lambda s=series, r=r, t=f"History: {name}, size={size}, {dtype}, {machine}": plots.history(s, r, t),
                  f"{name} on {machine} across commits (size {size}, {dtype}); red triangles: "
                  "regressions asv publish would report.", kernel)


def speedup_history_part(ctx, history_rows_: pd.DataFrame) -> tuple[Table | None, list, list]:
    """The lecture's measured ratios at every commit of the machines with comparisons at two commits
    or more: a table (``tables/speedup_history``; None where there is none) and one figure per machine."""
    h = history.speedup_history(ctx.results.comparisons, history_rows_)
    commits = h.groupby("machine")["position"].nunique()
    skipped = [f"speed-up history {m}: comparisons for one commit only" for m in commits[commits < 2].index]
    h = h[h["machine"].isin(commits[commits >= 2].index)]
    if h.empty:
        return None, [], skipped
    multi = h["machine"].nunique() > 1
    frame = pd.DataFrame({
        **({"machine": h["machine"]} if multi else {}),
        "comparison": h["label"], "commit": h["commit"].str[:8],
        "ratio": [f"{x:.3g}x" for x in h["ratio"]],
        "95% interval": [f"[{lo:.3g}, {hi:.3g}]" if lo == lo else "n/a" for lo, hi in zip(h["lo"], h["hi"])],
        "processes": h["processes"].astype(str)})
    table = Table(frame, "Speed-up history: the lecture's ratios measured as comparisons at each commit "
                  "(time of the first side / time of the second; > 1: the second is faster)",
                  ["Each ratio is paired in one process and measured in several processes; the interval "
                   "resamples processes, then passes (docs/comparisons.md)."], "tab:speedup-history")
    figures = []
    for machine, g in h.groupby("machine", sort=True):
        figures.append(Figure(slug("speedup_history", machine),
                              lambda g=g, m=machine: plots.speedup_history(g, f"Speed-up history: lecture ratios, {m}"),
                              f"The lecture's ratios on {machine} across commits, each with its 95% interval."))
    return table, figures, skipped


class History:
    """The history figures, the speed-up history and the regressions table."""

    name = "history"
    title = "History"

    def part(self, ctx) -> Part:
        ordered = history_rows(ctx)
        regs = history.regressions(ordered, ctx.results.thresholds)
        figures, skipped = [], []
        for (machine, kernel, variant), g in ordered.groupby(["machine", "kernel", "variant"], sort=True):
            if g["position"].nunique() < 2:
                skipped.append(f"history {kernel} {machine}: results for one commit only")
                continue
            figures.append(series_figure(g, regs, machine, kernel, variant, ctx.kernels.get(kernel)))
        table = Table(tables.regressions_table(regs),
                      "Regressions asv publish would flag (asv.step_detect, asv's threshold)", [], "tab:regressions")
        speedups, speedup_figures, not_drawn = speedup_history_part(ctx, ordered)
        docs = [Doc("tables/regressions", [table])] + ([Doc("tables/speedup_history", [speedups])] if speedups else [])
        page = (figures or [ONE]) + [table] + speedup_figures + ([speedups] if speedups else [])
        return Part(docs, figures + speedup_figures, page, skipped + not_drawn)
