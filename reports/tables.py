"""Lecture tables: pandas DataFrames of display strings, written as Markdown or LaTeX (booktabs).

Every time is a median per call (asv's ``result``) printed %timeit style (``746 us``); the IQR
column is the sample quartiles q25-q75; speedups are ratios of medians against the NumPy-CPU
baseline of the same machine, size, dtype and variant, measured as comparisons (both sides in one
process, interleaved, several processes: :mod:`reports.paired`) and printed with their 95% interval
(processes resampled, then passes): ``5.83x [5.21, 6.42]``; a ratio nobody declared is the quotient
of two asv medians, marked ``(across processes: not a measured comparison)`` with no interval; a ratio whose interval contains 1 reads
``no measurable difference (0.97x [0.91, 1.04])`` and is never called faster or slower; one
without samples ``3.1x (no interval: no samples)``; "(1P)" marks an interval of one process
(a plain bootstrap). "% peak" compares the rate of the median with the machine's calibration
peak (see :mod:`reports.speedup`). The Flags column holds :data:`reports.health.FLAGS` codes.
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

from . import coverage, stats

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


def fmt_speedup(point, lo, hi, method: str = stats.METHOD_ROUNDS, baseline: bool = False) -> str:
    """A ratio with its 95% interval; 'no measurable difference (...)' when the interval contains 1."""
    if point is None or point != point:
        return "-"
    if baseline:
        return f"{fmt_num(point, suffix='x')} (baseline)"
    if method == stats.METHOD_ACROSS:
        return f"{fmt_num(point, suffix='x')} ({ACROSS_TEXT})"
    if method == stats.METHOD_NONE or lo != lo or hi != hi:
        return f"{fmt_num(point, suffix='x')} ({NO_INTERVAL})"
    text = fmt_interval(point, lo, hi) + (" (1P)" if method == stats.METHOD_ONE else "")
    return f"{NO_DIFFERENCE} ({text})" if stats.contains_one(lo, hi) else text


def speedup_cell(r) -> str:
    """The speedup of a rates row as printed in the tables."""
    return fmt_speedup(r["speedup"], r.get("speedup_lo", math.nan), r.get("speedup_hi", math.nan),
                       r.get("speedup_method", stats.METHOD_NONE), r.get("label") == r.get("baseline_label"))


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
                       r.get("lecture_method", stats.METHOD_NONE), r.get("label") == r.get("lecture_baseline_label"))
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
        dtype = "float32" if "float32" in set(g["dtype"]) else sorted(g["dtype"].dropna())[0]
        g = g[g["dtype"] == dtype]
        spec = specs.get(kernel)
        size = headline_size(g, getattr(spec, "lecture_size", None) or getattr(spec, "default_size", None))
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


def to_markdown(table: pd.DataFrame, caption: str = "", notes: list[str] = (), left=None) -> str:
    """GitHub-flavoured Markdown; numbers right-aligned, text left-aligned (``left``: the text
    columns; default: the usual names, and every column of a table with a ``Demo`` column)."""
    lines = [f"**{caption}**", ""] if caption else []
    if table.empty:
        return "\n".join(lines + ["_(no data)_", ""])
    cols = list(table.columns)
    if left is None:
        left = cols if "Demo" in cols else _LEFT
    right = {c for c in cols if c not in left}
    lines.append("| " + " | ".join(_md_cell(c) for c in cols) + " |")
    lines.append("|" + "|".join("---:" if c in right else ":---" for c in cols) + "|")
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join(_md_cell(v) for v in row) + " |")
    lines += [""] + [f"{n}  " for n in notes] + ([""] if notes else [])
    return "\n".join(lines) + "\n"


_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
        "{": r"\{", "}": r"\}", "~": r"$\sim$", "^": r"\textasciicircum{}", "<": r"$<$", ">": r"$>$",
        "|": r"$|$", "\u00b5": r"$\mu$", "\u2248": r"$\approx$", "\u00d7": r"$\times$"}


def tex_escape(x) -> str:
    """Text for LaTeX with the default OT1 fonts: specials escaped; <, >, | and ~ as math symbols."""
    return "".join(_TEX.get(ch, ch) for ch in str(x))


# --- LaTeX layout: every table fits a portrait A4 page of \documentclass[a4paper]{article} --------
#
# The widths are estimated from the metrics of Computer Modern at \footnotesize (cmr8, measured with
# pdflatex): a column whose cells fit stays l/r; wider tables wrap their widest columns in
# p{...} columns (ragged right), and a table that cannot fit even wrapped is split into parts that
# repeat its key columns; long tables are split into row chunks. tests/test_lecture.py compiles
# the written tables with pdflatex and fails on any "Overfull \hbox".

TEXT_WIDTH_PT = 345.0     # \textwidth of article, 10pt, a4paper, default margins
TABCOLSEP_PT = 4.0        # set inside each table (\setlength{\tabcolsep}{4pt})
WIDTH_SAFETY = 1.06       # estimate / real width margin
MAX_WRAP = 3              # a part is packed so that no cell wraps to more than ~3 lines
MAX_LINES = 48            # estimated \footnotesize lines of one table float (a float must fit one page)
FLOATS_PER_PAGE_RUN = 8   # \clearpage after this many floats of one table
_CMR8 = {**dict.fromkeys("0123456789a", 4.25), **dict.fromkeys("bdhnpu", 4.72), **dict.fromkeys("cez", 3.78),
         **dict.fromkeys("fj", 2.60), **dict.fromkeys("il!'`,.:;[]|", 2.36), **dict.fromkeys("kqvxy", 4.49),
         "g": 4.25, "m": 7.08, "o": 4.25, "r": 3.31, "s": 3.35, "t": 3.31, "w": 6.14,
         **dict.fromkeys("AHNUVXY", 6.37), "B": 6.02, "C": 6.14, "D": 6.49, "E": 5.78, "F": 5.54, "G": 6.67,
         "I": 3.06, "J": 4.36, "K": 6.60, "L": 5.31, "M": 7.78, "O": 6.61, "P": 5.78, "Q": 6.61, "R": 6.25,
         "S": 4.72, "T": 6.14, "W": 8.73, "Z": 5.19, '"': 4.25, "#": 7.08, "$": 4.25, "%": 7.08, "&": 6.61,
         "(": 3.31, ")": 3.31, "*": 4.25, "+": 6.61, "-": 2.83, "/": 4.25, "<": 6.61, "=": 6.61, ">": 6.61,
         "?": 4.01, "@": 6.61, "\\": 4.25, "^": 4.25, "_": 3.06, "{": 4.25, "}": 4.25, "~": 6.61, " ": 2.83}


def text_width_pt(text) -> float:
    """Estimated width in pt of ``text`` typeset at \\footnotesize (unknown characters count wide)."""
    return WIDTH_SAFETY * sum(_CMR8.get(ch, 7.0) for ch in str(text))


def _words(text) -> list[str]:
    return str(text).split() or [""]


def _column_widths(table: pd.DataFrame, col) -> tuple[float, float]:
    """(natural width, narrowest width it can wrap to) of one column, header included."""
    cells = [str(v) for v in table[col]] + [str(col)]
    natural = max(text_width_pt(c) for c in cells)
    narrow = max(text_width_pt(w) for c in cells for w in _words(c))
    return natural, narrow


def _fits(widths: list[tuple[float, float]], width: float = TEXT_WIDTH_PT, wrap: int = MAX_WRAP) -> bool:
    return sum(max(n, nat / wrap) + 2 * TABCOLSEP_PT for nat, n in widths) <= width


def _water_fill(widths: list[tuple[float, float]], width: float = TEXT_WIDTH_PT) -> list[float | None]:
    """The p{} width of each column (None: it keeps its natural width) so the row fits ``width``."""
    room = width - 2 * TABCOLSEP_PT * len(widths)
    if sum(nat for nat, _ in widths) <= room:
        return [None] * len(widths)
    lo, hi = 0.0, max(nat for nat, _ in widths)
    for _ in range(60):   # the largest cap C with sum(min(nat, max(C, narrow))) <= room
        cap = (lo + hi) / 2
        if sum(min(nat, max(cap, n)) for nat, n in widths) <= room:
            lo = cap
        else:
            hi = cap
    return [None if nat <= max(lo, n) else max(lo, n) for nat, n in widths]


def split_columns(table: pd.DataFrame, keys=(), groups=None, width: float = TEXT_WIDTH_PT) -> list[list]:
    """Column sets of the parts a table is split into to fit ``width``: each part repeats the key
    columns; ``groups`` (lists of columns) are kept together (default: every other column alone)."""
    cols = list(table.columns)
    keys = [c for c in keys if c in cols]
    if groups is None:
        groups = [[c] for c in cols if c not in keys]
    groups = [[c for c in g if c in cols and c not in keys] for g in groups]
    groups = [g for g in groups if g]
    w = {c: _column_widths(table, c) for c in cols}
    parts, current = [], []
    for g in groups:
        if current and not _fits([w[c] for c in keys + current + g], width):
            parts.append(keys + current)
            current = []
        current = current + g
    if current or not parts:
        parts.append(keys + current)
    return [[c for c in cols if c in part] for part in parts]   # the table's own column order


def _row_lines(table: pd.DataFrame, pwidths: dict) -> list[int]:
    """Estimated lines of each row (cells of p{} columns wrap; ragged right loses ~8% of a line)."""
    out = []
    for _, r in table.iterrows():
        n = 1
        for c, pw in pwidths.items():
            if pw:
                n = max(n, math.ceil(text_width_pt(r[c]) / (0.92 * pw)))
        out.append(n)
    return out


def _note_lines(notes, caption: str = "") -> int:
    """Estimated lines taken by the caption and the notes under a table."""
    texts = [caption] + list(notes)
    return sum(math.ceil(text_width_pt(t) / (0.9 * TEXT_WIDTH_PT)) for t in texts if t) + len(notes)


def _chunks(lines: list[int], budget: int, last_budget: int) -> list[tuple[int, int]]:
    """Row ranges of chunks of at most ``budget`` estimated lines, the last (which carries the
    notes) of at most ``last_budget``; the chunks before it balanced."""
    if sum(lines) <= last_budget:
        return [(0, len(lines))]
    tail, acc = len(lines), 0
    while tail > 0 and acc + lines[tail - 1] <= last_budget:
        tail -= 1
        acc += lines[tail]
    tail = min(tail, len(lines) - 1)          # the last chunk has at least one row
    head = lines[:tail]
    k = max(1, math.ceil(sum(head) / budget))
    target = sum(head) / k
    out, start, acc = [], 0, 0
    for i, n in enumerate(head):
        if acc + n > target * 1.05 and i > start and len(out) < k - 1:
            out.append((start, i))
            start, acc = i, 0
        acc += n
    if head:
        out.append((start, tail))
    out.append((tail, len(lines)))
    return out


_LEFT = ("Machine", "Kernel", "Variant", "Backend", "Placement", "Transform", "dtype", "Case", "Benchmark")


def _is_left(col, left) -> bool:
    return col in left or str(col).split(":")[0] in left


def _tabular(table: pd.DataFrame, pw: list, left) -> list[str]:
    cols = list(table.columns)
    spec = "".join(f"p{{{w:.0f}pt}}" if w else ("l" if _is_left(c, left) else "r") for c, w in zip(cols, pw)) or "l"
    cell = lambda v, w: ("\\raggedright " if w else "") + tex_escape(v)  # noqa: E731
    out = [f"\\begin{{tabular}}{{{spec}}}", "\\toprule",
           " & ".join(cell(c, w) for c, w in zip(cols, pw)) + " \\tabularnewline", "\\midrule"]
    for row in table.itertuples(index=False):
        out.append(" & ".join(cell(v, w) for v, w in zip(row, pw)) + " \\tabularnewline")
    if table.empty:
        out.append("\\multicolumn{1}{l}{(no data)} \\tabularnewline")
    out += ["\\bottomrule", "\\end{tabular}"]
    return out


def to_latex(table: pd.DataFrame, caption: str = "", label: str = "", notes: list[str] = (),
             keys=None, groups=None, left=_LEFT) -> str:
    """booktabs table(s) (need ``\\usepackage{booktabs}``) at \\footnotesize that fit a portrait A4
    page of the article class with its default margins: wide columns wrap (p{}), a table still too
    wide is split into parts repeating ``keys`` (default: its identifying columns among Demo,
    Kernel, Variant, Machine, Size), a long one into balanced row chunks of at most ``MAX_LINES``
    lines; the notes go under the last part; a \\clearpage after every ``FLOATS_PER_PAGE_RUN``
    floats keeps LaTeX's float queue from overflowing."""
    cols = list(table.columns)
    if keys is None:
        keys = [c for c in ("Demo", "Kernel", "Variant", "Machine", "Size") if c in cols][:3]
    parts = split_columns(table, keys, groups) if cols else [cols]
    # notes longer than half a page go in a float of their own after the table (a float must fit a page)
    inside = _note_lines(notes) <= MAX_LINES // 2
    chunks = []
    for j, cset in enumerate(parts):
        sub = table[cset] if cset else table
        pw = _water_fill([_column_widths(sub, c) for c in sub.columns]) if len(sub.columns) else []
        lines = _row_lines(sub, dict(zip(sub.columns, pw)))
        last = MAX_LINES - (_note_lines(notes if inside else [], caption) if j == len(parts) - 1
                            else _note_lines([], caption))
        for a, b in _chunks(lines, MAX_LINES - _note_lines([], caption), max(last, 8)):
            chunks.append((sub.iloc[a:b], pw))
    out = []
    for k, (sub, pw) in enumerate(chunks):
        if k and k % FLOATS_PER_PAGE_RUN == 0:
            out.append("\\clearpage")
        out += ["\\begin{table}[htbp]", "\\centering", "\\footnotesize", "\\setlength{\\tabcolsep}{4pt}"]
        if caption:
            more = f" (part {k + 1} of {len(chunks)})" if len(chunks) > 1 else ""
            out.append(f"\\caption{{{tex_escape(caption + more)}}}")
        if label:
            out.append(f"\\label{{{label}}}" if k == 0 else f"\\label{{{label}-{k + 1}}}")
        out += _tabular(sub, pw, left)
        if k == len(chunks) - 1 and inside:
            for n in notes:
                out.append(f"\\par\\smallskip{{\\footnotesize {tex_escape(n)}}}")
        out.append("\\end{table}")
    if notes and not inside:   # floats of their own, right after the table's (floats keep their order)
        groups, current = [], []
        for n in notes:
            if current and _note_lines(current + [n]) > MAX_LINES - 4:
                groups.append(current)
                current = []
            current.append(n)
        groups.append(current)
        for g in groups:
            out += ["\\begin{table}[htbp]", "\\footnotesize",
                    f"\\noindent Notes to {tex_escape(caption) if caption else 'the table above'}:"]
            out += [f"\\par\\smallskip\\noindent {tex_escape(n)}" for n in g]
            out.append("\\end{table}")
    return "\n".join(out) + "\n"


def latex_document(body: str) -> str:
    """A minimal document around written tables (how tests/test_lecture.py compiles them)."""
    return ("\\documentclass[a4paper]{article}\n\\usepackage{booktabs}\n\\begin{document}\n"
            + body + "\n\\end{document}\n")
