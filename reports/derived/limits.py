"""Honest limits: what "% of peak" divides by. Pure functions over the tidy DataFrame of
:mod:`results.frame` (no ``kernels``, ``bench`` or ``jaxbench`` imports).

Calibration (``bench/bench_calibration.py``), per (machine, commit, platform), the best median
rate over the platform's backends (NumPy and JAX on the CPU, JAX on the GPU):

- FLOPs: the GEMM ``a @ b`` of two n x n matrices, 2 n^3 FLOPs: ``gflops_peak`` (float32) and
  ``gflops_peak_float64`` (float64, where calibrated; float64 cases use it, else the float32 one).
- Bandwidth, one per memory level: the copy of ``nbytes`` (``nbytes`` read + ``nbytes`` written)
  at one size per level. The calibration writes the sizes in the order L1, L2, L3, DRAM (a quarter
  of each cache level, so source + destination fill half of it; then at least twice the
  last-level cache), so the sizes of one run are read back by rank: the largest is DRAM, the
  others L1, L2, L3 from the smallest; a cache level holds ``LEVEL_PER_NBYTES * nbytes`` bytes
  (``bytes_<level>``; DRAM: unbounded). Results of the single 64 MiB copy calibrate DRAM only.
  ``gbs_<level>`` is that level's GB/s; ``gbs_peak`` the DRAM one.

Level of a case: the smallest calibrated level whose size holds the case's working set, estimated
by its ``bytes`` column (bytes moved per call); DRAM when no cache level does. A level's
calibrated limit is never below that of a larger (slower) level (a smaller working set is not
slower to stream).

FLOPs as executed: ``flops`` is the registry's nominal count (``Kernel.flops``);
``flops_executed`` multiplies it by :data:`EXECUTED`: NumPy runs ``x @ x.T`` as BLAS SYRK, which
computes one triangle: n^3 FLOPs, half of the nominal 2 n^3 (XLA runs it as a full GEMM: 2 n^3).
``gflops`` is ``flops_executed / median / 1e9``.

The rule, never above 100%: a peak that a case beats is not the limit. The limit of a case is
max(calibrated peak, the best rate any case of the same frame and (machine, commit, platform)
reached): for FLOPs among the cases of the same peak dtype, for bandwidth among the cases at the
same or a larger memory level. When a case beats the calibration (measured in another process, at
another moment, at one size), the limit becomes that case's rate, it reads 100%, and
``limit_note`` of every case measured against that raised limit says "limit raised to the fastest
case of this run (calibration beaten: <case, its rate, the calibrated one>)". ``gflops_peak`` and
``gbs_peak`` of :func:`with_rates` are those limits (what the percentages divide by). Without a
calibration for the platform there is no limit (NaN %, never a limit made of the cases alone).
"""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

LEVELS = ("l1", "l2", "l3", "dram")
LEVEL_LABEL = {"l1": "L1", "l2": "L2", "l3": "L3", "dram": "DRAM"}
LEVEL_PER_NBYTES = 4           # bench.bench_calibration.LEVEL_PER_NBYTES: a level's copy is a quarter of it
GPU_BACKEND = "jax-gpu"
KEYS = ["machine", "commit", "platform"]
# FLOPs executed / the registry's nominal FLOPs, per (kernel, variant, backend)
EXECUTED = {("matmul", "x@x.T", "numpy-cpu"): 0.5}     # NumPy: BLAS SYRK, one triangle (n^3, not 2 n^3)
PEAK_COLUMNS = (KEYS + ["gflops_peak", "gflops_peak_float64", "gbs_peak"] + [f"gbs_{lv}" for lv in LEVELS]
                + [f"bytes_{lv}" for lv in LEVELS])
RATE_COLUMNS = ["gflops", "gbs", "platform", "gflops_peak", "gbs_peak", "pct_peak_flops", "pct_peak_bw",
                "flops_executed", "level", "limit_note"]
RAISED = "limit raised to the fastest case of this run (calibration beaten: {what})"
NOTE = ("% of peak: the rate of the median (FLOPs as executed: NumPy's x @ x.T is SYRK, n^3) vs the limits of "
        "the same run: the GEMM GFLOP/s (float32, float64) and the copy GB/s of the memory level (L1, L2, L3, "
        "DRAM, calibrated at each level's size) that holds the case's bytes moved per call; a limit a case "
        "beats is raised to that case's rate (data.csv limit_note), so no case exceeds 100%.")


def platform_of(backend) -> str:
    return "gpu" if backend == GPU_BACKEND else "cpu"


def _max(a: float, b: float) -> float:
    """The larger of two rates, NaN meaning 'not measured'."""
    return b if a != a else (a if b != b else max(a, b))


def _params(text) -> dict:
    try:
        p = json.loads(text) if isinstance(text, str) else (text or {})
    except ValueError:
        return {}
    return p if isinstance(p, dict) else {}


def level_names(sizes) -> dict:
    """Copy sizes of one run (bytes) -> level name: the largest DRAM, the others L1, L2, L3 from
    the smallest (a fourth cache size and beyond: no level)."""
    sizes = sorted(set(sizes))
    if not sizes:
        return {}
    return {**dict(zip(sizes[:-1], LEVELS[:-1])), sizes[-1]: "dram"}


def peaks(df: pd.DataFrame) -> pd.DataFrame:
    """Calibrated limits per (machine, commit, platform): ``gflops_peak``, ``gflops_peak_float64``,
    ``gbs_peak`` (DRAM), ``gbs_<level>`` and ``bytes_<level>`` (the level's size; inf for DRAM,
    NaN where the level was not calibrated). See the module docstring."""
    if df.empty or "role" not in df.columns:
        return pd.DataFrame([], columns=PEAK_COLUMNS)
    cal = df[df["role"] == "calibration"]
    params = [_params(p) for p in cal["params"]]
    sizes = {}
    for (m, c), p in zip(zip(cal["machine"], cal["commit"]), params):
        if "nbytes" in p and "n" not in p:      # every status: the rank of a size is its level
            sizes.setdefault((m, c), set()).add(int(p["nbytes"]))
    levels = {k: level_names(v) for k, v in sizes.items()}
    rows = {}
    for (_, r), p in zip(cal.iterrows(), params):
        if r["status"] != "ok" or not r["median"] > 0:
            continue
        key = (r["machine"], r["commit"], platform_of(r["backend"]))
        entry = rows.setdefault(key, {c: math.nan for c in PEAK_COLUMNS[3:]})
        if "n" in p:
            col = "gflops_peak_float64" if str(p.get("dtype", "float32")) == "float64" else "gflops_peak"
            entry[col] = _max(entry[col], 2.0 * float(p["n"]) ** 3 / r["median"] / 1e9)
        elif "nbytes" in p:
            level = levels[key[:2]].get(int(p["nbytes"]))
            if level is not None:
                col = f"gbs_{level}"
                entry[col] = _max(entry[col], 2.0 * float(p["nbytes"]) / r["median"] / 1e9)
    for (m, c, _), entry in rows.items():
        for nbytes, level in levels.get((m, c), {}).items():
            entry[f"bytes_{level}"] = math.inf if level == "dram" else float(LEVEL_PER_NBYTES * nbytes)
        entry["gbs_peak"] = entry["gbs_dram"]
    return pd.DataFrame([dict(machine=m, commit=c, platform=pl, **v) for (m, c, pl), v in rows.items()],
                        columns=PEAK_COLUMNS)


def executed_factor(kernel, variant, backend) -> float:
    """FLOPs executed / nominal FLOPs of one case (:data:`EXECUTED`, else 1)."""
    return EXECUTED.get((kernel, variant, backend), 1.0)


def level_of(nbytes: float, cal: dict) -> str:
    """The smallest calibrated level (``cal``: the ``gbs_<level>``/``bytes_<level>`` of a run)
    whose size holds ``nbytes``; DRAM when none does; '' without a bandwidth calibration."""
    if not nbytes == nbytes:
        return ""
    calibrated = [lv for lv in LEVELS if cal.get(f"gbs_{lv}", math.nan) == cal.get(f"gbs_{lv}", math.nan)]
    for lv in calibrated:
        size = cal.get(f"bytes_{lv}", math.nan)
        if lv == "dram" or (size == size and nbytes <= size):
            return lv
    return calibrated[-1] if calibrated else ""


def _describe(r) -> str:
    lab = r.get("label")
    if not isinstance(lab, str) or not lab:
        lab = " ".join(str(r.get(k)) for k in ("backend", "placement", "transform") if isinstance(r.get(k), str))
    variant = f" {r['variant']}" if isinstance(r.get("variant"), str) and r.get("variant") else ""
    return f"{r.get('kernel')}{variant} {lab}, size {r.get('size')}, {r.get('dtype')}"


def _fmt(x: float) -> str:
    return f"{x:,.3g}" if x < 1000 else f"{x:,.0f}"


def _best_of(keys: list, groups: list, rates) -> dict:
    """(key + (group,)) -> (the best rate, its row) over the rows with a group and a rate."""
    best = {}
    for i, (key, g) in enumerate(zip(keys, groups)):
        if g and rates[i] == rates[i] and rates[i] > best.get(key + (g,), (-math.inf, None))[0]:
            best[key + (g,)] = (rates[i], i)
    return best


def _flop_limits(rows: list, keys: list, cal: dict, gflops) -> list[tuple[float, str]]:
    """(limit, note) per row: the GEMM calibration of the row's dtype class, raised to the best case
    of that class where one beats it."""
    fclass, fcal = [], []
    for r, key in zip(rows, keys):
        c = cal.get(key, {})
        f64 = c.get("gflops_peak_float64", math.nan)
        is64 = r.get("dtype") == "float64" and f64 == f64
        fclass.append("float64" if is64 else "float32")
        fcal.append(f64 if is64 else c.get("gflops_peak", math.nan))
    fbest, out = _best_of(keys, fclass, gflops), []
    for key, fc, lim in zip(keys, fclass, fcal):
        best = fbest.get(key + (fc,))
        if lim == lim and best is not None and best[0] > lim:
            out.append((best[0], f"{_describe(rows[best[1]])} {_fmt(best[0])} GFLOP/s > {fc} GEMM {_fmt(lim)} GFLOP/s"))
        else:
            out.append((lim, ""))
    return out


def _bw_envelope(c: dict, bbest: dict, key, lv: str):
    """(calibrated GB/s, its level, best case (rate, row)) over ``lv`` and the larger levels."""
    best, cal_rate, cal_level = (-math.inf, None), math.nan, ""
    for other in LEVELS[LEVELS.index(lv):]:
        x = c.get(f"gbs_{other}", math.nan)
        if x == x and not x <= cal_rate:
            cal_rate, cal_level = x, other
        b = bbest.get(key + (other,))
        if b is not None and b[0] > best[0]:
            best = b
    return cal_rate, cal_level, best


def _bw_limits(rows: list, keys: list, cal: dict, gbs, level: list) -> list[tuple[float, str]]:
    """(limit, note) per row: the copy calibration of the row's memory level (or a larger one), raised
    to the best case at that level or a larger one where one beats it."""
    bbest, out = _best_of(keys, level, gbs), []
    for key, lv in zip(keys, level):
        blim, note = math.nan, ""
        if lv:
            blim, cal_level, (rate, j) = _bw_envelope(cal.get(key, {}), bbest, key, lv)
            if blim == blim and j is not None and rate > blim:
                note = (f"{_describe(rows[j])} {_fmt(rate)} GB/s at {LEVEL_LABEL[level[j]]} > "
                        f"{LEVEL_LABEL[cal_level]} copy {_fmt(blim)} GB/s")
                blim = rate
        out.append((blim, note))
    return out


def with_rates(t: pd.DataFrame, peak: pd.DataFrame) -> pd.DataFrame:
    """Add ``gflops`` (of ``flops_executed``), ``gbs``, ``platform``, ``level``, the limits
    ``gflops_peak``/``gbs_peak``, ``pct_peak_flops``/``pct_peak_bw`` (never above 100) and
    ``limit_note`` (see the module docstring)."""
    out = t.drop(columns=[c for c in RATE_COLUMNS if c in t.columns]).reset_index(drop=True)
    none = pd.Series([None] * len(out), index=out.index, dtype=object)
    factor = [executed_factor(k, v, b) for k, v, b in zip(out.get("kernel", none), out.get("variant", none),
                                                           out["backend"])]
    flops_executed = out["flops"].astype(float) * np.asarray(factor, dtype=float)
    gflops = (flops_executed / out["median"] / 1e9).to_numpy(dtype=float)
    gbs = (out["bytes"].astype(float) / out["median"] / 1e9).to_numpy(dtype=float)
    platform = [platform_of(b) for b in out["backend"]]
    pk = peak.reindex(columns=PEAK_COLUMNS)
    cal = {(m, c, p): r for (m, c, p), r in zip(zip(pk["machine"], pk["commit"], pk["platform"]),
                                                pk.to_dict("records"))}
    rows = out.to_dict("records")
    keys = [(r["machine"], r["commit"], p) for r, p in zip(rows, platform)]
    level = [level_of(b, cal.get(key, {})) for b, key in zip(out["bytes"].astype(float), keys)]
    flops, bw = _flop_limits(rows, keys, cal, gflops), _bw_limits(rows, keys, cal, gbs, level)
    f_lim, b_lim = np.asarray([x for x, _ in flops], dtype=float), np.asarray([x for x, _ in bw], dtype=float)
    notes = [RAISED.format(what="; ".join(n for n in (fn, bn) if n)) if fn or bn else ""
             for (_, fn), (_, bn) in zip(flops, bw)]
    with np.errstate(divide="ignore", invalid="ignore"):
        # rate / limit first: a case that is its own limit reads exactly 1, i.e. 100 (100 * x / x may not)
        pct_f = np.where(f_lim > 0, 100.0 * (gflops / f_lim), np.nan)
        pct_b = np.where(b_lim > 0, 100.0 * (gbs / b_lim), np.nan)
    out["gflops"], out["gbs"], out["platform"] = gflops, gbs, platform
    out["gflops_peak"], out["gbs_peak"] = f_lim, b_lim
    out["pct_peak_flops"], out["pct_peak_bw"] = pct_f, pct_b
    out["flops_executed"], out["level"], out["limit_note"] = flops_executed, level, notes
    return out


__all__ = ["peaks", "with_rates", "level_of", "level_names", "executed_factor", "platform_of", "NOTE",
           "LEVELS", "EXECUTED", "PEAK_COLUMNS", "RATE_COLUMNS"]
