"""Problems met while reading the results: ``warnings.txt`` (always written, empty if none) and,
when there are any, a warning box near the top of the page."""
from __future__ import annotations

from ..formats import html as H
from ..parts import Doc, Part


class Problems:
    """The loader's warnings."""

    name = "warnings"
    title = "Warnings while reading the results"

    def part(self, ctx) -> Part:
        problems = ctx.results.problems
        page = [H.warning_box(problems)] if problems else None
        return Part([Doc("warnings.txt", text="".join(f"{w}\n" for w in problems))], page=page)
