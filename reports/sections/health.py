"""Measurement health (:mod:`reports.health`): the checks that the measurement can be trusted and
the flagged cases (``tables/health.md``, ``.tex``; near the top of the page)."""
from __future__ import annotations

from .. import html as H
from .. import health
from ..parts import Part


class Health:
    """The health checks of the shown timing rows."""

    name = "health"
    title = "Measurement health"

    def part(self, ctx) -> Part:
        r = ctx.results
        checks = health.report(ctx.shown, r.benchmarks, r.remeasure, ctx.commits, ctx.comparisons)
        doc = health.doc(checks)
        return Part([doc], page=[H.checks_box(checks.lines), *doc.tables])
