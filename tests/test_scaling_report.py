"""The devices axis in the report (issue 11): the ``devices`` column, one-device products, and the
scaling table (reports/sections/devices.py): speed-up over the same case on one device and parallel
efficiency with their 95% intervals, the CPU caveat, a missing twin, the files and the figure.

Results: ``write_sharded`` of tests/fixtures/make_fixtures.py, written to a temporary folder: on
``cpu-box`` (2 cores) matmul x@y n = 1024 jax-cpu explicit jit at 1, 2 and 4 devices with samples
exactly 1x, 2x and 1.6x the one-device samples, cnn_step batch 64 at 1 and 2 devices and batch 128
at 2 devices only; on ``gpu-box`` (two H100s) matmul jax-gpu at 1 and 2 GPUs. The committed
fixtures (tests/fixtures/results) have no devices parameter: they must give no scaling output.
Nothing asserts on wall-clock time.
"""
from __future__ import annotations

import importlib.util
import json
import math
import types
import warnings
from pathlib import Path

import pandas as pd
import pytest

from _support import compile_latex
from results import frame, registry, median_intervals
from reports import ratios
from reports.derived import speedup
from reports.figures import plots
from reports.sections import devices as scaling
from reports.sections import history
from reports.sections.health import checks as health
from reports.sections.lecture import verdicts as L
from reports.build import build
from results.files import ResultsWarning
from results.frame import load_results

ROOT = Path(__file__).resolve().parents[1]
# data.csv's header before the devices axis existed: results without it must keep it
DATA_CSV_HEADER = (
    "machine,commit,date,env,kernel,benchmark,role,unit,backend,placement,transform,size,dtype,variant,median,q25,"
    "q75,ci99_lo,ci99_hi,n_samples,number,status,valid,stale,flops,bytes,params,n_rounds,label,median_lo,median_hi,"
    "ci_method,baseline_median,baseline_label,speedup,speedup_lo,speedup_hi,speedup_method,lecture_baseline,"
    "lecture_baseline_label,lecture_speedup,lecture_lo,lecture_hi,lecture_method,lecture_note,transfer_median,gflops,"
    "gbs,platform,gflops_peak,gbs_peak,pct_peak_flops,pct_peak_bw,flops_executed,level,limit_note,flags,flag_reasons,"
    "iqr_ratio,round_spread,absence")


def _make_fixtures():
    spec = importlib.util.spec_from_file_location("make_fixtures", ROOT / "tests" / "fixtures" / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MF = _make_fixtures()


def _load(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResultsWarning)
        return load_results(path)


def _build(results_dir, out, **kw):
    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
        warnings.simplefilter("ignore", ResultsWarning)
        build(load_results(results_dir), out, progress=False, **kw)
    return out


@pytest.fixture(scope="module")
def sharded_dir(tmp_path_factory):
    return MF.write_sharded(tmp_path_factory.mktemp("sharded") / "results")


@pytest.fixture(scope="module")
def res(sharded_dir):
    return _load(sharded_dir)


@pytest.fixture(scope="module")
def rows(res):
    return scaling.scaling_rows(res.df, res.benchmarks, res.facts, ratios.Lookup(res.comparisons))


@pytest.fixture(scope="module")
def report(sharded_dir, tmp_path_factory):
    return _build(sharded_dir, tmp_path_factory.mktemp("sharded_out") / "out")


def _one(rows, **kw):
    hit = rows
    for k, v in kw.items():
        hit = hit[hit[k] == v]
    assert len(hit) == 1, (kw, len(hit))
    return hit.iloc[0]


# --------------------------------------------------------------------------- loading


def test_the_registry_shards_the_fixture_kernels():
    import kernels

    for name in ("matmul", "cnn_step"):
        assert getattr(kernels.kernel(name), "sharding", None) is not None, f"{name} declares no sharding"


def test_devices_column(res):
    df = res.df
    assert df["devices"].dtype.kind == "i"
    mm = df[df["kernel"] == "matmul"]
    assert set(mm["devices"]) == {1, 2, 4}
    r = _one(mm, machine="cpu-box", backend="jax-cpu", placement="explicit", transform="jit", devices=2)
    assert r["variant"] == "x@y" and json.loads(r["params"])["devices"] == 2 and r["valid"]
    cnn = df[(df["kernel"] == "cnn_step") & (df["devices"] == 2)]
    assert set(cnn["variant"]) == {""}                       # devices is an axis, not a variant
    # the registry's grid: NumPy and the eager transform run on one device only
    assert not df[(df["devices"] > 1) & (df["backend"] == "numpy-cpu")]["valid"].any()
    assert not df[(df["devices"] > 1) & (df["transform"] == "eager")]["valid"].any()


def test_results_without_devices_read_as_one_device(loaded):
    assert set(loaded.df["devices"]) == {1}
    assert not frame.sharded(loaded.df)
    assert len(frame.one_device(loaded.df)) == len(loaded.df)
    assert "devices" not in {k for p in loaded.df["params"] for k in json.loads(p)}


def _spec(counts=None):
    spec = types.SimpleNamespace(placements_for=lambda b: ("explicit",), transforms_for=lambda b: ("jit", "eager"),
                                 dtypes=("float32",), variant_name="", variants=("",),
                                 bounds_for=lambda t: (1, 10 ** 9))
    if counts is not None:
        spec.device_counts_for = lambda b, t: counts if t == "jit" else (1,)
    return spec


def test_validity_of_a_device_count():
    p = {"backend": "jax-cpu", "placement": "explicit", "transform": "jit", "size": 64, "devices": 2}
    assert registry.valid(_spec((1, 2, 4)), p)
    assert not registry.valid(_spec((1, 2, 4)), dict(p, devices=8))
    assert not registry.valid(_spec((1, 2, 4)), dict(p, transform="eager"))
    assert not registry.valid(_spec((1,)), p)
    assert registry.valid(_spec((1,)), dict(p, devices=1))
    assert registry.devices_of({"backend": "jax-cpu"}) == 1 and registry.devices_of({"devices": 4}) == 4


# --------------------------------------------------------------------------- one-device products


def test_one_device_products_ignore_sharded_rows(res):
    t = speedup.timings(res.df)
    assert set(t["devices"]) == {1}
    assert set(history.ordered(res.df)["devices"]) == {1}
    s = speedup.with_speedups(res.df, ratios.Lookup(res.comparisons))
    r = _one(s, machine="cpu-box", kernel="matmul", backend="jax-cpu", transform="jit")
    assert r["median"] == pytest.approx(MF.MATMUL_1)


def test_null_test_pairs_one_device_rows_only(loaded):
    t = speedup.timings(loaded.df)
    before = health.device_explicit_sides(t)
    twin = t[t["placement"].isin(["device", "explicit"]) & t["backend"].eq("jax-cpu")].copy()
    twin["devices"] = 2
    twin["median"] = twin["median"] * 3
    after = health.device_explicit_sides(pd.concat([t, twin]))
    assert len(before) == len(after) > 0
    assert all(d["devices"] == 1 and e["devices"] == 1 for d, e in after)


# --------------------------------------------------------------------------- the numbers


def test_speedup_and_efficiency(rows):
    two = _one(rows, machine="cpu-box", kernel="matmul", backend="jax-cpu", devices=2)
    four = _one(rows, machine="cpu-box", kernel="matmul", backend="jax-cpu", devices=4)
    one = _one(rows, machine="cpu-box", kernel="matmul", backend="jax-cpu", devices=1)
    assert two["speedup"] == pytest.approx(0.5) and two["efficiency"] == pytest.approx(0.25)
    assert four["speedup"] == pytest.approx(1 / 1.6) and four["efficiency"] == pytest.approx(1 / 6.4)
    assert one["speedup"] == 1 and two["one_device_median"] == pytest.approx(MF.MATMUL_1)
    for r in (two, four):
        assert r["speedup_lo"] < r["speedup"] < r["speedup_hi"] and r["speedup_method"] == "paired"
        assert r["efficiency_lo"] == pytest.approx(r["speedup_lo"] / r["devices"])
        assert r["efficiency_hi"] == pytest.approx(r["speedup_hi"] / r["devices"])
        assert r["median_lo"] < r["median"] < r["median_hi"]
        assert r["speedup_hi"] < 1                       # measurably slower than one device
    gpu = _one(rows, machine="gpu-box", kernel="matmul", backend="jax-gpu", devices=2)
    assert gpu["speedup"] == pytest.approx(1 / 0.55) and gpu["speedup_method"] == "paired"
    cnn = _one(rows, kernel="cnn_step", size=64, devices=2)
    assert cnn["speedup"] == pytest.approx(MF.CNN_1 / MF.CNN_2)
    assert cnn["efficiency"] == pytest.approx(MF.CNN_1 / MF.CNN_2 / 2)


def test_the_interval_is_the_comparisons(res, rows):
    """The scaling ratio is the measured comparison one device / two devices: its interval is the
    two-level bootstrap of results.comparison_stats over that comparison's processes (of balanced pass pairs)."""
    from results import comparison_stats, records

    t = scaling.sharded_cases(res.df)
    one = _one(t, machine="cpu-box", kernel="matmul", backend="jax-cpu", devices=1)
    two = _one(t, machine="cpu-box", kernel="matmul", backend="jax-cpu", devices=2)
    entry = res.comparisons["cpu-box"]["commits"][one["commit"]]
    cid = f"{ratios.row_key(one)} / {ratios.row_key(two)}"
    pt, lo, hi = comparison_stats.ratio_interval(records.per_process(entry, cid), cid)
    r = _one(rows, machine="cpu-box", kernel="matmul", backend="jax-cpu", devices=2)
    assert (r["speedup"], r["speedup_lo"], r["speedup_hi"]) == (pt, lo, hi) and lo < pt < hi


def test_missing_twin_is_said(rows):
    r = _one(rows, kernel="cnn_step", size=128, devices=2)
    assert math.isnan(r["speedup"]) and math.isnan(r["efficiency"])
    assert r["twin_note"] == f"{scaling.NO_TWIN} (n/a)"
    shown = scaling.table(rows[rows["kernel"] == "cnn_step"])
    cell = shown[(shown["Size"] == "128") & (shown["Devices"] == "2")]["Speed-up vs 1 device [95% CI]"].iloc[0]
    assert cell == "no 1-device twin (n/a)"


def test_display_cells(rows):
    t = scaling.table(rows[(rows["kernel"] == "matmul") & (rows["machine"] == "cpu-box")], "operand")
    by = dict(zip(t["Devices"], t.to_dict("records")))
    assert by["1"]["Speed-up vs 1 device [95% CI]"] == "1x (baseline)" and by["1"]["Efficiency [95% CI]"] == "-"
    assert by["2"]["Speed-up vs 1 device [95% CI]"].startswith("0.5x [")
    assert by["2"]["Efficiency [95% CI]"].startswith("0.25 [")
    assert by["2"]["Median [95% CI]"].startswith("14.4 ms [") and by["2"]["operand"] == "x@y"


# --------------------------------------------------------------------------- what the devices are


def test_device_lines(res, rows):
    lines = scaling.device_lines(rows, res.facts, res.machines)
    cpu = " ".join(lines["cpu-box"])
    assert "2 or 4 forced host devices sharing 2 cores" in cpu and scaling.FORCED_FLAG in cpu
    assert scaling.OVERHEAD in cpu and "jax-gpu" not in cpu
    gpu = lines["gpu-box"]
    assert any("real GPUs (2 x NVIDIA H100 80GB HBM3)" in x for x in gpu)
    assert any(scaling.OVERHEAD in x and "sharing 16 cores" in x for x in gpu)     # its jax-cpu rows
    unknown = scaling.device_lines(rows, {}, {})
    assert "an unknown number of cores" in unknown["cpu-box"][0]
    assert "GPU model not recorded" in " ".join(unknown["gpu-box"])
    asv_only = scaling.device_lines(rows, {}, res.machines)
    assert "sharing 2 cores (asv's machine.json num_cpu" in asv_only["cpu-box"][0]


def test_figure(rows):
    g = rows[(rows["kernel"] == "matmul") & (rows["machine"] == "cpu-box")]
    assert scaling.title_caveat(g) == " - overhead, not scaling (forced host devices)"
    gpu = rows[(rows["kernel"] == "matmul") & (rows["machine"] == "gpu-box")]
    assert "jax-cpu lines: overhead, not scaling" in scaling.title_caveat(gpu)
    fig = plots.devices(g, "Devices: matmul on cpu-box" + scaling.title_caveat(g), "a note")
    ax_t, ax_s = fig.axes
    labels = [t.get_text() for t in ax_s.get_legend().get_texts()]
    assert plots.IDEAL_LABEL in labels
    ideal = next(line for line in ax_s.get_lines() if line.get_label() == plots.IDEAL_LABEL)
    assert list(ideal.get_xdata()) == list(ideal.get_ydata()) == [1, 2, 4] and ideal.get_linestyle() == "--"
    assert "overhead, not scaling" in fig._suptitle.get_text()
    points = [line for line in ax_s.get_lines() if line.get_label() != plots.IDEAL_LABEL and len(line.get_xdata()) == 3]
    assert any(list(p.get_ydata()) == pytest.approx([1, 0.5, 0.625]) for p in points)
    plots.plt.close(fig)


# --------------------------------------------------------------------------- the report


def test_files(report, rows):
    for name in ("tables/scaling.md", "tables/scaling.tex", "tables/scaling.csv", "figures/devices_matmul_cpu-box.png",
                 "figures/devices_matmul_gpu-box.png", "figures/devices_cnn_step_cpu-box.png"):
        assert (report / name).is_file(), name
    md = (report / "tables" / "scaling.md").read_text()
    assert scaling.OVERHEAD in md and "no 1-device twin (n/a)" in md and "0.25 [" in md
    assert "Not shown: sharded grid points without a timing" in md
    import kernels

    assert kernels.kernel("matmul").sharding.what in md
    csv = pd.read_csv(report / "tables" / "scaling.csv")
    assert list(csv.columns) == scaling.COLUMNS
    r = csv[(csv["machine"] == "cpu-box") & (csv["kernel"] == "matmul") & (csv["devices"] == 2)].iloc[0]
    assert r["speedup"] == pytest.approx(0.5) and r["efficiency"] == pytest.approx(0.25)
    html = (report / "index.html").read_text()
    assert "Devices (sharded cases)" in html and scaling.OVERHEAD in html
    assert html.index("Devices (sharded cases)") < html.index("Tables per kernel")
    # the one-device products: the kernel table holds each case once, at one device
    kt = (report / "tables" / "matmul.md").read_text()
    assert len([x for x in kt.splitlines() if x.startswith("| cpu-box |") and "| jit |" in x]) == 1
    assert "devices" not in pd.read_csv(report / "data.csv").columns


def test_scaling_tex_compiles_on_portrait_a4(report, tmp_path):
    log = compile_latex(report / "tables" / "scaling.tex", tmp_path)
    assert "Overfull \\hbox" not in log and "Float too large" not in log


def test_health_command_on_sharded_results(sharded_dir, capsys):
    from reports.__main__ import main

    assert main(["--health", "--results", str(sharded_dir)]) == 0
    assert "Measurement health" in capsys.readouterr().out


def test_results_without_devices_give_no_scaling_output(fixtures_report):
    """The fixtures have no devices axis: their report (every machine and kernel, built once for the
    session: conftest.py) has no scaling table, no devices figure, no devices section, and data.csv
    keeps its header from before the axis existed."""
    out = fixtures_report.out
    assert fixtures_report.rc == 0
    assert not list((out / "tables").glob("scaling.*"))
    assert not list((out / "figures").glob("devices_*"))
    assert "Devices (sharded cases)" not in (out / "index.html").read_text()
    assert (out / "data.csv").read_text().splitlines()[0] == DATA_CSV_HEADER
