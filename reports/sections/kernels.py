"""Tables per kernel: every case of each kernel, with its median, IQR, speedups with their
intervals, flags, rates and % of peak (``tables/<kernel>.md``, ``.tex``)."""
from __future__ import annotations

import math

import pandas as pd

from ..derived import coverage, flags
from ..formats import notes, tables
from ..parts import Doc, Part, Table, slug

CAPTION = ("{kernel}: every case (median, IQR, speedup vs NumPy-CPU and vs the lecture's baseline, "
           "% of peak)")


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
            "Median": tables.fmt_time(r["median"]) if ok else tables.status_cell(r),
            "IQR (q25 - q75)": tables.fmt_iqr(r["q25"], r["q75"]) if ok else "-",
            "Speedup vs NumPy [95% CI]": tables.speedup_cell(r) if ok else "-",
            "Speedup vs lecture baseline [95% CI]": tables.lecture_cell(r) if ok else "-",
            "Flags": r.get("flags", "") or "",
            "GFLOP/s": tables.fmt_num(r["gflops"]) if ok else "-",
            "% GEMM peak": tables.fmt_num(r["pct_peak_flops"], 2, "%") if ok else "-",
            "GB/s": tables.fmt_num(r["gbs"]) if ok else "-",
            "% copy BW": tables.fmt_num(r["pct_peak_bw"], 2, "%") if ok else "-",
            "Compile": tables.fmt_time(r["compile_median"]),
            "Transfer": tables.fmt_time(r.get("transfer_median", math.nan)) if r["backend"] != "numpy-cpu" else "-",
        })
    return pd.DataFrame(rows)


class Kernels:
    """One table per kernel shown."""

    name = "tables"
    title = "Tables per kernel"

    def part(self, ctx) -> Part:
        shown, docs = ctx.shown, []
        for kernel in sorted(shown["kernel"].unique()):
            rows = shown[shown["kernel"] == kernel]
            name = getattr(ctx.kernels.get(kernel), "variant_name", "") or "variant"
            below = ([notes.STATS, notes.LECTURE, flags.FLAG_LEGEND]
                     + coverage.gpu_notes(rows["machine"].unique(), ctx.no_gpu)
                     + notes.kernel_notes(shown, kernel, rows["variant"].unique()))
            table = Table(kernel_table(shown, ctx.df, kernel, name), CAPTION.format(kernel=kernel), below,
                          f"tab:{slug(kernel)}")
            docs.append(Doc(f"tables/{slug(kernel)}", [table]))
        return Part(docs, page=[t for d in docs for t in d.tables])
