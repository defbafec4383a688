"""Scaling with size: median time and rate against size per machine, kernel, dtype and variant
(``figures/scaling_*.png``), and where JAX first beats NumPy (``tables/crossover.md``, ``.tex``)."""
from __future__ import annotations

import pandas as pd

from ..context import figure_groups
from ..derived import speedup
from ..figures import plots
from ..formats import html as H
from ..parts import Doc, Figure, Part, Table, slug

NOTHING = H.note("(nothing to show)")


def crossover_table(cross: pd.DataFrame) -> pd.DataFrame:
    """Display form of :func:`speedup.crossovers`."""
    def where(r):
        if r["first_size"] != r["first_size"]:
            return "never in the measured sizes"
        if r["wins_at_smallest"]:
            return f"<= {r['first_size']:,.0f} (already at the smallest size)"
        return f"~{r['estimate']:,.0f} (first measured win at {r['first_size']:,.0f})"
    return pd.DataFrame({
        "Machine": cross["machine"], "Kernel": cross["kernel"], "Variant": cross["variant"].replace("", "-"),
        "dtype": cross["dtype"], "Backend": cross["backend"], "Placement": cross["placement"],
        "Transform": cross["transform"], "JAX beats NumPy from size": [where(r) for _, r in cross.iterrows()]})


class Scaling:
    """The scaling figures of every group measured at two sizes or more; the crossover table."""

    name = "scaling"
    title = "Scaling with size"

    def part(self, ctx) -> Part:
        cross = speedup.crossovers(ctx.shown)
        figures, skipped = [], []
        for (machine, kernel, dtype, variant), g, name in figure_groups(ctx.shown):
            if not (g["status"] == "ok").any():
                continue   # the speedup section says why
            if g["size"].nunique() < 2:
                skipped.append(f"scaling {name} {machine} {dtype}: only one size measured")
                continue
            c = cross[(cross["machine"] == machine) & (cross["kernel"] == kernel) & (cross["dtype"] == dtype)
                      & (cross["variant"] == variant)]
            figures.append(Figure(slug("scaling", kernel, variant, dtype, machine),
                                  lambda g=g, c=c, t=plots.figure_title(kernel, machine, dtype, variant),
                                  n=ctx.machine_note(machine): plots.scaling(g, c, f"Scaling: {t}", n),
                                  f"Median time vs size of {name} on {machine} ({dtype}), IQR band; rate vs size.",
                                  kernel))
        table = Table(crossover_table(cross), "Crossover: size from which JAX beats NumPy-CPU",
                      ["Estimate: log-log interpolation of speedup = 1 between measured sizes."] + ctx.gpu_lines,
                      "tab:crossover")
        return Part([Doc("tables/crossover", [table])], figures, (figures or [NOTHING]) + [table], skipped)
