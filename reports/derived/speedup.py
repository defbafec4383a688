"""Speedups, rates and peaks: pure functions over the tidy DataFrame of :mod:`results.frame`.

Every speedup is ``baseline time / case time``, so > 1 means faster than the baseline, and is read
from the measured comparisons (:mod:`reports.ratios`: both sides in one process, interleaved,
several processes) with its 95% interval ``speedup_lo`` - ``speedup_hi`` (``speedup_method``
``paired``); a pair nobody measured as a comparison gets the ratio of asv's medians, method
``across processes``, no interval. Each median keeps its own interval ``median_lo`` - ``median_hi``
from the two-level bootstrap of :mod:`results.median_intervals` over asv's rounds. Rates are per call: GFLOP/s = FLOPs / median / 1e9,
GB/s = bytes moved / median / 1e9. Percent of peak compares them with the machine's calibration
benchmarks (``bench/bench_calibration.py``): the float32 GEMM GFLOP/s and the copy GB/s, the best
of NumPy and JAX for CPU cases and JAX on the GPU for ``jax-gpu`` cases.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kernels import BASELINE_TRANSFORMS   # the NumPy baseline, as the comparisons declare it (the fallback)
from results import median_intervals, bootstrap
from results.frame import one_device
from results.registry import registry

from .. import ratios
from . import limits

GROUP = ["machine", "commit", "kernel", "size", "dtype", "variant"]       # like-for-like cell
LINE = ["backend", "placement", "transform"]                              # one variant of a case


def label(backend, placement, transform) -> str:
    """Short name of one variant: 'numpy-cpu eager', 'jax-gpu explicit jit'."""
    if backend == "numpy-cpu":
        return f"numpy-cpu {transform}"
    return f"{backend} {placement} {transform}"


def all_timings(df: pd.DataFrame) -> pd.DataFrame:
    """Steady-state timing rows (role 'time') of valid cases, every device count, with a ``label`` column."""
    t = df[(df["role"] == "time") & df["valid"]].copy()
    t["label"] = [label(b, p, tr) for b, p, tr in zip(t["backend"], t["placement"], t["transform"])]
    return t


def timings(df: pd.DataFrame) -> pd.DataFrame:
    """:func:`all_timings` of the one-device cases (the sharded rows are the scaling table's,
    :mod:`reports.sections.devices`)."""
    return all_timings(one_device(df))


def case_key(r) -> str:
    """The identity of one case (row), which seeds its bootstrap replicates."""
    return f"{r['machine']}|{r['commit']}|{r['benchmark']}|{r['params']}"


def with_replicates(t: pd.DataFrame) -> pd.DataFrame:
    """Add ``_reps`` (bootstrap replicates of the median, None without samples), ``ci_method``,
    ``median_lo`` and ``median_hi`` (95% interval of the median)."""
    out = t.copy()
    reps, lo, hi = [], [], []
    for _, r in out.iterrows():
        x = median_intervals.bootstrap_medians(r.get("rounds"), case_key(r)) if r["status"] == "ok" else None
        a, b = (math.nan, math.nan) if x is None else bootstrap.contain_point(r["median"], *bootstrap.percentile_interval(x))
        reps.append(x)
        lo.append(a)
        hi.append(b)
    out["_reps"] = pd.Series(reps, index=out.index, dtype=object)
    out["median_lo"], out["median_hi"] = lo, hi
    out["ci_method"] = [median_intervals.METHOD_NONE if x is None else median_intervals.method(r)
                        for x, r in zip(reps, out.get("rounds", pd.Series([None] * len(out), index=out.index)))]
    return out


BASELINE_COLUMNS = {"median": "baseline_median", "label": "baseline_label", "transform": "baseline_transform"}


def baselines(t: pd.DataFrame, comparisons: ratios.Lookup | None = None) -> pd.DataFrame:
    """The NumPy-CPU row per like-for-like cell (GROUP): its median, label and transform.

    The cell's baseline is the one its machine and commit's comparisons of kind ``numpy`` name
    (num: the NumPy-CPU baseline of a case of the cell, den: that case; :mod:`jaxbench.declare`),
    an ok row of the cell; where they name several (the test fixtures declare every pair as
    ``numpy``), the first in ``kernels.BASELINE_TRANSFORMS`` order, the order the declaration picks
    by. Only cells no such comparison reaches (results without comparisons: a plain ``asv run``,
    older results; a lone NumPy row) fall back to that order over the cell's ok NumPy-CPU rows."""
    t = t.reset_index(drop=True)
    ok = t[(t["backend"] == "numpy-cpu") & (t["status"] == "ok")]
    pairs, _ = (comparisons or ratios.EMPTY).declared_pairs(t, "numpy")
    cell = t[GROUP].astype(str).agg("|".join, axis=1)
    named = ok.loc[sorted({n for n, d in pairs if n in ok.index and cell[n] == cell[d]})]
    found = [_first_ranked(f) for f in (named, ok) if len(f)]
    npy = pd.concat(found).drop_duplicates(GROUP, keep="first") if found else _first_ranked(ok)
    return npy[GROUP + list(BASELINE_COLUMNS)].rename(columns=BASELINE_COLUMNS)


def _first_ranked(npy: pd.DataFrame) -> pd.DataFrame:
    """Per like-for-like cell (GROUP), the row of ``npy`` (NumPy-CPU rows) first in
    ``BASELINE_TRANSFORMS`` order."""
    rank = {tr: i for i, tr in enumerate(BASELINE_TRANSFORMS)}
    npy = npy.assign(_rank=npy["transform"].map(lambda tr: rank.get(tr, len(rank))))
    return npy.sort_values("_rank", kind="stable").drop_duplicates(GROUP, keep="first")


def weaker_method(a: str, b: str) -> str:
    """The interval method of a ratio: the weaker of its two sides (none < one process < rounds)."""
    order = [median_intervals.METHOD_NONE, median_intervals.METHOD_ONE, median_intervals.METHOD_ROUNDS]
    return order[min(order.index(a) if a in order else 0, order.index(b) if b in order else 0)]


def _numpy_side(r) -> dict:
    """The NumPy baseline of row ``r`` as a row (for :meth:`reports.ratios.Lookup.ratio`)."""
    return {**{k: r[k] for k in ("machine", "commit", "kernel", "size", "dtype", "variant")},
            "backend": "numpy-cpu", "placement": "host", "transform": r["baseline_transform"], "devices": 1,
            "median": r["baseline_median"]}


def put_ratio(values: dict, prefix: str, ratio) -> None:
    """Append a :class:`reports.ratios.Ratio` to the columns ``<prefix>``, ``_lo``, ``_hi``, ``_method``."""
    values.setdefault(prefix, []).append(ratio.point)
    values.setdefault(prefix + "_lo", []).append(ratio.lo)
    values.setdefault(prefix + "_hi", []).append(ratio.hi)
    values.setdefault(prefix + "_method", []).append(ratio.method if ratio.point == ratio.point else median_intervals.METHOD_NONE)


def with_speedups(df: pd.DataFrame, comparisons: ratios.Lookup | None = None) -> pd.DataFrame:
    """Timing rows with ``baseline_median``, ``baseline_label``, ``speedup`` (NaN unless both ok),
    its interval ``speedup_lo``/``speedup_hi`` and ``speedup_method`` from the measured comparisons
    (``comparisons``; ``across processes`` without an interval where none was measured);
    ``median_lo``/``median_hi``; and the speedup over the lecture's baseline (:func:`with_lecture_speedups`)."""
    comparisons = comparisons or ratios.EMPTY
    t = with_replicates(timings(df))
    out = t.merge(baselines(t, comparisons), on=GROUP, how="left")
    values: dict = {}
    for _, r in out.iterrows():
        if r["status"] == "ok" and r["baseline_median"] == r["baseline_median"]:
            ratio = ratios.Ratio(1.0, 1.0, 1.0, median_intervals.METHOD_PAIRED) if r["backend"] == "numpy-cpu" and \
                r["transform"] == r["baseline_transform"] else comparisons.ratio(_numpy_side(r), r)
        else:
            ratio = ratios.Ratio(math.nan, method=median_intervals.METHOD_NONE)
        put_ratio(values, "speedup", ratio)
    for c in ("speedup", "speedup_lo", "speedup_hi", "speedup_method"):
        out[c] = values[c] if len(out) else pd.Series(dtype=object if c.endswith("_method") else float)
    out = with_lecture_speedups(out, comparisons)
    return out.drop(columns=["_reps", "baseline_transform"])


# --------------------------------------------------------------------------- the lecture's baseline

LECTURE_COLUMNS = ["lecture_baseline", "lecture_baseline_label", "lecture_speedup", "lecture_lo", "lecture_hi",
                   "lecture_method", "lecture_note"]


def lecture_baseline(kernel: str, kernels: dict | None = None) -> str:
    """The baseline the lecture's claim about ``kernel`` uses (``Kernel.lecture_baseline``):
    ``numpy``, or a transform of the same JAX backend ("loop", "eager"); ``numpy`` for a kernel
    the registry does not know. ``kernels``: name -> kernels.Kernel (default: the registry)."""
    spec = (kernels if kernels is not None else registry()).get(kernel)
    return getattr(spec, "lecture_baseline", None) or "numpy"


def with_lecture_speedups(s: pd.DataFrame, comparisons: ratios.Lookup | None = None) -> pd.DataFrame:
    """Add the speedup over the lecture's baseline (``LECTURE_COLUMNS``) to rows of :func:`with_speedups`.

    For a ``numpy`` baseline, the NumPy-CPU row (``lecture_speedup`` = ``speedup``). For a transform
    T, the row the machine and commit's comparisons of kind ``lecture baseline`` name as this row's
    baseline (:mod:`jaxbench.declare`: the same backend and placement with T, else the explicit
    placement's, which ``lecture_note`` says); a row whose transform is T is its own (1.0); none
    declared: NaN, ``lecture_note`` says why. Only results without such comparisons (a plain
    ``asv run``, older results) fall back to that rule over the rows of the cell (``GROUP``).
    The ratio and its interval come from the measured comparisons (:mod:`reports.ratios`).
    """
    comparisons = comparisons or ratios.EMPTY
    out = s.copy()
    if out.empty:
        for c in LECTURE_COLUMNS:
            out[c] = pd.Series(dtype=object if c in ("lecture_baseline", "lecture_baseline_label", "lecture_method",
                                                     "lecture_note") else float)
        return out
    base = out["kernel_baseline"] if "kernel_baseline" in out.columns else pd.Series("numpy", index=out.index)
    out["lecture_baseline"] = base.fillna("numpy")
    ok = out[out["status"] == "ok"]
    find = _lecture_baseline_finder(ok, comparisons)
    values = {c: [] for c in LECTURE_COLUMNS[1:]}
    for _, r in out.iterrows():
        base = r["lecture_baseline"]
        label, note = "", ""
        ratio = ratios.Ratio(math.nan, method=median_intervals.METHOD_NONE)
        if base == "numpy":
            label = r.get("baseline_label") if isinstance(r.get("baseline_label"), str) else ""
            ratio = ratios.Ratio(r["speedup"], r["speedup_lo"], r["speedup_hi"], r["speedup_method"])
        elif r["status"] == "ok":
            b = find(r, base)
            if b is not None and b["placement"] != r["placement"]:
                note = (f"{r['backend']} {base} baseline from the explicit placement "
                        f"({r['placement']} {base} not measured)")
            if b is None:
                note = f"no {r['backend']} {base} baseline measured at this size"
            else:
                label = b["label"]
                ratio = ratios.Ratio(1.0, 1.0, 1.0, median_intervals.METHOD_PAIRED) if b.name == r.name else comparisons.ratio(b, r)
        values["lecture_baseline_label"].append(label)
        values["lecture_speedup"].append(ratio.point)
        values["lecture_lo"].append(ratio.lo)
        values["lecture_hi"].append(ratio.hi)
        values["lecture_method"].append(ratio.method)
        values["lecture_note"].append(note)
    for c, v in values.items():
        out[c] = v
    return out


def _lecture_baseline_finder(ok: pd.DataFrame, comparisons: ratios.Lookup):
    """``find(row, T)``: the ok row that is ``row``'s lecture baseline with transform T, or None.

    Where the row's machine and commit declare comparisons of kind ``lecture baseline``, the row
    they pair with it (the row itself where its transform is T); elsewhere the rule they are
    declared by (:func:`jaxbench.declare._lecture_baseline`): same cell (``GROUP``), backend and
    placement, else the explicit placement's, for a JAX row."""
    pairs, covered = comparisons.declared_pairs(ok, "lecture baseline")
    declared = {d: n for n, d in pairs}
    keyed = {tuple(r[k] for k in GROUP + LINE): i for i, r in ok.iterrows()}

    def find(r, base):
        if r["transform"] == base:
            return r
        if (r["machine"], r["commit"]) in covered:
            return ok.loc[declared[r.name]] if r.name in declared else None
        g = tuple(r[k] for k in GROUP) + (r["backend"],)
        places = (r["placement"],) if r["backend"] == "numpy-cpu" else (r["placement"], "explicit")
        found = [keyed[g + (p, base)] for p in places if g + (p, base) in keyed]
        return ok.loc[found[0]] if found else None
    return find


def peaks(df: pd.DataFrame) -> pd.DataFrame:
    """Calibrated limits per (machine, commit, platform): ``gflops_peak`` (float32 GEMM),
    ``gflops_peak_float64``, ``gbs_peak`` (DRAM copy) and per memory level ``gbs_<level>`` /
    ``bytes_<level>``, the best median rate over the calibration's backends of that platform
    (NumPy and JAX on the CPU): :func:`reports.derived.limits.peaks`.

    GEMM: 2 n^3 FLOPs per call; copy: ``nbytes`` read + ``nbytes`` written per call.
    """
    return limits.peaks(df)


def with_rates(t: pd.DataFrame, peak: pd.DataFrame) -> pd.DataFrame:
    """Add ``gflops`` (FLOPs as executed), ``gbs`` (per-call rates of the median), the case's memory
    ``level``, the limits ``gflops_peak``/``gbs_peak``, ``pct_peak_flops``/``pct_peak_bw`` (never
    above 100%) and ``limit_note``: :func:`reports.derived.limits.with_rates`."""
    return limits.with_rates(t, peak)


def with_transfer(t: pd.DataFrame, df: pd.DataFrame) -> pd.DataFrame:
    """Add ``transfer_median``: the host->device transfer benchmark of the same case inputs.

    Matched on machine, commit, kernel, backend, size, dtype and variant (placement and
    transform do not change what is transferred); NaN where no transfer was measured.
    """
    keys = ["machine", "commit", "kernel", "backend", "size", "dtype", "variant"]
    tr = df[(df["role"] == "transfer") & (df["status"] == "ok")]
    tr = tr.groupby(keys, dropna=False)["median"].median().rename("transfer_median").reset_index()
    return t.merge(tr, on=keys, how="left")


def crossovers(s: pd.DataFrame) -> pd.DataFrame:
    """Where each JAX variant first beats the NumPy baseline, per machine/commit/kernel/dtype/variant.

    ``first_size``: the smallest measured size with speedup > 1 (NaN: never in the measured range).
    ``estimate``: log-log interpolation of speedup = 1 between the last size where NumPy won
    and ``first_size`` (equal to ``first_size`` when JAX already wins at the smallest size).
    """
    keys = ["machine", "commit", "kernel", "dtype", "variant"] + LINE
    rows = []
    jax = s[s["backend"].str.startswith("jax") & (s["status"] == "ok") & s["speedup"].notna()]
    for key, g in jax.groupby(keys, dropna=False):
        g = g.sort_values("size")
        sizes, sp = g["size"].astype(float).to_numpy(), g["speedup"].to_numpy()
        wins = np.nonzero(sp > 1)[0]
        first = estimate = math.nan
        if len(wins):
            i = wins[0]
            first = estimate = sizes[i]
            if i > 0:
                x0, x1, y0, y1 = np.log(sizes[i - 1]), np.log(sizes[i]), np.log(sp[i - 1]), np.log(sp[i])
                estimate = float(np.exp(x0 + (0 - y0) * (x1 - x0) / (y1 - y0)))
        rows.append(dict(zip(keys, key), first_size=first, estimate=estimate,
                         sizes=len(g), wins_at_smallest=bool(len(wins) and wins[0] == 0)))
    return pd.DataFrame(rows, columns=keys + ["first_size", "estimate", "sizes", "wins_at_smallest"])


def machine_ratios(s: pd.DataFrame, machines: list[str]) -> pd.DataFrame:
    """Same cases on several machines side by side: one median column per machine and the
    speedup of each machine over the first (``first median / machine median``)."""
    keys = ["kernel", "size", "dtype", "variant"] + LINE
    t = s[s["machine"].isin(machines)]
    wide = t.pivot_table(index=keys, columns="machine", values="median", aggfunc="first", dropna=False)
    wide = wide.reindex(columns=machines)
    ref = machines[0]
    for m in machines[1:]:
        wide[f"speedup {m} vs {ref}"] = wide[ref] / wide[m]
    wide = wide.dropna(how="all", subset=machines).reset_index()
    order = wide["backend"].map({"numpy-cpu": 0, "jax-cpu": 1, "jax-gpu": 2}).fillna(9)
    return wide.assign(_o=order).sort_values(["kernel", "variant", "size", "dtype", "_o", "placement", "transform"],
                                             kind="stable").drop(columns="_o").reset_index(drop=True)
