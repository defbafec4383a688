"""Machines and commits: when and how the report was built, each machine's reported commit, its
``machine.json`` and ``jaxbench-facts.jsonc`` (page only)."""
from __future__ import annotations

import datetime as _dt

from ..formats import html as H
from ..parts import Part

LEGEND = ("Every time is the median per call (asv result); IQR = q25 - q75 of the samples; speedup = "
          "NumPy-CPU median / median on the same machine, size, dtype and variant, with its 95% "
          "bootstrap interval; 'no measurable difference' when that interval contains 1.")


class Facts:
    """The page's facts about the run."""

    name = "machines-facts"
    title = "Machines and commits"

    def part(self, ctx) -> Part:
        head = [f"<p class=note>Generated {_dt.datetime.now().isoformat(timespec='seconds')}"
                + (f" by <code>{H.esc(ctx.command)}</code>" if ctx.command else "") + f". {LEGEND}</p>"]
        for m in ctx.machines:
            c = ctx.commits.get(m, "")
            date = ctx.df.loc[(ctx.df["machine"] == m) & (ctx.df["commit"] == c), "date"]
            head.append(f"<h3>{H.esc(m)}</h3><p>commit <code>{H.esc(c)}</code>"
                        + (f" (commit date {H.esc(date.iloc[0])})" if len(date) else "") + "</p>")
            head.append("<p class=note>machine.json</p>" + H.kv_table(ctx.results.machines.get(m, {})))
            head.append("<p class=note>jaxbench-facts.jsonc</p>" + H.kv_table(ctx.results.facts.get(m, {})))
        return Part(page=["\n".join(head)])
