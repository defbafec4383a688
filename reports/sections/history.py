"""History: each kernel's median against commit, every commit of the selected machines up to the
reported one, with the regressions ``asv publish`` would flag (``figures/history_*.png``,
``tables/regressions.md``, ``.tex``)."""
from __future__ import annotations

import pandas as pd

from jaxbench.load import one_device, select

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


class History:
    """The history figures and the regressions table."""

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
        return Part([Doc("tables/regressions", [table])], figures, (figures or [ONE]) + [table], skipped)
