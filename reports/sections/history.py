"""History: each kernel's median against commit, every commit of the selected machines up to the
reported one, with the regressions ``asv publish`` would flag (``figures/history_*.png``,
``tables/regressions.md``, ``.tex``), and the lecture's measured ratios at each commit
(``tables/speedup_history``, ``figures/speedup_history_*.png``).

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

from results.frame import one_device, select

from ..derived import coverage
from ..derived.speedup import label
from ..figures import plots
from ..formats import html as H
from ..formats import tables
from ..parts import Doc, Figure, Part, Table, slug

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


def speedup_history(comparisons, rows: pd.DataFrame, kinds=HISTORY_KINDS) -> pd.DataFrame:
    """The measured ratios of the comparisons of ``kinds`` at every commit of ``rows`` (commit-date
    order per machine), each with its 95% interval (processes resampled first, then passes).
    ``comparisons``: anything with ``of(machine, commit)`` -> :class:`results.comparisons.Comparisons`.

    Columns: machine, position, commit, id, label, kinds, ratio, lo, hi, processes."""
    order = (rows[["machine", "commit", "date"]].drop_duplicates()
             .sort_values(["machine", "date", "commit"], kind="stable"))
    order["position"] = order.groupby("machine").cumcount()
    out = []
    for machine, commit, position in zip(order["machine"], order["commit"], order["position"]):
        found = comparisons.of(machine, commit)
        for m in found.measured() if found is not None else []:
            if set(m.kinds) & set(kinds):
                out.append({"machine": machine, "position": position, "commit": commit, "id": m.id,
                            "label": side_label(m.num, m.den), "kinds": ",".join(m.kinds), "ratio": m.point,
                            "lo": m.lo, "hi": m.hi, "processes": m.processes})
    cols = ["machine", "position", "commit", "id", "label", "kinds", "ratio", "lo", "hi", "processes"]
    return pd.DataFrame(out, columns=cols)


# --------------------------------------------------------------------------- the section

def regressions_table(reg: pd.DataFrame) -> pd.DataFrame:
    """Display form of :func:`regressions`."""
    return pd.DataFrame({
        "Machine": reg["machine"], "Benchmark": reg["benchmark"], "Case": reg["label"],
        "Size": reg["size"].astype(str), "dtype": reg["dtype"], "Variant": reg["variant"].replace("", "-"),
        "Last good commit": reg["before_commit"].str[:8], "Regressed at": reg["commit"].str[:8],
        "Median before": [tables.fmt_time(v) for v in reg["value_before"]],
        "Best after": [tables.fmt_time(v) for v in reg["best_after"]],
        "Ratio": [tables.fmt_num(v, suffix="x") for v in reg["ratio"]],
        "Threshold": [f"{100 * t:g}%" for t in reg["threshold"]]})


ONE = H.note("Results for one commit only.")


def history_rows(ctx) -> pd.DataFrame:
    """:func:`ordered` rows of every commit of the selected machines up to the
    reported one (no jax-gpu rows of a machine without a GPU)."""
    rows = ctx.all_rows
    upto = {m: rows.loc[(rows["machine"] == m) & (rows["commit"] == c), "date"].max() for m, c in ctx.commits.items()}
    h = one_device(select(rows, ctx.wanted_machines, None, ctx.wanted_kernels))
    h = h[[d <= upto.get(m, d) for m, d in zip(h["machine"], h["date"])]]
    rows = ordered(h)
    return rows[~((rows["backend"] == coverage.GPU_BACKEND) & rows["machine"].isin(ctx.no_gpu))]


def series_figure(g: pd.DataFrame, regs: pd.DataFrame, machine: str, kernel: str, variant: str, spec) -> Figure:
    """The history figure of one machine, kernel and variant: the headline size, plus every series
    with a flagged regression (any size)."""
    dtype, g, size = tables.headline(g, spec)
    r = regs[(regs["machine"] == machine) & (regs["kernel"] == kernel) & (regs["variant"] == variant)
             & (regs["dtype"] == dtype)]
    flagged = set(zip(r["label"], r["size"]))
    keep = (g["size"] == size) | pd.Series([(lb, sz) in flagged for lb, sz in zip(g["label"], g["size"])],
                                           index=g.index)
    series = g[keep & (g["status"] == "ok")].copy()
    series["label"] = series["label"] + " @ " + series["size"].astype(str)
    r = r.assign(label=r["label"] + " @ " + r["size"].astype(str))
    name = kernel + (f" [{variant}]" if variant else "")
    return Figure(slug("history", kernel, variant, dtype, size, machine),
                  lambda s=series, r=r, t=f"History: {name}, size={size}, {dtype}, {machine}": plots.history(s, r, t),
                  f"{name} on {machine} across commits (size {size}, {dtype}); red triangles: "
                  "regressions asv publish would report.", kernel)


def speedup_history_part(ctx, history_rows_: pd.DataFrame) -> tuple[Table | None, list, list]:
    """The lecture's measured ratios at every commit of the machines with comparisons at two commits
    or more: a table (``tables/speedup_history``; None where there is none) and one figure per machine."""
    h = speedup_history(ctx.comparisons, history_rows_)
    commits = h.groupby("machine")["position"].nunique()
    skipped = [f"speed-up history {m}: comparisons for one commit only" for m in commits[commits < 2].index]
    h = h[h["machine"].isin(commits[commits >= 2].index)]
    if h.empty:
        return None, [], skipped
    multi = h["machine"].nunique() > 1
    frame = pd.DataFrame({
        **({"machine": h["machine"]} if multi else {}),
        "comparison": h["label"], "commit": h["commit"].str[:8],
        "ratio": [f"{x:.3g}x" for x in h["ratio"]],
        "95% interval": [f"[{lo:.3g}, {hi:.3g}]" if lo == lo else "n/a" for lo, hi in zip(h["lo"], h["hi"])],
        "processes": h["processes"].astype(str)})
    table = Table(frame, "Speed-up history: the lecture's ratios measured as comparisons at each commit "
                  "(time of the first side / time of the second; > 1: the second is faster)",
                  ["Each ratio is paired in one process and measured in several processes; the interval "
                   "resamples processes, then passes (docs/comparisons.md)."], "tab:speedup-history")
    figures = []
    for machine, g in h.groupby("machine", sort=True):
        figures.append(Figure(slug("speedup_history", machine),
                              lambda g=g, m=machine: plots.speedup_history(g, f"Speed-up history: lecture ratios, {m}"),
                              f"The lecture's ratios on {machine} across commits, each with its 95% interval."))
    return table, figures, skipped


class History:
    """The history figures, the speed-up history and the regressions table."""

    name = "history"
    title = "History"

    def part(self, ctx) -> Part:
        hist = history_rows(ctx)
        regs = regressions(hist, ctx.results.thresholds)
        figures, skipped = [], []
        for (machine, kernel, variant), g in hist.groupby(["machine", "kernel", "variant"], sort=True):
            if g["position"].nunique() < 2:
                skipped.append(f"history {kernel} {machine}: results for one commit only")
                continue
            figures.append(series_figure(g, regs, machine, kernel, variant, ctx.kernels.get(kernel)))
        table = Table(regressions_table(regs),
                      "Regressions asv publish would flag (asv.step_detect, asv's threshold)", [], "tab:regressions")
        speedups, speedup_figures, not_drawn = speedup_history_part(ctx, hist)
        docs = [Doc("tables/regressions", [table])] + ([Doc("tables/speedup_history", [speedups])] if speedups else [])
        page = (figures or [ONE]) + [table] + speedup_figures + ([speedups] if speedups else [])
        return Part(docs, figures + speedup_figures, page, skipped + not_drawn)
