"""Notes shared by several sections: the statistics legend under every speedup table, the legend of
the lecture-baseline column, and the registry's notes on a kernel's variants (e.g. SYRK), which
:mod:`results.frame` joins into the rows (``numpy_note``, ``jax_note``)."""
from __future__ import annotations

import pandas as pd

STATS = ("Times: median per call (asv result) in %timeit style; IQR: q25 - q75 of the samples; "
         "speedups: NumPy-CPU median / median, same machine, size, dtype, variant, with a 95% interval "
         "[lo, hi] from a two-level bootstrap (rounds, then samples within rounds; 2000 resamples); "
         "'no measurable difference' when the interval contains 1; (1P): one process, plain bootstrap; "
         "% of peak: the rate of the median (FLOPs as executed: NumPy's x @ x.T is SYRK, n^3) vs the "
         "limits of the same run: the GEMM GFLOP/s (float32, float64) and the copy GB/s of the memory "
         "level (L1, L2, L3, DRAM, calibrated at each level's size) that holds the case's bytes moved per "
         "call; a limit a case beats is raised to that case's rate (data.csv limit_note), so no case "
         "exceeds 100%.")
LECTURE = ("vs lecture baseline: the speedup over the baseline the lecture's claim uses (the kernel's "
           "lecture_baseline: NumPy, or the same backend and placement with the Python loop or eager; the "
           "explicit placement's where that placement was not measured), with its 95% interval.")
BACKEND_NOTES = (("numpy-cpu", "numpy_note"), ("jax-cpu", "jax_note"))


def kernel_notes(rows: pd.DataFrame, kernel: str, variants) -> list[str]:
    """The registry's notes for the NumPy side and the JAX side of each of ``variants`` of ``kernel``
    (read from ``rows``); variants with the same note share one line ('hessian [fwd_rev, rev_rev],
    numpy-cpu: ...')."""
    mine = rows[rows["kernel"] == kernel]
    if mine.empty or "numpy_note" not in mine.columns:
        return []
    first = mine.drop_duplicates("variant").set_index("variant")
    by_text = {}
    for v in sorted(set(variants)):
        if v not in first.index:
            continue
        for backend, column in BACKEND_NOTES:
            n = first.at[v, column]
            if isinstance(n, str) and n:
                by_text.setdefault((backend, n), []).append(v)
    notes = []
    for (backend, n), vs in sorted(by_text.items(), key=lambda kv: (kv[1][0], kv[0][0] != "numpy-cpu")):
        named = [v for v in vs if v]
        notes.append(f"{kernel}" + (f" [{', '.join(named)}]" if named else "") + f", {backend}: {n}")
    return notes


__all__ = ["STATS", "LECTURE", "kernel_notes"]
