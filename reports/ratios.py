"""Every ratio the report states, read from the measured comparisons (``jaxbench-comparisons.jsonc``).

A ratio ``num / den`` of two timing rows is looked up among the comparisons of the rows' machine and
commit (:mod:`results.records`: both sides timed in one process, interleaved, in several processes;
the interval resamples processes, then passes). Where nobody declared that pair, the ratio of the
two asv medians is all there is: it comes back with method ``ACROSS`` and no interval, and every
product marks it as such and never turns it into a verdict.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from results.comparisons import CommitComparisons, Comparisons

from results.median_intervals import METHOD_ACROSS as ACROSS, METHOD_PAIRED as PAIRED
KEY_COLUMNS = ("kernel", "backend", "placement", "transform", "size", "dtype", "variant", "devices")


def row_key(r) -> str:
    """A timing row's case key, spelled as :attr:`kernels.Case.key` spells a case."""
    parts = []
    for k in KEY_COLUMNS:
        v = r[k]
        if k in ("size", "devices"):
            v = int(v) if v == v and v is not None else 1
        parts.append("" if v is None or (isinstance(v, float) and v != v) else str(v))
    return "|".join(parts)


@dataclass(frozen=True)
class Ratio:
    point: float
    lo: float = math.nan
    hi: float = math.nan
    method: str = ACROSS
    processes: int = 0
    passes: int = 0

    @property
    def paired(self) -> bool:
        return self.method == PAIRED


class Lookup:
    """(machine, commit, num key, den key, transfer) -> :class:`Ratio` of the measured comparisons
    (:class:`results.comparisons.CommitComparisons`: each comparison pooled once, when first asked for)."""

    def __init__(self, comparisons: dict | None = None):
        self.commits = CommitComparisons(comparisons)

    def __len__(self) -> int:
        return len(self.commits)

    def of(self, machine, commit) -> Comparisons | None:
        """The measured comparisons of one machine and commit (None where there are none)."""
        return self.commits.of(machine, commit)

    def declared_pairs(self, rows, kind: str) -> tuple[list[tuple], set]:
        """The comparisons of ``kind`` (:meth:`results.comparisons.Comparisons.pairs`) among timing rows:
        ((num row's index, den row's index) of every one whose two sides are rows of ``rows`` of one
        machine and commit, matched by :func:`row_key`; the (machine, commit)s whose comparisons
        declare any of ``kind``: elsewhere (a plain ``asv run``, older results) none was declared)."""
        pairs, covered = [], set()
        for (machine, commit), g in rows.groupby(["machine", "commit"], sort=False):
            declared = (self.commits.of(machine, commit) or Comparisons(None)).pairs(kind)
            if not declared:
                continue
            covered.add((machine, commit))
            index = {}
            for i, r in g.iterrows():
                index.setdefault(row_key(r), i)
            pairs += [(index[n], index[d]) for n, d in declared if n in index and d in index]
        return pairs, covered

    def side(self, machine, commit, key: str) -> tuple[float, int] | None:
        """(in-process median, samples) of one case key, from every process that timed it (None: not timed)."""
        found = self.commits.of(machine, commit)
        return None if found is None else found.side_medians.get(key)

    def get(self, machine, commit, num_key: str, den_key: str, transfer: bool = False) -> Ratio | None:
        """The measured ratio, or None where that comparison was not declared or has no measurement."""
        found = self.commits.of(machine, commit)
        m = None if found is None else found.find(num_key, den_key, transfer)
        if m is None or not m.processes:
            return None
        return Ratio(m.point, m.lo, m.hi, PAIRED, m.processes, m.passes)

    def ratio(self, num_row, den_row, transfer: float = 0.0) -> Ratio:
        """``num / (den [+ transfer])`` of two timing rows of one machine and commit: the measured
        comparison where there is one, else the ratio of asv's medians (``ACROSS``, no interval)."""
        hit = self.get(num_row["machine"], num_row["commit"], row_key(num_row), row_key(den_row), bool(transfer))
        if hit is not None:
            return hit
        den = den_row["median"] + (transfer if transfer == transfer else 0.0)
        point = num_row["median"] / den if den and den == den else math.nan
        return Ratio(point)


EMPTY = Lookup()
