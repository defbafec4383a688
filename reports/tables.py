"""Lecture tables: pandas DataFrames of display strings, written as Markdown or LaTeX (booktabs).

Every time is a median per call (asv's ``result``) printed %timeit style (``746 us``); the IQR
column is the sample quartiles q25-q75; speedups are ratios of medians against the NumPy-CPU
baseline of the same machine, size, dtype and variant, printed with their 95% bootstrap
interval (:mod:`reports.stats`): ``5.83x [5.21, 6.42]``; a ratio whose interval contains 1 reads
``no measurable difference (0.97x [0.91, 1.04])`` and is never called faster or slower; one
without samples ``3.1x (no interval: no samples)``; "(1P)" marks an interval of one process
(a plain bootstrap). "% peak" compares the rate of the median with the machine's calibration
peak (see :mod:`reports.speedup`). The Flags column holds :data:`reports.health.FLAGS` codes.
"""
from __future__ import annotations

import math

import pandas as pd

from kernels import format_seconds

from . import stats

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


def fmt_interval(point, lo, hi) -> str:
    """'5.83x [5.21, 6.42]'."""
    return f"{fmt_num(point, suffix='x')} [{fmt_num(lo)}, {fmt_num(hi)}]"


def fmt_speedup(point, lo, hi, method: str = stats.METHOD_ROUNDS, baseline: bool = False) -> str:
    """A ratio with its 95% interval; 'no measurable difference (...)' when the interval contains 1."""
    if point is None or point != point:
        return "-"
    if baseline:
        return f"{fmt_num(point, suffix='x')} (baseline)"
    if method == stats.METHOD_NONE or lo != lo or hi != hi:
        return f"{fmt_num(point, suffix='x')} ({NO_INTERVAL})"
    text = fmt_interval(point, lo, hi) + (" (1P)" if method == stats.METHOD_ONE else "")
    return f"{NO_DIFFERENCE} ({text})" if stats.contains_one(lo, hi) else text


def speedup_cell(r) -> str:
    """The speedup of a rates row as printed in the tables."""
    return fmt_speedup(r["speedup"], r.get("speedup_lo", math.nan), r.get("speedup_hi", math.nan),
                       r.get("speedup_method", stats.METHOD_NONE), r.get("label") == r.get("baseline_label"))


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
            "Median": fmt_time(r["median"]) if ok else STATUS.get(r["status"], r["status"]),
            "IQR (q25 - q75)": fmt_iqr(r["q25"], r["q75"]) if ok else "-",
            "Speedup vs NumPy [95% CI]": speedup_cell(r) if ok else "-",
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


def _best(g: pd.DataFrame, backend: str):
    ok = g[(g["backend"] == backend) & (g["status"] == "ok")]
    if ok.empty:
        statuses = set(g.loc[g["backend"] == backend, "status"])
        return None, ("failed" if "failed" in statuses else "n/a")
    return ok.loc[ok["median"].idxmin()], None


def summary_table(rates: pd.DataFrame, specs: dict) -> pd.DataFrame:
    """Kernel x variant x machine at each kernel's headline size, float32 where measured.

    Columns: NumPy-CPU median (IQR); for JAX-CPU and JAX-GPU the variant with the lowest
    median, its median and speedup over NumPy with its interval (``no measurable difference``
    when the interval contains 1: then it is not faster than NumPy); % of peak of the fastest JAX
    result overall (GEMM GFLOP/s where FLOPs are known, else copy GB/s); the flags of the rows shown.
    """
    rows = []
    for (kernel, variant, machine), g in rates.groupby(["kernel", "variant", "machine"], sort=True):
        if not (g["status"] == "ok").any() and not (g["status"] == "failed").any():
            continue  # a variant this run did not measure (e.g. not among the quick variants)
        dtype = "float32" if "float32" in set(g["dtype"]) else sorted(g["dtype"].dropna())[0]
        g = g[g["dtype"] == dtype]
        spec = specs.get(kernel)
        size = headline_size(g, getattr(spec, "default_size", None))
        g = g[g["size"] == size]
        # the NumPy row the speedups are computed against (speedup.BASELINE_TRANSFORMS order)
        chosen = g["baseline_label"].dropna()
        base = g[(g["backend"] == "numpy-cpu") & (g["status"] == "ok")
                 & (g["label"] == (chosen.iloc[0] if len(chosen) else None))]
        row = {"Kernel": kernel, "Variant": variant or "-", "Machine": machine,
               "Size": f"{getattr(spec, 'size_name', 'size')}={size}", "dtype": dtype,
               "NumPy-CPU baseline": base["transform"].iloc[0] if len(base) else "n/a",
               "NumPy-CPU median": fmt_time(base["median"].iloc[0]) if len(base) else "n/a",
               "NumPy IQR": fmt_iqr(base["q25"].iloc[0], base["q75"].iloc[0]) if len(base) else "-"}
        best_overall = None
        flags = [f"NumPy {base.iloc[0].get('flags')}"] if len(base) and base.iloc[0].get("flags") else []
        for backend, name in (("jax-cpu", "JAX-CPU"), ("jax-gpu", "JAX-GPU")):
            best, why = _best(g, backend)
            row[f"{name} best"] = f"{best['placement']} {best['transform']}" if best is not None else why
            row[f"{name} median"] = fmt_time(best["median"]) if best is not None else "-"
            row[f"{name} speedup [95% CI]"] = speedup_cell(best) if best is not None else "-"
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


def machines_table(wide: pd.DataFrame, machine_names: list[str]) -> pd.DataFrame:
    """Display form of :func:`speedup.machine_ratios`: medians per machine and machine speedups."""
    out = pd.DataFrame({
        "Kernel": wide["kernel"], "Variant": wide["variant"].replace("", "-"), "Size": wide["size"].astype(str),
        "dtype": wide["dtype"], "Backend": wide["backend"], "Placement": wide["placement"],
        "Transform": wide["transform"]})
    for m in machine_names:
        out[f"{m} median"] = [fmt_time(v) if v == v else "n/a" for v in wide[m]]
    for c in wide.columns:
        if isinstance(c, str) and c.startswith("speedup "):
            out[c] = [fmt_num(v, suffix="x") for v in wide[c]]
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
    return pd.DataFrame({
        "Machine": reg["machine"], "Benchmark": reg["benchmark"], "Case": reg["label"],
        "Size": reg["size"].astype(str), "dtype": reg["dtype"], "Variant": reg["variant"].replace("", "-"),
        "Last good commit": reg["before_commit"].str[:8], "Regressed at": reg["commit"].str[:8],
        "Median before": [fmt_time(v) for v in reg["value_before"]],
        "Best after": [fmt_time(v) for v in reg["best_after"]],
        "Ratio": [fmt_num(v, suffix="x") for v in reg["ratio"]],
        "Threshold": [f"{100 * t:g}%" for t in reg["threshold"]]})


# --- writers ------------------------------------------------------------------------------

def _md_cell(x) -> str:
    return str(x).replace("|", "\\|").replace("\n", " ")


def to_markdown(table: pd.DataFrame, caption: str = "", notes: list[str] = ()) -> str:
    """GitHub-flavoured Markdown; numbers right-aligned, text left-aligned."""
    lines = [f"**{caption}**", ""] if caption else []
    if table.empty:
        return "\n".join(lines + ["_(no data)_", ""])
    cols = list(table.columns)
    right = {c for c in cols if c not in ("Machine", "Kernel", "Variant", "Backend", "Placement", "Transform",
                                          "dtype", "Case", "Benchmark")}
    lines.append("| " + " | ".join(_md_cell(c) for c in cols) + " |")
    lines.append("|" + "|".join("---:" if c in right else ":---" for c in cols) + "|")
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join(_md_cell(v) for v in row) + " |")
    lines += [""] + [f"{n}  " for n in notes] + ([""] if notes else [])
    return "\n".join(lines) + "\n"


_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
        "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def tex_escape(x) -> str:
    return "".join(_TEX.get(ch, ch) for ch in str(x))


def to_latex(table: pd.DataFrame, caption: str = "", label: str = "", notes: list[str] = ()) -> str:
    """A booktabs table (needs ``\\usepackage{booktabs}``), small font, notes under the rule."""
    cols = list(table.columns)
    right = {c for c in cols if c not in ("Machine", "Kernel", "Variant", "Backend", "Placement", "Transform",
                                          "dtype", "Case", "Benchmark")}
    spec = "".join("r" if c in right else "l" for c in cols) or "l"
    out = ["\\begin{table}[htbp]", "\\centering", "\\small"]
    if caption:
        out.append(f"\\caption{{{tex_escape(caption)}}}")
    if label:
        out.append(f"\\label{{{label}}}")
    out += [f"\\begin{{tabular}}{{{spec}}}", "\\toprule",
            " & ".join(tex_escape(c) for c in cols) + " \\\\", "\\midrule"]
    for row in table.itertuples(index=False):
        out.append(" & ".join(tex_escape(v) for v in row) + " \\\\")
    if table.empty:
        out.append("\\multicolumn{1}{l}{(no data)} \\\\")
    out += ["\\bottomrule", "\\end{tabular}"]
    for n in notes:
        out.append(f"\\par\\smallskip{{\\footnotesize {tex_escape(n)}}}")
    out.append("\\end{table}")
    return "\n".join(out) + "\n"
