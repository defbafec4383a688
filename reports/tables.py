"""Lecture tables: pandas DataFrames of display strings (:mod:`reports.writers` writes them as
Markdown or LaTeX, booktabs; re-exported here).

Every time is a median per call (asv's ``result``) printed %timeit style (``746 us``); the IQR
column is the sample quartiles q25-q75; speedups are ratios of medians against the NumPy-CPU
baseline of the same machine, size, dtype and variant, measured as comparisons (both sides in one
process, interleaved, several processes: :mod:`reports.paired`) and printed with their 95% interval
(processes resampled, then passes): ``5.83x [5.21, 6.42]``; a ratio nobody declared is the quotient
of two asv medians, marked ``(across processes: not a measured comparison)`` with no interval; a ratio whose interval contains 1 reads
``no measurable difference (0.97x [0.91, 1.04])`` and is never called faster or slower; one
without samples ``3.1x (no interval: no samples)``; "(1P)" marks an interval of one process
(a plain bootstrap). "% peak" compares the rate of the median with the machine's calibration
peak (see :mod:`reports.speedup`). The Flags column holds :data:`reports.flags.FLAGS` codes.
Next to "vs NumPy", "vs lecture baseline" is the speedup over the baseline the lecture's claim
uses (``Kernel.lecture_baseline``: the Python loop, eager, or NumPy; see
:func:`reports.speedup.with_lecture_speedups`), e.g. ``480x [455, 502] vs loop``.
Rows left out (jax-gpu on a machine without a GPU, cases the run did not select) and the reasons
of the skips that stay: :mod:`reports.coverage`.
"""
from __future__ import annotations

import math

import pandas as pd

from kernels import format_seconds

from results import median_intervals

from . import coverage

STATUS = {"skipped": "n/a", "failed": "failed"}


def fmt_time(x) -> str:
    return format_seconds(float(x)) if x is not None and x == x else "-"


def fmt_iqr(q25, q75) -> str:
    return f"{fmt_time(q25)} - {fmt_time(q75)}" if q25 == q25 and q75 == q75 else "-"


def fmt_num(x, digits=3, suffix="") -> str:
    if x is None or x != x or math.isinf(x):
        return "-"
    return f"{x:.{digits}g}{suffix}" if abs(x) < 10 ** digits else f"{x:,.0f}{suffix}"


NO_DIFFERENCE = "no measurable difference"
NO_INTERVAL = "no interval: no samples"
ACROSS_TEXT = "across processes: not a measured comparison"


def fmt_interval(point, lo, hi) -> str:
    """'5.83x [5.21, 6.42]'."""
    return f"{fmt_num(point, suffix='x')} [{fmt_num(lo)}, {fmt_num(hi)}]"


def fmt_speedup(point, lo, hi, method: str = median_intervals.METHOD_ROUNDS, baseline: bool = False) -> str:
    """A ratio with its 95% interval; 'no measurable difference (...)' when the interval contains 1."""
    if point is None or point != point:
        return "-"
    if baseline:
        return f"{fmt_num(point, suffix='x')} (baseline)"
    if method == median_intervals.METHOD_ACROSS:
        return f"{fmt_num(point, suffix='x')} ({ACROSS_TEXT})"
    if method == median_intervals.METHOD_NONE or lo != lo or hi != hi:
        return f"{fmt_num(point, suffix='x')} ({NO_INTERVAL})"
    text = fmt_interval(point, lo, hi) + (" (1P)" if method == median_intervals.METHOD_ONE else "")
    return f"{NO_DIFFERENCE} ({text})" if median_intervals.contains_one(lo, hi) else text


def speedup_cell(r) -> str:
    """The speedup of a rates row as printed in the tables."""
    return fmt_speedup(r["speedup"], r.get("speedup_lo", math.nan), r.get("speedup_hi", math.nan),
                       r.get("speedup_method", median_intervals.METHOD_NONE), r.get("label") == r.get("baseline_label"))


def lecture_cell(r) -> str:
    """The speedup over the lecture's baseline, naming the baseline: '480x [455, 502] vs loop'."""
    base = r.get("lecture_baseline", "numpy")
    if not isinstance(base, str):
        base = "numpy"
    if base == "numpy":
        return speedup_cell(r) + " vs NumPy" if r.get("speedup") == r.get("speedup") else "-"
    point = r.get("lecture_speedup", math.nan)
    if point != point:
        note = r.get("lecture_note", "")
        return f"- ({note})" if isinstance(note, str) and note else "-"
    text = fmt_speedup(point, r.get("lecture_lo", math.nan), r.get("lecture_hi", math.nan),
                       r.get("lecture_method", median_intervals.METHOD_NONE), r.get("label") == r.get("lecture_baseline_label"))
    note = r.get("lecture_note", "")
    return f"{text} vs {base}" + (" (explicit placement's)" if isinstance(note, str) and "explicit" in note else "")


def _status(r) -> str:
    return coverage.status_text(r) if "absence" in r else STATUS.get(r["status"], r["status"])


def _compile_times(df: pd.DataFrame) -> pd.DataFrame:
    keys = ["machine", "commit", "kernel", "backend", "placement", "transform", "size", "dtype", "variant"]
    c = df[(df["role"] == "compile") & (df["status"] == "ok")]
    return c.groupby(keys, dropna=False)["median"].first().rename("compile_median").reset_index()


def kernel_table(rates: pd.DataFrame, df: pd.DataFrame, kernel: str, variant_name: str = "variant") -> pd.DataFrame:
    """One row per measured case of ``kernel`` (ok, skipped and failed alike).

    ``rates``: rows of ``speedup.with_rates(speedup.with_transfer(speedup.with_speedups(df)))``.
    """
    keys = ["machine", "commit", "kernel", "backend", "placement", "transform", "size", "dtype", "variant"]
    k = rates[rates["kernel"] == kernel].merge(_compile_times(df), on=keys, how="left")
    k = k.sort_values(["machine", "variant", "dtype", "size", "backend", "placement", "transform"])
    rows = []
    for _, r in k.iterrows():
        ok = r["status"] == "ok"
        rows.append({
            "Machine": r["machine"],
            **({variant_name or "variant": r["variant"]} if k["variant"].ne("").any() else {}),
            "Size": str(r["size"]), "dtype": r["dtype"], "Backend": r["backend"],
            "Placement": r["placement"], "Transform": r["transform"],
            "Median": fmt_time(r["median"]) if ok else _status(r),
            "IQR (q25 - q75)": fmt_iqr(r["q25"], r["q75"]) if ok else "-",
            "Speedup vs NumPy [95% CI]": speedup_cell(r) if ok else "-",
            "Speedup vs lecture baseline [95% CI]": lecture_cell(r) if ok else "-",
            "Flags": r.get("flags", "") or "",
            "GFLOP/s": fmt_num(r["gflops"]) if ok else "-",
            "% GEMM peak": fmt_num(r["pct_peak_flops"], 2, "%") if ok else "-",
            "GB/s": fmt_num(r["gbs"]) if ok else "-",
            "% copy BW": fmt_num(r["pct_peak_bw"], 2, "%") if ok else "-",
            "Compile": fmt_time(r["compile_median"]),
            "Transfer": fmt_time(r.get("transfer_median", math.nan)) if r["backend"] != "numpy-cpu" else "-",
        })
    return pd.DataFrame(rows)


def headline_size(rows: pd.DataFrame, default_size=None):
    """The size a summary shows: the kernel's default size if NumPy measured it, else the
    largest size with an ok NumPy baseline, else the largest size present."""
    ok = rows[(rows["backend"] == "numpy-cpu") & (rows["status"] == "ok")]["size"].dropna()
    if default_size is not None and default_size in set(ok):
        return default_size
    if len(ok):
        return ok.max()
    sizes = rows["size"].dropna()
    return sizes.max() if len(sizes) else None


def headline(rows: pd.DataFrame, spec) -> tuple:
    """(dtype, its rows, size) a figure or summary of one kernel shows: float32 where measured, at
    :func:`headline_size` with the kernel's lecture size, else its default size (``spec``: its
    :class:`kernels.Kernel`, or None)."""
    dtype = "float32" if "float32" in set(rows["dtype"]) else sorted(rows["dtype"].dropna())[0]
    rows = rows[rows["dtype"] == dtype]
    return dtype, rows, headline_size(rows, getattr(spec, "lecture_size", None) or getattr(spec, "default_size", None))


def _best(g: pd.DataFrame, backend: str):
    ok = g[(g["backend"] == backend) & (g["status"] == "ok")]
    if ok.empty:
        rest = g[g["backend"] == backend]
        if (rest["status"] == "failed").any():
            return None, "failed"
        reasons = [a for a in rest.get("absence", pd.Series([], dtype=object)) if isinstance(a, str) and a]
        return None, (f"n/a ({reasons[0]})" if reasons else "n/a")
    return ok.loc[ok["median"].idxmin()], None


def summary_table(rates: pd.DataFrame, specs: dict, no_gpu=()) -> pd.DataFrame:
    """Kernel x variant x machine at each kernel's headline size (its lecture size, else its default
    size, where NumPy measured it), float32 where measured.

    Columns: NumPy-CPU median (IQR); for JAX-CPU and JAX-GPU the variant with the lowest
    median, its median and speedup over NumPy with its interval (``no measurable difference``
    when the interval contains 1: then it is not faster than NumPy) and over the lecture's
    baseline; % of peak of the fastest JAX result overall (GEMM GFLOP/s where FLOPs are known,
    else copy GB/s); the flags of the rows shown. ``no_gpu``: machines without a GPU: their JAX-GPU
    cells read "not measured (no GPU)", and without any GPU machine there are no JAX-GPU columns.
    """
    rows = []
    gpu_shown = (rates["backend"] == "jax-gpu").any() and not set(rates["machine"]) <= set(no_gpu)
    backends = (("jax-cpu", "JAX-CPU"), ("jax-gpu", "JAX-GPU")) if gpu_shown else (("jax-cpu", "JAX-CPU"),)
    for (kernel, variant, machine), g in rates.groupby(["kernel", "variant", "machine"], sort=True):
        if not (g["status"] == "ok").any() and not (g["status"] == "failed").any():
            continue  # a variant this run did not measure (e.g. not among the quick variants)
        spec = specs.get(kernel)
        dtype, g, size = headline(g, spec)
        g = g[g["size"] == size]
        # the NumPy row the speedups are computed against (speedup.BASELINE_TRANSFORMS order)
        chosen = g["baseline_label"].dropna()
        none = "n/a" if (g["backend"] == "numpy-cpu").any() else "-"   # '-': NumPy not in this run
        base = g[(g["backend"] == "numpy-cpu") & (g["status"] == "ok")
                 & (g["label"] == (chosen.iloc[0] if len(chosen) else None))]
        row = {"Kernel": kernel, "Variant": variant or "-", "Machine": machine,
               "Size": f"{getattr(spec, 'size_name', 'size')}={size}", "dtype": dtype,
               "NumPy-CPU baseline": base["transform"].iloc[0] if len(base) else none,
               "NumPy-CPU median": fmt_time(base["median"].iloc[0]) if len(base) else none,
               "NumPy IQR": fmt_iqr(base["q25"].iloc[0], base["q75"].iloc[0]) if len(base) else "-"}
        best_overall = None
        flags = [f"NumPy {base.iloc[0].get('flags')}"] if len(base) and base.iloc[0].get("flags") else []
        for backend, name in backends:
            best, why = _best(g, backend)
            if best is None and backend == "jax-gpu" and machine in set(no_gpu):
                why = f"not measured ({coverage.NO_GPU})"
            row[f"{name} best"] = f"{best['placement']} {best['transform']}" if best is not None else why
            row[f"{name} median"] = fmt_time(best["median"]) if best is not None else "-"
            row[f"{name} speedup [95% CI]"] = speedup_cell(best) if best is not None else "-"
            row[f"{name} vs lecture baseline"] = lecture_cell(best) if best is not None else "-"
            if best is not None and best.get("flags"):
                flags.append(f"{name} {best['flags']}")
            if best is not None and (best_overall is None or best["median"] < best_overall["median"]):
                best_overall = best
        pct = "-"
        if best_overall is not None:
            if best_overall["pct_peak_flops"] == best_overall["pct_peak_flops"]:
                pct = fmt_num(best_overall["pct_peak_flops"], 2, "% GEMM")
            elif best_overall["pct_peak_bw"] == best_overall["pct_peak_bw"]:
                pct = fmt_num(best_overall["pct_peak_bw"], 2, "% BW")
        row["Best JAX % of peak"] = pct
        row["Flags"] = "; ".join(flags)
        rows.append(row)
    return pd.DataFrame(rows)


def machines_table(wide: pd.DataFrame, machine_names: list[str], no_gpu=()) -> pd.DataFrame:
    """Display form of :func:`speedup.machine_ratios`: medians per machine and machine speedups;
    a jax-gpu case on a machine without a GPU reads 'no GPU'."""
    out = pd.DataFrame({
        "Kernel": wide["kernel"], "Variant": wide["variant"].replace("", "-"), "Size": wide["size"].astype(str),
        "dtype": wide["dtype"], "Backend": wide["backend"], "Placement": wide["placement"],
        "Transform": wide["transform"]})
    for m in machine_names:
        gone = "no GPU" if m in set(no_gpu) else "n/a"
        out[f"{m} median"] = [fmt_time(v) if v == v else (gone if b == "jax-gpu" else "n/a")
                              for v, b in zip(wide[m], wide["backend"])]
    for c in wide.columns:
        if isinstance(c, str) and c.startswith("speedup "):
            out[c] = [fmt_num(v, suffix="x") for v in wide[c]]
    return out


SHORT_PLACEMENT = {"device": "dev.", "implicit": "impl.", "explicit": "expl."}
ABBREVIATIONS = ("Abbreviations: best = the JAX variant with the lowest median (its median, then placement and "
                 "transform); n.d. = no measurable difference (the 95% interval contains 1); no CI = no interval "
                 "(no samples); (1P) = interval of one process; dev./impl./expl. = inputs made on the device / "
                 "passed as NumPy every call / device_put once; (expl.) = the baseline of the explicit placement; "
                 "'same' = the lecture's baseline is NumPy (as 'vs NumPy').")


def abbreviate(cell) -> str:
    """A speedup cell shortened for LaTeX: 'no measurable difference (0.97x [..])' -> 'n.d. 0.97x [..]'."""
    text = str(cell)
    if text.startswith(NO_DIFFERENCE + " (") and text.endswith(")"):
        text = "n.d. " + text[len(NO_DIFFERENCE) + 2:-1]
    text = text.replace(f" ({NO_INTERVAL})", " (no CI)").replace("no measurable difference", "n.d.")
    for long, short in SHORT_PLACEMENT.items():
        text = text.replace(long + " ", short + " ")
    return text


def summary_for_latex(summary: pd.DataFrame) -> list[tuple[str, pd.DataFrame, list, list]]:
    """The summary as tables/summary.tex writes it, to fit a portrait A4 page: one table per
    machine; kernel and variant in one column; dtype in Size only when not float32; no IQR; each JAX
    backend's best variant and median in one cell; speedups abbreviated (:func:`abbreviate`); one
    column group per JAX backend (:func:`to_latex` splits groups into parts when they do not fit).
    Returns [(machine, frame, key columns, column groups)]; the legend is :data:`ABBREVIATIONS`."""
    out = []
    if summary.empty:
        return out
    for machine, s in summary.groupby("Machine", sort=True):
        f = pd.DataFrame({
            "Kernel": [k if v in ("-", "") else f"{k} {v}" for k, v in zip(s["Kernel"], s["Variant"])],
            "Size": [z if d == "float32" else f"{z} {d}" for z, d in zip(s["Size"], s["dtype"])],
            "NumPy": [m if b in ("eager", "n/a", "-") else f"{m} ({b})"
                      for m, b in zip(s["NumPy-CPU median"], s["NumPy-CPU baseline"])],
        })
        groups = [["NumPy"]]
        for name, short in (("JAX-CPU", "CPU"), ("JAX-GPU", "GPU")):
            if f"{name} best" not in s.columns:
                continue
            cols = [f"{short}: best", f"{short} vs NumPy", f"{short} vs lecture"]
            f[cols[0]] = [abbreviate(b) if m in ("-", "") else f"{m} ({abbreviate(b)})"
                          for b, m in zip(s[f"{name} best"], s[f"{name} median"])]
            f[cols[1]] = [abbreviate(x) for x in s[f"{name} speedup [95% CI]"]]
            f[cols[2]] = [("same" if str(x).endswith(" vs NumPy") else
                           abbreviate(x).replace(" (explicit placement's)", " (expl.)"))
                          for x in s[f"{name} vs lecture baseline"]]
            groups.append(cols)
        f["% peak"] = list(s["Best JAX % of peak"])
        f["Flags"] = list(s["Flags"])
        groups.append(["% peak", "Flags"])
        out.append((machine, f, ["Kernel", "Size"], groups))
    return out


def crossover_table(cross: pd.DataFrame) -> pd.DataFrame:
    """Display form of :func:`speedup.crossovers`."""
    def where(r):
        if r["first_size"] != r["first_size"]:
            return "never in the measured sizes"
        if r["wins_at_smallest"]:
            return f"<= {r['first_size']:,.0f} (already at the smallest size)"
        return f"~{r['estimate']:,.0f} (first measured win at {r['first_size']:,.0f})"
    return pd.DataFrame({
        "Machine": cross["machine"], "Kernel": cross["kernel"], "Variant": cross["variant"].replace("", "-"),
        "dtype": cross["dtype"], "Backend": cross["backend"], "Placement": cross["placement"],
        "Transform": cross["transform"], "JAX beats NumPy from size": [where(r) for _, r in cross.iterrows()]})


def regressions_table(reg: pd.DataFrame) -> pd.DataFrame:
    """Display form of :func:`reports.history.regressions`."""
    return pd.DataFrame({
        "Machine": reg["machine"], "Benchmark": reg["benchmark"], "Case": reg["label"],
        "Size": reg["size"].astype(str), "dtype": reg["dtype"], "Variant": reg["variant"].replace("", "-"),
        "Last good commit": reg["before_commit"].str[:8], "Regressed at": reg["commit"].str[:8],
        "Median before": [fmt_time(v) for v in reg["value_before"]],
        "Best after": [fmt_time(v) for v in reg["best_after"]],
        "Ratio": [fmt_num(v, suffix="x") for v in reg["ratio"]],
        "Threshold": [f"{100 * t:g}%" for t in reg["threshold"]]})


