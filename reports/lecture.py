"""The lecture, reproduced: every figure of the seed notes next to this machine's measurement.

The figures live in one data file, ``reports/lecture_figures.toml`` (each with its source file and
setting, the notes' quote and value, the case it corresponds to, the lecture's framing as a ratio of
medians and the rule its claim is judged by; the file's header documents the fields). For each
figure and each machine of the report this module finds the case, its median with the 95%
bootstrap interval of :mod:`reports.stats` (the same replicates as every speedup of the report),
the ratio as the lecture frames it with its interval, and a verdict:

- ``holds`` / ``does not hold``: the whole 95% interval of the ratio is on one side of the claim's
  threshold (kind ``above``), or inside / outside the claim's band (kind ``about``);
- ``not measurable here``: the interval contains the threshold (or straddles the band's edge);
- ``not measured``: the case was not measured on that machine, with the reason (no GPU, not
  selected in this run, the data set is missing, no such case in the registry...);
- ``figure only``: the notes make no claim with this figure (it is the baseline of the next rows).

A ratio without an interval (results recorded without samples; metrics, which are one number) is
judged on its value, and the verdict says so. Written as ``lecture.md``, ``lecture.tex`` and the
first section of ``index.html`` by :mod:`reports.build`.
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import coverage, paired, stats, tables
from .speedup import case_key

DATA_FILE = Path(__file__).with_name("lecture_figures.toml")
KINDS = ("above", "about")
METRICS = ("trivial_rmse", "trivial_rho", "accuracy")
HOLDS, FAILS, UNSURE, ABSENT, FIGURE_ONLY = ("holds", "does not hold", "not measurable here", "not measured",
                                             "figure only")
SHORT_SOURCE = {"000_f13da3dcac7f2fcb.txt": "000", "001_ad415b752342291e.txt": "001",
                "002_cb8354f4c2b02692.txt": "002", "003_d0d266454441b17d.txt": "003"}


# --------------------------------------------------------------------------- the data file

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


# --------------------------------------------------------------------------- finding a case

@dataclass
class Side:
    """One resolved case on one machine (or why there is none)."""

    row: object = None          # the timing row (pd.Series) or None
    reason: str = ""            # why there is no row
    size_note: str = ""         # e.g. 'at 100 rows (largest measured)'
    backend: str = ""

    @property
    def ok(self) -> bool:
        return self.row is not None


def _spec(kernel: str):
    return coverage._spec(kernel)


def _size_of(case: dict, spec):
    size = case.get("size", "lecture")
    if size == "lecture":
        size = getattr(spec, "lecture_size", None) or "largest"
    return size


def _size_text(spec, size) -> str:
    """'rows = 100', 'n = 3,000'."""
    return f"{getattr(spec, 'size_name', None) or 'size'} = {int(size):,}"


def _default_variant(case: dict, spec) -> str:
    v = case.get("variant")
    if v is not None:
        return v
    return spec.variants[0] if spec is not None else ""


def _declared(case: dict, spec, backend: str, size) -> str:
    """'' when the registry declares the case, else why not."""
    if spec is None:
        return ""
    if case.get("placement") not in spec.placements_for(backend):
        return f"{backend} has no placement {case.get('placement')!r} for {spec.name}"
    if case.get("transform") not in spec.transforms_for(backend):
        return f"{backend} has no transform {case.get('transform')!r} for {spec.name}"
    if isinstance(size, int):
        lo, hi = spec.bounds_for(case.get("transform"))
        if not lo <= size <= hi:
            return f"{spec.name} {case.get('transform')} is bounded to {lo}-{hi} {spec.size_name}"
    return ""


def _reason_of(rows: pd.DataFrame, machine: str, kernel: str, no_gpu: set, backend: str, known: bool) -> str:
    """Why a case has no ok row on ``machine`` (rows: its rows there, possibly none)."""
    if backend == coverage.GPU_BACKEND and machine in no_gpu:
        return f"no GPU on {machine}"
    if len(rows):
        if (rows["status"] == "failed").any():
            return "failed (asv recorded a failure)"
        why = next((a for a in rows.get("absence", []) if isinstance(a, str) and a), coverage.NO_REASON)
        return "not selected in this run" if why == coverage.NOT_SELECTED else why
    if not known:
        return f"{kernel} not in this run"
    return "not selected in this run"


def resolve(case: dict, t: pd.DataFrame, machine: str, no_gpu: set, size_override=None) -> Side:
    """The timing row of ``case`` on ``machine`` (the first of its backends measured), or why none.

    ``t``: classified timing rows (:func:`reports.coverage.classify`) of the report's commits.
    """
    kernel = case["kernel"]
    spec = _spec(kernel)
    size = size_override if size_override is not None else _size_of(case, spec)
    variants = case.get("variant")
    variants = variants if isinstance(variants, list) else [_default_variant(case, spec)]
    mine = t[(t["machine"] == machine) & (t["kernel"] == kernel)]
    if mine.empty:
        return Side(None, reason=f"{kernel} not in this run")
    match = _variant_match(mine["variant"], variants, spec)
    reasons = []
    for backend in case.get("backends") or [case.get("backend", "jax-cpu")]:
        rows = mine[(mine["backend"] == backend) & (mine["placement"] == case.get("placement"))
                    & (mine["transform"] == case.get("transform")) & match
                    & (mine["dtype"] == case.get("dtype", "float32"))]
        ok = rows[rows["status"] == "ok"]
        if size == "largest" and len(ok):
            ok = ok[ok["size"] == ok["size"].max()]
            note = f"{_size_text(spec, ok['size'].iloc[0])}, the largest measured"
            return Side(ok.loc[ok["median"].idxmin()], size_note=note, backend=backend)
        at = ok[ok["size"] == size] if size != "largest" else ok.iloc[0:0]
        if len(at):
            return Side(at.loc[at["median"].idxmin()], backend=backend)
        if case.get("size_fallback") == "largest" and len(ok):
            best = ok[ok["size"] == ok["size"].max()]
            note = f"{_size_text(spec, best['size'].iloc[0])}, the largest measured"
            return Side(best.loc[best["median"].idxmin()], size_note=note, backend=backend)
        declared = _declared(case, spec, backend, size)
        bounded = bool(declared) and bool(case.get("size_fallback")) and "bounded" in declared
        if declared and not bounded:
            reasons.append((backend, f"no such case in the registry: {declared}"))
            continue
        here = rows[rows["size"] == size] if size != "largest" and not bounded else rows
        reasons.append((backend, _reason_of(here, machine, kernel, no_gpu, backend, len(mine) > 0)))
    chosen = next((r for b, r in reasons if not r.startswith("no GPU")), reasons[0][1] if reasons else "not measured")
    return Side(None, reason=chosen)


def _variant_match(column: pd.Series, variants: list, spec) -> pd.Series:
    """Rows whose variant is one of ``variants``; also 'axis=value' (the loader's form for a kernel
    the registry does not know) and '' for the kernel's default variant (results recorded before the
    kernel had a variant axis)."""
    default = spec.variants[0] if spec is not None else None
    def hit(v):
        v = "" if v is None else str(v)
        return any(v == w or v.endswith(f"={w}") or (v == "" and w == default) for w in variants)
    return column.map(hit).astype(bool)


def _with(case: dict, overrides: dict) -> dict:
    c = dict(case)
    for k, v in (overrides or {}).items():
        if k == "backend":
            c["backends"] = [v]
        else:
            c[k] = v
    return c


def _median_interval(r) -> tuple[float, float]:
    return stats.median_interval(r.get("rounds"), case_key(r), r["median"])


def _transfer(df: pd.DataFrame, r) -> float:
    """The host->device transfer median of the inputs of row ``r``'s case (NaN if not measured)."""
    keys = ["machine", "commit", "kernel", "backend", "size", "dtype", "variant"]
    tr = df[(df["role"] == "transfer") & (df["status"] == "ok")]
    for k in keys:
        tr = tr[tr[k] == r[k]]
    return float(tr["median"].median()) if len(tr) else math.nan


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
    backend: str = ""
    size: object = None
    reason: str = ""


def _ratio_side(fig: Figure, which: str, base: Side, t, machine, no_gpu) -> Side:
    """The num/den side of the ratio: overrides of the case, at the size the case resolved to."""
    over = dict((fig.ratio or {}).get(which) or {})
    if not over:
        return base
    case = _with(fig.case, over)
    if "backend" not in over:
        case["backends"] = [base.backend]
    size = over.get("size", int(base.row["size"]))
    variants = over.get("variant")
    if isinstance(variants, list):   # the fastest of several: 'fastest other'
        sides = [resolve(_with(case, {"variant": v}), t, machine, no_gpu, size) for v in variants]
        ok = [s for s in sides if s.ok]
        if not ok:
            return Side(None, reason=sides[0].reason if sides else "not measured")
        return min(ok, key=lambda s: s.row["median"])
    return resolve(case, t, machine, no_gpu, size)


def _fmt_ratio(point, lo, hi, unpaired: bool) -> str:
    if point != point:
        return "-"
    if unpaired or lo != lo:
        return f"{tables.fmt_num(point, suffix='x')} ({tables.ACROSS_TEXT}: no verdict)"
    return tables.fmt_interval(point, lo, hi)


def _notes_tail(fig: Figure) -> str:
    return f"; notes: {tables.fmt_num(fig.notes_ratio, suffix='x')}" if fig.notes_ratio else ""


def timing_cell(fig: Figure, t: pd.DataFrame, df: pd.DataFrame, machine: str, no_gpu: set,
                comparisons: paired.Lookup | None = None) -> Cell:
    """A figure with a case: the case's median and the lecture's ratio on ``machine``, the ratio
    read from the measured comparisons (a ratio only computed across processes gets no verdict)."""
    side = resolve(fig.case, t, machine, no_gpu)
    if not side.ok:
        return Cell(machine, ABSENT, measured="-", verdict=f"{ABSENT}: {side.reason}", reason=side.reason)
    r = side.row
    lo, hi = _median_interval(r)
    interval = f" [{tables.fmt_time(lo)}, {tables.fmt_time(hi)}]" if lo == lo else " (no interval: no samples)"
    extra = [x for x in (side.backend if len(fig.case.get("backends") or []) > 1 else "", side.size_note) if x]
    measured = tables.fmt_time(r["median"]) + interval + (f" ({'; '.join(extra)})" if extra else "")
    cell = Cell(machine, FIGURE_ONLY, measured=measured, value=r["median"], lo=lo, hi=hi, backend=side.backend,
                size=int(r["size"]))
    if not fig.ratio:
        cell.verdict = f"{FIGURE_ONLY} (the baseline of the rows below)" if not fig.claim else ""
        return cell
    num = _ratio_side(fig, "num", side, t, machine, no_gpu)
    den = _ratio_side(fig, "den", side, t, machine, no_gpu)
    label = fig.ratio.get("label", "ratio")
    missing = [s for s in (num, den) if not s.ok]
    if missing:
        cell.state = ABSENT if fig.claim else FIGURE_ONLY
        cell.verdict = f"{ABSENT}: {label}: {missing[0].reason}" if fig.claim else \
            f"{FIGURE_ONLY}; {label}: {ABSENT} ({missing[0].reason})"
        return cell
    transfer = 0.0
    if fig.ratio.get("plus_transfer"):
        transfer = _transfer(df, den.row)
        if transfer != transfer:
            cell.state = ABSENT if fig.claim else FIGURE_ONLY
            cell.verdict = f"{ABSENT}: {label}: the host->device transfer was not measured"
            return cell
    measured = (comparisons or paired.EMPTY).ratio(num.row, den.row, transfer)
    point, lo_r, hi_r = measured.point, measured.lo, measured.hi
    cell.ratio, cell.ratio_lo, cell.ratio_hi = point, lo_r, hi_r
    ratio_text = _fmt_ratio(point, lo_r, hi_r, not measured.paired)
    size_note = f" (at {side.size_note.split(',')[0]})" if side.size_note else ""
    if fig.ratio.get("plus_transfer"):
        size_note += f" (transfer {tables.fmt_time(transfer)}, median)"
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

def trivial_metrics() -> tuple[float, float, str]:
    """(RMSE, rho, data source) of the trivial recommender on the lab's MovieLens split (seed 0),
    computed by the report; raises kernels.Unavailable without the data."""
    from kernels.data import movielens

    split = movielens.load_split(seed=0)
    rmse, rho = movielens.trivial_metrics(split)
    return rmse, rho, str(split.source)


def _data_reason(kernel: str) -> str:
    """Why the data set of an accuracy track is missing here ('' when it is present)."""
    try:
        import kernels
        if kernel in ("cnn_step", "fgsm"):
            from kernels.data import mnist
            mnist.locate()
        elif kernel in ("svt_hard", "svt_soft"):
            from kernels.data import movielens
            movielens.find_data()
    except kernels.Unavailable as exc:
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
    return cell


def metric_cell(fig: Figure, df: pd.DataFrame, machine: str, no_gpu: set, computed) -> Cell:
    """A figure of a metric (trivial recommender, CNN accuracy) on ``machine``."""
    if fig.metric in ("trivial_rmse", "trivial_rho"):
        want = "rmse" if fig.metric == "trivial_rmse" else "rho"
        tracked = df[(df["machine"] == machine) & (df["role"] == "accuracy") & (df["status"] == "ok")
                     & df["benchmark"].str.contains("trivial") & df["benchmark"].str.contains(want)]
        if len(tracked):
            r = tracked.iloc[0]
            value = 1.0 - r["median"] if "one_minus" in r["benchmark"] else r["median"]
            shown = f"{value:.3f}"
            cell = Cell(machine, FIGURE_ONLY, measured=f"{shown} (asv track {r['benchmark'].split('.')[-1]})",
                        value=value)
            return _metric_verdict(fig, cell, value, shown)
        if isinstance(computed, str):
            return Cell(machine, ABSENT, measured="-", verdict=f"{ABSENT}: {computed}", reason=computed)
        rmse, rho, source = computed
        value = rmse if want == "rmse" else rho
        shown = f"{value:.3f}"
        cell = Cell(machine, FIGURE_ONLY, value=value,
                    measured=f"{shown} (computed by the report from {Path(source).name}, seed-0 split; "
                             "the same on every machine)")
        return _metric_verdict(fig, cell, value, shown)
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
            cell = Cell(machine, FIGURE_ONLY, value=value, backend=backend,
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
             computed=None, comparisons: paired.Lookup | None = None) -> Lecture:
    """Evaluate each figure on each machine.

    ``t``: timing rows of the report's commits with their ``absence`` (:func:`reports.coverage.classify`
    of :func:`reports.speedup.timings`); ``df``: every row of those commits (accuracy and transfer
    rows); ``computed``: the trivial recommender's (RMSE, rho, source) or the reason it is missing
    (default: :func:`trivial_metrics`, computed once).
    """
    no_gpu = set(coverage.no_gpu_machines(df, facts))
    if computed is None and any(f.metric.startswith("trivial") for f in figures):
        computed = _computed_metrics()
    cells = {}
    for fig in figures:
        for m in machines:
            if fig.unmeasured:
                cells[(fig.id, m)] = Cell(m, ABSENT, measured="-", verdict=f"{ABSENT}: {fig.unmeasured}",
                                          reason=fig.unmeasured)
            elif fig.metric:
                cells[(fig.id, m)] = metric_cell(fig, df, m, no_gpu, computed)
            else:
                cells[(fig.id, m)] = timing_cell(fig, t, df, m, no_gpu, comparisons)
    return Lecture(figures, list(machines), cells)


def _computed_metrics():
    import kernels
    try:
        return trivial_metrics()
    except kernels.Unavailable as exc:
        return f"MovieLens data missing: {exc.reason}"
    except Exception as exc:   # a broken data file must not stop the report
        return f"MovieLens data unreadable: {exc}"


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


def latex_table(lec: Lecture) -> tuple[pd.DataFrame, list, list]:
    """The same table for LaTeX: the source (seed file abbreviated, legend in the notes) in the notes'
    figure cell, no claim column (each verdict says its claim); (frame, keys, groups) with the two
    columns of each machine kept together, so a table too wide for the page splits by machine."""
    t = table(lec)
    t["Notes"] = [f"{f.figure} ({SHORT_SOURCE.get(f.source, f.source)}, {f.setting})" for f in lec.figures]
    t = t.drop(columns=["Lecture's claim", "Notes' figure", "Source"])
    t = t[["Demo", "Notes"] + [c for c in t.columns if c not in ("Demo", "Notes")]]
    groups = [[f"{m}: median [95% CI]", f"{m}: verdict"] for m in lec.machines]
    return t, ["Demo", "Notes"], groups


def notes(lec: Lecture, gpu_lines=()) -> list[str]:
    """The notes under the lecture table: the sources, the rules, the GPU lines, the figures' notes."""
    out = ["Sources (shared/seeds): " + "; ".join(f"{v} = {k}" for k, v in SHORT_SOURCE.items()) + ".",
           "Median: asv's median per call, 95% interval from the two-level bootstrap (rounds, then samples). "
           "Ratios: measured comparisons (both sides in one process, interleaved, in 3 or more processes; "
           "95% interval resampling processes, then passes: docs/comparisons.md); a ratio only computed "
           "across processes gets no verdict. "
           "Verdicts: 'holds' / 'does not hold' when the 95% interval of the lecture's ratio lies on one side "
           "of the claim's threshold (or inside / outside its band); 'not measurable here' when the interval "
           "contains the threshold; each verdict names its rule ('needs > 1x'). The rules and their reasons: "
           "reports/lecture_figures.toml and docs/reports.md."]
    out += list(gpu_lines)
    out += [f"{f.demo}: {f.note}" for f in lec.figures if f.note]
    return out


def verdicts(lec: Lecture) -> pd.DataFrame:
    """Tidy form for tests and data files: figure, machine, state, value, interval, ratio, interval."""
    return pd.DataFrame([{"figure": fid, "machine": m, "state": c.state, "value": c.value, "lo": c.lo,
                          "hi": c.hi, "ratio": c.ratio, "ratio_lo": c.ratio_lo, "ratio_hi": c.ratio_hi,
                          "backend": c.backend, "size": c.size, "reason": c.reason, "verdict": c.verdict}
                         for (fid, m), c in lec.cells.items()])


# --------------------------------------------------------------------------- the figures' rows

def ladder_rows(t: pd.DataFrame, machine: str, kernel: str = "rowdot", placement: str = "explicit",
                no_gpu=(), comparisons: paired.Lookup | None = None) -> pd.DataFrame:
    """The vmap ladder (loop, jit(loop), vmap, jit(vmap)) of ``kernel`` on ``machine``, per JAX
    backend measured: at the lecture size where measured, else (jit of the loop, bounded) at the
    largest size measured; median with its interval, speedup over the loop at the same size with
    its interval. ``placement``: the ladder's placement (falls back to any measured one)."""
    import kernels

    spec = _spec(kernel)
    size = getattr(spec, "lecture_size", None)
    rows = []
    if spec is None:        # the rungs are the kernel's JAX transforms (rowdot: loop ... jit_vmap)
        return pd.DataFrame(rows, columns=["backend", "placement", "transform", "size", "median", "lo", "hi",
                                           "speedup", "s_lo", "s_hi", "note"])
    mine = t[(t["machine"] == machine) & (t["kernel"] == kernel) & (t["status"] == "ok")
             & t["backend"].str.startswith("jax")]
    for backend in [b for b in kernels.BACKENDS if b != "numpy-cpu"]:
        if backend == coverage.GPU_BACKEND and machine in set(no_gpu):
            continue
        b = mine[mine["backend"] == backend]
        if b.empty:
            continue
        pl = placement if (b["placement"] == placement).any() else b["placement"].iloc[0]
        b = b[b["placement"] == pl]
        target = size if size is not None and (b["size"] == size).any() else b["size"].max()
        for tr in spec.jax_transforms:
            g = b[b["transform"] == tr]
            if g.empty:
                rows.append(dict(backend=backend, placement=pl, transform=tr, size=target, median=math.nan,
                                 lo=math.nan, hi=math.nan, speedup=math.nan, s_lo=math.nan, s_hi=math.nan,
                                 note="not measured"))
                continue
            at = g[g["size"] == target]
            note = ""
            if at.empty:
                at = g[g["size"] == g["size"].max()]
                note = f"at {int(at['size'].iloc[0]):,} {getattr(spec, 'size_name', 'size')} (largest measured)"
            r = at.iloc[0]
            lo, hi = _median_interval(r)
            loop = b[(b["transform"] == "loop") & (b["size"] == r["size"])]
            sp = s_lo = s_hi = math.nan
            if len(loop):
                lr = loop.iloc[0]
                measured = (comparisons or paired.EMPTY).ratio(lr, r) if lr.name != r.name else \
                    paired.Ratio(1.0, 1.0, 1.0, paired.PAIRED)
                sp, s_lo, s_hi = measured.point, measured.lo, measured.hi
            rows.append(dict(backend=backend, placement=pl, transform=tr, size=int(r["size"]), median=r["median"],
                             lo=lo, hi=hi, speedup=sp, s_lo=s_lo, s_hi=s_hi, note=note))
    return pd.DataFrame(rows, columns=["backend", "placement", "transform", "size", "median", "lo", "hi",
                                       "speedup", "s_lo", "s_hi", "note"])


def placement_rows(t: pd.DataFrame, machine: str, kernel: str = "matmul", variant: str = "x@x.T",
                   transform: str = "eager", no_gpu=()):
    """Rows of the lecture's placement figure (NumPy and each JAX placement at the lecture size,
    the notes' transform; jit where eager was not measured): (rows, size, transform) or Nones."""
    spec = _spec(kernel)
    size = getattr(spec, "lecture_size", None)
    g = t[(t["machine"] == machine) & (t["kernel"] == kernel) & (t["variant"] == variant)
          & (t["dtype"] == "float32") & (t["status"] == "ok")]
    g = g[~((g["backend"] == coverage.GPU_BACKEND) & (g["machine"].isin(set(no_gpu))))]
    if size is None or not (g["size"] == size).any():
        return None, size, transform
    at = g[g["size"] == size]
    jax = at[at["backend"].str.startswith("jax")]
    tr = transform if (jax["transform"] == transform).any() else ("jit" if (jax["transform"] == "jit").any() else None)
    if tr is None:
        return None, size, transform
    rows = pd.concat([at[at["backend"] == "numpy-cpu"], jax[jax["transform"] == tr]])
    return rows, size, tr


__all__ = ["DATA_FILE", "Figure", "load_figures", "judge", "rule_text", "resolve", "Cell", "Lecture", "evaluate",
           "table", "latex_table", "notes", "verdicts", "ladder_rows", "placement_rows", "trivial_metrics",
           "HOLDS", "FAILS", "UNSURE", "ABSENT", "FIGURE_ONLY"]
