"""The lecture, reproduced: every figure of the seed notes next to each machine's measurement and
the verdict on its claim. Two sections, shown together on the page:

- :class:`Lecture`: a short table per machine fit to paste (``lecture.md``, ``lecture.tex``: a
  fragment for a document or a beamer frame; :mod:`.short_table`), the long form with each
  verdict's numbers in the page's details and ``lecture.csv`` (:mod:`.verdicts`), and the notes'
  placement figure per machine (``figures/lecture_placement_matmul_3000_<machine>.png``);
- :class:`Ladder`: the vmap ladder of the notes (rowdot: loop, jit(loop), vmap, jit(vmap)) per
  machine (``figures/lecture_ladder_rowdot_<machine>.png``).

The figures and the rules their claims are judged by: ``kernels/lecture_figures.toml``, read by
:mod:`.claims`; a figure's case found among the timing rows: :mod:`.cases`.
"""
from __future__ import annotations

from ...figures import plots
from ...formats import html as H
from ...parts import Doc, Figure, Part, slug
from . import short_table as S
from . import verdicts as L

CAPTION = "The lecture, reproduced: each figure of the seed notes and this run's measurement"
DETAILS = "Each verdict in full: the medians' intervals, the rules and the sources"


def caption(machine: str) -> str:
    """The caption of a machine's short table."""
    return f"The lecture, reproduced on {machine}"


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


def details(lec, notes) -> str:
    """The long table (every machine, each verdict with its numbers) folded in a <details> block."""
    inner = f"<h3>{H.esc(CAPTION)}</h3>" + H.table(L.table(lec)) + H.notes_html(notes)
    return H.details(DETAILS, inner)


class Lecture:
    """The lecture's tables and verdicts; its placement figures."""

    name = "lecture"
    title = "The lecture, reproduced"

    def part(self, ctx) -> Part:
        lec = L.evaluate(L.load_figures(), ctx.rates, ctx.df, ctx.machines, ctx.results.facts,
                         comparisons=ctx.comparisons, kernels=ctx.kernels)
        shorts = [S.short_table(lec, m, caption(m), ctx.gpu_lines) for m in ctx.machines]
        doc = Doc("lecture", [S.to_markdown(s) for s in shorts], latex=[S.latex_fragment(shorts)] if shorts else [],
                  csv=L.verdicts(lec))
        drawn = [placement_figure(ctx, m) for m in ctx.machines]
        figures = [f for f, _ in drawn if f is not None]
        page = [S.to_html(s) for s in shorts] + [details(lec, L.notes(lec, ctx.gpu_lines)), *figures]
        return Part([doc], figures, page, [why for _, why in drawn if why])


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


__all__ = ["Lecture", "Ladder", "caption", "placement_figure", "details"]
