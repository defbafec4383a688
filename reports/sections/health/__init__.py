"""Measurement health: the checks that the measurement can be trusted and the flagged cases
(``tables/health.md``, ``.tex``; near the top of the page), and the same section printed as Markdown
by ``python -m reports --health`` (:func:`print_health`). The checks: :mod:`.checks`; where the
variance of the comparisons is (check (f)): :mod:`.variance`."""
from __future__ import annotations

from results.frame import select

from ...derived import speedup
from ...derived.flags import with_flags
from ...formats import html as H
from ...ratios import Lookup
from ...parts import Part
from . import checks


class Health:
    """The health checks of the shown timing rows."""

    name = "health"
    title = "Measurement health"

    def part(self, ctx) -> Part:
        found = checks.report(ctx.shown, ctx.results.benchmarks, ctx.comparisons)
        doc = checks.doc(found)
        return Part([doc], page=[H.checks_box(found.lines), *doc.tables])


def print_health(results, df, machines: list, commits: dict, summary: bool = False, results_dir="") -> None:
    """``python -m reports --health``: print the section of ``df`` (the current rows of ``results``)
    for ``machines`` at ``commits`` (machine -> full hash) as Markdown; with ``summary``, its
    headline lines only."""
    t = with_flags(speedup.timings(select(df, machines, commits)), results.benchmarks, results.facts)
    found = checks.report(t, results.benchmarks, Lookup(results.comparisons))
    if summary:
        print("\n".join(f"- {line}" for line in found.lines))
        print(f"  (full tables: `python -m reports --health --results {results_dir}`, or the report's "
              "health section)")
    else:
        print(checks.to_markdown(found))


__all__ = ["Health", "print_health"]
