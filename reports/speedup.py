"""Speedups, rates and peaks: pure functions over the tidy DataFrame of :mod:`reports.load`.

Every ratio here is a ratio of medians (asv's ``result``): ``speedup = baseline median / median``,
so > 1 means faster than the baseline. Rates are per call: GFLOP/s = FLOPs / median / 1e9,
GB/s = bytes moved / median / 1e9. Percent of peak compares them with the machine's calibration
benchmarks (``bench/bench_calibration.py``): the float32 GEMM GFLOP/s and the copy GB/s measured
with NumPy for CPU cases and with JAX on the GPU for ``jax-gpu`` cases.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

GROUP = ["machine", "commit", "kernel", "size", "dtype", "variant"]       # like-for-like cell
LINE = ["backend", "placement", "transform"]                              # one variant of a case
# The NumPy transform used as the baseline, in order of preference (the lecture compares with
# plain NumPy; a kernel whose NumPy side is only a Python loop uses that).
BASELINE_TRANSFORMS = ("eager", "loop", "vmap")
CPU_PEAK_BACKEND = "numpy-cpu"
GPU_PEAK_BACKEND = "jax-gpu"


def label(backend, placement, transform) -> str:
    """Short name of one variant: 'numpy-cpu eager', 'jax-gpu explicit jit'."""
    if backend == "numpy-cpu":
        return f"numpy-cpu {transform}"
    return f"{backend} {placement} {transform}"


def timings(df: pd.DataFrame) -> pd.DataFrame:
    """Steady-state timing rows (role 'time') of valid cases, with a ``label`` column."""
    t = df[(df["role"] == "time") & df["valid"]].copy()
    t["label"] = [label(b, p, tr) for b, p, tr in zip(t["backend"], t["placement"], t["transform"])]
    return t


def baselines(t: pd.DataFrame) -> pd.DataFrame:
    """The NumPy-CPU row per like-for-like cell (GROUP): its median and label."""
    npy = t[(t["backend"] == "numpy-cpu") & (t["status"] == "ok")].copy()
    rank = {tr: i for i, tr in enumerate(BASELINE_TRANSFORMS)}
    npy["_rank"] = npy["transform"].map(lambda tr: rank.get(tr, len(rank)))
    npy = npy.sort_values("_rank", kind="stable").drop_duplicates(GROUP, keep="first")
    return npy[GROUP + ["median", "label"]].rename(columns={"median": "baseline_median",
                                                            "label": "baseline_label"})


def with_speedups(df: pd.DataFrame) -> pd.DataFrame:
    """Timing rows with ``baseline_median``, ``baseline_label`` and ``speedup`` (NaN unless both ok)."""
    t = timings(df)
    out = t.merge(baselines(t), on=GROUP, how="left")
    out["speedup"] = np.where(out["status"] == "ok", out["baseline_median"] / out["median"], np.nan)
    return out


def peaks(df: pd.DataFrame) -> pd.DataFrame:
    """Measured peaks per (machine, commit, platform): ``gflops_peak`` and ``gbs_peak`` (medians).

    GEMM: 2 n^3 FLOPs per call; copy: ``nbytes`` read + ``nbytes`` written per call.
    """
    cal = df[(df["role"] == "calibration") & (df["status"] == "ok")]
    rows = {}
    for _, r in cal.iterrows():
        p = json.loads(r["params"])
        platform = "gpu" if r["backend"] == GPU_PEAK_BACKEND else "cpu"
        key = (r["machine"], r["commit"], platform)
        entry = rows.setdefault(key, {"gflops_peak": math.nan, "gbs_peak": math.nan})
        if "n" in p:
            entry["gflops_peak"] = 2.0 * float(p["n"]) ** 3 / r["median"] / 1e9
        elif "nbytes" in p:
            entry["gbs_peak"] = 2.0 * float(p["nbytes"]) / r["median"] / 1e9
    return pd.DataFrame([dict(machine=m, commit=c, platform=pl, **v) for (m, c, pl), v in rows.items()],
                        columns=["machine", "commit", "platform", "gflops_peak", "gbs_peak"])


def with_rates(t: pd.DataFrame, peak: pd.DataFrame) -> pd.DataFrame:
    """Add ``gflops``, ``gbs`` (per-call rates of the median) and ``pct_peak_flops``/``pct_peak_bw``."""
    out = t.copy()
    out["gflops"] = out["flops"] / out["median"] / 1e9
    out["gbs"] = out["bytes"] / out["median"] / 1e9
    out["platform"] = np.where(out["backend"] == "jax-gpu", "gpu", "cpu")
    out = out.merge(peak, on=["machine", "commit", "platform"], how="left")
    out["pct_peak_flops"] = 100.0 * out["gflops"] / out["gflops_peak"]
    out["pct_peak_bw"] = 100.0 * out["gbs"] / out["gbs_peak"]
    return out


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
