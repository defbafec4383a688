"""The lecture, reproduced: every figure of the seed notes next to each machine's measurement and
the verdict on its claim (``lecture.md``, ``lecture.tex``, ``lecture.csv``), and the notes'
placement figure per machine (``figures/lecture_placement_matmul_3000_<machine>.png``)."""
from __future__ import annotations

from .. import lecture as L
from .. import plots
from ..parts import Doc, Figure, Part, Table, slug

CAPTION = "The lecture, reproduced: each figure of the seed notes and this run's measurement"


def placement_figure(ctx, machine: str):
    """(the lecture's placement figure of ``machine``, None) or (None, why it is not drawn)."""
    rows, size, tr = L.placement_rows(ctx.rates, machine, no_gpu=ctx.no_gpu, kernels=ctx.kernels)
    if rows is None:
        return None, f"lecture placement {machine}: matmul not measured at n = {size}"
    return Figure(slug("lecture_placement", "matmul", size, machine),
                  lambda p=rows, t=f"Device placement: matmul x @ x.T, n = {size}, {tr}, {machine}",
                  n=ctx.machine_note(machine): plots.placement(p, t, n),
                  f"Device placement of the notes (001, 000): matmul x @ x.T at n = {size} on {machine}, "
                  f"{tr}: NumPy vs inputs made on the device vs explicit device_put vs implicit transfer; "
                  "error bars: 95% bootstrap interval of the median; explicit + transfer sits next to implicit.",
                  kernel="matmul", order=(machine, 1)), None


class Lecture:
    """The lecture's table and verdicts; its placement figures."""

    name = "lecture"
    title = "The lecture, reproduced"

    def part(self, ctx) -> Part:
        lec = L.evaluate(L.load_figures(), ctx.rates, ctx.df, ctx.machines, ctx.results.facts,
                         comparisons=ctx.comparisons, kernels=ctx.kernels)
        notes = L.notes(lec, ctx.gpu_lines)
        table = Table(L.table(lec), CAPTION, notes)
        frame, keys, groups = L.latex_table(lec)
        doc = Doc("lecture", [table], latex=[Table(frame, CAPTION, notes, "tab:lecture", keys, groups,
                                                   left=list(frame.columns))], csv=L.verdicts(lec))
        drawn = [placement_figure(ctx, m) for m in ctx.machines]
        figures = [f for f, _ in drawn if f is not None]
        return Part([doc], figures, [table, *figures], [why for _, why in drawn if why])
