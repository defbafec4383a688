"""Device placement: NumPy vs inputs made on the device vs explicit ``device_put`` vs implicit
transfer, at each group's headline size (``figures/placement_*.png``)."""
from __future__ import annotations

import pandas as pd

from ..figures import plots
from ..formats import html as H
from ..formats import tables
from ..context import figure_groups
from ..parts import Figure, Part, slug

NOTHING = H.note("(nothing to show)")
TRANSFORMS = ("jit", "eager")  # the transform the placement figure shows, by preference


def placement_rows(g: pd.DataFrame, default_size=None):
    """(rows, size, transform) of the figure: the headline size, one JAX transform, plus NumPy;
    (None, ...) when no JAX placement was timed."""
    jax = g[g["backend"].str.startswith("jax") & g["placement"].isin(["implicit", "explicit"])]
    if jax.empty or not (jax["status"] == "ok").any():
        return None, None, None
    size = tables.headline_size(g, default_size)
    at = g[g["size"] == size]
    have = set(at.loc[at["backend"].str.startswith("jax") & (at["status"] == "ok"), "transform"])
    tr = next((t for t in TRANSFORMS if t in have), sorted(have)[0] if have else None)
    if tr is None:
        return None, size, None
    npy = at[at["backend"] == "numpy-cpu"]
    return pd.concat([npy, at[at["backend"].str.startswith("jax") & (at["transform"] == tr)]]), size, tr


class Placement:
    """One placement figure per group with a JAX placement timed."""

    name = "placement"
    title = "Device placement"

    def part(self, ctx) -> Part:
        figures = []
        for (machine, kernel, dtype, variant), g, name in figure_groups(ctx.shown):
            if not (g["status"] == "ok").any():
                continue
            rows, size, tr = placement_rows(g, getattr(ctx.kernels.get(kernel), "default_size", None))
            if rows is None:
                continue
            title = plots.figure_title(kernel, machine, dtype, variant)
            figures.append(Figure(
                slug("placement", kernel, variant, dtype, machine),
                lambda p=rows, t=f"Device placement: {title}, size={size}, {tr}", n=ctx.machine_note(machine):
                plots.placement(p, t, n),
                f"Device placement of {name} on {machine}, size {size}, {dtype}, transform {tr}: NumPy vs "
                "on-device vs explicit device_put vs implicit transfer (medians, error bars: 95% bootstrap "
                "interval of the median); explicit + transfer sits next to implicit.", kernel))
        return Part([], figures, figures or [NOTHING])
