"""The lecture, reproduced: every figure of the seed notes next to this machine's measurement.

The figures live in one data file, ``kernels/lecture_figures.toml`` (each with its source file and
setting, the notes' quote and value, the case it corresponds to, the lecture's framing as a ratio of
medians and the rule its claim is judged by; the file's header documents the fields). For each
figure and each machine of the report this module finds the case, its median with the 95%
bootstrap interval of :mod:`results.median_intervals` (the same replicates as every speedup of the report),
the ratio as the lecture frames it with its interval, and a verdict:

- ``holds`` / ``does not hold``: the whole 95% interval of the ratio is on one side of the claim's
  threshold (kind ``above``), or inside / outside the claim's band (kind ``about``);
- ``not measurable here``: the interval contains the threshold (or straddles the band's edge);
- ``not measured``: the case was not measured on that machine, with the reason (no GPU, not
  selected in this run, the data set is missing, no such case in the registry...);
- ``figure only``: the notes make no claim with this figure (it is the baseline of the next rows).

A ratio without an interval (results recorded without samples; metrics, which are one number) is
judged on its value, and the verdict says so. The metrics are the suite's asv tracks (the CNN's
accuracy, the trivial recommender's RMSE and rho: ``bench/bench_svt_hard.py``): the report reads
them and loads no data. :func:`table` is the long form (each verdict with its
numbers; the page's details); the short table fit to paste (``lecture.md``, ``lecture.tex``, the top
of ``index.html``) is :mod:`reports.sections.lecture.short_table`'s; the case lookup lives in
:mod:`reports.sections.lecture.cases`, the data file and its rules in :mod:`reports.sections.lecture.claims`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd
from kernels import Unavailable

from results.registry import registry

from ... import ratios
from ...derived import coverage
from ...formats import tables
from .claims import (ABSENT, DATA_FILE, FAILS, FIGURE_ONLY, HOLDS, KINDS, METRICS, SHORT_SOURCE, UNSURE, Figure,
                     judge, load_figures, rule_text)
from .cases import (Side, ladder_rows, median_interval, placement_rows, resolve, transfer_median,
                    with_overrides)

# --------------------------------------------------------------------------- one figure on one machine

@dataclass
class Cell:
    """A figure on one machine: the measurement, the lecture's ratio and the verdict."""

    machine: str
    state: str                      # HOLDS | FAILS | UNSURE | ABSENT | FIGURE_ONLY
    measured: str = ""              # the median [95% CI] (or the metric) as printed
    verdict: str = ""               # the verdict with its numbers
    value: float = math.nan         # the median (s) or the metric
    lo: float = math.nan
    hi: float = math.nan
    ratio: float = math.nan
    ratio_lo: float = math.nan
    ratio_hi: float = math.nan
    processes: int = 0              # the processes the ratio's interval is over (0: not a measured comparison)
    backend: str = ""
    size: object = None
    reason: str = ""
    figure: str = "-"               # this machine's figure alone (the median, or the metric)
    paired: bool = True             # the ratio is a measured comparison (else: across processes)
    caveats: list = field(default_factory=list)   # what the short table's note adds: size, backend...


def _ratio_side(fig: Figure, which: str, base: Side, t, machine, no_gpu, kernels) -> Side:
    """The num/den side of the ratio: overrides of the case, at the size the case resolved to."""
    over = dict((fig.ratio or {}).get(which) or {})
    if not over:
        return base
    case = with_overrides(fig.case, over)
    if "backend" not in over:
        case["backends"] = [base.backend]
    size = over.get("size", int(base.row["size"]))
    variants = over.get("variant")
    if isinstance(variants, list):   # the fastest of several: 'fastest other'
        sides = [resolve(with_overrides(case, {"variant": v}), t, machine, no_gpu, size, kernels)
                 for v in variants]
        ok = [s for s in sides if s.ok]
        if not ok:
            return Side(None, reason=sides[0].reason if sides else "not measured")
        return min(ok, key=lambda s: s.row["median"])
    return resolve(case, t, machine, no_gpu, size, kernels)


def _fmt_ratio(point, lo, hi, unpaired: bool) -> str:
    if point != point:
        return "-"
    if unpaired or lo != lo:
        return f"{tables.fmt_num(point, suffix='x')} ({tables.ACROSS_TEXT}: no verdict)"
    return tables.fmt_interval(point, lo, hi)


def _notes_tail(fig: Figure) -> str:
    return f"; notes: {tables.fmt_num(fig.notes_ratio, suffix='x')}" if fig.notes_ratio else ""


def _caveats(fig: Figure, side: Side, lo: float) -> list[str]:
    """What the short table's note says of a measured case: no interval, the backend, the size."""
    out = [] if lo == lo else [tables.NO_INTERVAL]
    if "GPU" in fig.setting and side.backend == "jax-cpu":
        out.append("on jax-cpu, the notes' on a GPU")
    elif len(fig.case.get("backends") or []) > 1:
        out.append(f"on {side.backend}")
    return out + ([f"at {side.size_note}"] if side.size_note else [])


def timing_cell(fig: Figure, t: pd.DataFrame, df: pd.DataFrame, machine: str, no_gpu: set,
                comparisons: ratios.Lookup | None = None, kernels=None) -> Cell:
    """A figure with a case: the case's median and the lecture's ratio on ``machine``, the ratio
    read from the measured comparisons (a ratio only computed across processes gets no verdict)."""
    side = resolve(fig.case, t, machine, no_gpu, kernels=kernels)
    if not side.ok:
        return Cell(machine, ABSENT, measured="-", verdict=f"{ABSENT}: {side.reason}", reason=side.reason)
    r = side.row
    lo, hi = median_interval(r)
    interval = f" [{tables.fmt_time(lo)}, {tables.fmt_time(hi)}]" if lo == lo else " (no interval: no samples)"
    extra = [x for x in (side.backend if len(fig.case.get("backends") or []) > 1 else "", side.size_note) if x]
    measured = tables.fmt_time(r["median"]) + interval + (f" ({'; '.join(extra)})" if extra else "")
    cell = Cell(machine, FIGURE_ONLY, measured=measured, value=r["median"], lo=lo, hi=hi, backend=side.backend,
                size=int(r["size"]), figure=tables.fmt_time(r["median"]), caveats=_caveats(fig, side, lo))
    if not fig.ratio:
        cell.verdict = f"{FIGURE_ONLY} (the baseline of the rows below)" if not fig.claim else ""
        return cell
    num = _ratio_side(fig, "num", side, t, machine, no_gpu, kernels)
    den = _ratio_side(fig, "den", side, t, machine, no_gpu, kernels)
    label = fig.ratio.get("label", "ratio")
    missing = [s for s in (num, den) if not s.ok]
    if missing:
        cell.state = ABSENT if fig.claim else FIGURE_ONLY
        cell.verdict = f"{ABSENT}: {label}: {missing[0].reason}" if fig.claim else \
            f"{FIGURE_ONLY}; {label}: {ABSENT} ({missing[0].reason})"
        cell.caveats.append(f"{label}: {ABSENT} ({missing[0].reason})")
        return cell
    transfer = 0.0
    if fig.ratio.get("plus_transfer"):
        transfer = transfer_median(df, den.row)
        if transfer != transfer:
            cell.state = ABSENT if fig.claim else FIGURE_ONLY
            cell.verdict = f"{ABSENT}: {label}: the host->device transfer was not measured"
            return cell
    measured = (comparisons or ratios.EMPTY).ratio(num.row, den.row, transfer)
    point, lo_r, hi_r = measured.point, measured.lo, measured.hi
    cell.ratio, cell.ratio_lo, cell.ratio_hi, cell.paired = point, lo_r, hi_r, measured.paired
    cell.processes = measured.processes if measured.paired else 0
    ratio_text = _fmt_ratio(point, lo_r, hi_r, not measured.paired)
    size_note = f" (at {side.size_note.split(',')[0]})" if side.size_note else ""
    if fig.ratio.get("plus_transfer"):
        size_note += f" (transfer {tables.fmt_time(transfer)}, median)"
        cell.caveats.append(f"transfer {tables.fmt_time(transfer)}, median")
    if not measured.paired and point == point:
        cell.caveats.append(f"{tables.ACROSS_TEXT}: no verdict")
    if not fig.claim:
        cell.verdict = f"{FIGURE_ONLY}: {label} = {ratio_text}{size_note}{_notes_tail(fig)}"
        return cell
    c = fig.claim
    bound = c["threshold"] if c["kind"] == "above" else c["tolerance"]
    cell.state = judge(c["kind"], bound, point, lo_r, hi_r) if measured.paired else UNSURE
    says = c.get("says", label + " = {r}").format(r=ratio_text)
    if point < 1 and " faster than " in says:   # '0.94x faster than eager' reads as 'the speed of eager'
        says = says.replace(" faster than ", " the speed of ")
    gpu_note = ""
    if "GPU" in fig.setting and side.backend == "jax-cpu":
        gpu_note = "; on jax-cpu, the notes' on a GPU"
    cell.verdict = f"{cell.state}: {says}{size_note} ({rule_text(c)}{_notes_tail(fig)}{gpu_note})"
    return cell


# --------------------------------------------------------------------------- metrics

TRIVIAL_TRACKS = "bench_svt_hard.TrivialRecommender"   # track_trivial_rmse, track_trivial_rho
TRIVIAL_COMMAND = "python -m runner --kernels svt_hard or make bench"   # what records them


def _data_reason(kernel: str) -> str:
    """Why the data set of an accuracy track is missing here ('' when it is present)."""
    try:
        if kernel in ("cnn_step", "fgsm"):
            from kernels.data import mnist
            mnist.locate()
        elif kernel in ("svt_hard", "svt_soft"):
            from kernels.data import movielens
            movielens.find_data()
    except Unavailable as exc:
        return f"data missing on the machine that built this report: {exc.reason}"
    except OSError as exc:
        return f"data missing on the machine that built this report: {exc}"
    except Exception:
        return ""
    return ""


def _metric_verdict(fig: Figure, cell: Cell, value: float, shown: str) -> Cell:
    c = fig.claim
    if not c:
        cell.state, cell.verdict = FIGURE_ONLY, FIGURE_ONLY
        return cell
    if c["kind"] == "above":
        cell.state = judge("above", c["threshold"], value, math.nan, math.nan)
    else:
        cell.state = judge("about", c["tolerance"], value / fig.value, math.nan, math.nan)
    says = c.get("says", "{r}").format(r=shown)
    cell.verdict = f"{cell.state}: {says} ({rule_text(c, fig.value)}; one number, no interval)"
    cell.caveats.append("one number, no interval")
    return cell


def trivial_cell(fig: Figure, df: pd.DataFrame, machine: str) -> Cell:
    """A figure of the trivial recommender (``trivial_rmse``, ``trivial_rho``) on ``machine``: the
    asv track of the suite that measured it (the report computes nothing), or why there is none."""
    want = "rmse" if fig.metric == "trivial_rmse" else "rho"
    mine = df[(df["machine"] == machine) & (df["role"] == "accuracy")
              & df["benchmark"].str.contains("trivial") & df["benchmark"].str.contains(want)]
    tracked = mine[mine["status"] == "ok"]
    if len(tracked):
        r = tracked.iloc[0]
        value = 1.0 - r["median"] if "one_minus" in r["benchmark"] else r["median"]
        shown = f"{value:.3f}"
        cell = Cell(machine, FIGURE_ONLY, measured=f"{shown} (asv track {r['benchmark'].split('.')[-1]})",
                    value=value, figure=shown)
        return _metric_verdict(fig, cell, value, shown)
    if (mine["status"] == "failed").any():
        reason = "failed (asv recorded a failure)"
    elif len(mine):
        reason = _data_reason("svt_hard") or coverage.NO_REASON
    else:
        reason = (f"the asv track {TRIVIAL_TRACKS}.track_{fig.metric} is not in this run "
                  f"({TRIVIAL_COMMAND} records it)")
    return Cell(machine, ABSENT, measured="-", verdict=f"{ABSENT}: {reason}", reason=reason)


def metric_cell(fig: Figure, df: pd.DataFrame, machine: str, no_gpu: set) -> Cell:
    """A figure of a metric (trivial recommender, CNN accuracy) on ``machine``."""
    if fig.metric in ("trivial_rmse", "trivial_rho"):
        return trivial_cell(fig, df, machine)
    # accuracy track of a kernel: value = 1 - tracked error
    kernel = fig.case.get("kernel", "cnn_step")
    rows = df[(df["machine"] == machine) & (df["kernel"] == kernel) & (df["role"] == "accuracy")]
    reasons = []
    for backend in fig.case.get("backends") or ["jax-cpu"]:
        b = rows[rows["backend"] == backend]
        ok = b[b["status"] == "ok"]
        if len(ok):
            r = ok.iloc[0]
            value = 1.0 - r["median"]
            shown = f"{100 * value:.1f}%"
            cell = Cell(machine, FIGURE_ONLY, value=value, backend=backend, figure=shown, caveats=[f"on {backend}"],
                        measured=f"{shown} ({backend}; asv track {r['benchmark'].split('.')[-1]})")
            return _metric_verdict(fig, cell, value, shown)
        if backend == coverage.GPU_BACKEND and machine in no_gpu:
            reasons.append(f"no GPU on {machine}")
        elif len(b) and (b["status"] == "failed").any():
            reasons.append("failed (asv recorded a failure)")
        elif len(b):
            reasons.append(_data_reason(kernel) or coverage.NO_REASON)
        else:
            reasons.append(f"{kernel} accuracy not in this run")
    reason = next((r for r in reasons if not r.startswith("no GPU")), reasons[0] if reasons else "not measured")
    return Cell(machine, ABSENT, measured="-", verdict=f"{ABSENT}: {reason}", reason=reason)


# --------------------------------------------------------------------------- all figures

@dataclass
class Lecture:
    """Every figure on every machine of the report."""

    figures: list
    machines: list
    cells: dict                     # (figure id, machine) -> Cell
    ladder: dict = field(default_factory=dict)   # machine -> ladder rows (see ladder_rows)


def evaluate(figures: list[Figure], t: pd.DataFrame, df: pd.DataFrame, machines: list[str], facts: dict,
             comparisons: ratios.Lookup | None = None, kernels=None) -> Lecture:
    """Evaluate each figure on each machine.

    ``t``: timing rows of the report's commits with their ``absence`` (:func:`reports.derived.coverage.classify`
    of :func:`reports.derived.speedup.timings`); ``df``: every row of those commits (accuracy and transfer
    rows, the metrics' asv tracks among them); ``kernels``: the registry as
    the loader read it (:attr:`results.frame.Results.kernels`; default: :func:`results.registry.registry`).
    """
    kernels = kernels if kernels is not None else registry()
    no_gpu = set(coverage.no_gpu_machines(df, facts))
    cells = {}
    for fig in figures:
        for m in machines:
            if fig.unmeasured:
                cells[(fig.id, m)] = Cell(m, ABSENT, measured="-", verdict=f"{ABSENT}: {fig.unmeasured}",
                                          reason=fig.unmeasured)
            elif fig.metric:
                cells[(fig.id, m)] = metric_cell(fig, df, m, no_gpu)
            else:
                cells[(fig.id, m)] = timing_cell(fig, t, df, m, no_gpu, comparisons, kernels)
    return Lecture(figures, list(machines), cells)


# --------------------------------------------------------------------------- tables

def _claim_text(fig: Figure) -> str:
    if not fig.claim:
        return "-"
    label = (fig.ratio or {}).get("label")
    return fig.claim["text"] + (f" ({label})" if label and fig.claim.get("compare", "ratio") == "ratio" else "")


def table(lec: Lecture) -> pd.DataFrame:
    """One row per figure: demo, the notes' figure and where it came from, the claim, and per
    machine the median [95% CI] and the verdict with its numbers."""
    rows = []
    for fig in lec.figures:
        row = {"Demo": fig.demo, "Notes' figure": fig.figure, "Source": f"{fig.source} ({fig.setting})",
               "Lecture's claim": _claim_text(fig)}
        for m in lec.machines:
            c = lec.cells[(fig.id, m)]
            row[f"{m}: median [95% CI]"] = c.measured or "-"
            row[f"{m}: verdict"] = c.verdict
        rows.append(row)
    return pd.DataFrame(rows)


def notes(lec: Lecture, gpu_lines=()) -> list[str]:
    """The notes under the long table: the sources, the rules, the GPU lines, the figures' notes."""
    out = ["Sources (shared/seeds): " + "; ".join(f"{v} = {k}" for k, v in SHORT_SOURCE.items()) + ".",
           "Median: asv's median per call, 95% interval from the two-level bootstrap (rounds, then samples). "
           "Ratios: measured comparisons (both sides in one process, interleaved, in 3 or more processes; "
           "95% interval resampling processes, then passes: docs/comparisons.md); a ratio only computed "
           "across processes gets no verdict. "
           "Verdicts: 'holds' / 'does not hold' when the 95% interval of the lecture's ratio lies on one side "
           "of the claim's threshold (or inside / outside its band); 'not measurable here' when the interval "
           "contains the threshold; each verdict names its rule ('needs > 1x'). The rules and their reasons: "
           "kernels/lecture_figures.toml and docs/reports.md."]
    out += list(gpu_lines)
    out += [f"{f.demo}: {f.note}" for f in lec.figures if f.note]
    return out


def verdicts(lec: Lecture) -> pd.DataFrame:
    """Tidy form for tests and data files: figure, machine, state, value, interval, ratio, interval,
    the processes of the ratio's interval (0 where it is not a measured comparison)."""
    return pd.DataFrame([{"figure": fid, "machine": m, "state": c.state, "value": c.value, "lo": c.lo,
                          "hi": c.hi, "ratio": c.ratio, "ratio_lo": c.ratio_lo, "ratio_hi": c.ratio_hi,
                          "processes": c.processes, "backend": c.backend, "size": c.size, "reason": c.reason, "verdict": c.verdict}
                         for (fid, m), c in lec.cells.items()])



__all__ = ["DATA_FILE", "KINDS", "METRICS", "SHORT_SOURCE", "Figure", "load_figures", "judge", "rule_text",
           "resolve", "Cell", "Lecture", "evaluate", "table", "notes", "verdicts", "ladder_rows",
           "placement_rows", "trivial_cell", "HOLDS", "FAILS", "UNSURE", "ABSENT", "FIGURE_ONLY"]
