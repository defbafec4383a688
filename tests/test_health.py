"""results/median_intervals.py (two-level bootstrap) and reports/sections/health/ (flags, null test, `python -m reports --health`).

Uses the fixture results of tests/fixtures (see make_fixtures.py: a planted unstable case and
recorded rounds on cpu-box's latest commit, pooled samples on gpu-box) and small constructed
samples / rows. Nothing here asserts on wall-clock time.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from results import median_intervals, bootstrap
from reports.derived import flags, speedup
from reports.__main__ import main
from reports.sections.health import checks as health
from results.files import ResultsWarning
from results.frame import current, latest_commits, select

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "results"


@pytest.fixture(scope="module")
def flagged(loaded):
    df = select(current(loaded.df), commits=latest_commits(loaded.df))
    return health.with_flags(speedup.timings(df), loaded.benchmarks)


ORIGINAL = ["matmul", "selu"]   # the fixture's kernels before the lecture's demos were added (counts below)


def _case(t, machine, label, size, kernel="selu"):
    return t[(t["machine"] == machine) & (t["kernel"] == kernel) & (t["label"] == label) & (t["size"] == size)].iloc[0]


# --------------------------------------------------------------------------- stats

def _rounds_apart(step: float) -> list[list[float]]:
    """Three rounds of 10 tight samples (1% noise) at levels 1, 1 + step, 1 + 2 step."""
    rng = np.random.default_rng(1)
    return [list(1.0 + k * step + 0.01 * rng.standard_normal(10)) for k in range(3)]


def _widths(rounds) -> tuple[float, float]:
    """Widths of the hierarchical and of the pooled (one-level) 95% interval of the median."""
    hier = bootstrap.percentile_interval(median_intervals.bootstrap_medians(rounds, "a"))
    pooled = bootstrap.percentile_interval(median_intervals.bootstrap_medians([sum(rounds, [])], "a"))
    return hier[1] - hier[0], pooled[1] - pooled[0]


def test_hierarchical_is_wider_than_pooled_when_rounds_disagree():
    hier, pooled = _widths(_rounds_apart(0.1))
    assert hier > 2 * pooled
    assert hier > 0.15                                   # spans more than one round-to-round step


def test_hierarchical_matches_pooled_when_rounds_agree():
    hier, pooled = _widths(_rounds_apart(0.0))
    assert hier < 1.5 * pooled


def test_bootstrap_is_deterministic_and_keyed():
    rounds = _rounds_apart(1.1)
    a, b = median_intervals.bootstrap_medians(rounds, "k1"), median_intervals.bootstrap_medians(rounds, "k1")
    assert len(a) == bootstrap.N_BOOT and np.array_equal(a, b)
    assert not np.array_equal(a, median_intervals.bootstrap_medians(rounds, "k2"))
    assert median_intervals.bootstrap_medians([], "k1") is None
    assert median_intervals.bootstrap_medians([[None]], "k1") is None


def test_methods_and_ratio_interval():
    assert median_intervals.method([]) == median_intervals.METHOD_NONE
    assert median_intervals.method([[1.0, 2.0]]) == median_intervals.METHOD_ONE
    assert median_intervals.method([[1.0], [2.0]]) == median_intervals.METHOD_ROUNDS
    num = median_intervals.bootstrap_medians([[2.0, 2.02, 1.98], [2.01, 1.99, 2.0]], "n")
    den = median_intervals.bootstrap_medians([[1.0, 1.01, 0.99], [1.0, 1.005, 0.995]], "d")
    lo, hi = median_intervals.ratio_interval(num, den, 2.0)
    assert 1.9 < lo <= 2.0 <= hi < 2.1 and not median_intervals.contains_one(lo, hi)
    lo, hi = median_intervals.ratio_interval(den, den, 5.0)                  # always contains the point estimate
    assert hi == 5.0
    assert median_intervals.contains_one(0.9, 1.1) and not median_intervals.contains_one(math.nan, math.nan)
    assert median_intervals.round_spread([[1.0, 1.0], [1.5, 1.5]]) == pytest.approx(1.5)
    assert math.isnan(median_intervals.round_spread([[1.0, 2.0]]))


# --------------------------------------------------------------------------- flags

def test_planted_unstable_case_is_flagged(flagged):
    r = _case(flagged, "cpu-box", "jax-cpu device jit", 1000)
    # its two processes sit 1.56x apart (RND: sd of the logs 0.31), each quiet within itself (no IQR)
    assert r["flags"].split(",") == ["RND", "FEW", "N1"]
    assert "sd of logs 0.31" in r["flag_reasons"] and "[7, 2]" in r["flag_reasons"] and "1 call/sample" in r["flag_reasons"]


def test_stable_case_is_not_flagged(flagged):
    assert _case(flagged, "cpu-box", "jax-cpu explicit jit", 100000)["flags"] == ""
    assert _case(flagged, "cpu-box", "numpy-cpu eager", 1000)["flags"] == ""


def test_one_process_flag(flagged):
    gpu = flagged[(flagged["machine"] == "gpu-box") & (flagged["status"] == "ok")]
    assert gpu["flags"].str.contains("1P").all()
    assert not flagged.loc[(flagged["machine"] == "cpu-box"), "flags"].str.contains("1P").any()


def test_flag_thresholds_on_constructed_rows():
    entry = {"repeat": [5, 15, 2.0], "sample_time": 0.02}
    base = {"status": "ok", "median": 1.0, "q25": 0.9, "q75": 1.1, "number": 10, "n_samples": 10,
            "rounds": [[1.0] * 5, [1.0] * 5], "n_rounds": 2}
    assert health.flag_codes(base, entry) == []
    one = dict(base, rounds=[[1.0] * 5], n_rounds=1)                                     # one round: the row's quartiles
    assert health.flag_codes(dict(one, q25=0.8, q75=1.06), entry) == ["IQR", "1P"]      # 0.26 > 0.25
    assert health.flag_codes(dict(one, q25=0.8, q75=1.05), entry) == ["1P"]            # 0.25: not above
    noisy = [0.6, 0.85, 1.0, 1.12, 1.4]                                                 # within a process: 0.27
    assert health.flag_codes(dict(base, rounds=[noisy, noisy]), entry) == ["IQR"]
    assert health.flag_codes(dict(base, rounds=[[0.7, 0.9, 1.0, 1.1, 1.3]] * 2), entry) == []   # 0.20
    assert health.flag_codes(dict(base, q25=0.5, q75=1.5), entry) == []                 # pooled spread: not a flag
    assert health.flag_codes(dict(base, rounds=[[1.0] * 5, [1.45] * 5]), entry) == ["RND"]   # sd of logs 0.263
    assert health.flag_codes(dict(base, rounds=[[1.0] * 5, [1.4] * 5]), entry) == []        # 0.238
    assert health.flag_codes(dict(base, rounds=[[1.0] * 5, [1.0] * 4]), entry) == ["FEW"]
    assert health.flag_codes(dict(base, rounds=[[1.0] * 4], n_rounds=1), {"repeat": 0}) == ["1P"]  # >= 3
    assert health.flag_codes(dict(base, rounds=[[1.0]], n_rounds=1), {"repeat": 0}) == ["FEW", "1P"]
    assert health.flag_codes(dict(base, rounds=[[1.0] * 2] * 5, n_rounds=5), {"repeat": [2, 40, 1.0]}) == []   # a pair per process, as asked
    assert health.flag_codes(dict(base, number=1, median=0.019, q25=0.018, q75=0.02), entry) == ["N1"]
    assert health.flag_codes(dict(base, number=1, median=0.021, q25=0.019, q75=0.023), entry) == []


# --------------------------------------------------------------------------- health numbers

def _pair_rows(ratios, kernel="selu"):
    """Constructed timing rows: one device/explicit pair per ratio (no samples)."""
    rows = []
    for i, ratio in enumerate(ratios):
        for placement, median in (("device", ratio * 1e-3), ("explicit", 1e-3)):
            rows.append(dict(machine="m", commit="c", kernel=kernel, benchmark=f"bench_{kernel}.X.time_x",
                             backend="jax-cpu", placement=placement, transform="jit", size=i, dtype="float32",
                             variant="", median=median, status="ok", params=json.dumps({"size": i}),
                             rounds=[], n_rounds=0))
    return pd.DataFrame(rows)


def test_null_test_counts_and_bar():
    s = health.null_summary(health.null_pairs(_pair_rows([1.0] * 9 + [1.6])))
    assert (s["pairs"], s["within"], s["beyond"], s["passed"]) == (10, 9, 1, False)     # one beyond +-50%
    s = health.null_summary(health.null_pairs(_pair_rows([1.0] * 9 + [1.3])))
    assert (s["within"], s["beyond"], s["passed"]) == (9, 0, True)                      # 90%, none beyond
    s = health.null_summary(health.null_pairs(_pair_rows([1.0] * 8 + [1.3, 0.7])))
    assert (s["within"], s["beyond"], s["passed"]) == (8, 0, False)                     # 80% < 90%
    s = health.null_summary(health.null_pairs(_pair_rows([1 / 1.2, 1.2, 1 / 1.5, 1.5])))
    assert (s["within"], s["beyond"]) == (2, 0)                                         # band edges included
    assert health.null_summary(health.null_pairs(_pair_rows([3.0], kernel="cnn_step")))["passed"] is None


def test_null_test_on_fixture(flagged):
    cpu = health.null_pairs(flagged[(flagged["machine"] == "cpu-box") & flagged["kernel"].isin(ORIGINAL)])
    s = health.null_summary(cpu)
    assert s["pairs"] == 17 and s["beyond"] == 1 and s["passed"] is False
    # the lecture's demos add 16 pairs (rowdot 6, norm 2, hessian 8), all within +-20%
    every = health.null_summary(health.null_pairs(flagged[flagged["machine"] == "cpu-box"]))
    assert every["pairs"] == 33 and every["beyond"] == 1
    far = cpu[[health.band_of(r) == "beyond +-50%" for r in cpu["ratio"]]].iloc[0]
    assert (far["kernel"], far["variant"], far["size"], far["transform"]) == ("matmul", "x@y", 1024, "jit")
    assert far["ratio"] == pytest.approx(0.5) and far["hi"] < 1                         # the planted regression
    planted = cpu[(cpu["kernel"] == "selu") & (cpu["size"] == 1000) & (cpu["transform"] == "jit")].iloc[0]
    assert planted["lo"] < 1 < planted["hi"]                                            # unstable: wide


def test_calls_spread_and_remeasure(loaded, flagged):
    c = health.calls_summary(health.calls_per_sample(flagged, loaded.benchmarks))
    assert c["one_call_below"] == 1 and c["passed"] is False
    s = health.spread_summary(flagged[flagged["kernel"].isin(ORIGINAL)])
    assert s["cases"] == 62 and s["over"] == 1 and s["worst"] == pytest.approx(1.4 / 0.9)
    assert "selu jax-cpu device jit @ 1000" in s["worst_case"]
    # (d): asv's median against the comparisons' in-process one (the removed timeit re-measurement's
    # place); every fixture case was timed by the comparisons, asv's result is theirs but for the
    # planted unstable selu case
    from reports.ratios import Lookup

    r = health.in_process_rows(flagged, Lookup(loaded.comparisons))
    assert len(r) == 353 and int((abs(r["ratio"] - 1) <= 1e-6).sum()) == 352
    odd = r.loc[r["ratio"].idxmin()]
    assert odd["params"] == "selu jax-cpu device jit @ 1000 float32 (cpu-box)" and odd["ratio"] == pytest.approx(0.769, abs=1e-3)
    assert health.in_process_rows(flagged, None).empty and health.in_process_rows(flagged, Lookup({})).empty


def test_report_lines(loaded, flagged):
    h = health.report(flagged, loaded.benchmarks)
    assert len(h.lines) == 6 and h.lines[0].startswith("(a)") and "FAIL" in h.lines[0]
    assert "beyond +-50% (ratio > 1.5 or < 1/1.5): 2" in h.lines[0]                    # both machines
    assert h.lines[3].startswith("(d) asv vs in-process: no comparisons")              # none given
    assert h.lines[5] == "(f) Where the variance is: no measured comparison for these commits."
    md = health.to_markdown(h)
    assert "## Measurement health" in md and "| RND,FEW,N1 |" in md
    assert "\\toprule" in health.to_latex(h)


# --------------------------------------------------------------------------- the command

def test_command_prints_the_section(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResultsWarning)
        assert main(["--health", "--results", str(FIXTURES), "--machine", "cpu-box"]) == 0
    out = capsys.readouterr().out
    assert "## Measurement health" in out and "33 pairs" in out and "gpu-box" not in out


@pytest.mark.parametrize("args, what", [
    (["--machine", "nobox"], "unknown machine 'nobox'"),
    (["--commit", "abcdef"], "unknown commit 'abcdef'"),
])
def test_command_refuses_unknown(args, what, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResultsWarning)
        with pytest.raises(SystemExit) as exc:
            main(["--health", "--results", str(FIXTURES), *args])
    assert exc.value.code == 2 and what in capsys.readouterr().err


def test_command_exit_codes_as_a_process(tmp_path):
    run = lambda *a: subprocess.run([sys.executable, "-m", "reports", "--health", "--results", *a],  # noqa: E731
                                    cwd=ROOT, capture_output=True, text=True)
    # one machine, the smaller, alone in a copy (loading the other's comparisons is not the point):
    # a process that reports is the point (the whole command: the golden copies)
    import shutil

    one = tmp_path / "results"
    shutil.copytree(FIXTURES / "cpu-box", one / "cpu-box")
    shutil.copy(FIXTURES / "benchmarks.json", one)
    ok = run(str(one), "--machine", "cpu-box", "--commit", "6666")
    assert ok.returncode == 0 and "Measurement health" in ok.stdout
    # a refusal's 2 is argparse's SystemExit, raised inside main (test_command_refuses_unknown): a
    # process of its own would load the results again only to show it
    assert run(str(tmp_path / "none")).returncode == 1


def test_few_samples_judged_against_the_repeat_the_run_asked_for():
    """python -m runner records its -a repeat override in the facts; asv keeps the class's."""
    bench = {"b.B.time_b": {"repeat": [5, 15, 2.0], "sample_time": 0.02}}
    facts = {"box": {"measurement": {"repeat": "(3,10,0.6)"}}}
    assert health.min_repeat(flags.asked(bench, facts, "box", "b.B.time_b")) == 3
    assert health.min_repeat(flags.asked(bench, {}, "box", "b.B.time_b")) == 5
    assert health.min_repeat(flags.asked(bench, facts, "other-box", "b.B.time_b")) == 5


def test_where_the_variance_is_per_comparison():
    """(f): per comparison, its processes and passes, the share of its variance between processes
    (Kalibera & Jones), the half-width reached against its target (lecture ratios: +-5%)."""
    from reports.sections.health import variance
    from reports.ratios import Lookup

    rng = np.random.default_rng(3)

    def process(effect):   # 6 passes of a 2x ratio, the process's own effect, a small pass noise
        return {"devices": 1, "groups": [{"sides": ["a", "b"], "numbers": [1, 1], "passes": [
            [2e-3 * effect * np.exp(rng.normal(0, 0.01)), 1e-3] for _ in range(6)]}]}
    entry = {"comparisons": {"a / b": {"num": "a", "den": "b", "transfer": False, "kinds": ["lecture"]},
                             "a / c": {"num": "a", "den": "c", "transfer": False, "kinds": ["numpy"]}},
             "processes": [process(np.exp(rng.normal(0, 0.2))) for _ in range(5)]}
    v = variance.rows(Lookup({"vm": {"commits": {"c" * 40: entry}}}), {("vm", "c" * 40)})
    assert list(v["comparison"]) == ["a / b"]                       # a / c: no process measured it
    row = v.iloc[0]
    assert row["processes"] == 5 and row["passes"] == 30 and row["target"] == 0.05
    assert row["between_share"] > 0.9 and not row["reached"] and row["half_width"] > 0.05
    s = variance.summary(v)
    assert s["lecture"] == 1 and s["reached"] == 0 and "lecture ratios (1)" in variance.line(s)
