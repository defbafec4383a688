"""The comparison engine: pairing, order swapping, precision-driven stopping, the interval that
resamples processes, declarations, the comparisons file and the report reading it. No wall-clock
assertions: synthetic clocks and synthetic samples."""
from __future__ import annotations

import json
import re
from pathlib import Path
import math

import numpy as np
import pytest

from jaxbench import declare, passes
from results import comparison_stats, files, records
from results.comparisons import Comparisons, Measured
from kernels import Case, settings
from reports import ratios


# --------------------------------------------------------------------------- passes: pairing and order

def test_order_swaps_every_pass():
    assert passes.order_of(0, 3) == [0, 1, 2]
    assert passes.order_of(1, 3) == [2, 1, 0]
    assert passes.order_of(2, 3) == [0, 1, 2]


def test_sample_interleaves_sides_one_sample_each_per_pass():
    calls = []
    runs = [lambda: calls.append("a"), lambda: calls.append("b")]
    s = passes.sample(runs, [(0, 1)], numbers=[1, 1], min_passes=4, max_passes=4, target=1e-9, budget_s=1e9)
    assert len(s.passes) == 4 and all(len(p) == 2 for p in s.passes)
    assert calls == ["a", "b", "b", "a", "a", "b", "b", "a"]      # one of each per pass, order swapped
    assert s.stopped == "max passes"


def test_sample_stops_when_precise_or_when_budget_is_spent():
    runs = [lambda: None, lambda: None]
    # precision is judged on balanced pairs (3 at least: passes 1-6), and sampling stops only after a reversed pass
    precise = passes.sample(runs, [(0, 1)], numbers=[1, 1], min_passes=3, max_passes=50, target=10.0, budget_s=1e9)
    assert precise.stopped == "precise" and len(precise.passes) == 6
    ticks = iter(range(1000))
    spent = passes.sample(runs, [(0, 1)], numbers=[1, 1], min_passes=3, max_passes=50, target=1e-12,
                          budget_s=5, clock=lambda: next(ticks))
    assert spent.stopped == "budget" and len(spent.passes) < 50 and len(spent.passes) % 2 == 0


def test_sample_pauses_where_the_library_changes_and_nowhere_else():
    """NumPy's sides first, then JAX's: forward and reversed passes change library once each, and
    only there does the sampler pause (passes.SETTLE_S: OpenBLAS's idle threads spin ~0.1 s)."""
    log = []
    runs = [lambda i=i: log.append(i) for i in range(3)]
    passes.sample(runs, [], numbers=[1, 1, 1], min_passes=4, max_passes=4, libraries=["numpy", "jax", "jax"],
                  settle_s=0.25, sleep=lambda s: log.append(f"sleep {s}"))
    # sides of one call per sample: no untimed call (97c218f tried one; it changed nothing measurable)
    assert log == [0, "sleep 0.25", 1, 2, 2, 1, "sleep 0.25", 0, 0, "sleep 0.25", 1, 2, 2, 1, "sleep 0.25", 0]
    log.clear()    # sides of several calls per sample: untimed samples first and after each pause
    passes.sample(runs, [], numbers=[2, 2, 2], min_passes=2, max_passes=2, libraries=["numpy", "jax", "jax"],
                  settle_s=0.25, warmup_s=1e9, sleep=lambda s: log.append("sleep"))
    warm = [0] * 2 * passes.WARMUP_SAMPLES
    assert log == warm + [0, 0, "sleep"] + [1] * 2 * passes.WARMUP_SAMPLES + [1, 1, 2, 2, 2, 2, 1, 1, "sleep"] + warm + [0, 0]
    log.clear()
    passes.sample(runs[:2], [], numbers=[1, 1], min_passes=2, max_passes=2, sleep=lambda s: log.append("sleep"))
    assert "sleep" not in log                    # no libraries given (a notebook's functions): no pause


def test_a_group_times_numpy_sides_first_and_names_each_sides_library():
    from jaxbench import measure

    group = declare.for_kernel("selu", devices=1)
    keys = measure.side_keys(group)
    assert measure.library("selu|numpy-cpu|host|eager|1000|float32|lecture|1") == "numpy"
    assert measure.library(records.TRANSFER + "selu|jax-cpu|device|jit|1000|float32|lecture|1") == "jax"
    ordered = sorted(keys, key=lambda k: measure.library(k) != "numpy")
    libs = [measure.library(k) for k in ordered]
    assert libs == sorted(libs, key=lambda x: x != "numpy") and libs.count("numpy") >= 1


def test_sample_refuses_bad_arguments():
    with pytest.raises(ValueError, match="no sides"):
        passes.sample([], [])
    with pytest.raises(ValueError, match="min_passes"):
        passes.sample([lambda: None], [], min_passes=1)


# --------------------------------------------------------------------------- the interval

def _process(rng, ratio, n=20, noise=0.02):
    return list(ratio * np.exp(rng.normal(0, noise, n)))


def test_planted_2x_difference_is_detected():
    rng = np.random.default_rng(1)
    procs = [_process(rng, 2.0) for _ in range(3)]
    pt, lo, hi = comparison_stats.interval(procs, "planted")
    assert 1.9 < pt < 2.1 and lo > 1.5 and not lo <= 1.0 <= hi


def test_process_level_offset_widens_the_interval():
    rng = np.random.default_rng(2)
    same = [_process(rng, 1.0) for _ in range(3)]
    offset = [_process(rng, 1.0), _process(rng, 1.0), _process(rng, 1.5)]   # one process sits apart
    hw_same = comparison_stats.half_width(*comparison_stats.interval(same, "k"))
    hw_off = comparison_stats.half_width(*comparison_stats.interval(offset, "k"))
    assert hw_off > 3 * hw_same
    pooled = comparison_stats.interval([sum(offset, [])], "k")   # the same samples as one process
    assert hw_off > comparison_stats.half_width(*pooled)          # resampling processes first is what widens it


def test_interval_is_at_least_the_t_interval_of_the_process_medians():
    """Three processes whose medians are 1.0, 1.1, 1.2 with tight passes: the percentile bootstrap
    sees only those three values; the interval reaches t(0.975, 2) x sd / sqrt(3) on the log scale."""
    rng = np.random.default_rng(3)
    procs = [_process(rng, r, noise=0.001) for r in (1.0, 1.1, 1.2)]
    pt, lo, hi = comparison_stats.interval(procs, "t")
    m = np.log([np.median(p) for p in procs])
    h = 4.302653 * np.std(m, ddof=1) / math.sqrt(3)
    assert lo <= pt * math.exp(-h) * (1 + 1e-6) and hi >= pt * math.exp(h) * (1 - 1e-6)
    boot = comparison_stats.bootstrap(procs, "t")
    assert hi > np.percentile(boot, 97.5) * 1.05     # wider than the bootstrap alone


def test_pass_ratios_pair_samples_of_the_same_pass():
    ps = [[2.0, 1.0, 0.5], [4.0, 2.0, 1.0], [3.0, None, 1.0]]
    got = comparison_stats.pass_ratios(ps, 0, 1)
    assert got[:2] == [2.0, 2.0] and math.isnan(got[2])          # a pass missing a side keeps its place
    assert comparison_stats.pass_ratios(ps, 0, 1, 2)[:2] == [2.0 / 1.5, 4.0 / 3.0]


def test_a_ratio_pairs_each_forward_pass_with_its_reverse():
    """An order effect (forward passes read 2x, reversed ones 1x, in every process) cancels in the
    pairs' geometric mean; the pooled median of the passes alone lands on whichever order has
    more passes (two forward, one reversed: 2x)."""
    procs = [[2.0 * f, 1.0 * f, 2.0 * f] for f in (0.98, 1.0, 1.02, 0.99, 1.01)]
    assert comparison_stats.pair_ratios(procs[1]) == [pytest.approx(math.sqrt(2.0))]   # the unpaired 3rd pass left out
    pt, lo, hi = comparison_stats.ratio_interval(procs, "order")
    assert pt == pytest.approx(math.sqrt(2.0), rel=0.02) and lo < pt < hi < 1.5
    assert comparison_stats.interval(procs, "order")[0] == pytest.approx(2.0, rel=0.02)
    assert comparison_stats.pair_ratios([3.0]) == [3.0] and comparison_stats.pair_ratios([2.0, math.nan, 1.0, 4.0]) == [2.0]


def test_interval_without_data_is_nan():
    pt, lo, hi = comparison_stats.interval([], "none")
    assert math.isnan(pt) and math.isnan(lo) and math.isnan(hi)


# --------------------------------------------------------------------------- declarations

def test_declared_comparisons_cover_numpy_null_scaling_and_lecture():
    comps = declare.declared(declare.run_cases("selu"))
    kinds = {k for c in comps for k in c.kinds}
    assert {"numpy", "lecture baseline", "null", "scaling", "lecture"} <= kinds
    lecture = [c for c in comps if "lecture" in c.kinds and c.num.backend == "jax-cpu"]
    assert any(c.num.transform == "eager" and c.den.transform == "jit" and c.den.size == 100_000 for c in lecture)
    for c in comps:
        assert c.num != c.den and c.num.dtype == c.den.dtype and c.num.size == c.den.size
        if "scaling" in c.kinds:
            assert (c.num.devices, c.den.devices) == (1, 2) and c.devices == 2


def test_every_group_holds_both_sides_of_its_comparisons():
    comps = declare.for_kernel("matmul")
    for g in declare.groups(comps):
        sides = {x for c in g for x in (c.num, c.den)}
        assert all(c.num in sides and c.den in sides for c in g)
    assert sum(len(g) for g in declare.groups(comps)) == len(comps)


def test_key_matches_the_report_row_key():
    c = Case("matmul", "jax-cpu", "explicit", "jit", 256, "float32", "x@y", 1)
    row = {"kernel": "matmul", "backend": "jax-cpu", "placement": "explicit", "transform": "jit", "size": 256,
           "dtype": "float32", "variant": "x@y", "devices": 1}
    assert c.key == ratios.row_key(row)


# --------------------------------------------------------------------------- the file and the report

def _record(ratio: float, pid: int) -> dict:
    return {"pid": pid, "groups": [{"sides": ["a", "b"], "numbers": [1, 1], "missing": {},
                                    "passes": [[ratio * 1e-3, 1e-3]] * 6, "stopped": "precise"}]}


ENTRIES = {"a / b": {"num": "a", "den": "b", "transfer": False, "kinds": ["numpy"]}}   # what a record names


def test_collect_appends_processes_and_loses_nothing(tmp_path):
    drops, machine = tmp_path / "drops", tmp_path / "vm"
    for pid, r in ((1, 2.0), (2, 2.2)):
        records.drop(_record(r, pid), "SeluComparisons", 1, ENTRIES, drops)
    assert records.collect(drops, machine, "abc", run="r1") == 2 and not list(drops.glob("*.json"))
    records.drop(_record(2.1, 3), "SeluComparisons", 1, ENTRIES, drops)
    assert records.collect(drops, machine, "abc", run="r1") == 1
    entry = records.load(machine)["commits"]["abc"]
    assert len(entry["processes"]) == 3
    row = next(iter(Comparisons(entry)))
    assert row.processes == 3 and row.passes == 18 and 2.0 <= row.point <= 2.2
    assert json.loads((machine / files.COMPARISONS_FILE).read_text())["version"] == 1


def test_report_reads_paired_ratio_and_marks_the_unpaired():
    entry = {"comparisons": {"a / b": {"num": "a", "den": "b", "transfer": False, "kinds": ["numpy"]}},
             "processes": [_record(2.0, 1), _record(2.1, 2), _record(1.9, 3)]}
    look = ratios.Lookup({"vm": {"commits": {"c": entry}}})
    assert look.get("vm", "c", "a", "b").paired
    num = {"machine": "vm", "commit": "c", "median": 4.0, "kernel": "k", "backend": "numpy-cpu", "placement": "host",
           "transform": "eager", "size": 1, "dtype": "float32", "variant": "", "devices": 1}
    den = dict(num, backend="jax-cpu", placement="device", transform="jit", median=1.0)
    r = look.ratio(num, den)
    assert r.method == ratios.ACROSS and r.point == 4.0 and math.isnan(r.lo)   # not declared: marked, no interval
    from reports.formats import tables
    assert "not a measured comparison" in tables.fmt_speedup(r.point, r.lo, r.hi, r.method)


# --------------------------------------------------------------------------- the runner's passes

def _fake_worker(env, ratio_of_pass):
    """A stand-in for runner/measuring_process.py: each call drops one process record of selu's comparisons."""
    calls, only = [], []

    def run_worker(devices, kernel_names, reverse=False):
        calls.append((devices, list(kernel_names), reverse))
        listed = settings.path(settings.COMPARISONS_ONLY, env)
        only.append(set(listed.read_text().split("\n")) if listed is not None else None)
        if devices != 1:
            return 0                     # (the two-device process records nothing here)
        comps = declare.for_kernel("selu", devices=1)[:1]
        k = len([c for c in calls if c[0] == 1])
        rec = {"pid": k, "groups": [{"sides": [comps[0].num.key, comps[0].den.key],
                                     "numbers": [1, 1], "missing": {}, "stopped": "fake",
                                     "passes": [[ratio_of_pass(k) * 1e-3, 1e-3]] * 5}]}
        records.drop(rec, "SeluComparisons", 1, declare.entries(comps), env[settings.COMPARISONS_OUT.var])
        return 0
    run_worker.only = only
    return run_worker, calls


def test_runner_runs_the_processes_asked_and_more_only_for_imprecise_kernels(tmp_path):
    from runner import comparison_sweeps

    env, recorded = {}, []
    precise, calls = _fake_worker(env, lambda k: 2.0)
    comparison_sweeps.run(["selu"], False, precise, env, tmp_path / "m1", "c", processes=3, say=lambda *a, **k: None,
                   record=recorded.append)
    # selu has one-device and two-device comparisons: one worker process per kernel, device count and pass
    assert calls == [(1, ["selu"], False), (2, ["selu"], False)] * 3
    assert settings.COMPARISONS_OUT.var not in env                                     # drop folder cleaned
    entry = records.load(tmp_path / "m1")["commits"]["c"]
    assert len(entry["processes"]) == 3
    assert [len(e["processes"]) for e in recorded] == [1, 2, 3]         # asv's values after every pass
    noisy, calls = _fake_worker(env, lambda k: (1.0, 3.0)[k % 2])       # processes disagree: wide
    run_log = comparison_sweeps.run(["selu"], False, noisy, env, tmp_path / "m2", "c", processes=3, max_processes=5,
                                    say=lambda *a, **k: None)
    assert len(run_log.kept) == 5 and len(calls) == 8                           # up to 5 for the imprecise
    wide_id = declare.for_kernel("selu", devices=1)[0].id
    assert noisy.only[:6] == [None] * 6 and noisy.only[6:] == [{wide_id}] * 2   # extra passes: only the wide one
    assert [c[0] for c in calls[6:]] == [1, 1]                          # ... in its device count's process only
    assert len(records.load(tmp_path / "m2")["commits"]["c"]["processes"]) == 5


def test_later_processes_of_the_first_passes_take_the_fewest_passes(tmp_path):
    """Pass 1 samples until precise (no fixed passes); passes 2.. take BASE_PASSES per group (the
    time left goes to the extra processes); the setting is gone after."""
    from runner import comparison_sweeps
    from jaxbench import allocation

    env, seen = {}, []
    worker, calls = _fake_worker(env, lambda k: 2.0)

    def watching(devices, names, reverse=False):
        seen.append(env.get(settings.PASSES.var))
        return worker(devices, names, reverse)

    comparison_sweeps.run(["selu"], False, watching, env, tmp_path / "m", "c", processes=4, say=lambda *a, **k: None)
    assert seen[:2] == [None, None]                                   # pass 1: both device counts
    assert seen[2:8] == [str(comparison_sweeps.BASE_PASSES)] * 6 and comparison_sweeps.BASE_PASSES == allocation.MIN_PASSES
    assert settings.PASSES.var not in env


def test_an_interrupted_sweep_keeps_the_classes_it_finished(tmp_path):
    from runner import comparison_sweeps
    from runner.run_log import RunLog

    env = {}
    worker, calls = _fake_worker(env, lambda k: 2.0)

    def interrupted(devices, kernel_names, reverse=False):
        worker(devices, kernel_names, reverse)
        if len(calls) == 3:          # pass 2's first process dropped its record, then Ctrl-C
            raise KeyboardInterrupt
        return 0
    run_log = RunLog()
    with pytest.raises(KeyboardInterrupt):
        comparison_sweeps.run(["selu"], False, interrupted, env, tmp_path / "m", "c", processes=3, run_log=run_log,
                              say=lambda *a, **k: None)
    assert run_log.kept == ["comparisons sweep 1"] and settings.COMPARISONS_OUT.var not in env
    assert len(records.load(tmp_path / "m")["commits"]["c"]["processes"]) == 2   # pass 1's and pass 2's first


def _row(cid, num, den, kinds, hw, processes=3):
    """A measured comparison: point 1, interval [1 - hw / 2, 1 + hw] (half-width hw), one-pass processes."""
    return Measured(cid, num, den, False, tuple(kinds.split(",")), 1.0, 1.0 - hw / 2, 1.0 + hw,
                    tuple((1.0,) for _ in range(processes)))


SIDES = ("selu|x|eager|jit|100|float32||1", "selu|y|eager|jit|100|float32||1",
         "matmul|x|eager|jit|100|float32||1", "matmul|y|eager|jit|100|float32||2")


def test_wide_comparisons_are_the_ones_above_target_and_below_their_maximum():
    from runner import comparison_sweeps

    a, b, c, d = SIDES
    rows = [_row("wide numpy", a, b, "numpy", 0.5), _row("lecture", b, a, "lecture baseline,lecture", 0.2),
            _row("sharded", c, d, "scaling", 0.3), _row("precise", a, b, "numpy", 0.05),
            _row("at most", c, d, "lecture", 0.9, processes=8), _row("baseline only", c, d, "lecture baseline", 0.4),
            _row("lecture, 6%", c, d, "lecture", 0.06)]
    got = comparison_sweeps.wide_comparisons(rows, target=0.10, max_processes=5, lecture_max=8)
    assert [r.id for r in got] == ["lecture", "lecture, 6%", "wide numpy", "baseline only", "sharded"]


def test_extra_time_goes_to_lecture_ratios_first_then_where_it_narrows_most_per_second():
    """Kalibera & Jones, greedily: one process at a time to the group whose next process narrows
    its wide comparisons most per second; a lecture ratio's gain before any other's; a cheap
    group gets many processes where a dear one as wide gets few; nothing beyond the time left."""
    from runner import extra_plan

    a, b, c, d = SIDES
    cheap = _row("cheap lecture", a, b, "lecture", 0.15, processes=5)
    dear = _row("dear lecture", c, d, "lecture", 0.15, processes=5)
    other = _row("numpy", c, a, "numpy", 0.5, processes=5)
    sides = {cheap.id: {a, b}, dear.id: {c, d}, other.id: {c, a}}
    seconds = {a: 0.25, b: 0.25, c: 4.0, d: 6.0}
    target = lambda r: 0.05 if r.is_lecture else 0.10   # noqa: E731
    cap = lambda r: 48                                   # noqa: E731
    plans = extra_plan.plan([cheap, dear, other], lambda r: sides[r.id], seconds, 60.0, target, cap)
    got = {p.ids[0]: p.processes for p in plans}
    assert got["cheap lecture"] >= 4 * got["dear lecture"] > 0                    # 0.6 s a process against 10.1 s
    assert extra_plan.planned_half_width(cheap, got["cheap lecture"]) <= 0.05 < extra_plan.planned_half_width(
        cheap, got["cheap lecture"] - 1)                                            # no process past its target
    assert 60.0 - 10.1 < extra_plan.seconds_of(plans) <= 60.0                      # the rest to the others
    few = extra_plan.plan([cheap, other], lambda r: sides[r.id], seconds, 4.0, target, cap)
    assert [p.ids for p in few] == [["cheap lecture"]]                 # 4 s: lecture ratios alone
    assert extra_plan.plan([dear], lambda r: sides[r.id], seconds, 5.0, target, cap) == []   # nothing fits
    capped = extra_plan.plan([cheap], lambda r: sides[r.id], seconds, 60.0, target, lambda r: 7)
    assert [p.processes for p in capped] == [2]                        # 5 measured + 2 = its maximum


def test_a_round_runs_half_the_plan_and_plans_again():
    from runner import extra_plan

    a, b, c, d = SIDES
    plans = [extra_plan.GroupPlan(frozenset({a, b}), (_row("x", a, b, "lecture", 0.2), _row("y", b, a, "lecture", 0.2)), 0.5, 5),
             extra_plan.GroupPlan(frozenset({c, d}), (_row("z", c, d, "lecture", 0.2),), 10.0, 1)]
    assert extra_plan.stages(plans) == [["x", "y", "z"], ["x", "y"], ["x", "y"]]
    assert extra_plan.stages([]) == []
    assert extra_plan.seconds_of(plans) == pytest.approx(12.5)


def test_no_extra_process_past_the_runs_deadline(tmp_path):
    import time

    from runner import comparison_sweeps

    env = {}
    noisy, calls = _fake_worker(env, lambda k: (1.0, 3.0)[k % 2])
    said = []
    comparison_sweeps.run(["selu"], False, noisy, env, tmp_path / "m", "c", processes=3, max_processes=5,
                   deadline=time.monotonic(), say=lambda *a, **k: said.append(" ".join(map(str, a))))
    assert len(calls) == 6 and "get no more processes" in said[-1]



def test_side_costs_share_each_groups_overhead_and_passes_among_its_sides():
    from runner import comparison_sweeps

    entry = {"processes": [{"groups": [{"sides": ["a", "b"], "wall_seconds": 4.0, "sample_seconds": 2.0,
                                        "passes": [[1, 1]] * 4}]},
                           {"groups": [{"sides": ["a", "b", "c"], "wall_seconds": 9.0, "sample_seconds": 3.0,
                                        "passes": [[1, 1, 1]] * 2}]},
                           {"groups": [{"sides": ["a"], "prepare_seconds": 1.0, "passes": [[1]]}]}]}   # no wall: left out
    got = records.side_costs(entry)
    # overhead = (wall - sampling) / sides; per pass = sampling / passes / sides; averaged over processes
    assert got["a"] == (pytest.approx((1.0 + 2.0) / 2), pytest.approx((0.25 + 0.5) / 2))
    assert got["c"] == (pytest.approx(2.0), pytest.approx(0.5)) and set(got) == {"a", "b", "c"}
    planned = comparison_sweeps.planned_seconds(entry, passes=4)
    assert planned["c"] == pytest.approx(2.0 + 4 * 0.5)

def test_calls_per_sample_come_from_the_earliest_process_and_fill_quick_one_call_sides():
    """The later processes reuse the earliest process's calls per sample; with ``min_sample_s`` a side
    it timed one call per sample that read faster than the probe's threshold there (a cold first call
    outlasted the probe) gets enough calls for a sample, the others keep theirs."""
    early = {"started": 1.0, "groups": [{"sides": ["a", "b", "c", "d"], "numbers": [40, 1, 1, 1],
                                         "passes": [[1e-4, 0.030, 0.010, 0.5], [1e-4, 0.026, 0.012, None]]}]}
    late = {"started": 2.0, "groups": [{"sides": ["a", "c", "e"], "numbers": [7, 9, 3], "passes": [[1, 1, 1]]}]}
    entry = {"processes": [late, early]}
    assert records.calls_per_sample(entry) == {"a": 40, "b": 1, "c": 1, "d": 1, "e": 3}
    # c: samples of 10-12 ms at one call -> ceil(0.02 / 0.010) = 2; b (26-30 ms >= 1.25 x 20 ms) stays at 1
    assert records.calls_per_sample(entry, 0.02) == {"a": 40, "b": 1, "c": 2, "d": 1, "e": 3}



def test_extra_processes_take_few_passes_where_processes_disagree():
    """Kalibera & Jones with measured components: processes that disagree (a large share of the
    variance between them) get the fewest passes; the number stays within 2..EXTRA_MAX_PASSES, even
    (balanced pairs)."""
    from runner import comparison_sweeps

    def proc(effect, noise):
        return {"devices": 1, "groups": [{"sides": ["a", "b"], "numbers": [1, 1], "wall_seconds": 3.0,
                                          "sample_seconds": 1.0, "passes": [[2e-3 * effect * (1 + noise * (-1) ** k), 1e-3]
                                                                            for k in range(6)]}]}
    comps = {"a / b": {"num": "a", "den": "b", "transfer": False, "kinds": ["lecture"]}}
    apart = {"comparisons": comps, "processes": [proc(e, 0.001) for e in (1.0, 1.5, 0.7, 1.2)]}
    agree = {"comparisons": comps, "processes": [proc(1.0 + 0.001 * i, 0.3) for i in range(4)]}
    for entry, passes in ((apart, 2), (agree, comparison_sweeps.EXTRA_MAX_PASSES)):
        assert comparison_sweeps.extra_passes_per_process([Comparisons(entry)["a / b"]], records.side_costs(entry)) == passes
    assert comparison_sweeps.extra_passes_per_process([], {}) == 2


def test_each_kernels_extra_processes_take_their_own_passes():
    """One process per kernel: a kernel whose processes disagree gets 2 passes a group while, in the
    same round, one whose passes disagree gets EXTRA_MAX_PASSES (one count for the round gave
    batching's 0.95 s processes 8 passes where 2 narrow it as much)."""
    from runner import comparison_sweeps

    sel, mat = SIDES[0], SIDES[2]

    def proc(sides, effect, noise):
        return {"devices": 1, "groups": [{"sides": sides, "numbers": [1, 1], "wall_seconds": 3.0, "sample_seconds": 1.0,
                                          "passes": [[2e-3 * effect * (1 + noise * (-1) ** k), 1e-3] for k in range(6)]}]}
    sides_s, sides_m = [sel, SIDES[1]], [mat, SIDES[3].replace("|2", "|1")]
    comps = {"s": {"num": sides_s[0], "den": sides_s[1], "transfer": False, "kinds": ["lecture"]},
             "m": {"num": sides_m[0], "den": sides_m[1], "transfer": False, "kinds": ["lecture"]}}
    entry = {"comparisons": comps, "processes": [proc(sides_s, e, 0.001) for e in (1.0, 1.5, 0.7, 1.2)]
             + [proc(sides_m, 1.0 + 0.001 * i, 0.3) for i in range(4)]}
    found = Comparisons(entry)
    got = comparison_sweeps.extra_passes_by_class([found["s"], found["m"]], records.side_costs(entry))
    assert got == {("selu", 1): 2, ("matmul", 1): comparison_sweeps.EXTRA_MAX_PASSES}
    assert comparison_sweeps._passes_text([found["s"], found["m"]], {"s": 2, "m": 8}) == "matmul 8, selu 2"


def test_warm_up_spends_its_time_in_untimed_samples_and_skips_one_call_sides():
    class Timer:
        def __init__(self, seconds):
            self.calls, self.seconds = [], seconds

        def timeit(self, number):
            self.calls.append(number)
            return self.seconds

    short = Timer(0.03)
    assert passes.warm_up(short, 50, warmup_s=0.1) == 4 and short.calls == [50] * 4   # 0.12 s >= 0.1 s
    tiny = Timer(0.0)
    assert passes.warm_up(tiny, 50, warmup_s=0.1) == passes.WARMUP_SAMPLES              # capped
    slow = Timer(0.5)
    assert passes.warm_up(slow, 1, warmup_s=0.1) == 0 and slow.calls == []              # one call per sample
    assert passes.warm_up(short, 50, warmup_s=0.0) == 0


def test_an_extra_process_times_whole_groups():
    """Asked for one comparison, a process measures every comparison of its group (the same sides
    as a full process: processes that timed a few sides alone read them differently); nothing of
    the other groups; everything without a selection."""
    comps = declare.for_kernel("rowdot", devices=1)
    groups = declare.groups(comps)
    assert len(groups) >= 2
    first, other = groups[0], groups[1]
    got = declare.with_their_groups(comps, {first[0].id})
    assert {c.id for c in got} == {c.id for c in first} and not {c.id for c in other} & {c.id for c in got}
    assert declare.with_their_groups(comps, None) == comps and declare.with_their_groups(comps, set()) == []


def test_an_extra_process_pays_for_the_whole_group():
    """The time an extra process needs is its whole group's, not the chosen comparison's two sides."""
    from runner import extra_plan

    a, b, c = ("selu|x|eager|jit|100|float32||1", "selu|y|eager|jit|100|float32||1", "selu|z|eager|jit|100|float32||1")
    row = Measured("a / b", a, b, False, ("lecture",), 1.0, 0.5, 1.5, ((1.0,),) * 3)
    entry = {"comparisons": {"a / b": {"num": a, "den": b, "transfer": False, "kinds": ["lecture"]}},
             "processes": [{"groups": [{"sides": [a, b, c], "passes": [[1, 1, 1]]}]}]}
    seconds = {a: 1.0, b: 1.0, c: 5.0}
    start = extra_plan.PROCESS_START_S
    group = Comparisons(entry).group_sides
    assert group(row) == {a, b, c} and extra_plan.group_cost(group(row), seconds) == pytest.approx(7.0 + start)
    pick = lambda sides, left: extra_plan.plan([row], sides, seconds, left, lambda r: 0.05, lambda r: 48)  # noqa: E731
    assert [p.processes for p in pick(lambda r: r.sides(), start + 2.5)] == [1]     # its own sides would fit
    assert pick(group, start + 2.5) == []                                             # its group does not
    assert [p.processes for p in pick(group, start + 7.0)] == [1]
