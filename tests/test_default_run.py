"""The default run and its measurement plumbing: which cases `make bench` measures (declared in the
registry), what a pass did (runner/outcome.py), and how the health check judges in-process
device/explicit pairs (reports/sections/health/checks.py: the null comparisons, measured in one process)."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

import kernels
from runner import outcome
from runner.asv_run import selection
from reports.sections.health import checks as health


# --------------------------------------------------------------------------- the registry decides

def test_every_declaration_is_consistent():
    for name, spec in kernels.kernels().items():
        assert kernels.check_declaration(spec) == [], name


def test_lecture_sizes_are_in_the_default_run():
    """The notes' sizes (issue 10): matmul 3000 (x@x.T), rowdot 10,000 rows, SELU 1e5, batch 10."""
    for kernel, size, variant in (("matmul", 3000, "x@x.T"), ("rowdot", 10_000, ""), ("selu", 100_000, "lecture"),
                                  ("batching", 10, ""), ("grad", 1, "")):
        spec = kernels.kernel(kernel)
        assert spec.lecture_size == size
        case = kernels.Case(kernel, "jax-cpu", "explicit", spec.jax_transforms[-1], size, spec.dtypes[0], variant)
        assert kernels.in_default_run(case), case.label


def test_default_run_leaves_out_what_the_kernels_say():
    mm = kernels.Case("matmul", "jax-cpu", "explicit", "jit", 3000, "float32", "x@y")
    assert not kernels.in_default_run(mm)                       # at 3000 the notes' product only
    assert kernels.in_default_run(kernels.Case("matmul", "jax-cpu", "explicit", "jit", 1024, "float32", "x@y"))
    loop = kernels.Case("rowdot", "jax-cpu", "device", "loop", 10_000)
    assert not kernels.in_default_run(loop)                     # the slow loop: one placement
    assert kernels.in_default_run(kernels.Case("rowdot", "jax-cpu", "explicit", "loop", 10_000))
    assert not kernels.in_default_run(kernels.Case("grad", "jax-cpu", "explicit", "jit", 1, "float64"))
    assert not kernels.in_default_run(kernels.Case("selu", "jax-cpu", "explicit", "jit", 1000, "float32", "expm1"))
    # compile time: one placement, the largest default size
    assert kernels.in_default_run(kernels.Case("selu", "jax-cpu", "explicit", "jit", 100_000, "float32", "lecture"),
                                  "compile")
    assert not kernels.in_default_run(kernels.Case("selu", "jax-cpu", "device", "jit", 100_000, "float32", "lecture"),
                                      "compile")
    assert not kernels.in_default_run(kernels.Case("selu", "jax-cpu", "explicit", "jit", 1000, "float32", "lecture"),
                                      "compile")
    with pytest.raises(ValueError, match="valid roles: time, compile"):
        kernels.in_default_run(mm, "warmup")


def test_check_declaration_names_the_problem():
    from dataclasses import replace

    spec = kernels.kernel("selu")
    bad = replace(spec, lecture_size=123, lecture_baseline="loop", default_variants=("nope",))
    problems = " | ".join(kernels.check_declaration(bad))
    assert "lecture size 123" in problems and "'loop'" in problems and "'nope'" in problems


def test_selection_lists_the_wanted_cases(monkeypatch):
    monkeypatch.setenv("JAXBENCH_SIZES", "default")
    regexes, chosen, total, wanted = selection("selu", gpu=False, full=False)
    assert regexes and 0 < chosen < total
    assert sum(len(v) for v in wanted.values()) == chosen
    timed = wanted["bench_selu.Selu.time_selu"]
    assert "'jax-cpu', 'explicit', 'jit', 100000, 'float32', 'lecture', 1" in timed
    assert "'jax-cpu', 'explicit', 'jit', 100000, 'float32', 'lecture', 2" in timed     # sharded
    assert not any(k.endswith(", 4") for k in timed)                                    # FULL=1 only
    assert not any("jax-gpu" in k or "expm1" in k for k in timed)


# --------------------------------------------------------------------------- what a pass did

def _results_json(tmp_path, commit="abc123"):
    data = {"commit_hash": commit, "result_columns": ["result", "params", "samples"],
            "results": {"bench_x.X.time_x": [[1e-5, None, float("nan")],
                                             [["'jax-cpu'"], ["'device'", "'explicit'", "'implicit'"]], None]}}
    (tmp_path / "abc123-env.json").write_text(json.dumps(data).replace("NaN", "NaN"))
    return tmp_path


def test_outcome_reads_ok_failed_skipped(tmp_path):
    d = _results_json(tmp_path)
    wanted = {"bench_x.X.time_x": ["'jax-cpu', 'device'", "'jax-cpu', 'explicit'", "'jax-cpu', 'implicit'"],
              "bench_x.X.time_y": ["'jax-cpu', 'device'"]}
    status = outcome.statuses(d, "abc123", wanted)
    assert status["bench_x.X.time_x"] == {"'jax-cpu', 'device'": "ok", "'jax-cpu', 'explicit'": "failed",
                                          "'jax-cpu', 'implicit'": "skipped"}
    assert status["bench_x.X.time_y"] == {"'jax-cpu', 'device'": "missing"}
    assert outcome.tally(status) == {"ok": 1, "failed": 1, "skipped": 1, "missing": 1}
    assert outcome.line(status) == "1 ok, 1 failed, 1 without a result, 1 n/a (skipped)"
    assert outcome.failures(status) == ["bench_x.X.time_x(jax-cpu, explicit)", "bench_x.X.time_y(jax-cpu, device)"]
    assert outcome.tally(outcome.statuses(d, "other", wanted))["missing"] == 4


# --------------------------------------------------------------------------- in-process pairs

def _key(r) -> str:
    from reports.ratios import row_key

    return row_key(r)


def _null_comparisons(machine, commit, pairs, processes=3, seed=0):
    """A comparisons file ({machine: contents}) with one ``null`` comparison per (device row,
    explicit row, slowdown of the device side) of ``pairs``, measured in ``processes`` processes
    of 5 passes each, both sides in one process (what replaced jaxbench-remeasure.jsonc's pairs)."""
    from reports.ratios import Lookup

    rng = np.random.default_rng(seed)
    sides = [k for dev, exp, _ in pairs for k in (_key(dev), _key(exp))]
    comparisons = {f"{_key(dev)} / {_key(exp)}": {"num": _key(dev), "den": _key(exp), "transfer": False,
                                                  "kinds": ["null"]} for dev, exp, _ in pairs}
    procs = []
    for _ in range(processes):
        passes = []
        for _ in range(5):
            noise = 1e-5 * (1 + 0.01 * rng.standard_normal((len(pairs), 2)))
            passes.append([x for (_, _, slow), (d, e) in zip(pairs, noise) for x in (slow * d, e)])
        procs.append({"devices": 1, "groups": [{"sides": sides, "numbers": [1] * len(sides), "passes": passes}]})
    return Lookup({machine: {"commits": {commit: {"comparisons": comparisons, "processes": procs}}}})


def _null_rows(kernel, asv=(1e-5, 1e-5), machine="box", commit="c1"):
    """The device and explicit timing rows of one JAX case (their asv medians ``asv``)."""
    case = {"machine": machine, "commit": commit, "kernel": kernel, "backend": "jax-cpu", "transform": "jit",
            "size": 10, "dtype": "float32", "variant": "", "devices": 1, "status": "ok"}
    return [dict(case, placement=p, median=m) for p, m in zip(("device", "explicit"), asv)]


def test_health_judges_the_in_process_pairs():
    """The null test on pairs measured in one process, both sides interleaved (the comparisons of
    kind null; the removed bench.remeasure's pairs before them): the paired ratio and its interval,
    asv's cross-process ratio beside it, the bar."""
    a, b = _null_rows("a", asv=(3e-5, 1e-5)), _null_rows("b")
    t = pd.DataFrame(a + b)
    lookup = _null_comparisons("box", "c1", [(a[0], a[1], 1.0), (b[0], b[1], 2.0)])
    pairs = health.comparison_null_pairs(t, lookup)
    assert list(pairs["kernel"]) == ["a", "b"]
    assert pairs["ratio"].iloc[0] == pytest.approx(1.0, rel=0.02) and pairs["ratio"].iloc[1] == pytest.approx(2.0, rel=0.02)
    assert pairs["lo"].iloc[1] <= pairs["ratio"].iloc[1] <= pairs["hi"].iloc[1] and pairs["lo"].iloc[1] > 1.5
    assert pairs["asv_ratio"].iloc[0] == pytest.approx(3.0)
    assert (pairs["method"] == "paired, 3 processes").all()
    s = health.null_summary(pairs)
    assert (s["pairs"], s["within"], s["beyond"], s["passed"]) == (2, 1, 1, False)
    assert health.comparison_null_pairs(t.assign(commit="other"), lookup).empty


def test_health_report_prefers_pairs_and_shows_asv_beside(loaded):
    from results.frame import current, latest_commits, select
    from reports.derived import speedup

    commits = latest_commits(loaded.df)
    t = health.with_flags(speedup.timings(select(current(loaded.df), commits=commits)), loaded.benchmarks)
    machine = sorted(commits)[0]
    dev, exp = health.device_explicit_sides(t[t["machine"] == machine])[0]
    h = health.report(t, loaded.benchmarks, _null_comparisons(machine, commits[machine], [(dev, exp, 1.0)]))
    assert "measured as comparisons" in h.lines[0] and h.null["pairs"] == 1 and h.null["passed"] is True
    assert h.lines[1].startswith("(a') ") and "asv, across processes" in h.tables[0][1].columns
    plain = health.report(t, loaded.benchmarks)
    assert "from asv's medians" in plain.lines[0] and not plain.null_across
    assert not math.isnan(plain.null["share_within"]) or plain.null["pairs"] == 0


def test_the_round_of_a_comparisons_run_is_one_asv_invocation_with_the_calibration(tmp_path):
    """With the comparisons on, the fresh-process round and the calibration are one asv invocation
    (each invocation costs ~12 s of asv start-up); with them off, a round is three, no calibration."""
    from types import SimpleNamespace

    from runner.asv_run import CALIBRATION, timed_rounds
    from runner.run_log import RunLog

    calls = []

    def run_asv(regexes, append=False, on_line=None):
        calls.append(list(regexes))
        return 0

    args = SimpleNamespace(comparisons=True, rounds=1, kernel_list=["batching", "selu", "svt_soft"], full=False,
                           timed_only=False, append=False)
    log = RunLog()
    timed_rounds(args, False, run_asv, tmp_path / "vm", "c0ffee", log, calibration=True)
    assert len(calls) == 1 and calls[0][-1] == CALIBRATION
    assert all(any(rx.startswith(f"^bench_{k}\\.") for rx in calls[0]) for k in args.kernel_list), calls
    assert log.kept == ["batching round 1", "selu round 1", "svt_soft round 1", "calibration"]
    calls.clear()
    args.comparisons = False
    timed_rounds(args, False, run_asv, tmp_path / "vm", "c0ffee", RunLog())
    assert len(calls) == 3 and not any(CALIBRATION in c for c in calls)


def test_an_asv_timed_round_is_three_invocations_over_contiguous_chunks_of_kernels():
    from runner.asv_run import kernel_chunks

    cases = {"batching": 23, "cnn_step": 13, "fgsm": 7, "grad": 14, "hessian": 18, "matmul": 41, "norm": 12,
             "rowdot": 28, "selu": 19, "svt_hard": 22, "svt_soft": 14}
    chunks = kernel_chunks(list(cases), cases)
    assert len(chunks) == 3 and [k for c in chunks for k in c] == list(cases)      # all, in order, once
    sums = [sum(cases[k] for k in c) for c in chunks]
    assert max(sums) <= 2 * min(sums)                                               # about a third each
    assert kernel_chunks(["batching", "selu"], cases) == [["batching"], ["selu"]]   # never more than kernels
    assert kernel_chunks([], cases) == []
