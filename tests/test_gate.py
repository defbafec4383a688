"""The regression gate (runner/gate/) and the planted slowdown (kernels/_plant.py).

Nothing here times anything: the decision rule runs on constructed process medians, the
schedule on constructed rows, the whole loop of the gate on fake worker processes
(``run_process`` replaced), the planted slowdown with a fake clock. No real gate run here (it
takes minutes); docs/gate.md gives the measured runs.
"""
from __future__ import annotations

import itertools
import json
import math
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

import kernels
from runner.gate import __main__ as gate, plan as gate_plan, records as gate_records, rule as gate_rule
from kernels import _plant, settings

ROOT = Path(__file__).resolve().parents[1]
SELU = "selu|jax-cpu|explicit|jit|1000|float32|lecture|1"
GRAD = "grad|jax-cpu|explicit|jit|1|float32||1"


def _medians(n, sd, ratio=1.0, rng=None):
    """``n`` process medians of ~10 us, log-normal with sd ``sd``, times ``ratio``."""
    rng = rng if rng is not None else np.random.default_rng(0)
    return list(10e-6 * ratio * np.exp(rng.normal(0.0, sd, n)))


# --------------------------------------------------------------------------- the decision rule

def _enumerated_p(low, high):
    """The exact one-sided Mann-Whitney p-value by enumerating every labelling (slow; for checking)."""
    pooled, n = list(low) + list(high), len(high)
    observed = gate_rule.u_statistic(low, high)
    hits = total = 0
    for chosen in itertools.combinations(range(len(pooled)), n):
        rest = [pooled[i] for i in range(len(pooled)) if i not in chosen]
        total += 1
        hits += gate_rule.u_statistic(rest, [pooled[i] for i in chosen]) <= observed
    return hits / total


def test_mann_whitney_is_exact():
    rng = np.random.default_rng(1)
    for m, n in ((1, 1), (2, 5), (4, 4), (5, 3), (6, 6)):
        low, high = rng.normal(0, 1, m), rng.normal(0.7, 1, n)
        assert gate_rule.slower_p(low, high) == pytest.approx(_enumerated_p(low, high))
    assert gate_rule.slower_p([1, 2, 3, 4], [5, 6, 7, 8]) == pytest.approx(1 / 70)    # complete separation
    assert gate_rule.slower_p([1, 2, 3, 6], [5, 7, 8, 9]) == pytest.approx(2 / 70)    # one pair out of order
    assert gate_rule.slower_p([5, 6, 7, 8], [1, 2, 3, 4]) == pytest.approx(1.0)
    assert gate_rule.slower_p([], [1.0]) == 1.0
    assert gate_rule.min_p(4) == pytest.approx(1 / 70) and gate_rule.min_p(7) == pytest.approx(1 / 3432)
    assert gate_rule.min_p(6) > gate_rule.ALPHA >= gate_rule.min_p(7)      # 7 processes a side at least
    assert gate_rule.u_distribution(30, 30).sum() == pytest.approx(1.0)


def test_hodges_lehmann_ratio_and_its_interval():
    base = [1.0, 1.1, 0.9, 1.05, 0.95, 1.02, 0.98]
    ratio, lo, hi = gate_rule.hodges_lehmann(base, [1.25 * x for x in base])
    assert ratio == pytest.approx(1.25) and lo < 1.25 < hi
    assert lo > 1.10                                   # a consistent 25% shift: the interval clears the factor
    assert all(math.isnan(x) for x in gate_rule.hodges_lehmann([1.0, 1.1], [1.2, 1.3])[1:])   # 2 vs 2: no 95% interval
    # one wild process moves the median of pairwise differences little
    assert gate_rule.hodges_lehmann(base, [1.25 * x for x in base[:-1]] + [5.0])[0] == pytest.approx(1.25, rel=0.03)


def test_a_a_noise_is_not_a_regression():
    """200 cases with the same process distribution on both sides (log sd 0.25, 12 processes a
    side): no regression; nor with bimodal processes (a third of them 3x slower, on both sides)."""
    rng = np.random.default_rng(2)
    verdicts = [gate_rule.compare_case(_medians(12, 0.25, rng=rng), _medians(12, 0.25, rng=rng), 1.10)["verdict"]
                for _ in range(200)]
    assert verdicts.count("regression") == 0
    bimodal = lambda: [x * (3.0 if rng.random() < 1 / 3 else 1.0) for x in _medians(12, 0.1, rng=rng)]   # noqa: E731
    assert all(gate_rule.compare_case(bimodal(), bimodal(), 1.10)["verdict"] != "regression" for _ in range(200))


def test_a_planted_25_percent_is_a_regression():
    """A 25% slowdown against process medians of log sd 0.1 is found with 12 processes a side in
    at least 9 cases of 10; with 4 a side it cannot be (p >= 1/70 > alpha) but stays ambiguous."""
    rng = np.random.default_rng(3)
    rows = [gate_rule.compare_case(_medians(12, 0.1, rng=rng), _medians(12, 0.1, 1.25, rng=rng), 1.10) for _ in range(50)]
    assert sum(r["verdict"] == "regression" for r in rows) >= 45
    assert all(r["ratio"] == pytest.approx(1.25, rel=0.15) for r in rows)
    few = gate_rule.compare_case(_medians(4, 0.1, rng=rng), _medians(4, 0.1, 1.25, rng=rng), 1.10)
    assert few["verdict"] != "regression" and gate_rule.ambiguous(few, 1.10)
    mirror = gate_rule.compare_case(_medians(10, 0.05, 1.25, rng=rng), _medians(10, 0.05, rng=rng), 1.10)
    assert mirror["verdict"] == "improvement"


def test_a_clear_shift_below_the_factor_is_not_a_regression():
    rng = np.random.default_rng(4)
    row = gate_rule.compare_case(_medians(10, 0.01, rng=rng), _medians(10, 0.01, 1.05, rng=rng), 1.10)
    assert row["p_slower"] <= gate_rule.ALPHA and row["verdict"] == "same" and not gate_rule.ambiguous(row, 1.10)


def test_same_only_where_the_interval_rules_out_the_factor():
    """Run 18's 2-device case, 1.012 [0.740, 1.759] after 4 processes, read "same"; it is undecided."""
    assert gate_rule.verdict_of(1.012, 0.4, 0.6, 1.10, gate_rule.ALPHA, 0.740, 1.759) == "undecided"
    assert gate_rule.verdict_of(1.0, 0.5, 0.5, 1.10, gate_rule.ALPHA, 0.95, 1.06) == "same"
    assert gate_rule.verdict_of(1.0, 0.5, 0.5, 1.10, gate_rule.ALPHA, 0.90, 1.06) == "undecided"   # 1/1.1 = 0.909
    assert gate_rule.verdict_of(1.0, 0.5, 0.5, 1.10, gate_rule.ALPHA) == "undecided"                # no interval
    rng = np.random.default_rng(5)
    wide = gate_rule.compare_case(_medians(6, 0.3, rng=rng), _medians(6, 0.3, rng=rng), 1.10)   # 1.04 [0.70, 1.59]
    assert wide["verdict"] == "undecided" and wide["lo"] < 1 / 1.10 and wide["hi"] > 1.10
    few = gate_rule.compare_case(_medians(3, 0.3, rng=rng), _medians(3, 0.3, rng=rng), 1.10)
    assert few["verdict"] == "undecided" and math.isnan(few["hi"])             # 3 a side: no 95% interval


def test_unconfirmed_ambiguous_and_missing():
    base, head = [1.0, 1.02, 0.98, 1.01], [1.3, 1.28, 1.33, 1.31]         # separated, 4 a side: p = 1/70
    row = gate_rule.compare_case(base, head, 1.10)
    assert row["verdict"] == "unconfirmed" and row["p_slower"] == pytest.approx(1 / 70)
    assert gate_rule.ambiguous(row, 1.10)                                  # more processes decide it
    assert not gate_rule.ambiguous(gate_rule.compare_case(base, [1.0, 1.01, 0.99, 1.02], 1.10), 1.10)
    missing = gate_rule.compare_case([], head, 1.10)
    assert missing["verdict"] == "missing" and missing["processes"] == [0, 4] and not gate_rule.ambiguous(missing, 1.10)


def test_processes_to_detect_and_passes():
    assert gate_rule.processes_to_detect(0.1, 1.25) < gate_rule.processes_to_detect(0.2, 1.25)
    assert gate_rule.processes_to_detect(0.2, 1.10) > gate_rule.processes_to_detect(0.2, 1.25)
    assert gate_rule.processes_to_detect(math.nan, 1.25) == -1
    rng = np.random.default_rng(5)
    # processes that disagree (offsets of sd 0.3), passes that agree (sd 0.05): few passes per process
    procs = [list(np.exp(rng.normal(off, 0.05, 8))) for off in rng.normal(0, 0.3, 8)]
    comp = gate_rule.components(procs, procs)
    assert comp.between > 10 * comp.within
    assert gate_rule.passes_for([comp], process_s=5.0, pass_s=0.3) == 2     # the floor of jaxbench.allocation: one balanced pair
    assert gate_rule.passes_for([None], 5.0, 0.3) is None


# --------------------------------------------------------------------------- records

def _drop(folder: Path, name: str, devices: int, groups: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps({"class": name, "devices": devices, "groups": groups}))


def test_a_process_gives_its_own_device_count_cases(tmp_path):
    one, two = SELU, SELU[:-1] + "2"
    _drop(tmp_path, "SeluComparisonsDevices2", 2, [
        {"sides": [one, two, "transfer:" + two], "numbers": [10, 10, 1], "passes": [[1e-5, 2e-5, 3e-5], [1.2e-5, 2.2e-5, 3e-5]],
         "sample_seconds": 0.4, "wall_seconds": 1.5},
        {"sides": [], "passes": [], "missing": {"x": "no gpu"}, "wall_seconds": 0.1}])
    proc = gate_records.load_process(tmp_path, 2)
    assert proc["cases"] == {two: [2e-5, 2.2e-5]}     # the one-device side and the transfer are left out
    assert proc["kernel_seconds"] == {"selu": 1.5}
    assert proc["sample_seconds"] == pytest.approx(0.4) and proc["pass_seconds"] == pytest.approx(0.2)
    assert gate_records.process_cost([dict(proc, wall=5.4)]) == (pytest.approx(5.0), pytest.approx(0.2))
    assert gate_records.case_processes([proc, proc]) == {two: [[2e-5, 2.2e-5]] * 2}


# --------------------------------------------------------------------------- the schedule

def test_sides_alternate_a_b_b_a():
    order = [side for k in range(4) for side in gate_plan.pair_order(k)]
    assert order == ["base", "head", "head", "base", "base", "head", "head", "base"]


def _row(verdict="same", ratio=1.0, p=0.5, n=4):
    return {"verdict": verdict, "ratio": ratio, "p_slower": p, "processes": [n, n]}


def test_only_kernels_with_ambiguous_cases_get_more_pairs():
    full = {1: ["selu", "grad"], 2: ["selu"]}
    rows = {SELU: _row(ratio=1.2, p=0.05), GRAD: _row(ratio=1.01, p=0.6), SELU[:-1] + "2": _row(ratio=0.9, p=0.9)}
    assert gate_plan.ambiguous_plan(rows, full, 1.10, 40) == {1: ["selu"]}
    assert gate_plan.ambiguous_plan(rows, full, 1.10, 4) == {}                         # at the maximum
    rows[SELU] = _row("regression", 1.3, 1e-4)
    assert gate_plan.ambiguous_plan(rows, full, 1.10, 40) == {}                         # decided
    rows[GRAD] = _row("missing")
    assert gate_plan.measured_plan(full, rows) == {1: ["selu"], 2: ["selu"]}           # grad measured nothing


def test_a_process_for_few_cases_waits_while_another_resolves_many():
    """Ambiguous cases per second of a process: 2 forced devices for one sharded case wait while
    the one-device process holds ten; once that one holds two, both run."""
    history = [{"devices": 1, "wall": 6.0, "kernel_seconds": {"selu": 2.0}},
               {"devices": 2, "wall": 6.0, "kernel_seconds": {"selu": 2.0}}]
    plan = {1: ["selu"], 2: ["selu"]}
    rows = {f"selu|jax-cpu|explicit|jit|{n}|float32|lecture|1": _row(ratio=1.2, p=0.05) for n in range(10)}
    rows[SELU[:-1] + "2"] = _row(ratio=1.2, p=0.05)
    assert gate_plan.worth_running(plan, rows, 1.10, history) == {1: ["selu"]}
    few = dict(list(rows.items())[:2] + [(SELU[:-1] + "2", rows[SELU[:-1] + "2"])])
    assert gate_plan.worth_running(plan, few, 1.10, history) == plan


def test_a_pair_costs_what_its_parts_cost():
    history = [{"devices": 1, "wall": 10.0, "kernel_seconds": {"selu": 3.0, "grad": 4.0}},
               {"devices": 1, "wall": 8.0, "kernel_seconds": {"selu": 3.0}}]
    # per side: a start of (3 + 5) / 2 = 4 s, selu 3 s, grad 4 s; a device count never run: UNKNOWN_S
    assert gate_plan.pair_seconds({1: ["selu", "grad"]}, history) == pytest.approx(2 * 11.0)
    assert gate_plan.pair_seconds({2: ["selu"]}, history) == pytest.approx(4 * gate_plan.UNKNOWN_S)


def _args(*extra):
    return gate.parse_args(["HEAD", "HEAD", "--kernels", "selu,grad", *extra])


def test_the_first_pairs_measure_everything_then_only_what_is_ambiguous():
    args, full = _args(), {1: ["selu", "grad"]}
    now = time.monotonic()
    assert gate.next_plan(args, 0, {}, full, [], now) == (full, gate.INITIAL_PASSES, "")
    rows = {SELU: _row(ratio=1.2, p=0.05), GRAD: _row()}
    history = [{"devices": 1, "wall": 6.0, "kernel_seconds": {"selu": 2.0, "grad": 2.0}, "sample_seconds": 1.0,
                "pass_seconds": 0.2}]
    plan, passes, stop = gate.next_plan(args, 4, rows, full, history, now)
    assert plan == {1: ["selu"]} and stop == "" and passes is None      # no variance estimate in these rows
    assert gate.next_plan(args, 4, rows, full, history, now - args.budget)[2].startswith("budget")
    assert gate.next_plan(args, 4, {GRAD: _row()}, full, history, now)[2] == "no ambiguous case left"
    assert gate.next_plan(_args("--fixed"), 4, rows, full, history, now)[2].startswith("--fixed")


# --------------------------------------------------------------------------- the whole loop, on fake processes

def _fake_gate(monkeypatch, tmp_path, plant: float, *extra):
    """Run ``gate.gate`` with fake worker processes (selu and grad, noisy processes, ``plant``
    times slower selu on HEAD): the calls made, the exit status, gate.json."""
    calls, rng = [], np.random.default_rng(6)

    def fake_process(wt, side, pair, devices, kernel_list, passes, env, out_dir, log, server=None):
        assert server is None                          # no worktree here, so no worker server
        calls.append((side, pair, tuple(kernel_list), passes))
        slow = rng.lognormal(0, 0.1)                   # the whole process: slow or fast
        cases = {key: list(10e-6 * slow * (plant if side == "head" and key == SELU else 1.0) * rng.lognormal(0, 0.05, 5))
                 for key in (SELU, GRAD) if gate_records.kernel_of(key) in kernel_list}
        return {"cases": cases, "kernel_seconds": {k: 1.0 for k in kernel_list}, "sample_seconds": 0.5,
                "pass_seconds": 0.1, "side": side, "pair": pair, "devices": devices, "kernels": list(kernel_list),
                "passes_asked": passes, "wall": 4.0, "forked": False}

    monkeypatch.setattr(gate, "run_process", fake_process)
    monkeypatch.setattr(gate, "add_worktrees", lambda sides, tmp: {"base": {}, "head": {}})
    monkeypatch.setattr(gate_plan, "device_counts", lambda kernel_list: {1: list(kernel_list)})
    args = _args("--results-dir", str(tmp_path / "out"), "--max-processes", "12", *extra)
    rc = gate.gate(args, tmp_path, time.monotonic())
    return calls, rc, json.loads((tmp_path / "out" / "gate.json").read_text())


def test_a_planted_slowdown_is_found_and_the_a_a_twin_is_not(monkeypatch, tmp_path, capsys):
    calls, rc, summary = _fake_gate(monkeypatch, tmp_path / "planted", 1.25)
    assert rc == 1 and summary["regressions"] == 1 and summary["cases"][SELU]["verdict"] == "regression"
    assert summary["cases"][GRAD]["verdict"] != "regression"
    assert [c[0] for c in calls[:8]] == ["base", "head", "head", "base", "base", "head", "head", "base"]
    assert all(c[2] == ("selu", "grad") and c[3] == gate.INITIAL_PASSES for c in calls[:8])   # 4 pairs of everything
    later = calls[8:]
    assert later and all(c[2] == ("selu",) and 3 <= c[3] <= 40 for c in later)   # then selu, in K & J's passes
    assert [c[0] for c in calls] == [side for k in range(len(calls) // 2) for side in gate_plan.pair_order(k)]
    assert summary["cases"][SELU]["processes"][0] >= 7 and summary["stopped"]
    assert summary["plant"] is None and summary["compared"] == 2 and len(summary["processes"]) == len(calls)
    assert summary["launch"] == "fresh processes"                                 # the fakes say no fork
    assert set(summary["design"]) >= {"within_sd", "between_sd", "kj_passes", "process_seconds", "pass_seconds"}
    json.dumps(summary, allow_nan=False)                                           # strict JSON
    out = capsys.readouterr().out
    assert "regression" in out and SELU in out and "1 regressions" in out

    calls, rc, summary = _fake_gate(monkeypatch, tmp_path / "a-a", 1.0)
    assert rc == 0 and summary["regressions"] == 0
    assert summary["processes_per_case"][1] <= 12


def test_a_results_folder_of_an_earlier_run_is_refused(tmp_path, capsys):
    (tmp_path / "out" / "base").mkdir(parents=True)
    assert gate.gate(_args("--results-dir", str(tmp_path / "out")), tmp_path, time.monotonic()) == 2
    assert "holds an earlier gate run" in capsys.readouterr().err

# --------------------------------------------------------------------------- the planted slowdown

class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_plant_parse():
    assert settings.parse_plant(None) == {}
    assert settings.parse_plant("selu:1.25, matmul:1.5") == {"selu": 1.25, "matmul": 1.5}
    for bad in ("selu", "selu:fast", "selu:0.9", ":1.2", "selu:inf"):
        with pytest.raises(settings.PlantError, match="KERNEL:FACTOR"):
            settings.parse_plant(bad)


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
    monkeypatch.delenv(settings.PLANT_SLOWDOWN.var, raising=False)
    plain = kernels.prepare(case)
    assert _plant.MARK not in plain.notes
    assert not hasattr(plain.run, "planted_factor")

    monkeypatch.setenv(settings.PLANT_SLOWDOWN.var, "selu:1.25")
    planted = kernels.prepare(case)
    assert planted.notes.startswith(_plant.MARK + " x1.25")
    assert planted.run.planted_factor == 1.25
    assert planted.check() <= planted.tolerance        # still the right result

    monkeypatch.setenv(settings.PLANT_SLOWDOWN.var, "matmul:1.25")     # another kernel: untouched
    assert _plant.MARK not in kernels.prepare(case).notes


# --------------------------------------------------------------------------- the command line

@pytest.mark.parametrize("argv, message", [
    (["no-such-commit-xyz", "HEAD"], "unknown commit 'no-such-commit-xyz'"),
    (["HEAD", "HEAD", "--kernels", "selu,nope"], "unknown kernel(s) nope"),
    (["HEAD", "HEAD", "--processes", "1"], "need 2 <= processes <= max"),
    (["HEAD", "HEAD", "--max-processes", "6"], "cannot reach p <= 0.001"),
    (["HEAD", "HEAD", "--factor", "0.9"], "must be > 1"),
    (["HEAD", "HEAD", "--plant", "selu"], "KERNEL:FACTOR"),
    (["HEAD", "HEAD", "--plant", "nope:1.25"], "unknown kernel(s) nope"),
])
def test_argument_errors_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        gate.parse_args(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_a_base_without_the_worker_is_refused(capsys):
    root = subprocess.run(["git", "rev-list", "--max-parents=0", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True).stdout.split()[0]
    with pytest.raises(SystemExit) as exc:
        gate.parse_args([root, "HEAD", "--kernels", "selu"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert (f"{root} ({root[:10]}) has no runner/measuring_process.py or runner/paired_worker.py or bench/paired_worker.py"
            in err and "choose commits from there on" in err)


def test_side_env_plants_only_when_asked(monkeypatch, tmp_path):
    monkeypatch.setenv(settings.PLANT_SLOWDOWN.var, "selu:2")
    monkeypatch.setenv(settings.PASSES.var, "7")
    monkeypatch.setenv(settings.COMPARISONS_ONLY.var, "/somewhere")
    env = gate.side_env(tmp_path, None)
    assert not {settings.PLANT_SLOWDOWN.var, settings.PASSES.var, settings.COMPARISONS_ONLY.var} & set(env)
    env = gate.side_env(tmp_path, "selu:1.25")
    assert env[settings.PLANT_SLOWDOWN.var] == "selu:1.25" and env["PYTHONPATH"] == str(tmp_path)


def test_import_check(tmp_path):
    gate.check_imports(ROOT, gate.side_env(ROOT, None))        # this tree imports itself
    with pytest.raises(gate.GateError, match="would not import its own"):
        gate.check_imports(tmp_path, gate.side_env(tmp_path, None))   # no kernels/ there


def test_each_side_runs_the_worker_its_commit_holds(tmp_path):
    """A commit from before the runner left bench/ holds bench/paired_worker.py, one from before the
    rename runner/paired_worker.py: the gate runs what the commit holds."""
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "paired_worker.py").write_text("")
    assert gate.worker_module(tmp_path) == "bench.paired_worker"
    (tmp_path / "runner").mkdir()
    (tmp_path / "runner" / "paired_worker.py").write_text("")
    assert gate.worker_module(tmp_path) == "runner.paired_worker"
    (tmp_path / "runner" / "measuring_process.py").write_text("")
    assert gate.worker_module(tmp_path) == "runner.measuring_process"


def test_both_sides_fork_from_servers_or_neither_and_the_servers_start_again(tmp_path, monkeypatch):
    """Forks only where both worktrees hold a worker server (runner/ or, before the move, bench/);
    new servers every SERVER_PAIRS pairs, the old ones closed; all closed at the end."""
    from runner import worker_server
    from runner.gate import processes

    base, head = tmp_path / "base", tmp_path / "head"
    for wt, where in ((base, "bench"), (head, "runner")):
        (wt / where).mkdir(parents=True)
    (base / "bench" / "worker_server.py").write_text("")
    assert processes.server_module(base) == "bench.worker_server" and processes.server_module(head) is None
    assert not processes.Launchers({"base": base, "head": head}, None).forked      # a fork vs a fresh process: never
    (head / "runner" / "worker_server.py").write_text("")
    started, closed = [], []

    class FakeServer:
        def __init__(self, cwd, log, python=None, module=None):
            started.append((cwd, module))

        def close(self):
            closed.append(self)

    monkeypatch.setattr(worker_server, "Server", FakeServer)
    with processes.Launchers({"base": base, "head": head}, None) as launch:
        assert launch.forked
        for k in range(processes.SERVER_PAIRS + 1):
            launch.at_pair(k)
            assert isinstance(launch.get("base"), FakeServer) and isinstance(launch.get("head"), FakeServer)
        assert started == [(base, "bench.worker_server"), (head, "runner.worker_server")] * 2 and len(closed) == 2
    assert len(closed) == 4 and launch.get("base") is None


def test_a_forked_process_is_asked_of_its_server_and_a_dead_server_fails_the_gate(tmp_path):
    """run_process hands a fork's request (devices, kernels, reversed on odd pairs, the env with its
    drop folder and passes) to the side's server; a server that ended is a GateError (exit 2)."""
    import io

    from runner.gate import processes

    asked = []

    def server(devices, kernel_list, reverse, env):
        asked.append((devices, kernel_list, reverse, env["JAXBENCH_COMPARISONS_OUT"], env["JAXBENCH_PASSES"]))
        return 0

    log = io.StringIO()
    log.name = "gate.log"
    got = processes.run_process(tmp_path, "head", 3, 2, ["selu"], 4, {}, tmp_path, log, server=server)
    assert asked == [(2, ["selu"], True, str(tmp_path / "head" / "03-d2"), "4")]
    assert got["cases"] == {} and got["side"] == "head" and got["wall"] >= 0
    assert "(a fork of the worker server)" in log.getvalue()

    def dead(*_):
        raise RuntimeError("the worker server ended (exit 1) before answering; see gate.log")

    with pytest.raises(processes.GateError, match="ended"):
        processes.run_process(tmp_path, "base", 0, 1, ["selu"], None, {}, tmp_path, log, server=dead)
    with pytest.raises(processes.GateError, match="exit 1"):
        processes.run_process(tmp_path, "base", 0, 1, ["selu"], None, {}, tmp_path, log, server=lambda *a: 1)
