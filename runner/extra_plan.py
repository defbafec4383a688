"""How the time left after the base sweeps is spent: extra processes for the comparisons still too wide.

Where processes disagree, only more processes narrow an interval (Kalibera & Jones 2013,
:mod:`jaxbench.allocation`), and a process costs what its whole groups cost (an extra process
times whole groups: :func:`jaxbench.declare.with_their_groups`). The groups differ a hundredfold
in cost (batching's closed-form group ~0.6 s a process, matmul at 3,000 ~16 s on the 2-core VM), so
giving every wide comparison one more process per sweep spent most of the time on the dear ones
(f34bd05: four extra sweeps of 58, 57, 25 and 1 s gave batching 4 processes, matmul 2, rowdot 3).

:func:`plan` spends the time left one process at a time, always on the group whose next process
narrows its wide comparisons the most per second (lecture ratios before any other: the gain is
compared as (lecture gain, other gain) per second), until the time is spent or every comparison
is predicted within its target. The half-width ``k`` more processes leave is predicted from the
one reached, by the factor Kalibera & Jones's interval gives with the process variance unchanged:
``t(n + k - 1) / t(n - 1) * sqrt(n / (n + k))`` (:func:`planned_half_width`). The runner carries out
half of a plan (:func:`stages`), then plans again from what the new processes measured.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from results.comparisons import Measured
from results.variance_components import t_quantile

PROCESS_START_S = 0.1   # a measuring process's cost beyond its groups: a fork of the worker server (runner/worker_server.py), 0.03-0.05 s measured
UNKNOWN_SIDE_S = 5.0    # a side no process has recorded yet


@functools.lru_cache(maxsize=512)
def _t(df: int) -> float:
    return t_quantile(df)


def planned_half_width(row: Measured, more: int) -> float:
    """The half-width ``row`` is predicted to reach with ``more`` processes like those it has."""
    n = row.processes
    if more <= 0 or n < 2 or not math.isfinite(row.half_width):
        return row.half_width
    return row.half_width * _t(n + more - 1) / _t(n - 1) * math.sqrt(n / (n + more))


@dataclass(frozen=True)
class GroupPlan:
    """Extra processes planned for one group of sides (the comparisons in it that are still wide)."""

    sides: frozenset
    rows: tuple            # the wide comparisons (:class:`results.comparisons.Measured`) the group holds
    cost: float            # seconds one process of it is expected to take
    processes: int

    @property
    def ids(self) -> list[str]:
        return [r.id for r in self.rows]


def group_cost(sides, seconds: dict[str, float]) -> float:
    """Seconds one process of a group takes: its sides' planned seconds and a process start."""
    return sum(seconds.get(k, UNKNOWN_SIDE_S) for k in sides) + PROCESS_START_S


def _gain(rows, more: int, target, cap) -> tuple[float, float]:
    """(lecture, other) narrowing of the half-widths, down to each target, one more process buys."""
    got = [0.0, 0.0]
    for r in rows:
        if r.processes + more >= cap(r):
            continue
        now, then = planned_half_width(r, more), planned_half_width(r, more + 1)
        got[0 if r.is_lecture else 1] += max(0.0, now - max(then, target(r)))
    return got[0], got[1]


def plan(rows, group_sides, seconds: dict[str, float], left_s: float, target, cap) -> list[GroupPlan]:
    """Extra processes per group for ``rows`` (the wide comparisons) within ``left_s`` seconds.

    ``group_sides(row)``: the sides a process times with the row (its whole group); ``seconds``:
    each side's planned seconds in a process; ``target(row)``: its half-width aimed for; ``cap(row)``:
    its processes at most. Greedy on (lecture gain, other gain) per second (module doc); a group
    that no longer fits is passed over for cheaper ones. Groups in the order of their first pick."""
    groups: dict[frozenset, list] = {}
    for r in rows:
        groups.setdefault(frozenset(group_sides(r)), []).append(r)
    cost = {g: group_cost(g, seconds) for g in groups}
    count = dict.fromkeys(groups, 0)
    order: list[frozenset] = []
    spent = 0.0
    while True:
        best, best_key = None, (0.0, 0.0)
        for g, rs in groups.items():
            if spent + cost[g] > left_s:
                continue
            lecture, other = _gain(rs, count[g], target, cap)
            key = (lecture / cost[g], other / cost[g])
            if key > best_key:
                best, best_key = g, key
        if best is None:
            break
        count[best] += 1
        spent += cost[best]
        if best not in order:
            order.append(best)
    return [GroupPlan(g, tuple(groups[g]), cost[g], count[g]) for g in order]


def stages(plans: list[GroupPlan]) -> list[list[str]]:
    """The comparisons each process stage of this round measures: half of each group's planned
    processes (at least one), stage j holding the groups with at least j of them. The plan is made
    again after the round, from what its processes measured."""
    now = {id(p): max(1, math.ceil(p.processes / 2)) for p in plans if p.processes}
    return [[i for p in plans if now.get(id(p), 0) >= j for i in p.ids] for j in range(1, max(now.values(), default=0) + 1)]


def seconds_of(plans: list[GroupPlan]) -> float:
    """What a plan is expected to take."""
    return sum(p.cost * p.processes for p in plans)
