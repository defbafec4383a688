"""reports/: DataFrame values against the asv JSON, speedup arithmetic, tables, files, bad input.

Fixture results (tests/fixtures/results, written by tests/fixtures/make_fixtures.py in asv 0.6.6's
format): ``cpu-box`` with 6 commits (a 2x regression from the 4th) and no facts file, ``gpu-box``
with jax-gpu entries; samples in two recorded rounds on cpu-box's latest commit, pooled on gpu-box.
Measurement health and the statistics themselves: tests/test_health.py. One test also makes a real quick asv run (selu + calibration) and reports it.
Nothing here asserts on wall-clock time.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

import re
from types import SimpleNamespace

from _support import results_digest as _digest
from results import median_intervals
from reports import ratios
from reports.derived import speedup
from reports.figures import plots
from reports.formats import tables, writers
from reports.sections import history
from reports.sections.health import checks as health
from reports.sections.kernels import kernel_table
from reports.sections.summary import summary_table
from reports.__main__ import main
from reports.build import build
from results.files import ResultsWarning
from results.frame import current, latest_commits, load_results, select

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "results"
LAST = "6666666600000000000000000000000000000000"
CPU_FILE = "cpu-box/66666666-existing-py_venv_bin_python3.json"


@pytest.fixture
def results_copy(tmp_path) -> Path:
    dst = tmp_path / "results"
    shutil.copytree(FIXTURES, dst)
    return dst


@pytest.fixture(scope="module")
def rates(loaded):
    df = select(current(loaded.df), commits=latest_commits(loaded.df))
    r = speedup.with_rates(speedup.with_transfer(speedup.with_speedups(df, ratios.Lookup(loaded.comparisons)), df),
                           speedup.peaks(df))
    return health.with_flags(r, loaded.benchmarks)


# --------------------------------------------------------------------------- loading

def test_fixtures_are_valid_asv_results():
    """asv's own loader reads every fixture file (same format as `asv run` writes)."""
    from asv.results import Results
    for path in FIXTURES.glob("*/*-existing-*.json"):
        r = Results.load(str(path))
        assert r.get_result_value("bench_matmul.Matmul.time_matmul",
                                  r.get_result_params("bench_matmul.Matmul.time_matmul"))


def test_dataframe_matches_json(loaded):
    raw = json.loads((FIXTURES / CPU_FILE).read_text())
    cols = raw["result_columns"]
    row = dict(zip(cols, raw["results"]["bench_matmul.Matmul.time_matmul"]))
    names = json.loads((FIXTURES / "benchmarks.json").read_text())["bench_matmul.Matmul.time_matmul"]["param_names"]
    import itertools
    from results.asv_json import parse_param
    combos = list(itertools.product(*[[parse_param(v) for v in a] for a in row["params"]]))
    df = loaded.df[(loaded.df["machine"] == "cpu-box") & (loaded.df["commit"] == LAST)
                   & (loaded.df["benchmark"] == "bench_matmul.Matmul.time_matmul")]
    assert len(df) == len(combos)
    checked = {"ok": 0, "skipped": 0}
    for j, combo in enumerate(combos):
        p = dict(zip(names, combo))
        r = df[(df["backend"] == p["backend"]) & (df["placement"] == p["placement"])
               & (df["transform"] == p["transform"]) & (df["size"] == p["size"])
               & (df["dtype"] == p["dtype"]) & (df["variant"] == p["operand"])]
        assert len(r) == 1
        r = r.iloc[0]
        value = row["result"][j]
        if value is None:
            assert r["status"] == "failed"
        elif math.isnan(value):
            assert r["status"] == "skipped" and math.isnan(r["median"])   # n/a is never zero
            checked["skipped"] += 1
        else:
            checked["ok"] += 1
            assert r["status"] == "ok"
            assert r["median"] == value
            assert r["q25"] == row["stats_q_25"][j] and r["q75"] == row["stats_q_75"][j]
            assert r["ci99_lo"] == row["stats_ci_99_a"][j] and r["ci99_hi"] == row["stats_ci_99_b"][j]
            assert r["n_samples"] == row["stats_repeat"][j]
            assert r["flops"] == 2.0 * p["size"] ** 3        # from the registry
            assert r["date"] == pd.Timestamp(raw["date"], unit="ms", tz="UTC")
    assert checked["ok"] > 10 and checked["skipped"] > 10


def test_failed_and_skipped_are_kept(loaded):
    df = loaded.df
    failed = df[(df["status"] == "failed")]
    assert set(failed["kernel"]) == {"selu"} and failed["median"].isna().all()
    gpu_on_cpu = df[(df["machine"] == "cpu-box") & (df["backend"] == "jax-gpu") & (df["role"] == "time")]
    assert len(gpu_on_cpu) and (gpu_on_cpu["status"] == "skipped").all()
    gpu = df[(df["machine"] == "gpu-box") & (df["backend"] == "jax-gpu") & (df["role"] == "time") & df["valid"]]
    assert (gpu["status"] == "ok").all() and len(gpu) > 0


def test_roles(loaded):
    roles = loaded.df.groupby("benchmark")["role"].first().to_dict()
    assert roles["bench_matmul.Matmul.track_matmul_compile"] == "compile"
    assert roles["bench_matmul.Transfer.time_matmul_transfer"] == "transfer"
    assert roles["bench_calibration.GemmPeak.time_gemm_peak"] == "calibration"
    assert roles["bench_selu.Selu.time_selu"] == "time"


# --------------------------------------------------------------------------- arithmetic

def test_speedup_arithmetic(rates):
    ok = rates[rates["status"] == "ok"]
    # the fixture's comparisons are built so that each paired ratio is the ratio of the medians
    # (tests/fixtures/make_fixtures.py), except the planted unstable case (2 samples in its round 2)
    steady = ok[~((ok["kernel"] == "selu") & (ok["label"] == "jax-cpu device jit") & (ok["size"] == 1000))]
    assert ((steady["speedup"] - steady["baseline_median"] / steady["median"]).abs() / steady["speedup"]).max() < 1e-9
    one = ok[(ok["machine"] == "gpu-box") & (ok["kernel"] == "matmul") & (ok["size"] == 3000)
             & (ok["variant"] == "x@y") & (ok["label"] == "jax-gpu explicit jit")].iloc[0]
    base = ok[(ok["machine"] == "gpu-box") & (ok["kernel"] == "matmul") & (ok["size"] == 3000)
              & (ok["variant"] == "x@y") & (ok["backend"] == "numpy-cpu")].iloc[0]
    assert one["speedup"] == pytest.approx(base["median"] / one["median"])
    assert base["speedup"] == 1.0
    # never compared across machines, sizes or variants
    assert one["baseline_median"] == base["median"]
    skipped = rates[rates["status"] != "ok"]
    assert skipped["speedup"].isna().all()


def test_peaks_and_percent_of_peak(rates, loaded):
    pk = speedup.peaks(select(loaded.df, commits=latest_commits(loaded.df)))
    cpu = pk[(pk["machine"] == "cpu-box") & (pk["platform"] == "cpu")].iloc[0]
    assert cpu["gflops_peak"] == pytest.approx(360.0)     # fixture: 2 * 2048^3 / t = 360 GFLOP/s
    assert cpu["gbs_peak"] == pytest.approx(10.0)
    assert pk[(pk["machine"] == "cpu-box") & (pk["platform"] == "gpu")].empty   # skipped: no GPU peak
    r = rates[(rates["machine"] == "cpu-box") & (rates["kernel"] == "matmul") & (rates["status"] == "ok")].iloc[0]
    # FLOPs as executed: NumPy's x @ x.T is SYRK, n^3 (reports.limits; tests/test_limits.py)
    syrk = 0.5 if (r["backend"], r["variant"]) == ("numpy-cpu", "x@x.T") else 1.0
    assert r["gflops"] == pytest.approx(syrk * 2 * r["size"] ** 3 / r["median"] / 1e9)
    assert r["gflops_peak"] == pytest.approx(360.0)                 # no cpu-box case beats the GEMM
    assert r["pct_peak_flops"] == pytest.approx(100 * r["gflops"] / 360.0)
    ok = rates[rates["status"] == "ok"]
    assert (ok["pct_peak_flops"].dropna() <= 100).all() and (ok["pct_peak_bw"].dropna() <= 100).all()


def test_cpu_peak_is_the_best_backend():
    """NumPy and JAX both calibrate the CPU: the peak is the faster (a NumPy-only peak read 192%)."""
    n = 2048
    rows = [{"machine": "m", "commit": "c", "role": "calibration", "status": "ok", "backend": b,
             "params": json.dumps({"backend": b, "n": n}), "median": t}
            for b, t in (("numpy-cpu", 2 * n ** 3 / 100e9), ("jax-cpu", 2 * n ** 3 / 200e9))]
    rows.append(dict(rows[0], backend="jax-gpu", status="skipped", median=math.nan))
    for order in (rows, rows[::-1]):
        pk = speedup.peaks(pd.DataFrame(order))
        assert len(pk) == 1 and pk.iloc[0]["gflops_peak"] == pytest.approx(200.0)


def test_transfer_matches_implicit(rates):
    """Fixture built so that implicit = explicit + transfer: the join must reproduce it."""
    g = rates[(rates["machine"] == "gpu-box") & (rates["kernel"] == "matmul") & (rates["backend"] == "jax-gpu")
              & (rates["transform"] == "jit") & (rates["size"] == 3000) & (rates["variant"] == "x@y")]
    by = g.set_index("placement")
    assert by.loc["implicit", "median"] == pytest.approx(by.loc["explicit", "median"]
                                                         + by.loc["explicit", "transfer_median"])


def test_crossover(rates):
    c = speedup.crossovers(rates)
    r = c[(c["machine"] == "cpu-box") & (c["kernel"] == "selu") & (c["backend"] == "jax-cpu")
          & (c["placement"] == "explicit") & (c["transform"] == "jit")].iloc[0]
    assert r["first_size"] == 100000 and 1000 < r["estimate"] < 100000
    m = c[(c["machine"] == "cpu-box") & (c["kernel"] == "matmul")]
    assert m["first_size"].isna().all()                      # jax-cpu never beats NumPy's BLAS here
    g = c[(c["machine"] == "gpu-box") & (c["backend"] == "jax-gpu") & (c["kernel"] == "matmul")]
    assert g["wins_at_smallest"].any()


def test_machine_ratios(rates):
    w = speedup.machine_ratios(rates, ["cpu-box", "gpu-box"])
    r = w[(w["kernel"] == "matmul") & (w["size"] == 1024) & (w["variant"] == "x@y") & (w["backend"] == "numpy-cpu")]
    r = r.iloc[0]
    assert r["speedup gpu-box vs cpu-box"] == pytest.approx(r["cpu-box"] / r["gpu-box"])


def test_regressions_like_asv(loaded):
    reg = history.regressions(history.ordered(loaded.df), loaded.thresholds)
    assert len(reg) == 1
    r = reg.iloc[0]
    assert (r["machine"], r["kernel"], r["label"], r["size"], r["variant"]) == \
        ("cpu-box", "matmul", "jax-cpu explicit jit", 1024, "x@y")
    assert r["commit"].startswith("44444444") and r["before_commit"].startswith("33333333")
    assert r["ratio"] == pytest.approx(2.0)


def test_threshold_like_asv():
    assert history.threshold_for({}, "bench_x.time_x('a')") == 0.05
    assert history.threshold_for({"bench_x": 0.2, ".*": 0.1, "other": 0.9}, "bench_x.time_x('a')") == 0.2


# --------------------------------------------------------------------------- tables

def test_kernel_table(rates, loaded):
    df = select(current(loaded.df), commits=latest_commits(loaded.df))
    t = kernel_table(rates, df, "matmul", "operand")
    expected = rates[rates["kernel"] == "matmul"]
    assert len(t) == len(expected)
    for col in ("Machine", "operand", "Size", "Backend", "Placement", "Transform", "Median", "IQR (q25 - q75)",
                "Speedup vs NumPy [95% CI]", "Flags", "GFLOP/s", "% GEMM peak", "GB/s", "% copy BW", "Compile",
                "Transfer"):
        assert col in t.columns
    ok = t[~t["Median"].isin(["n/a", "failed"])]
    assert "Speedup vs lecture baseline [95% CI]" in t.columns
    assert ok["Median"].str.match(r"^[\d.]+ (s|ms|us|ns)$").all()
    assert ok["Speedup vs NumPy [95% CI]"].str.contains(r"x \[[\d.,]+, [\d.,]+\]|x \(baseline\)").all()
    assert (t.loc[(t["Machine"] == "cpu-box") & (t["Backend"] == "jax-gpu"), "Median"] == "n/a").all()
    row = t[(t["Machine"] == "gpu-box") & (t["Size"] == "3000") & (t["operand"] == "x@y")
            & (t["Backend"] == "numpy-cpu")].iloc[0]
    assert row["Median"] == "263 ms" and row["Speedup vs NumPy [95% CI]"] == "1x (baseline)"
    assert kernel_table(rates, df, "selu")["Median"].eq("failed").sum() == 1


def test_summary_table(rates):
    s = summary_table(rates, __import__("kernels").kernels(), no_gpu=["cpu-box"])
    # (matmul x 2 operands + selu + norm + rowdot + hessian x 4 modes) x 2 machines
    assert len(s) == 18
    assert set(s["Machine"]) == {"cpu-box", "gpu-box"}
    assert list(s.columns[:5]) == ["Kernel", "Variant", "Machine", "Size", "dtype"]
    cpu = s[(s["Machine"] == "cpu-box") & (s["Kernel"] == "matmul") & (s["Variant"] == "x@y")].iloc[0]
    assert cpu["Size"] == "n=3000" and cpu["JAX-GPU best"] == "not measured (no GPU)" and cpu["JAX-GPU median"] == "-"
    assert "JAX-CPU vs lecture baseline" in s.columns
    rowdot = s[(s["Machine"] == "cpu-box") & (s["Kernel"] == "rowdot")].iloc[0]
    assert rowdot["Size"] == "rows=10000"                 # the lecture's size
    assert rowdot["JAX-CPU vs lecture baseline"].endswith("vs loop (explicit placement's)")
    # a CPU-only summary has no JAX-GPU columns at all
    only = summary_table(rates[rates["machine"] == "cpu-box"], __import__("kernels").kernels(),
                                no_gpu=["cpu-box"])
    assert not [c for c in only.columns if "GPU" in c]
    gpu = s[(s["Machine"] == "gpu-box") & (s["Kernel"] == "matmul") & (s["Variant"] == "x@y")].iloc[0]
    assert gpu["JAX-GPU median"] == "6.02 ms" and gpu["Best JAX % of peak"].endswith("% GEMM")


def test_summary_numpy_column_is_the_speedup_baseline(rates):
    # a slower NumPy loop listed first must not replace the eager baseline the speedups use
    npy = rates[rates["backend"] == "numpy-cpu"]
    loop = npy.assign(transform="loop", label="numpy-cpu loop", median=npy["median"] * 100)
    s = summary_table(pd.concat([loop, rates], ignore_index=True), __import__("kernels").kernels())
    ref = summary_table(rates, __import__("kernels").kernels())
    assert list(s["NumPy-CPU median"]) == list(ref["NumPy-CPU median"])
    assert set(s["NumPy-CPU baseline"]) <= {"eager", "n/a", "-"}   # "-": no NumPy case (hessian here)


def test_markdown_and_latex():
    t = pd.DataFrame({"Kernel": ["svt_hard"], "Median": ["2.94 ms"], "% GEMM peak": ["50%"]})
    md = writers.to_markdown(t, "cap", ["note"])
    assert "| Kernel | Median | % GEMM peak |" in md and "|:---|---:|---:|" in md and "| svt_hard |" in md
    tex = writers.to_latex(t, "cap", "tab:x", ["a_b"])
    for needle in ("\\toprule", "\\midrule", "\\bottomrule", "svt\\_hard", "\\% GEMM peak", "50\\%", "a\\_b",
                   "\\begin{tabular}{lrr}"):
        assert needle in tex


# --------------------------------------------------------------------------- intervals

def test_samples_are_cut_into_recorded_rounds(loaded):
    df = loaded.df
    selu = df[(df["benchmark"] == "bench_selu.Selu.time_selu") & (df["status"] == "ok") & (df["commit"] == LAST)]
    cpu, gpu = selu[selu["machine"] == "cpu-box"], selu[selu["machine"] == "gpu-box"]
    planted = cpu[(cpu["placement"] == "device") & (cpu["transform"] == "jit") & (cpu["size"] == 1000)].iloc[0]
    assert [len(r) for r in planted["rounds"]] == [7, 2]                 # jaxbench-rounds.jsonc counts
    assert (cpu.drop(planted.name)["rounds"].map(lambda r: [len(x) for x in r]) == [[7, 7]] * (len(cpu) - 1)).all()
    assert (gpu["n_rounds"] == 1).all() and (gpu["rounds"].map(lambda r: len(r[0])) == 14).all()  # no rounds file
    old = df[(df["commit"] != LAST) & (df["status"] == "ok")]
    assert (old["n_rounds"] == 0).all()                                  # results without samples
    raw = json.loads((FIXTURES / CPU_FILE).read_text())
    r = dict(zip(raw["result_columns"], raw["results"]["bench_selu.Selu.time_selu"]))
    flat = [x for s in r["samples"] if s for x in s]
    assert sorted(x for rr in cpu["rounds"] for rd in rr for x in rd) == sorted(flat)


def test_speedup_intervals_contain_the_point(rates):
    ok = rates[(rates["status"] == "ok") & rates["speedup"].notna()]
    assert ok["speedup_lo"].notna().all()                       # every latest commit has samples
    assert ((ok["speedup_lo"] <= ok["speedup"]) & (ok["speedup"] <= ok["speedup_hi"])).all()
    assert ((ok["median_lo"] <= ok["median"]) & (ok["median"] <= ok["median_hi"])).all()
    assert set(ok["speedup_method"]) == {median_intervals.METHOD_PAIRED}     # every stated speedup: a measured comparison
    tie = ok[(ok["machine"] == "cpu-box") & (ok["label"] == "jax-cpu implicit eager") & (ok["size"] == 100000)
             & (ok["kernel"] == "selu")].iloc[0]
    assert tie["speedup_lo"] < 1 < tie["speedup_hi"]
    jit = ok[(ok["machine"] == "cpu-box") & (ok["label"] == "jax-cpu explicit jit") & (ok["size"] == 100000)
             & (ok["kernel"] == "selu")].iloc[0]
    # tight for a clear speed-up: the t interval over 3 processes (t = 4.30) still within +-10%
    assert 1 < jit["speedup_lo"] < jit["speedup"] < jit["speedup_hi"] < 1.10 * jit["speedup"]


def test_speedup_formats():
    assert tables.fmt_speedup(5.83, 5.21, 6.42) == "5.83x [5.21, 6.42]"
    assert tables.fmt_speedup(0.97, 0.91, 1.04) == "no measurable difference (0.97x [0.91, 1.04])"
    assert tables.fmt_speedup(0.5, 0.45, 0.55, median_intervals.METHOD_ONE) == "0.5x [0.45, 0.55] (1P)"
    assert tables.fmt_speedup(3.1, math.nan, math.nan, median_intervals.METHOD_NONE) == "3.1x (no interval: no samples)"
    assert tables.fmt_speedup(1.0, 1.0, 1.0, baseline=True) == "1x (baseline)"


def test_summary_never_calls_a_tie_faster(rates):
    # keep only the near-tie JAX-CPU variant of selu on cpu-box: the summary must not call it faster
    drop = (rates["kernel"] == "selu") & (rates["machine"] == "cpu-box") & (rates["backend"] == "jax-cpu") \
        & (rates["label"] != "jax-cpu implicit eager")
    s = summary_table(rates[~drop], __import__("kernels").kernels())
    row = s[(s["Kernel"] == "selu") & (s["Machine"] == "cpu-box")].iloc[0]
    assert row["JAX-CPU best"] == "implicit eager"
    assert row["JAX-CPU speedup [95% CI]"].startswith("no measurable difference (0.995x [")


def test_old_results_have_no_interval(loaded):
    old = {"cpu-box": "55555555" + "0" * 32}
    df = select(current(loaded.df), machines=["cpu-box"], commits=old)
    r = speedup.with_speedups(df, ratios.Lookup(loaded.comparisons))
    t = kernel_table(speedup.with_rates(r, speedup.peaks(df)), df, "selu")
    cells = t.loc[~t["Median"].isin(["n/a", "failed"]) & (t["Backend"] != "numpy-cpu"), "Speedup vs NumPy [95% CI]"]
    # no comparison was measured for that commit: the ratio of asv's medians, marked, no interval
    assert len(cells) and cells.str.endswith("x (across processes: not a measured comparison)").all()
    assert r.loc[r["backend"] != "numpy-cpu", "speedup_lo"].isna().all() and (r["ci_method"] == median_intervals.METHOD_NONE).all()
    assert set(r.loc[r["speedup"].notna() & (r["backend"] != "numpy-cpu"), "speedup_method"]) == {median_intervals.METHOD_ACROSS}


def test_speedup_figure_draws_the_intervals(rates):
    g = rates[(rates["machine"] == "cpu-box") & (rates["kernel"] == "selu")]
    fig = plots.speedup_bars(g, "t")
    drawn = set()
    for ax in fig.axes:
        for c in ax.containers:
            if getattr(c, "errorbar", None) is not None:
                for seg in c.errorbar.lines[2][0].get_segments():
                    drawn.add((round(seg[0][0], 9), round(seg[1][0], 9)))
    ok = g[(g["status"] == "ok") & g["speedup_lo"].notna()]
    assert {(round(a, 9), round(b, 9)) for a, b in zip(ok["speedup_lo"], ok["speedup_hi"])} <= drawn
    plots.plt.close(fig)


_CELL = re.compile(r"([\d.,]+)x \[([\d.,]+), ([\d.,]+)\]")


def _speedup_cells(md: str) -> list[str]:
    """The speedup cells of a Markdown table (columns whose header says speedup)."""
    lines = [ln for ln in md.splitlines() if ln.startswith("|")]
    head = [c.strip() for c in lines[0].strip("|").split(" | ")]
    idx = [i for i, c in enumerate(head) if "speedup" in c.lower()]
    rows = [[c.strip() for c in ln.strip("|").split(" | ")] for ln in lines[2:]]
    return [r[i] for r in rows for i in idx if r[i] not in ("-", "")]


def test_written_tables_carry_intervals(report):
    for name in ("summary", "selu", "matmul"):
        cells = _speedup_cells((report / "tables" / f"{name}.md").read_text())
        assert cells, name
        for cell in cells:
            if "(baseline)" in cell or cell.startswith("- ("):   # a baseline row; no lecture baseline measured
                continue
            m = _CELL.search(cell)
            assert m, cell
            point, lo, hi = (float(x.replace(",", "")) for x in m.groups())
            assert lo <= point <= hi, cell
            assert cell.startswith("no measurable difference (") == (lo <= 1 <= hi), cell
    selu = (report / "tables" / "selu.md").read_text()
    assert "no measurable difference (0.995x [" in selu and "Flags: IQR = " in selu
    assert "| RND,FEW,N1 |" in selu          # the planted case: its processes disagree (fixtures: make_fixtures.py)


# --------------------------------------------------------------------------- the whole report

PROMISED = ["index.html", "data.csv", "warnings.txt", "lecture.md", "lecture.tex", "lecture.csv",
            *(f"tables/{n}.{e}" for n in ("health", "summary", "matmul", "selu", "crossover", "machines",
                                          "regressions")
              for e in ("md", "tex"))]


@pytest.fixture(scope="module")
def report(fixtures_report):
    """The report of a copy of the fixtures, built once for the session (conftest.py)."""
    assert fixtures_report.rc == 0
    assert fixtures_report.after == fixtures_report.before     # a report never modifies the results
    return fixtures_report.out


def test_every_promised_file(report):
    for name in PROMISED:
        assert (report / name).stat().st_size > 0, name
    figs = {p.name for p in (report / "figures").glob("*.png")}
    for m in ("cpu-box", "gpu-box"):
        for prefix in ("speedup_matmul_xatxT_float32", "speedup_matmul_xaty_float32", "speedup_selu_float32",
                       "scaling_matmul_xaty_float32", "scaling_selu_float32", "placement_matmul_xaty_float32",
                       "placement_selu_float32"):
            assert f"{prefix}_{m}.png" in figs
    assert "machines_matmul_float32_3000.png" in figs
    assert any(f.startswith("history_matmul_xaty") for f in figs)
    assert not any(f.startswith("history") and "gpu-box" in f for f in figs)    # one commit only
    assert all((report / "figures" / f).stat().st_size > 1000 for f in figs)


def test_html_is_self_contained(report):
    page = (report / "index.html").read_text()
    n_png = len(list((report / "figures").glob("*.png")))
    assert page.count('src="data:image/png;base64,') == n_png
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert LAST in page and "NVIDIA H100" in page                 # commits and machine facts
    assert "no facts file" in page                                # the warning is shown
    assert "SYRK" in page                                         # the registry's note on x@x.T
    assert "regression" in page


def test_tables_written(report):
    md = (report / "tables" / "summary.md").read_text()
    assert "| Kernel | Variant | Machine |" in md and "median" in md.lower() and "IQR" in md
    tex = (report / "tables" / "matmul.tex").read_text()
    assert "\\toprule" in tex and "x@y" in tex and "SYRK" in tex
    reg = (report / "tables" / "regressions.md").read_text()
    assert "44444444" in reg and "2x" in reg
    data = pd.read_csv(report / "data.csv")
    assert {"machine", "commit", "speedup", "speedup_lo", "speedup_hi", "median", "q25", "q75", "status",
            "n_rounds", "flags"} <= set(data.columns)
    assert "rounds" not in data.columns and "file" not in data.columns       # no sample lists in the CSV


# --------------------------------------------------------------------------- bad input

def _messages(record) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, ResultsWarning)]


def test_missing_folder(tmp_path, capsys):
    with pytest.warns(ResultsWarning, match="does not exist"):
        r = load_results(tmp_path / "nope")
    assert r.df.empty and "machine" in r.df.columns
    assert main(["--results", str(tmp_path / "nope"), "--out", str(tmp_path / "o"), "--no-progress"]) == 1
    assert "no asv results" in capsys.readouterr().err


def test_corrupt_json_is_skipped(results_copy):
    bad = results_copy / CPU_FILE
    bad.write_text(bad.read_text()[:5000])                      # truncated
    with pytest.warns(ResultsWarning) as rec:
        r = load_results(results_copy)
    assert any(str(bad) in m and "unreadable" in m for m in _messages(rec))
    assert set(r.df.loc[r.df["machine"] == "cpu-box", "commit"].str[:8]) == \
        {"11111111", "22222222", "33333333", "44444444", "55555555"}
    assert (r.df["machine"] == "gpu-box").any()


def test_not_a_results_file(results_copy):
    bad = results_copy / "cpu-box" / "77777777-env.json"
    bad.write_text('{"hello": 1}')
    with pytest.warns(ResultsWarning, match="not an asv results file"):
        r = load_results(results_copy)
    assert len(r.df)


def test_benchmark_no_longer_exists(results_copy):
    bj = results_copy / "benchmarks.json"
    data = json.loads(bj.read_text())
    del data["bench_selu.Selu.time_selu"]
    bj.write_text(json.dumps(data))
    with pytest.warns(ResultsWarning) as rec:
        r = load_results(results_copy)
    assert any("bench_selu.Selu.time_selu" in m and "no longer exists" in m for m in _messages(rec))
    assert not (r.df["benchmark"] == "bench_selu.Selu.time_selu").any()
    assert (r.df["kernel"] == "matmul").any()


def test_machine_without_facts_or_machine_json(results_copy):
    (results_copy / "gpu-box" / "machine.json").unlink()
    with pytest.warns(ResultsWarning) as rec:
        r = load_results(results_copy)
    msgs = _messages(rec)
    assert any("cpu-box" in m and "jaxbench-facts.jsonc" in m for m in msgs)
    assert any("gpu-box" in m and "machine.json" in m for m in msgs)
    assert (r.df["machine"] == "gpu-box").any() and r.facts["cpu-box"] == {}


def test_report_still_built_with_bad_input(results_copy, tmp_path):
    shutil.rmtree(results_copy / "gpu-box")     # size only: the bad input is cpu-box's (gpu-box: ~30 s of health)
    (results_copy / CPU_FILE).write_text("{ truncated")
    bj = results_copy / "benchmarks.json"
    data = json.loads(bj.read_text())
    del data["bench_matmul.Matmul.track_matmul_compile"]
    bj.write_text(json.dumps(data))
    before = _digest(results_copy)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        from results.frame import load_results as load
        r = load(results_copy)
        built = build(r, tmp_path / "out", kernels=["selu"], formats=("md", "html", "png"), progress=False)
    assert _digest(results_copy) == before
    page = (tmp_path / "out" / "index.html").read_text()
    assert str(results_copy / CPU_FILE) in page and "no longer exists" in page
    assert (tmp_path / "out" / "tables" / "selu.md").stat().st_size > 0
    assert any(p.name.startswith("speedup_selu") for p in built.files)
    assert len(_messages(rec)) >= 2


@pytest.mark.filterwarnings("ignore:os.fork")   # JAX's, where an earlier test of this worker started it
def test_figures_drawn_in_processes_are_the_serial_ones(tmp_path, monkeypatch):
    from reports import render
    from reports.parts import Figure, Part
    real, pids = plots.save, tmp_path / "pids"
    monkeypatch.setattr(render, "backends_started", lambda: False)   # the children draw only matplotlib

    def save(fig, stem, formats=("png",)):        # forked drawing processes inherit this patch
        with open(pids, "a") as f:
            f.write(f"{os.getpid()}\n")
        return real(fig, stem, formats)
    monkeypatch.setattr(plots, "save", save)

    def bars(k):                                   # a closure, as every section's figures are
        def draw():
            fig, ax = plots.plt.subplots(figsize=(2, 1.5))
            ax.bar(range(k + 2), [k + i for i in range(k + 2)])
            ax.set_title(f"figure {k}")
            return fig
        return draw
    parts = [(SimpleNamespace(name=s, title=s.upper()),
              Part(figures=(f := [Figure(f"{s}_{k}", bars(k), f"caption {k}", kernel=s) for k in ks]), page=f))
             for s, ks in (("a", (0, 1, 2)), ("b", (3, 4)))]
    built = {j: render.write(parts, tmp_path / f"j{j}", ("png", "html"), progress=False, jobs=j) for j in (1, 2)}
    drawers = pids.read_text().split()
    assert len(drawers) == 10 and set(drawers[:5]) == {str(os.getpid())} and str(os.getpid()) not in drawers[5:]
    assert [p.relative_to(tmp_path / "j1") for p in built[1].files] == \
        [p.relative_to(tmp_path / "j2") for p in built[2].files]
    assert len(built[1].files) == 6 and built[1].figures.keys() == built[2].figures.keys() == {"a", "b"}
    for p in built[1].files:          # the same bytes, in the order of the sections (index.html too)
        assert p.read_bytes() == (tmp_path / "j2" / p.relative_to(tmp_path / "j1")).read_bytes(), p.name
    assert render._PENDING == []


def test_figures_drawn_here_where_jax_runs(tmp_path, monkeypatch):
    from reports import render
    monkeypatch.setattr(render, "backends_started", lambda: True)
    monkeypatch.setattr(render, "ProcessPoolExecutor", None)   # would raise TypeError if used
    figs = [SimpleNamespace(stem=f"f{k}", draw=lambda: plots.plt.figure(figsize=(1, 1))) for k in range(2)]
    paths = list(render.saved_paths(figs, tmp_path, ["png"], jobs=2))
    assert paths == [[tmp_path / "f0.png"], [tmp_path / "f1.png"]] and all(p[0].stat().st_size for p in paths)


def test_jobs_must_be_a_whole_number(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["--results", str(FIXTURES), "--out", str(tmp_path / "o"), "--jobs", "0"])
    assert e.value.code == 2 and "'0' is not a whole number >= 1" in capsys.readouterr().err


@pytest.mark.parametrize("args, what", [
    (["--machine", "nobox"], "unknown machine 'nobox'; known machines: cpu-box, gpu-box"),
    (["--kernels", "matmul,nokernel"],
     "unknown kernel 'nokernel'; known kernels: cnn_step, hessian, matmul, norm, rowdot, selu"),
    (["--commit", "abcdef"], "unknown commit 'abcdef'; known commits: 11111111"),
    (["--commit", "nobox=1111"], "unknown machine 'nobox'"),
    (["--formats", "png,docx"], "unknown format 'docx'; known formats:"),
])
def test_cli_refuses_unknown(args, what, tmp_path, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResultsWarning)
        with pytest.raises(SystemExit) as exc:
            main(["--results", str(FIXTURES), "--out", str(tmp_path / "o"), *args])
    assert exc.value.code == 2
    assert what in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_cli_commit_prefix(loaded):
    from reports.__main__ import resolve_commits
    df = current(loaded.df)
    chosen = resolve_commits(df, ["cpu-box", "gpu-box"], ["cpu-box=3333"])
    assert chosen == {"cpu-box": "33333333" + "0" * 32, "gpu-box": LAST}


# --------------------------------------------------------------------------- a real asv run

@pytest.mark.timeout(900)
def test_report_from_a_real_quick_asv_run(tmp_path, short_tmp):
    """asv run --python=same --quick of the calibration and selu benchmarks, then the report. Each
    grid point forked from asv's forkserver, as asv.conf.json runs them (its socket in TMPDIR)."""
    home = tmp_path / "home"
    home.mkdir()
    branch = subprocess.run(["git", "branch", "--show-current"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.strip() or "main"
    conf = {"version": 1, "project": "jaxbench", "repo": str(ROOT), "branches": [branch],
            "benchmark_dir": str(ROOT / "bench"), "results_dir": str(tmp_path / "results"),
            "html_dir": str(tmp_path / "html"), "environment_type": "existing", "launch_method": "forkserver"}
    (tmp_path / "asv.conf.json").write_text(json.dumps(conf))
    env = dict(os.environ, HOME=str(home), TMPDIR=str(short_tmp), JAXBENCH_SIZES="quick",
               JAXBENCH_JAX_CACHE="")        # nothing written into the checkout's .asv/jax-cache
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.strip()
    asv = [sys.executable, "-m", "asv", "--config", str(tmp_path / "asv.conf.json")]
    subprocess.run(asv + ["machine", "--yes", "--machine", "testbox"], cwd=tmp_path, env=env, check=True,
                   capture_output=True)
    bench = r"bench_calibration|bench_selu\.Selu\.time_selu\('(numpy-cpu', 'host', 'eager'|jax-cpu', 'explicit', 'jit')"
    run = subprocess.run(asv + ["run", "--python=same", "--quick", "--set-commit-hash", commit,
                                "--machine", "testbox", "--bench", bench], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=800)
    assert (tmp_path / "results" / "benchmarks.json").exists(), run.stdout[-3000:] + run.stderr[-3000:]
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        r = load_results(tmp_path / "results")
    df = r.df
    selu = df[(df["kernel"] == "selu") & (df["role"] == "time") & (df["status"] == "ok")]
    assert {"numpy-cpu", "jax-cpu"} <= set(selu["backend"])
    assert (selu["median"] > 0).all() and selu["bytes"].notna().all()
    cal = df[(df["kernel"] == "calibration") & (df["backend"] == "numpy-cpu")]
    from bench import bench_calibration
    assert (cal["status"] == "ok").all() and len(cal) == 2 + len(bench_calibration.COPY_SIZES)   # GEMM f32, f64
    gpu_cal = df[(df["kernel"] == "calibration") & (df["backend"] == "jax-gpu")]
    assert (gpu_cal["status"] == "skipped").all()                    # no GPU here: n/a, not zero
    out = tmp_path / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResultsWarning)
        assert main(["--results", str(tmp_path / "results"), "--out", str(out), "--no-progress"]) == 0
    for name in ("index.html", "tables/summary.md", "tables/summary.tex", "tables/selu.md", "data.csv"):
        assert (out / name).stat().st_size > 0, name
    assert any((out / "figures").glob("speedup_selu_*.png"))
    lecture = (out / "lecture.md").read_text()               # a row per figure, whatever ran
    assert "| SELU, n = 1e5, jit | 746 us |" in lecture and "not measured: matmul not in this run" in lecture
    selu_md = (out / "tables" / "selu.md").read_text()                 # no GPU here: one line, no rows
    assert "jax-gpu: not measured on testbox (no GPU)" in selu_md
    assert not [ln for ln in selu_md.splitlines() if ln.startswith("|") and "jax-gpu" in ln]
    rates = pd.read_csv(out / "data.csv")
    base = rates[(rates["backend"] == "numpy-cpu") & (rates["status"] == "ok")]
    assert (base["speedup"] == 1.0).all()


def test_summary_leaves_out_a_variant_the_run_did_not_measure(rates):
    """Rows that are all n/a (a variant outside the run's selection) make no summary row; a
    measured variant still does."""
    from reports.formats import tables

    unmeasured = rates[rates["kernel"] == "selu"].copy()
    unmeasured["variant"] = "not-run"
    unmeasured["status"] = "skipped"
    both = pd.concat([rates, unmeasured], ignore_index=True)
    summary = summary_table(both, {})
    assert not (summary["Variant"] == "not-run").any()
    assert (summary["Kernel"] == "selu").any()
