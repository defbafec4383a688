"""The tidy rows the report used (``data.csv``: the selected machines, commits and kernels, one-device
cases, with every computed column; paths, sample lists and the registry's joined facts left out)."""
from __future__ import annotations

from results.frame import NOT_IN_CSV

from ..parts import Doc, Part


class Data:
    """data.csv (no page section)."""

    name = "data"
    title = ""

    def part(self, ctx) -> Part:
        rates = ctx.rates
        return Part([Doc("data", csv=rates.drop(columns=[c for c in NOT_IN_CSV if c in rates.columns]))])
