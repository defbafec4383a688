"""Tables per kernel: every case of each kernel, with its median, IQR, speedups with their
intervals, flags, rates and % of peak (``tables/<kernel>.md``, ``.tex``)."""
from __future__ import annotations

from .. import coverage, flags, notes, tables
from ..parts import Doc, Part, Table, slug

CAPTION = ("{kernel}: every case (median, IQR, speedup vs NumPy-CPU and vs the lecture's baseline, "
           "% of peak)")


class Kernels:
    """One table per kernel shown."""

    name = "tables"
    title = "Tables per kernel"

    def part(self, ctx) -> Part:
        shown, docs = ctx.shown, []
        for kernel in sorted(shown["kernel"].unique()):
            rows = shown[shown["kernel"] == kernel]
            name = getattr(ctx.kernels.get(kernel), "variant_name", "") or "variant"
            below = ([notes.STATS, notes.LECTURE, flags.FLAG_LEGEND]
                     + coverage.gpu_notes(rows["machine"].unique(), ctx.no_gpu)
                     + notes.kernel_notes(shown, kernel, rows["variant"].unique()))
            table = Table(tables.kernel_table(shown, ctx.df, kernel, name), CAPTION.format(kernel=kernel), below,
                          f"tab:{slug(kernel)}")
            docs.append(Doc(f"tables/{slug(kernel)}", [table]))
        return Part(docs, page=[t for d in docs for t in d.tables])
