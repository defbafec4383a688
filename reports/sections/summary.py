"""The summary: kernel x variant x machine at each kernel's headline size (``tables/summary.md``;
``summary.tex`` one table per machine, abbreviated to fit the page)."""
from __future__ import annotations

from .. import flags, notes, tables
from ..parts import Doc, Part, Table, slug

CAPTION = "Summary: kernel x variant x machine at each kernel's headline size"


class Summary:
    """One row per kernel, variant and machine."""

    name = "summary"
    title = "Summary"

    def part(self, ctx) -> Part:
        shown = ctx.shown
        registry = [n for k in sorted(shown["kernel"].unique())
                    for n in notes.kernel_notes(shown, k, shown.loc[shown["kernel"] == k, "variant"].unique())]
        below = [notes.STATS, notes.LECTURE, flags.FLAG_LEGEND] + ctx.gpu_lines + registry
        table = Table(tables.summary_table(shown, ctx.kernels, ctx.no_gpu), CAPTION, below)
        per = tables.summary_for_latex(table.frame)
        latex = [Table(frame, f"{CAPTION}: {m}", [tables.ABBREVIATIONS] + below if i == len(per) - 1 else [],
                       f"tab:summary-{slug(m)}", keys, groups)
                 for i, (m, frame, keys, groups) in enumerate(per)] or [Table(table.frame, CAPTION, below,
                                                                            "tab:summary")]
        return Part([Doc("tables/summary", [table], latex=latex, latex_sep="")], page=[table])
