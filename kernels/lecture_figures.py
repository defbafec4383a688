"""The lecture's figures, read and checked once: ``kernels/lecture_figures.toml`` (each figure of the
seed notes: its source and setting, the notes' quote and value, the case it corresponds to, the
lecture's framing as a ratio of medians and the rule of its claim; the file's header documents the
fields). The run plan (:mod:`jaxbench.declare`) resolves their ratios to comparisons, the report
(:mod:`reports.sections.lecture`) judges them."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "lecture_figures.toml"
KINDS = ("above", "about")
METRICS = ("trivial_rmse", "trivial_rho", "accuracy")


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


__all__ = ["DATA_FILE", "KINDS", "METRICS", "Figure", "load_figures"]
