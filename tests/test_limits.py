"""reports.derived.limits: "% of peak" against honest limits (synthetic frames, no benchmark runs).

A limit a case beats is raised to that case (100%, with a note); the bandwidth limit is the one
of the memory level holding the case's working set; FLOPs are counted as executed (NumPy's
x @ x.T is SYRK: n^3).
"""
import json
import math

import numpy as np
import pandas as pd
import pytest

from reports.derived import limits, speedup

KiB, MiB = 2**10, 2**20
CACHES = {1: 32 * KiB, 2: 2 * MiB, 3: 16 * MiB}                      # L3 >= 8 MB
SIZES = [8 * KiB, 512 * KiB, 4 * MiB, 64 * MiB]                      # bench: a quarter of each level, then DRAM


def cal_copy(nbytes, gbs, backend="numpy-cpu", machine="m", commit="c", status="ok"):
    return {"machine": machine, "commit": commit, "role": "calibration", "status": status, "backend": backend,
            "kernel": "calibration", "params": json.dumps({"backend": backend, "nbytes": nbytes}),
            "median": 2.0 * nbytes / (gbs * 1e9) if status == "ok" else math.nan}


def cal_gemm(n, gflops, backend="numpy-cpu", dtype=None, machine="m", commit="c"):
    p = {"backend": backend, "n": n, **({"dtype": dtype} if dtype else {})}
    return {"machine": machine, "commit": commit, "role": "calibration", "status": "ok", "backend": backend,
            "kernel": "calibration", "params": json.dumps(p), "median": 2.0 * n ** 3 / (gflops * 1e9)}


def case(kernel, size, *, gflops=None, gbs=None, flops=math.nan, nbytes=math.nan, backend="numpy-cpu",
         variant="", dtype="float32", transform="eager", machine="m", commit="c", median=None):
    if median is None:
        median = flops / (gflops * 1e9) if gflops is not None else nbytes / (gbs * 1e9)
    return {"machine": machine, "commit": commit, "role": "time", "status": "ok", "backend": backend,
            "placement": "host" if backend == "numpy-cpu" else "explicit", "transform": transform,
            "kernel": kernel, "variant": variant, "size": size, "dtype": dtype, "median": median,
            "flops": flops, "bytes": nbytes, "params": "{}"}


def levels_frame(gbs=(100.0, 60.0, 30.0, 10.0), gemm=100.0):
    return pd.DataFrame([cal_copy(n, g) for n, g in zip(SIZES, gbs)] + [cal_gemm(2048, gemm)])


def rated(cases, cal):
    df = pd.DataFrame(cases)
    return limits.with_rates(df, limits.peaks(cal))


def test_peaks_per_level():
    pk = limits.peaks(levels_frame())
    assert len(pk) == 1
    r = pk.iloc[0]
    assert [r[f"gbs_{lv}"] for lv in limits.LEVELS] == pytest.approx([100.0, 60.0, 30.0, 10.0])
    assert [r[f"bytes_{lv}"] for lv in ("l1", "l2", "l3")] == [32 * KiB, 2 * MiB, 16 * MiB]
    assert r["bytes_dram"] == math.inf and r["gbs_peak"] == pytest.approx(10.0)
    assert r["gflops_peak"] == pytest.approx(100.0) and math.isnan(r["gflops_peak_float64"])


def test_bench_sizes_read_back_as_the_cache_levels():
    """The sizes bench_calibration writes are read back as those levels, with those capacities."""
    from bench import bench_calibration as bc

    sizes = bc.copy_sizes(CACHES)
    assert sizes == SIZES
    names = limits.level_names(sizes)
    assert [names[s] for s in sizes] == list(limits.LEVELS)
    assert all(limits.LEVEL_PER_NBYTES * s == CACHES[i + 1] for i, s in enumerate(sizes[:-1]))
    assert bc.LEVEL_PER_NBYTES == limits.LEVEL_PER_NBYTES
    assert bc.copy_sizes({1: 48 * KiB, 2: 2 * MiB, 3: 480 * MiB})[-1] == 480 * MiB   # DRAM: >= 2x the LLC


def test_single_old_copy_calibrates_dram_only():
    pk = limits.peaks(pd.DataFrame([cal_copy(64 * MiB, 10.0), cal_copy(64 * MiB, 0, backend="jax-gpu",
                                                                        status="skipped")]))
    r = pk.iloc[0]
    assert r["gbs_dram"] == pytest.approx(10.0) and math.isnan(r["gbs_l1"]) and math.isnan(r["bytes_l3"])
    out = rated([case("rowdot", 10, gbs=5.0, nbytes=8e3)], pd.DataFrame([cal_copy(64 * MiB, 10.0)]))
    assert out.iloc[0]["level"] == "dram" and out.iloc[0]["pct_peak_bw"] == pytest.approx(50.0)


def test_8mb_working_set_picks_l3():
    out = rated([case("rowdot", 10_000, gbs=15.0, nbytes=8e6), case("rowdot", 10, gbs=5.0, nbytes=16e3),
                 case("rowdot", 100, gbs=5.0, nbytes=1e6), case("rowdot", 10**6, gbs=5.0, nbytes=800e6)],
                levels_frame())
    assert list(out["level"]) == ["l3", "l1", "l2", "dram"]
    r = out.iloc[0]
    assert r["gbs_peak"] == pytest.approx(30.0) and r["pct_peak_bw"] == pytest.approx(50.0)
    assert r["limit_note"] == ""


def test_case_faster_than_calibrated_bandwidth_reads_100_with_the_note():
    """rowdot at 8 MB beats the DRAM copy (the only calibration): it is the limit, 100%."""
    cal = pd.DataFrame([cal_copy(64 * MiB, 10.0)])
    out = rated([case("rowdot", 10_000, gbs=49.4, nbytes=8e6), case("rowdot", 10_000, gbs=24.7, nbytes=8e6,
                                                                    backend="jax-cpu", transform="jit")], cal)
    fast, slow = out.iloc[0], out.iloc[1]
    assert fast["pct_peak_bw"] == 100.0 and fast["gbs_peak"] == pytest.approx(49.4)
    assert slow["pct_peak_bw"] == pytest.approx(50.0)
    for r in (fast, slow):
        assert r["limit_note"].startswith("limit raised to the fastest case of this run (calibration beaten: ")
        assert "rowdot numpy-cpu host eager, size 10000" in r["limit_note"] and "DRAM copy 10 GB/s" in r["limit_note"]


def test_a_level_limit_is_never_below_a_larger_level():
    """An L1 copy slower than the DRAM copy (call overhead) does not make the L1 limit the slower."""
    out = rated([case("selu", 10, gbs=12.0, nbytes=16e3)], levels_frame(gbs=(5.0, 60.0, 30.0, 10.0)))
    r = out.iloc[0]
    assert r["level"] == "l1" and r["gbs_peak"] == pytest.approx(60.0) and r["limit_note"] == ""


def test_syrk_counted_as_half_a_gemm():
    n = 1000
    cal = levels_frame(gemm=1000.0)
    out = rated([case("matmul", n, flops=2.0 * n ** 3, median=0.01, variant="x@x.T"),
                 case("matmul", n, flops=2.0 * n ** 3, median=0.01, variant="x@x.T", backend="jax-cpu",
                      transform="jit"),
                 case("matmul", n, flops=2.0 * n ** 3, median=0.01, variant="x@y")], cal)
    assert list(out["flops_executed"]) == [n ** 3, 2.0 * n ** 3, 2.0 * n ** 3]
    assert list(out["flops"]) == [2.0 * n ** 3] * 3                          # the registry's count, untouched
    assert out.iloc[0]["gflops"] == pytest.approx(100.0) and out.iloc[2]["gflops"] == pytest.approx(200.0)
    assert out.iloc[0]["pct_peak_flops"] == pytest.approx(10.0)


def test_float64_cases_use_the_float64_gemm():
    cal = pd.concat([levels_frame(gemm=100.0), pd.DataFrame([cal_gemm(1024, 40.0, dtype="float64")])])
    pk = limits.peaks(cal)
    assert pk.iloc[0]["gflops_peak_float64"] == pytest.approx(40.0)
    out = rated([case("matmul", 1000, flops=2e9, gflops=20.0, variant="x@y", dtype="float64"),
                 case("matmul", 1000, flops=2e9, gflops=20.0, variant="x@y")], cal)
    assert list(out["pct_peak_flops"]) == pytest.approx([50.0, 20.0])


def test_never_above_100_when_a_case_beats_every_peak():
    cal = pd.concat([levels_frame(), pd.DataFrame([
        cal_gemm(2048, 1000.0, backend="jax-gpu"), cal_copy(64 * MiB, 500.0, backend="jax-gpu"),
        cal_gemm(1024, 40.0, dtype="float64"),
        cal_copy(64 * MiB, 10.0, machine="m2"), cal_gemm(2048, 50.0, machine="m2")])])
    rng = np.random.default_rng(0)
    cases = []
    for machine in ("m", "m2", "m3"):        # m3: no calibration at all
        for backend in ("numpy-cpu", "jax-cpu", "jax-gpu"):
            for nbytes in (1e3, 1e5, 8e6, 1e8, 1e9):
                for dtype in ("float32", "float64"):
                    cases.append(case("k", int(nbytes), flops=nbytes * 10, nbytes=nbytes, backend=backend,
                                      dtype=dtype, machine=machine, median=nbytes / (rng.uniform(1, 2000) * 1e9)))
    cases.append(case("matmul", 10**4, flops=2e12, nbytes=1.2e9, median=0.1, variant="x@x.T"))
    out = rated(cases, cal)
    pct = pd.concat([out["pct_peak_flops"], out["pct_peak_bw"]])
    assert pct.notna().any() and (pct.dropna() <= 100.0).all()
    top = out.groupby(["machine", "platform"])[["pct_peak_flops", "pct_peak_bw"]].max()
    assert len(top.dropna()) == 3 and (top.dropna() == 100.0).all().all()   # m cpu, m gpu, m2 cpu: raised
    assert top.loc[("m2", "gpu")].isna().all()                                 # no GPU calibration on m2
    assert out.loc[out["machine"] == "m3", ["pct_peak_flops", "pct_peak_bw"]].isna().all().all()
    raised = out[(out["pct_peak_bw"] == 100.0)]
    assert (raised["limit_note"].str.contains("calibration beaten")).all()


def test_speedup_delegates_and_keeps_the_old_columns():
    cal = levels_frame()
    assert speedup.peaks(cal).equals(limits.peaks(cal))
    out = speedup.with_rates(pd.DataFrame([case("rowdot", 10_000, gbs=15.0, nbytes=8e6)]), speedup.peaks(cal))
    for col in ("gflops", "gbs", "platform", "gflops_peak", "gbs_peak", "pct_peak_flops", "pct_peak_bw",
                "flops_executed", "level", "limit_note"):
        assert col in out.columns
    assert out.iloc[0]["pct_peak_bw"] == pytest.approx(50.0)


def test_empty_frames():
    pk = limits.peaks(pd.DataFrame([], columns=["machine", "commit", "role", "status", "backend", "params",
                                                "median"]))
    assert pk.empty and list(pk.columns) == limits.PEAK_COLUMNS
    out = limits.with_rates(pd.DataFrame([], columns=list(case("k", 1, gbs=1.0, nbytes=1.0))), pk)
    assert out.empty and "limit_note" in out.columns
