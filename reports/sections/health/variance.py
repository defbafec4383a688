"""Where the variance is: per measured comparison, its processes and passes, the share of its
variance that lies between processes, the half-width its interval reached and the one aimed for
(the health section's check (f)). Read from the comparisons (:class:`results.comparisons.Comparisons`, each pooled once);
the components are Kalibera & Jones's (:mod:`results.variance_components`), on log per-pass ratios."""
from __future__ import annotations

import math

import pandas as pd

from results import variance_components

from ...formats import tables

SHOWN = 40     # rows of the section's table: the comparisons furthest from their target

COLUMNS = ["machine", "commit", "comparison", "kinds", "ratio", "lo", "hi", "processes", "passes",
           "between_share", "half_width", "target", "reached"]


def rows(comparisons, pairs) -> pd.DataFrame:
    """One row per measured comparison of each (machine, commit) of ``pairs`` (``COLUMNS``)."""
    out = []
    for machine, commit in sorted(pairs):
        found = comparisons.of(machine, commit) if comparisons is not None else None
        for m in found.measured() if found is not None else []:
            comp = m.components
            out.append({"machine": machine, "commit": commit[:8], "comparison": m.id, "kinds": ",".join(m.kinds),
                        "ratio": m.point, "lo": m.lo, "hi": m.hi, "processes": m.processes,
                        "passes": m.passes, "between_share": comp.between_share if comp else math.nan,
                        "half_width": m.half_width, "target": m.target, "reached": bool(m.half_width <= m.target)})
    return pd.DataFrame(out, columns=COLUMNS)


def summary(v: pd.DataFrame) -> dict:
    """Counts and medians of :func:`rows`: comparisons, processes, between-process share,
    half-widths (lecture ratios apart) and how many reached their target."""
    lecture = v[v["kinds"].str.split(",").apply(lambda k: "lecture" in k)] if len(v) else v
    med = lambda s: float(s.median()) if len(s.dropna()) else math.nan   # noqa: E731
    return {"comparisons": len(v), "processes_median": med(v["processes"]), "processes_max": int(v["processes"].max()) if len(v) else 0,
            "between_share": med(v["between_share"]), "half_width": med(v["half_width"]),
            "lecture": len(lecture), "lecture_half_width": med(lecture["half_width"]),
            "lecture_widest": float(lecture["half_width"].max()) if len(lecture) else math.nan,
            "reached": int(v["reached"].sum()) if len(v) else 0}


def line(s: dict) -> str:
    """The check's headline."""
    if not s["comparisons"]:
        return "(f) Where the variance is: no measured comparison for these commits."
    pct = lambda x: "n/a" if x != x else f"{100 * x:.1f}%"   # noqa: E731
    return (f"(f) Where the variance is, over {s['comparisons']} measured comparisons: processes median "
            f"{s['processes_median']:.0f} (max {s['processes_max']}); share of the variance between processes "
            f"(Kalibera & Jones, log per-pass ratios) median {pct(s['between_share'])}; 95% half-width median "
            f"{pct(s['half_width'])}; lecture ratios ({s['lecture']}): median {pct(s['lecture_half_width'])}, "
            f"widest {pct(s['lecture_widest'])} (target +-{100 * variance_components.LECTURE_TARGET:.0f}%; others "
            f"+-{100 * variance_components.TARGET:.0f}%); within their target: {s['reached']} of {s['comparisons']}.")


def table(v: pd.DataFrame, shown: int = SHOWN) -> pd.DataFrame:
    """The comparisons that missed their target, lecture ratios first, then the widest; at most
    ``shown`` rows, formatted (every comparison's row is in :func:`rows`)."""
    if not len(v):
        return pd.DataFrame(columns=["Comparison", "Kinds", "Ratio [95% CI]", "Processes", "Passes",
                                     "Between processes", "Half-width", "Target"])
    missed = v[~v["reached"]].copy()
    missed["lecture"] = missed["kinds"].str.split(",").apply(lambda k: "lecture" in k)
    missed = missed.sort_values(["lecture", "half_width"], ascending=[False, False]).head(shown)
    pct = lambda x: "n/a" if x != x else f"{100 * x:.0f}%"   # noqa: E731
    return pd.DataFrame({
        "Comparison": [f"{c} ({m})" for c, m in zip(missed["comparison"], missed["machine"])],
        "Kinds": missed["kinds"],
        "Ratio [95% CI]": [f"{tables.fmt_num(r, suffix='x')} [{tables.fmt_num(lo)}, {tables.fmt_num(hi)}]"
                           for r, lo, hi in zip(missed["ratio"], missed["lo"], missed["hi"])],
        "Processes": missed["processes"], "Passes": missed["passes"],
        "Between processes": [pct(x) for x in missed["between_share"]],
        "Half-width": [f"+-{pct(x)}" for x in missed["half_width"]],
        "Target": [f"+-{pct(x)}" for x in missed["target"]]})
