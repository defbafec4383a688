"""A commit's measured comparisons, each pooled once: what the runner allocates from, writes into
asv's results and the report states.

:class:`Comparisons` wraps one commit's entry of the comparisons file (:mod:`results.records`) and
answers, per declared comparison, one :class:`Measured` row: its sides as :class:`kernels.Case`, its
kinds, the pooled ratio and 95% interval (:func:`results.comparison_stats.ratio_interval`: processes,
then passes), the processes and passes behind it, its variance components and the half-width it
aims for. Each row is computed the first time it is asked for and kept; the runner's extra rounds
(:mod:`runner.comparison_sweeps`), asv's ``track_ratio`` values (:mod:`runner.asv_record`), the report's
ratios (:mod:`reports.ratios`) and its health section all read the same rows.
:class:`CommitComparisons` holds them for every (machine, commit) of a results folder.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from kernels import Case

from . import comparison_stats, records
from .variance_components import Components, components, target_of


@dataclass(frozen=True)
class Measured:
    """One declared comparison ``num / den`` (``den + transfer`` of den's inputs where ``transfer``)."""

    id: str
    num: str                       # the numerator's case key (:attr:`kernels.Case.key`)
    den: str
    transfer: bool
    kinds: tuple[str, ...]
    point: float                   # pooled median of every balanced pair's ratio (NaN: not measured)
    lo: float
    hi: float
    per_process: tuple = field(default=(), repr=False, compare=False)   # per-pass ratios, per process, in pass order (NaN: a pass missing a side)
    missing: str = ""              # why no process measured it ("" when one did)

    @property
    def processes(self) -> int:
        return len(self.per_process)

    @property
    def passes(self) -> int:
        return sum(1 for p in self.per_process for x in p if x == x)

    @property
    def half_width(self) -> float:
        return comparison_stats.half_width(self.point, self.lo, self.hi)

    @property
    def target(self) -> float:
        """The half-width this comparison aims for (a lecture ratio's is the narrower)."""
        return target_of(self.kinds)

    @property
    def is_lecture(self) -> bool:
        return "lecture" in self.kinds

    @property
    def num_case(self) -> Case:
        return Case.from_key(self.num)

    @property
    def den_case(self) -> Case:
        return Case.from_key(self.den)

    @functools.cached_property
    def components(self) -> Components | None:
        """Kalibera & Jones's variance components of its log per-pass ratios (None: too few)."""
        return components(self.per_process)

    def sides(self) -> set[str]:
        """The side keys a process times for it (the transfer's own side included)."""
        return {self.num, self.den} | ({records.TRANSFER + self.den} if self.transfer else set())


class Comparisons:
    """Every declared comparison of one commit's entry of the comparisons file, by id and by sides."""

    def __init__(self, entry: dict | None):
        self.entry = entry or {}
        self._declared = self.entry.get("comparisons") or {}
        self._by_sides = {(e["num"], e["den"], bool(e.get("transfer"))): cid for cid, e in self._declared.items()}
        self._rows: dict[str, Measured] = {}

    def __len__(self) -> int:
        return len(self._declared)

    def __iter__(self):
        """Every comparison, in id order."""
        return (self[cid] for cid in sorted(self._declared))

    def __contains__(self, cid) -> bool:
        return cid in self._declared

    def __getitem__(self, cid: str) -> Measured:
        if cid not in self._rows:
            e = self._declared[cid]
            procs = records.per_process(self.entry, cid)
            pt, lo, hi = comparison_stats.ratio_interval(procs, cid)
            self._rows[cid] = Measured(
                cid, e["num"], e["den"], bool(e.get("transfer")), tuple(e.get("kinds", [])), pt, lo, hi,
                tuple(tuple(p) for p in procs),
                "" if procs else (records.missing_reason(self.entry, cid) or "not measured"))
        return self._rows[cid]

    def find(self, num: str, den: str, transfer: bool = False) -> Measured | None:
        """The comparison of these two case keys (None where none was declared)."""
        cid = self._by_sides.get((num, den, bool(transfer)))
        return None if cid is None else self[cid]

    def pairs(self, kind: str) -> list[tuple[str, str]]:
        """(num key, den key) of every declared comparison of ``kind`` (its :attr:`Measured.kinds`), in
        id order, measured or not (nothing pooled): e.g. ``numpy``, (the NumPy baseline, the case)."""
        return [(e["num"], e["den"]) for _, e in sorted(self._declared.items()) if kind in e.get("kinds", ())]

    def measured(self) -> list[Measured]:
        """The comparisons at least one process measured."""
        return [m for m in self if m.processes]

    def group_sides(self, m: Measured) -> set[str]:
        """Every side a process times with ``m`` (its group in the first record that holds both of
        its sides: an extra process times whole groups); ``m``'s own sides where none does."""
        for proc in self.entry.get("processes", []):
            for g in proc.get("groups", []):
                sides = set(g.get("sides") or [])
                if m.sides() <= sides:
                    return sides
        return m.sides()

    @functools.cached_property
    def side_samples(self) -> dict[str, dict]:
        """:func:`results.records.side_samples` of the entry."""
        return records.side_samples(self.entry)

    @functools.cached_property
    def side_medians(self) -> dict[str, tuple[float, int]]:
        """:func:`results.records.side_medians` of the entry."""
        return records.side_medians(self.entry)


class CommitComparisons:
    """{(machine, commit): :class:`Comparisons`} of the comparisons files of a results folder
    (``{machine: file contents}``, :attr:`results.frame.Results.comparisons`)."""

    def __init__(self, files: dict | None = None):
        self._commits = {(machine, commit): Comparisons(entry)
                         for machine, data in sorted((files or {}).items())
                         for commit, entry in ((data or {}).get("commits") or {}).items()}

    def __len__(self) -> int:
        return sum(len(c) for c in self._commits.values())

    def of(self, machine: str, commit: str) -> Comparisons | None:
        """The comparisons of one machine and commit (None where none were recorded)."""
        return self._commits.get((machine, commit))

    def keys(self):
        return self._commits.keys()
