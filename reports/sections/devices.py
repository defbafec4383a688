"""Devices (sharded cases, only when some case ran on more than one device): each case on N devices
against one device (:mod:`reports.scaling`): ``tables/scaling.md``, ``.tex``, ``.csv`` and
``figures/devices_<kernel>_<machine>.png``."""
from __future__ import annotations

from results.frame import sharded

from .. import html as H
from .. import plots, scaling
from ..parts import Doc, Figure, Part, Table, slug


def figures_of(rows, lines: dict) -> tuple[list, list]:
    """(figures, figures not drawn with why): one per sharded kernel and machine."""
    figures, skipped = [], []
    for (kernel, machine), g in rows.groupby(["kernel", "machine"], sort=True):
        if not (g["status"] == "ok").any():
            skipped.append(f"devices {kernel} {machine}: no successful timing (see tables/scaling.md)")
            continue
        figures.append(Figure(
            slug("devices", kernel, machine),
            lambda g=g, t=f"Devices: {kernel} on {machine}{scaling.title_caveat(g)}",
            n="\n".join(lines.get(machine, [])): plots.devices(g, t, n),
            f"{kernel} on {machine}: median time per call (left) and speed-up over the same case on 1 "
            "device (right) against the device count, error bars: 95% bootstrap intervals; dashed: the "
            "ideal speed-up, reachable on real devices only. " + " ".join(lines.get(machine, [])), kernel))
    return figures, skipped


class Devices:
    """The scaling table of the sharded cases and its figures."""

    name = "devices"
    title = "Devices (sharded cases)"

    def part(self, ctx) -> Part:
        r = ctx.results
        rows = scaling.scaling_rows(ctx.selected, r.benchmarks, r.facts, ctx.comparisons) \
            if sharded(ctx.selected) else None
        if rows is None or rows.empty:
            return Part()
        lines = scaling.device_lines(rows, r.facts, r.machines)
        blocks = scaling.tables_of(rows, lines, ctx.kernels, scaling.not_shown(ctx.selected))
        shown = [Table(t, caption, notes) for _, t, caption, notes in blocks]
        latex = [Table(scaling.latex_frame(t), caption, notes, f"tab:scaling-{slug(k)}", keys=["Machine", "Case"])
                 for k, t, caption, notes in blocks]
        every = [x for m in sorted(lines) for x in lines[m]]
        figures, skipped = figures_of(rows, lines)
        page = [H.notes_html(every, scaling.OVERHEAD)]
        for (kernel, *_), table in zip(blocks, shown):
            page += [table] + [f for f in figures if f.kernel == kernel]
        doc = Doc("tables/scaling", shown, latex=latex, heading=self.title, lines=every,
                  csv=scaling.to_csv_frame(rows))
        return Part([doc], figures, page, skipped)
