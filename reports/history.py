"""Time against commit, and the commits where ``asv publish`` would flag a regression.

Same method as asv 0.6.6's publish step (``asv/commands/publish.py`` + ``asv/plugins/regressions.py``):
each series is fitted with ``asv.step_detect.detect_steps`` (piecewise-constant Potts fit),
weighted by ``2 / |ci_99_b - ci_99_a|`` (``asv._stats.get_weight``; missing where asv's CI is
infinite), then ``asv.step_detect.detect_regressions(steps, threshold)`` with the threshold of
``regressions_thresholds`` in asv.conf.json (largest matching regex, default 0.05 = 5%).
Commits are ordered by commit date (asv uses the commit order of the branch; same on a linear
history). The value of a point is asv's ``result``: the median.
"""
from __future__ import annotations

import math
import re

import pandas as pd
from asv.step_detect import detect_regressions, detect_steps

from results.frame import one_device
from .speedup import label

SERIES = ["machine", "kernel", "benchmark", "backend", "placement", "transform", "size", "dtype", "variant"]
DEFAULT_THRESHOLD = 0.05


def threshold_for(thresholds: dict, entry_name: str) -> float:
    """asv's RegressionsPlugin._get_threshold: max over regexes that ``re.match`` the entry."""
    hits = [float(t) for rx, t in (thresholds or {}).items() if re.match(rx, entry_name)]
    return max(hits) if hits else DEFAULT_THRESHOLD


def _weight(lo, hi):
    if lo != lo or hi != hi or hi == lo:
        return None
    return 2.0 / abs(hi - lo)


def ordered(df: pd.DataFrame) -> pd.DataFrame:
    """Timing rows of valid one-device cases with a ``position`` per machine: commits in commit-date order."""
    t = one_device(df)
    t = t[(t["role"] == "time") & t["valid"] & ~t["stale"]].copy()
    t["label"] = [label(b, p, tr) for b, p, tr in zip(t["backend"], t["placement"], t["transform"])]
    order = (t[["machine", "commit", "date"]].drop_duplicates()
             .sort_values(["machine", "date", "commit"], kind="stable"))
    order["position"] = order.groupby("machine").cumcount()
    return t.merge(order[["machine", "commit", "position"]], on=["machine", "commit"])


def regressions(t: pd.DataFrame, thresholds: dict | None = None) -> pd.DataFrame:
    """Every regression asv would report, per series (``SERIES`` keys) of :func:`ordered` rows.

    Columns: the series keys, ``label``, ``position`` and ``commit`` (first commit after the
    upward step), ``before_commit``, ``value_before`` (median level before), ``best_after``
    (best median after), ``ratio`` = best_after / value_before, ``threshold``.
    """
    rows = []
    for key, g in t.groupby(SERIES, dropna=False, sort=True):
        g = g.sort_values("position")
        if (g["status"] == "ok").sum() < 2:
            continue
        y = [v if s == "ok" else None for v, s in zip(g["median"], g["status"])]
        w = [_weight(lo, hi) for lo, hi in zip(g["ci99_lo"], g["ci99_hi"])]
        steps = detect_steps(y, w)
        p = dict(zip(SERIES, key))
        params = ", ".join(repr(p[k]) for k in ("backend", "placement", "transform", "size", "dtype"))
        thr = threshold_for(thresholds, f"{p['benchmark']}({params})")
        _, _, jumps = detect_regressions(steps, thr)
        positions, commits = list(g["position"]), list(g["commit"])
        for before, after, v_before, best_after in jumps or []:
            if after is None:
                continue
            rows.append(dict(p, label=g["label"].iloc[0], position=positions[after], commit=commits[after],
                             before_commit=commits[before] if before is not None else None,
                             value_before=v_before, best_after=best_after,
                             ratio=best_after / v_before if v_before else math.nan, threshold=thr))
    cols = SERIES + ["label", "position", "commit", "before_commit", "value_before", "best_after",
                     "ratio", "threshold"]
    return pd.DataFrame(rows, columns=cols)


HISTORY_KINDS = ("lecture",)   # the comparisons whose history the report draws: the lecture's ratios


def side_label(num: str, den: str) -> str:
    """A short name of comparison ``num / den`` from its case keys (``kernel|backend|placement|
    transform|size|dtype|variant|devices``): kernel, size and variant, then the fields that differ."""
    a, b = num.split("|"), den.split("|")
    show = lambda p, i: f"{p[i]} dev" if i == 7 else p[i]
    differ = [i for i in range(1, 8) if a[i] != b[i]]
    size = a[4] if a[4] == b[4] else ""
    variant = a[6] if a[6] == b[6] else ""
    head = " ".join(x for x in (a[0], size, f"[{variant}]" if variant else "") if x)
    return f"{head}: {'/'.join(show(a, i) for i in differ)} vs {'/'.join(show(b, i) for i in differ)}"


def speedup_history(comparisons: dict, rows: pd.DataFrame, kinds=HISTORY_KINDS) -> pd.DataFrame:
    """The measured ratios of the comparisons of ``kinds`` at every commit of ``rows`` (commit-date
    order per machine), each with its 95% interval (processes resampled first, then passes).

    Columns: machine, position, commit, id, label, kinds, ratio, lo, hi, processes."""
    from results import records

    order = (rows[["machine", "commit", "date"]].drop_duplicates()
             .sort_values(["machine", "date", "commit"], kind="stable"))
    order["position"] = order.groupby("machine").cumcount()
    out = []
    for machine, commit, position in zip(order["machine"], order["commit"], order["position"]):
        entry = ((comparisons.get(machine) or {}).get("commits") or {}).get(commit)
        if not entry:
            continue
        mine = {cid: e for cid, e in (entry.get("comparisons") or {}).items() if set(e.get("kinds", [])) & set(kinds)}
        for r in records.summary({"comparisons": mine, "processes": entry.get("processes", [])}):
            if r["processes"]:
                out.append({"machine": machine, "position": position, "commit": commit, "id": r["id"],
                            "label": side_label(r["num"], r["den"]), "kinds": r["kinds"], "ratio": r["ratio"],
                            "lo": r["lo"], "hi": r["hi"], "processes": r["processes"]})
    cols = ["machine", "position", "commit", "id", "label", "kinds", "ratio", "lo", "hi", "processes"]
    return pd.DataFrame(out, columns=cols)
