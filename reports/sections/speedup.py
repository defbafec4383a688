"""Speedup over NumPy-CPU: one bar figure per machine, kernel, dtype and variant
(``figures/speedup_<kernel>_<variant>_<dtype>_<machine>.png``)."""
from __future__ import annotations

from ..derived import speedup
from ..figures import plots
from ..formats import html as H
from ..formats import notes
from ..context import figure_groups
from ..parts import Figure, Part, slug

NOTHING = H.note("(nothing to show)")


def caption(ctx, name: str, kernel: str, machine: str, dtype: str) -> str:
    """What a speedup figure shows, naming the lecture's baseline where it is not NumPy."""
    base = speedup.lecture_baseline(kernel, ctx.kernels)
    return (f"Speedup of every variant of {name} over NumPy-CPU on {machine} ({dtype}); bars: ratio of medians, "
            "error bars: 95% bootstrap interval, labels: median time"
            + (f" and the speedup over the lecture's baseline ({base})" if base != "numpy" else "") + ".")


class Speedup:
    """The speedup bars of every measured group."""

    name = "speedup"
    title = "Speedup over NumPy-CPU"

    def part(self, ctx) -> Part:
        figures, skipped = [], []
        for (machine, kernel, dtype, variant), g, name in figure_groups(ctx.shown):
            if not (g["status"] == "ok").any():
                skipped.append(f"{name} {machine} {dtype}: no successful timing (all n/a or failed; "
                               "see the kernel's table)")
                continue
            note = " ".join(n for n in notes.kernel_notes(g, kernel, [variant]) if "numpy-cpu" in n)
            title = plots.figure_title(kernel, machine, dtype, variant)
            figures.append(Figure(slug("speedup", kernel, variant, dtype, machine),
                                  lambda g=g, t=title, n=ctx.machine_note(machine, note):
                                  plots.speedup_bars(g, f"Speedup over NumPy-CPU: {t}", n),
                                  caption(ctx, name, kernel, machine, dtype), kernel))
        return Part([], figures, figures or [NOTHING], skipped)
