"""``python -m reports --rerun FIRST SECOND``: two written reports (two runs of ``make bench``), the
second's ratios against the first's intervals, next to what calibrated intervals would give
(:mod:`results.rerun`): the lecture ratios of ``lecture.csv`` and the paired speedups of ``data.csv``."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from results.rerun import compare

from ...ratios import KEY_COLUMNS, row_key

CASE_COLUMNS = [c for c in KEY_COLUMNS if c != "devices"]   # data.csv holds the one-device rows only


class NotAReport(ValueError):
    """A folder without the report's files the check reads."""


NEEDS = {"lecture.csv": ["figure", "machine", "ratio", "ratio_lo", "ratio_hi"],
         "data.csv": ["machine", *CASE_COLUMNS, "role", "status", "speedup_method", "speedup", "speedup_lo", "speedup_hi",
                      "n_rounds"]}


def _read(folder: Path, name: str) -> pd.DataFrame:
    """A report's ``name`` (lecture.csv, data.csv); NotAReport without it or the columns read here."""
    path = Path(folder) / name
    if not path.is_file():
        raise NotAReport(f"{path} does not exist: --rerun takes two folders `python -m reports` wrote "
                         f"(--out; with the csv format)")
    t = pd.read_csv(path, low_memory=False)
    missing = [c for c in NEEDS[name] if c not in t.columns]
    if missing:
        raise NotAReport(f"{path} is not a report's {name}: no column {', '.join(missing)}")
    return t


def lecture_ratios(folder: Path) -> dict:
    """{(figure, machine): (ratio, lo, hi, processes)} of a report's lecture.csv (measured ratios)."""
    t = _read(folder, "lecture.csv")
    n = t["processes"] if "processes" in t.columns else pd.Series(0, index=t.index)   # older reports: none
    return {(f, m): (r, lo, hi, k if k == k else 0)
            for f, m, r, lo, hi, k in zip(t["figure"], t["machine"], t["ratio"], t["ratio_lo"], t["ratio_hi"], n)
            if r == r}


def paired_speedups(folder: Path) -> dict:
    """{case: (speedup, lo, hi, processes)} of a report's data.csv: the speedups over NumPy measured
    as comparisons."""
    d = _read(folder, "data.csv")
    d = d[(d["role"] == "time") & (d["status"] == "ok") & (d["speedup_method"] == "paired")]
    keys = [f"{r['machine']}|{row_key({**r, 'devices': 1})}" for r in d.to_dict("records")]
    return {k: (s, lo, hi, n if n == n else 0)
            for k, s, lo, hi, n in zip(keys, d["speedup"], d["speedup_lo"], d["speedup_hi"], d["n_rounds"])}


def _pct(x: float) -> str:
    return "-" if x != x else f"{100 * x:.0f}%"


def _fmt(x: float) -> str:
    return f"{x:.3g}" if x == x else "n/a"


def text(first: Path, second: Path, bar: float = 0.90) -> str:
    """The check as Markdown: a table (lecture ratios, paired speedups) and the lecture ratios outside."""
    rows = [("lecture ratios (lecture.csv)", compare(lecture_ratios(first), lecture_ratios(second), bar)),
            ("paired speedups (data.csv)", compare(paired_speedups(first), paired_speedups(second), bar))]
    out = [f"## Re-run: {second} against {first}", "",
           f"| ratios | in both | second's point inside the first's 95% interval | calibrated intervals: "
           f"expected | chance of >= {100 * bar:.0f}% inside | sd of z | inside the first's interval widened for a "
           f"re-run (95% expected) |", "|---|---|---|---|---|---|---|"]
    for what, r in rows:
        out.append(f"| {what} | {r.ratios} | {r.inside} ({_pct(r.share)}) | {_pct(r.expected)} | "
                   f"{_pct(r.chance)} | {_fmt(r.z_sd)} | {r.inside_widened} ({_pct(r.inside_widened / r.ratios if r.ratios else math.nan)}) |")
    out += ["", "Expected: the share a Student-t 95% interval over each ratio's processes puts a re-run of as many "
            "processes inside when both runs are of one spread (results/rerun.py). z = log(second / first) over the "
            "two intervals' standard errors combined: its sd is ~1 when the intervals are as wide as the runs differ, "
            "above 1 when the runs differ by more than their processes show. Widened for a re-run: each log half-width "
            "times sqrt(1 + n1 / n2), which a calibrated interval's re-run falls inside 95% of the time."]
    lecture = rows[0][1]
    if lecture.outside:
        out += ["", "Lecture ratios outside the first run's interval:"]
        out += [f"- {f} ({m}): {_fmt(p1)} [{_fmt(lo)}, {_fmt(hi)}] -> {_fmt(p2)}"
                for (f, m), p1, lo, hi, p2 in lecture.outside]
    if any(r.ratios == 0 for _, r in rows):
        out += ["", "A row with 0 ratios in both: the two reports share no measured ratio (other machines, or "
                "reports without comparisons)."]
    return "\n".join(out)


__all__ = ["NotAReport", "lecture_ratios", "paired_speedups", "text"]
