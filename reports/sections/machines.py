"""Machines side by side (two or more machines): the same cases on each machine, per kernel at its
headline size (``figures/machines_*.png``), and every case (``tables/machines.md``, ``.tex``)."""
from __future__ import annotations

import pandas as pd

from ..derived import speedup
from ..figures import plots
from ..formats import html as H
from ..formats import tables
from ..parts import Doc, Figure, Part, Table, slug

ONE = H.note("Results from one machine only.")


def machines_table(wide: pd.DataFrame, machine_names: list[str], no_gpu=()) -> pd.DataFrame:
    """Display form of :func:`speedup.machine_ratios`: medians per machine and machine speedups;
    a jax-gpu case on a machine without a GPU reads 'no GPU'."""
    out = pd.DataFrame({
        "Kernel": wide["kernel"], "Variant": wide["variant"].replace("", "-"), "Size": wide["size"].astype(str),
        "dtype": wide["dtype"], "Backend": wide["backend"], "Placement": wide["placement"],
        "Transform": wide["transform"]})
    for m in machine_names:
        gone = "no GPU" if m in set(no_gpu) else "n/a"
        out[f"{m} median"] = [tables.fmt_time(v) if v == v else (gone if b == "jax-gpu" else "n/a")
                              for v, b in zip(wide[m], wide["backend"])]
    for c in wide.columns:
        if isinstance(c, str) and c.startswith("speedup "):
            out[c] = [tables.fmt_num(v, suffix="x") for v in wide[c]]
    return out


class Machines:
    """The machines figures and table."""

    name = "machines"
    title = "Machines side by side"

    def part(self, ctx) -> Part:
        names = ctx.machines
        if len(names) < 2:
            return Part(page=[ONE])
        wide = speedup.machine_ratios(ctx.shown, names)
        figures = []
        for kernel, g in ctx.shown.groupby("kernel", sort=True):
            dtype, _, size = tables.headline(g, ctx.kernels.get(kernel))
            w = wide[(wide["kernel"] == kernel) & (wide["size"] == size) & (wide["dtype"] == dtype)]
            if len(w):
                figures.append(Figure(
                    slug("machines", kernel, dtype, size),
                    lambda w=w, t=f"{kernel} on each machine, size={size}, {dtype}": plots.machines(w, names, t,
                                                                                               ctx.no_gpu),
                    f"{kernel}: the same cases on {', '.join(names)} (median time, log scale)"
                    + (f"; {'; '.join(ctx.gpu_lines)}" if ctx.gpu_lines else "") + ".", kernel))
        table = Table(machines_table(wide, names, ctx.no_gpu),
                      f"Machines side by side (speedup: {names[0]} median / machine median)", ctx.gpu_lines,
                      "tab:machines")
        return Part([Doc("tables/machines", [table])], figures, (figures or [ONE]) + [table])
