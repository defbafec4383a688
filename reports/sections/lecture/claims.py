"""The rules the lecture's claims are judged by: :func:`judge` (a verdict from a ratio and its 95%
interval) and :func:`rule_text` (the rule in words), over the figures :mod:`kernels.lecture_figures`
reads and checks (``kernels/lecture_figures.toml``)."""
from __future__ import annotations

from kernels.lecture_figures import DATA_FILE, KINDS, METRICS, Figure, load_figures

HOLDS, FAILS, UNSURE, ABSENT, FIGURE_ONLY = ("holds", "does not hold", "not measurable here", "not measured",
                                             "figure only")
SHORT_SOURCE = {"000_f13da3dcac7f2fcb.txt": "000", "001_ad415b752342291e.txt": "001",
                "002_cb8354f4c2b02692.txt": "002", "003_d0d266454441b17d.txt": "003"}


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
