"""The allocation rule (jaxbench/allocation.py): variance components, optimal passes per process
and processes needed, from given variances and costs (Kalibera & Jones 2013; libkalibera)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from jaxbench import allocation


def _processes(between_sd: float, within_sd: float, n: int, passes: int, seed: int = 0) -> list[list[float]]:
    """Per-pass ratios of ``n`` processes: a log-normal process effect, then a log-normal pass effect."""
    rng = np.random.default_rng(seed)
    return [list(np.exp(rng.normal(0.0, between_sd) + rng.normal(0.0, within_sd, passes))) for _ in range(n)]


def test_components_recover_the_variances_they_were_drawn_with():
    comp = allocation.components(_processes(0.35, 0.07, n=400, passes=6))
    assert comp.processes == 400 and comp.passes == 6
    assert comp.within == pytest.approx(0.07 ** 2, rel=0.1)
    assert comp.between == pytest.approx(0.35 ** 2, rel=0.2)


def test_nothing_to_separate_with_one_process_or_one_pass():
    assert allocation.components([[1.0, 1.1, 0.9]]) is None
    assert allocation.components([[1.0], [1.2], [0.9]]) is None
    assert allocation.components([]) is None


def test_optimal_passes_follow_the_square_root_rule():
    # T1^2 / T2^2 = 0.0049 / 0.1225 = 0.04; c2 / c1 = 5 s / 0.25 s = 20: sqrt(0.8) = 0.89 -> ceil 1 -> floor 3
    between_heavy = allocation.Components(within=0.07 ** 2, between=0.35 ** 2, passes=4, processes=3)
    assert allocation.optimal_passes(between_heavy, process_s=5.0, pass_s=0.25) == allocation.MIN_PASSES
    # the other way round: processes agree, passes scatter, a process is dear: sqrt(10 / 0.1 * 0.1 / 0.001) = 100
    within_heavy = allocation.Components(within=0.1, between=0.001, passes=4, processes=3)
    assert allocation.optimal_passes(within_heavy, process_s=10.0, pass_s=0.1, hi=40) == 40
    assert allocation.optimal_passes(within_heavy, process_s=10.0, pass_s=0.1, hi=1000) == 100
    middle = allocation.Components(within=0.04, between=0.01, passes=4, processes=3)   # sqrt(4 * 4) = 4
    assert allocation.optimal_passes(middle, process_s=1.0, pass_s=0.25) == 4


def test_processes_needed_for_a_target_half_width():
    comp = allocation.Components(within=0.0, between=0.1 ** 2, passes=4, processes=3)
    n = allocation.processes_needed(comp, 0.05)
    # exp(t(0.975, n - 1) * 0.1 / sqrt(n)) - 1 <= 0.05 first holds at n = 19
    assert n == 19
    assert comp.half_width(n) <= 0.05 < comp.half_width(n - 1)
    assert allocation.processes_needed(comp, 0.001, cap=50) == 50


def test_one_more_process_helps_most_where_few_processes_disagree():
    few = allocation.Components(within=0.01, between=0.09, passes=4, processes=3)
    many = allocation.Components(within=0.01, between=0.09, passes=4, processes=20)
    assert allocation.gain_per_second(few, 10.0) > allocation.gain_per_second(many, 10.0) > 0
    assert allocation.gain_per_second(few, 10.0) == pytest.approx(2 * allocation.gain_per_second(few, 20.0))
    assert math.isinf(allocation.Components(0.01, 0.09, 4, 1).half_width())


def test_t_quantiles_are_student_t():
    """t((1 + level) / 2, df) against printed tables (Student's t, two-sided)."""
    from results.variance_components import t_quantile

    assert t_quantile(2) == pytest.approx(4.302653, abs=1e-6)
    assert t_quantile(4) == pytest.approx(2.776445, abs=1e-6)
    assert t_quantile(30) == pytest.approx(2.042272, abs=1e-6)
    assert t_quantile(10, level=0.99) == pytest.approx(3.169273, abs=1e-6)
