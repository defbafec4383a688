"""The vmap ladder of the notes (rowdot: loop, jit(loop), vmap, jit(vmap)) per machine
(``figures/lecture_ladder_rowdot_<machine>.png``), shown in the lecture's section of the page."""
from __future__ import annotations

from .. import lecture as L
from .. import plots
from ..parts import Figure, Part, slug


class Ladder:
    """One ladder figure per machine that measured rowdot."""

    name = "ladder"
    anchor = "lecture"
    title = "The lecture, reproduced"

    def part(self, ctx) -> Part:
        figures, skipped = [], []
        for machine in ctx.machines:
            lad = L.ladder_rows(ctx.rates, machine, no_gpu=ctx.no_gpu, comparisons=ctx.comparisons,
                                kernels=ctx.kernels)
            if not len(lad):
                skipped.append(f"lecture ladder {machine}: rowdot not measured")
                continue
            size = lad.loc[lad["transform"] == "loop", "size"]
            at = f"{int(size.iloc[0]):,} rows" if len(size) else "the largest size measured"
            figures.append(Figure(
                slug("lecture_ladder", "rowdot", machine),
                lambda r=lad, t=f"The vmap ladder: rowdot (x . y)^2, {at}, {machine}", n=ctx.machine_note(machine):
                plots.ladder(r, t, n),
                f"The vmap ladder of the notes (000) on {machine}: loop, jit(loop), vmap, jit(vmap) at {at}; "
                "left: median time, right: speedup over the loop at the same size; error bars: 95% bootstrap "
                "intervals.", kernel="rowdot", order=(machine, 0)))
        return Part([], figures, figures, skipped)
