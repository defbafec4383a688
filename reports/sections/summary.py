"""The summary: kernel x variant x machine at each kernel's headline size (``tables/summary.md``;
``summary.tex`` one table per machine, abbreviated to fit the page)."""
from __future__ import annotations

import pandas as pd

from ..derived import coverage, flags
from ..formats import notes, tables
from ..parts import Doc, Part, Table, slug

CAPTION = "Summary: kernel x variant x machine at each kernel's headline size"


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
        dtype, g, size = tables.headline(g, spec)
        g = g[g["size"] == size]
        # the NumPy row the speedups are computed against (the comparisons' declared one: speedup.baselines)
        chosen = g["baseline_label"].dropna()
        none = "n/a" if (g["backend"] == "numpy-cpu").any() else "-"   # '-': NumPy not in this run
        base = g[(g["backend"] == "numpy-cpu") & (g["status"] == "ok")
                 & (g["label"] == (chosen.iloc[0] if len(chosen) else None))]
        row = {"Kernel": kernel, "Variant": variant or "-", "Machine": machine,
               "Size": f"{getattr(spec, 'size_name', 'size')}={size}", "dtype": dtype,
               "NumPy-CPU baseline": base["transform"].iloc[0] if len(base) else none,
               "NumPy-CPU median": tables.fmt_time(base["median"].iloc[0]) if len(base) else none,
               "NumPy IQR": tables.fmt_iqr(base["q25"].iloc[0], base["q75"].iloc[0]) if len(base) else "-"}
        best_overall = None
        flagged = [f"NumPy {base.iloc[0].get('flags')}"] if len(base) and base.iloc[0].get("flags") else []
        for backend, name in backends:
            best, why = _best(g, backend)
            if best is None and backend == "jax-gpu" and machine in set(no_gpu):
                why = f"not measured ({coverage.NO_GPU})"
            row[f"{name} best"] = f"{best['placement']} {best['transform']}" if best is not None else why
            row[f"{name} median"] = tables.fmt_time(best["median"]) if best is not None else "-"
            row[f"{name} speedup [95% CI]"] = tables.speedup_cell(best) if best is not None else "-"
            row[f"{name} vs lecture baseline"] = tables.lecture_cell(best) if best is not None else "-"
            if best is not None and best.get("flags"):
                flagged.append(f"{name} {best['flags']}")
            if best is not None and (best_overall is None or best["median"] < best_overall["median"]):
                best_overall = best
        pct = "-"
        if best_overall is not None:
            if best_overall["pct_peak_flops"] == best_overall["pct_peak_flops"]:
                pct = tables.fmt_num(best_overall["pct_peak_flops"], 2, "% GEMM")
            elif best_overall["pct_peak_bw"] == best_overall["pct_peak_bw"]:
                pct = tables.fmt_num(best_overall["pct_peak_bw"], 2, "% BW")
        row["Best JAX % of peak"] = pct
        row["Flags"] = "; ".join(flagged)
        rows.append(row)
    return pd.DataFrame(rows)


SHORT_PLACEMENT = {"device": "dev.", "implicit": "impl.", "explicit": "expl."}
ABBREVIATIONS = ("Abbreviations: best = the JAX variant with the lowest median (its median, then placement and "
                 "transform); n.d. = no measurable difference (the 95% interval contains 1); no CI = no interval "
                 "(no samples); (1P) = interval of one process; dev./impl./expl. = inputs made on the device / "
                 "passed as NumPy every call / device_put once; (expl.) = the baseline of the explicit placement; "
                 "'same' = the lecture's baseline is NumPy (as 'vs NumPy').")


def abbreviate(cell) -> str:
    """A speedup cell shortened for LaTeX: 'no measurable difference (0.97x [..])' -> 'n.d. 0.97x [..]'."""
    text = str(cell)
    if text.startswith(tables.NO_DIFFERENCE + " (") and text.endswith(")"):
        text = "n.d. " + text[len(tables.NO_DIFFERENCE) + 2:-1]
    text = text.replace(f" ({tables.NO_INTERVAL})", " (no CI)").replace("no measurable difference", "n.d.")
    for long, short in SHORT_PLACEMENT.items():
        text = text.replace(long + " ", short + " ")
    return text


def summary_for_latex(summary: pd.DataFrame) -> list[tuple[str, pd.DataFrame, list, list]]:
    """The summary as tables/summary.tex writes it, to fit a portrait A4 page: one table per
    machine; kernel and variant in one column; dtype in Size only when not float32; no IQR; each JAX
    backend's best variant and median in one cell; speedups abbreviated (:func:`abbreviate`); one
    column group per JAX backend (:func:`reports.formats.writers.to_latex` splits groups into parts when they do not fit).
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



class Summary:
    """One row per kernel, variant and machine."""

    name = "summary"
    title = "Summary"

    def part(self, ctx) -> Part:
        shown = ctx.shown
        registry = [n for k in sorted(shown["kernel"].unique())
                    for n in notes.kernel_notes(shown, k, shown.loc[shown["kernel"] == k, "variant"].unique())]
        below = [notes.STATS, notes.LECTURE, flags.FLAG_LEGEND] + ctx.gpu_lines + registry
        table = Table(summary_table(shown, ctx.kernels, ctx.no_gpu), CAPTION, below)
        per = summary_for_latex(table.frame)
        latex = [Table(frame, f"{CAPTION}: {m}", [ABBREVIATIONS] + below if i == len(per) - 1 else [],
                       f"tab:summary-{slug(m)}", keys, groups)
                 for i, (m, frame, keys, groups) in enumerate(per)] or [Table(table.frame, CAPTION, below,
                                                                            "tab:summary")]
        return Part([Doc("tables/summary", [table], latex=latex, latex_sep="")], page=[table])
