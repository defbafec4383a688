"""The regression gate (bench/gate.py) and the planted slowdown (kernels/_plant.py).

No wall-clock assertions: the decision rule runs on constructed samples, the planted slowdown is
checked with a fake clock (requested busy-wait durations, counts of real calls), and the one real
``prepare`` only checks the notes and the wrapping. No end-to-end gate run here (it takes minutes:
two commits x rounds x ``python -m bench``); docs/gate.md gives the measured runs.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

import kernels
from bench import gate
from bench import gate_rule
from kernels import _plant

ROOT = Path(__file__).resolve().parents[1]


def _rounds(medians, n=10, spread=0.02, seed=0):
    """One list of ``n`` samples per round, scattered +-``spread`` around each round's median."""
    rng = np.random.default_rng(seed)
    return [list(m * (1 + spread * rng.uniform(-1, 1, n))) for m in medians]


# --------------------------------------------------------------------------- the decision rule

def test_mann_whitney_over_processes():
    assert gate_rule.slower_p([1, 2, 3, 4], [5, 6, 7, 8]) == pytest.approx(1 / 70)    # complete separation
    assert gate_rule.slower_p([1, 2, 3, 6], [5, 7, 8, 9]) == pytest.approx(2 / 70)    # one pair out of order
    assert gate_rule.slower_p([5, 6, 7, 8], [1, 2, 3, 4]) == pytest.approx(1.0)
    assert gate_rule.slower_p([], [1.0]) == 1.0
    assert gate_rule.min_p(3) == pytest.approx(1 / 20) and gate_rule.min_p(4) == pytest.approx(1 / 70)
    assert 0.0 < gate_rule.slower_p(list(range(10)), list(range(5, 15))) < 0.05       # normal approximation


def test_disagreeing_processes_are_not_a_regression():
    # A/A: the processes of each commit disagree by up to 30%, their ranges overlap
    base = _rounds([10e-6, 13e-6, 11e-6, 12e-6], seed=1)
    head = _rounds([12e-6, 10.5e-6, 13.5e-6, 14e-6], seed=2)
    res = gate_rule.compare_case(base, head, factor=1.10)
    assert res["verdict"] == "same"
    assert res["p_slower"] > gate_rule.ALPHA
    # while the pooled-sample test asv continuous uses calls it significant
    _, p = gate_rule.asv_pooled_verdict(base, head, factor=1.10)
    assert p < gate_rule.ASV_P


def test_slow_processes_are_not_a_regression():
    # bimodal processes (jit SELU 1e3 read 6-9 us or ~29 us per process on this VM): 3 of 4 HEAD
    # processes in the slow mode, 1 of 4 BASE ones. The bootstrap's lower bound clears 1 here
    # (it cannot reach below the extreme rounds); the processes' ranges overlap: no regression.
    base = _rounds([8.7e-6, 28.6e-6, 6.3e-6, 6.8e-6], seed=3)
    head = _rounds([29.6e-6, 29.2e-6, 28.5e-6, 17.6e-6], seed=4)
    res = gate_rule.compare_case(base, head, factor=1.10)
    assert res["ratio"] > 1.10 and res["boot_lo"] > 1.0
    assert res["p_slower"] == pytest.approx(4 / 70)
    assert res["verdict"] == "same"


def test_consistent_25_percent_shift_is_a_regression():
    base = _rounds([10e-6, 10.6e-6, 9.8e-6, 12.4e-6], seed=5)     # one slow BASE process
    head = _rounds([12.5e-6, 13.2e-6, 12.3e-6, 12.9e-6], seed=6)
    res = gate_rule.compare_case(base, head, factor=1.10)
    assert res["verdict"] == "regression"
    assert res["ratio"] == pytest.approx(1.25, rel=0.05)
    assert res["p_slower"] == pytest.approx(2 / 70)
    # three rounds cannot reach p <= 0.03 (1/20 at best): never a verdict at the default alpha
    assert gate_rule.compare_case(base[:3], head[:3], factor=1.10)["verdict"] == "same"
    # and the mirror image is an improvement
    assert gate_rule.compare_case(head, base, factor=1.10)["verdict"] == "improvement"


def test_significant_shift_below_the_factor_is_not_a_regression():
    base = _rounds([10e-6, 10.1e-6, 9.9e-6, 10e-6], spread=0.005, seed=7)
    head = _rounds([10.5e-6, 10.6e-6, 10.4e-6, 10.5e-6], spread=0.005, seed=8)   # 5%, clearly measured
    res = gate_rule.compare_case(base, head, factor=1.10)
    assert res["p_slower"] == pytest.approx(1 / 70)
    assert res["verdict"] == "same"


def test_missing_side_is_reported_not_judged():
    assert gate_rule.compare_case([], _rounds([1.0]), factor=1.1)["verdict"] == "missing"
    # one process per side: nothing to say about the noise between processes
    assert gate_rule.compare_case(_rounds([1.0]), _rounds([2.0]), factor=1.1)["verdict"] == "same"


def test_load_rounds_splits_by_the_rounds_file(tmp_path):
    machine = tmp_path / "m"
    machine.mkdir()
    commit = "a" * 40
    samples = [1.0, 1.1, 1.2, 2.0, 2.1]
    result = {"commit_hash": commit, "result_columns": ["result", "params", "samples"],
              "results": {"bench_selu.Selu.time_selu": [[1.1, None], [["'numpy-cpu'"], ["1000", "2000"]],
                                                       [samples, None]],
                          "bench_calibration.GemmPeak.time_gemm_peak": [[1.0], [["'numpy-cpu'"]], [[1.0]]]}}
    (machine / "x.json").write_text(json.dumps(result))
    (machine / "jaxbench-rounds.jsonc").write_text(json.dumps(
        {"version": 1, "commits": {commit: {"bench_selu.Selu.time_selu": {"'numpy-cpu', 1000": [3, 2]}}}}))
    got = gate_rule.load_rounds(tmp_path, "m", commit, ["selu"])
    assert got == {("bench_selu.Selu.time_selu", "'numpy-cpu', 1000"): [[1.0, 1.1, 1.2], [2.0, 2.1]]}


# --------------------------------------------------------------------------- the planted slowdown

class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_plant_parse():
    assert _plant.parse(None) == {}
    assert _plant.parse("selu:1.25, matmul:1.5") == {"selu": 1.25, "matmul": 1.5}
    for bad in ("selu", "selu:fast", "selu:0.9", ":1.2", "selu:inf"):
        with pytest.raises(_plant.PlantError, match="KERNEL:FACTOR"):
            _plant.parse(bad)


def test_short_calls_pay_with_extra_real_calls(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(_plant, "_clock", clock)
    waits = []
    monkeypatch.setattr(_plant, "busy_wait", waits.append)
    calls = []

    def run():                       # a 10 us call
        clock.now += 10e-6
        calls.append(1)
        return "out"

    slow = _plant.slowed(run, 1.25)
    assert [slow() for _ in range(100)] == ["out"] * 100
    assert abs(len(calls) - 125) <= 1      # 25% more real calls, back to back
    assert waits == []                     # no pause between calls (XLA threads would park)


def test_long_calls_pay_with_a_busy_wait(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(_plant, "_clock", clock)
    waits = []
    monkeypatch.setattr(_plant, "busy_wait", waits.append)

    def run():                       # a 10 ms call: timed one call per sample
        clock.now += 10e-3

    slow = _plant.slowed(run, 1.25)
    slow()
    slow()
    assert waits == [pytest.approx(2.5e-3), pytest.approx(2.5e-3)]


def test_prepare_marks_a_planted_case(monkeypatch):
    case = kernels.cases("selu", backend="numpy-cpu")[0]
    monkeypatch.delenv(_plant.ENV, raising=False)
    plain = kernels.prepare(case)
    assert _plant.MARK not in plain.notes
    assert not hasattr(plain.run, "planted_factor")

    monkeypatch.setenv(_plant.ENV, "selu:1.25")
    planted = kernels.prepare(case)
    assert planted.notes.startswith(_plant.MARK + " x1.25")
    assert planted.run.planted_factor == 1.25
    assert planted.check() <= planted.tolerance        # still the right result

    monkeypatch.setenv(_plant.ENV, "matmul:1.25")     # another kernel: untouched
    assert _plant.MARK not in kernels.prepare(case).notes


# --------------------------------------------------------------------------- the command line

@pytest.mark.parametrize("argv, message", [
    (["no-such-commit-xyz", "HEAD"], "unknown commit 'no-such-commit-xyz'"),
    (["HEAD", "HEAD", "--kernels", "selu,nope"], "unknown kernel(s) nope"),
    (["HEAD", "HEAD", "--rounds", "1"], "at least 2"),
    (["HEAD", "HEAD", "--rounds", "3"], "cannot reach p <= 0.03"),
    (["HEAD", "HEAD", "--factor", "0.9"], "must be > 1"),
    (["HEAD", "HEAD", "--plant", "selu"], "KERNEL:FACTOR"),
    (["HEAD", "HEAD", "--plant", "nope:1.25"], "unknown kernel(s) nope"),
])
def test_argument_errors_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        gate.parse_args(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_side_env_plants_only_when_asked(monkeypatch, tmp_path):
    monkeypatch.setenv(_plant.ENV, "selu:2")
    assert _plant.ENV not in gate.side_env(tmp_path, None)
    env = gate.side_env(tmp_path, "selu:1.25")
    assert env[_plant.ENV] == "selu:1.25"
    assert env["PYTHONPATH"] == env["ASV_PYTHONPATH"] == str(tmp_path)


def test_import_check(tmp_path):
    gate.check_imports(ROOT, gate.side_env(ROOT, None))        # this tree imports itself
    with pytest.raises(gate.GateError, match="would not import its own"):
        gate.check_imports(tmp_path, gate.side_env(tmp_path, None))   # no kernels/ there


def test_one_device_cases_keep_their_key_across_the_devices_axis():
    """A commit with the devices axis compares its devices = 1 cases with a commit without it."""
    from bench.gate_rule import one_device_key

    names = ["backend", "placement", "transform", "size", "devices"]
    assert one_device_key(names, "'jax-cpu', 'explicit', 'jit', 1024, 1") == "'jax-cpu', 'explicit', 'jit', 1024"
    assert one_device_key(names, "'jax-cpu', 'explicit', 'jit', 1024, 2") == "'jax-cpu', 'explicit', 'jit', 1024, 2"
    assert one_device_key(names[:-1], "'jax-cpu', 'explicit', 'jit', 1") == "'jax-cpu', 'explicit', 'jit', 1"


def test_two_sets_decide_together():
    """A 25% slowdown that neither set of 4 processes shows alone (two processes out of order each:
    p = 0.057 > 0.03) is a regression over both sets' 8 processes (p <= 0.005); a first-set flag
    that the second set contradicts is 'unconfirmed'; an ambiguous first set gets a second look."""
    base1 = [[1.00], [1.02], [0.98], [1.30]]
    head1 = [[1.25], [1.27], [1.22], [1.05]]
    first = gate_rule.compare_case(base1, head1, 1.10)
    assert first["verdict"] == "same" and gate_rule.second_look(first, 1.10)
    base2 = [[1.01], [0.99], [1.03], [1.00]]
    head2 = [[1.26], [1.24], [1.23], [1.28]]
    both = gate_rule.decide_both(first, base1 + base2, head1 + head2, 1.10)
    assert both["verdict"] == "regression" and both["first_set"] == "same" and both["p_slower"] <= gate_rule.COMBINED_ALPHA
    flagged = gate_rule.compare_case([[1.0]] * 4, [[1.3]] * 4, 1.10)
    assert flagged["verdict"] == "regression"
    same = gate_rule.decide_both(flagged, [[1.0]] * 4 + [[1.3]] * 4, [[1.3]] * 4 + [[1.0]] * 4, 1.10)
    assert same["verdict"] == "unconfirmed"
    assert not gate_rule.second_look(gate_rule.compare_case([[1.0]] * 4, [[1.01]] * 4, 1.10), 1.10)
