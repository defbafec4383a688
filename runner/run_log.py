"""What one run of ``python -m runner`` did, filled in as it goes and read at its end (and on Ctrl-C).

One object instead of three lists handed down through the rounds, the sweeps and the commits: each
asv run's case outcomes, the asv runs that exited non-zero, and what was collected into the results
folder, in order (what an interrupted run names as kept).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .outcome import tally


@dataclass
class RunLog:
    outcomes: dict = field(default_factory=dict)   # (what, round) -> {benchmark: {case: outcome}} of one asv run
    failed: list = field(default_factory=list)     # (what, asv's exit code) of every asv run that exited non-zero
    kept: list = field(default_factory=list)       # what was collected, in order: "selu round 1", "comparisons sweep 2"

    def asv_run(self, key: tuple, rc: int, status: dict, what: str) -> None:
        """One asv run's outcome (``status``: :func:`runner.outcome.run_pass`'s); ``what`` names it if it failed."""
        self.outcomes[key] = status
        self.failed_run(what, rc)

    def failed_run(self, what: str, rc: int) -> None:
        """Remember an asv run that exited non-zero (the run goes on)."""
        if rc != 0:
            self.failed.append((what, rc))

    def keep(self, what: str) -> None:
        """Something that is now in the results folder (a round of a kernel, a sweep)."""
        self.kept.append(what)

    def kept_text(self) -> str:
        return ", ".join(self.kept) or "none"

    def totals(self) -> dict:
        """Cases per outcome over every asv run: {"ok", "failed", "skipped", "missing"}."""
        total = {"ok": 0, "failed": 0, "skipped": 0, "missing": 0}
        for status in self.outcomes.values():
            for k, v in tally(status).items():
                total[k] += v
        return total
