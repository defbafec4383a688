"""The lecture's figures data file (``reports/lecture_figures.toml``) and the rules its claims are
judged by: each figure of the seed notes (its source and setting, the notes' quote and value, the
case it corresponds to, the lecture's framing as a ratio of medians and the rule of its claim; the
file's header documents the fields), :func:`judge` (a verdict from a ratio and its 95% interval)
and :func:`rule_text` (the rule in words)."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parents[2] / "lecture_figures.toml"   # reports/lecture_figures.toml
KINDS = ("above", "about")
METRICS = ("trivial_rmse", "trivial_rho", "accuracy")
HOLDS, FAILS, UNSURE, ABSENT, FIGURE_ONLY = ("holds", "does not hold", "not measurable here", "not measured",
                                             "figure only")
SHORT_SOURCE = {"000_f13da3dcac7f2fcb.txt": "000", "001_ad415b752342291e.txt": "001",
                "002_cb8354f4c2b02692.txt": "002", "003_d0d266454441b17d.txt": "003"}


@dataclass(frozen=True)
class Figure:
    """One figure of the notes (one entry of the data file)."""

    id: str
    demo: str
    source: str
    setting: str
    quote: str
    figure: str
    value: float | None = None
    case: dict = field(default_factory=dict)
    metric: str = ""
    unmeasured: str = ""
    ratio: dict = field(default_factory=dict)
    notes_ratio: float | None = None
    claim: dict = field(default_factory=dict)
    note: str = ""


def load_figures(path=DATA_FILE) -> list[Figure]:
    """The figures of the data file, checked: a bad entry raises ValueError naming it."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    out, seen = [], set()
    for i, entry in enumerate(data.get("figure", [])):
        name = entry.get("id", f"#{i + 1}")
        unknown = set(entry) - set(Figure.__dataclass_fields__)
        if unknown:
            raise ValueError(f"{path}: figure {name}: unknown field(s) {', '.join(sorted(unknown))}")
        missing = [k for k in ("id", "demo", "source", "setting", "quote", "figure") if not entry.get(k)]
        if missing:
            raise ValueError(f"{path}: figure {name}: missing {', '.join(missing)}")
        if name in seen:
            raise ValueError(f"{path}: figure id {name!r} twice")
        seen.add(name)
        fig = Figure(**entry)
        if not (fig.case or fig.metric or fig.unmeasured):
            raise ValueError(f"{path}: figure {name}: needs a case, a metric or an 'unmeasured' reason")
        if fig.metric and fig.metric not in METRICS:
            raise ValueError(f"{path}: figure {name}: metric {fig.metric!r} not in {METRICS}")
        if fig.claim:
            kind = fig.claim.get("kind")
            if kind not in KINDS:
                raise ValueError(f"{path}: figure {name}: claim kind {kind!r} not in {KINDS}")
            need = "threshold" if kind == "above" else "tolerance"
            if not isinstance(fig.claim.get(need), (int, float)):
                raise ValueError(f"{path}: figure {name}: a claim of kind {kind} needs a number '{need}'")
            if fig.claim.get("compare", "ratio") == "ratio" and not fig.ratio:
                raise ValueError(f"{path}: figure {name}: a claim on a ratio needs 'ratio'")
            if fig.claim.get("compare") == "value" and kind == "about" and not fig.value:
                raise ValueError(f"{path}: figure {name}: an 'about' claim on the value needs 'value'")
        out.append(fig)
    return out


# --------------------------------------------------------------------------- verdicts

def judge(kind: str, bound: float, point: float, lo: float, hi: float) -> str:
    """HOLDS, FAILS or UNSURE for a ratio (or value) ``point`` with its interval [lo, hi].

    ``above``: holds when lo > bound, does not hold when hi < bound, else not measurable here.
    ``about`` (``bound`` = tolerance): the band is [1/(1+tol), 1+tol]; holds when [lo, hi] lies
    inside it, does not hold when [lo, hi] lies outside it, else not measurable here.
    Without an interval (lo, hi NaN) the point is judged alone.
    """
    if point != point:
        return ABSENT
    if lo != lo or hi != hi:
        lo = hi = point
    if kind == "above":
        return HOLDS if lo > bound else FAILS if hi < bound else UNSURE
    band = (1.0 / (1.0 + bound), 1.0 + bound)
    if band[0] <= lo and hi <= band[1]:
        return HOLDS
    if hi < band[0] or lo > band[1]:
        return FAILS
    return UNSURE


def rule_text(claim: dict, value=None) -> str:
    """The claim's rule in words: 'needs > 1x', 'needs 0.80x-1.25x'."""
    kind = claim.get("kind")
    on_value = claim.get("compare") == "value"
    if kind == "above":
        t = claim["threshold"]
        return f"needs > {_num(t, percent=on_value and t < 1)}" if on_value else f"needs > {t:g}x"
    tol = claim["tolerance"]
    lo, hi = 1 / (1 + tol), 1 + tol
    if on_value and value:
        return f"needs {value * lo:.3g}-{value * hi:.3g}"
    return f"needs {lo:.2f}x-{hi:.2f}x"


def _num(x, percent=False) -> str:
    return f"{100 * x:.1f}%" if percent else f"{x:.3g}"



__all__ = ["DATA_FILE", "KINDS", "METRICS", "HOLDS", "FAILS", "UNSURE", "ABSENT", "FIGURE_ONLY", "SHORT_SOURCE",
           "Figure", "load_figures", "judge", "rule_text"]
