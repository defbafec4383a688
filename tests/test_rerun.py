"""Does an interval cover a re-run (results/rerun.py, python -m reports --rerun): the expected share
against a simulation, the count over two runs, the command over two report folders."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from results.rerun import chance_at_least, compare, expected_inside, for_a_rerun
from results.variance_components import t_quantile


@pytest.mark.parametrize("n1, n2", [(5, 5), (4, 8), (10, 3)])
def test_expected_share_inside_equals_a_simulation_of_two_runs(n1, n2):
    """Run 1: a Student-t 95% interval over n1 normal process means; run 2: the mean of n2 more."""
    rng = np.random.default_rng(n1 * 100 + n2)
    first, second = rng.standard_normal((40_000, n1)), rng.standard_normal((40_000, n2))
    half = t_quantile(n1 - 1) * first.std(axis=1, ddof=1) / math.sqrt(n1)
    simulated = np.mean(np.abs(second.mean(axis=1) - first.mean(axis=1)) < half)
    assert expected_inside(n1, n2) == pytest.approx(simulated, abs=0.008)     # ~5 standard errors


def test_many_processes_cover_a_rerun_83_percent_and_one_process_has_no_interval():
    big = 2 * 0.5 * (1 + math.erf(1.959964 / math.sqrt(2) / math.sqrt(2))) - 1     # 2 Phi(1.96 / sqrt 2) - 1
    assert expected_inside(100_000, 100_000) == pytest.approx(big, abs=2e-4) and 0.83 < big < 0.84
    assert expected_inside(5, 5) == pytest.approx(0.879, abs=1e-3)
    assert math.isnan(expected_inside(1, 5))


def test_chance_of_a_share_is_the_binomial_tail_for_equal_chances():
    p, k = 0.88, 13                                                          # 90% of 13: at least 12
    tail = sum(math.comb(k, i) * p ** i * (1 - p) ** (k - i) for i in (12, 13))
    assert chance_at_least([p] * k, 0.90) == pytest.approx(tail, rel=1e-12)
    assert chance_at_least([1.0, 0.0], 0.5) == 1.0 and chance_at_least([0.5, 0.5], 1.0) == 0.25


def test_interval_widened_for_a_rerun_scales_each_log_half_width():
    lo, hi = for_a_rerun(2.0, 1.0, 8.0, 5, 5)                                 # log half-widths ln 2, ln 4
    assert lo == pytest.approx(2.0 / 2 ** math.sqrt(2)) and hi == pytest.approx(2.0 * 4 ** math.sqrt(2))


def test_compare_counts_the_second_run_inside_the_first_and_names_those_outside():
    first = {"a": (10.0, 9.0, 11.0, 5), "b": (2.0, 1.9, 2.1, 5), "c": (1.0, 0.9, 1.1, 1), "d": (3.0, 2.0, 4.0, 5)}
    second = {"a": (10.5, 9.9, 11.2, 5), "b": (2.2, 2.1, 2.3, 5), "c": (1.0, 0.9, 1.1, 1)}
    r = compare(first, second)
    assert (r.ratios, r.inside, r.share) == (2, 1, 0.5)        # c: one process; d: not in the second run
    assert r.outside == [("b", 2.0, 1.9, 2.1, 2.2)]
    assert r.inside_widened == 1                                # 2.2 is outside 2 x (1.05 ** 1.414) too
    assert r.expected == pytest.approx(expected_inside(5, 5)) and r.z_sd > 0


def _report(folder, ratio, speedup):
    folder.mkdir()
    pd.DataFrame([{"figure": "selu-jit", "machine": "box", "ratio": ratio, "ratio_lo": 4.6, "ratio_hi": 5.8,
                   "processes": 6}]).to_csv(folder / "lecture.csv", index=False)
    pd.DataFrame([{"machine": "box", "kernel": "selu", "backend": "jax-cpu", "placement": "device",
                   "transform": "jit", "size": 1000, "dtype": "float32", "variant": None, "role": "time",
                   "status": "ok", "speedup_method": "paired", "speedup": speedup, "speedup_lo": 2.0,
                   "speedup_hi": 3.0, "n_rounds": 5}]).to_csv(folder / "data.csv", index=False)


def test_rerun_command_prints_the_counts_and_refuses_a_folder_without_a_report(tmp_path, capsys):
    from reports.__main__ import main

    _report(tmp_path / "one", 5.2, 2.5)
    _report(tmp_path / "two", 4.5, 2.6)
    assert main(["--rerun", str(tmp_path / "one"), str(tmp_path / "two")]) == 0
    out = capsys.readouterr().out
    assert "| lecture ratios (lecture.csv) | 1 | 0 (0%) |" in out and "| paired speedups (data.csv) | 1 | 1 (100%) |" in out
    assert "- selu-jit (box): 5.2 [4.6, 5.8] -> 4.5" in out
    assert main(["--rerun", str(tmp_path / "one"), str(tmp_path / "nowhere")]) == 2
    assert "nowhere/lecture.csv does not exist" in capsys.readouterr().err
    pd.DataFrame({"figure": ["x"]}).to_csv(tmp_path / "two" / "lecture.csv", index=False)
    assert main(["--rerun", str(tmp_path / "one"), str(tmp_path / "two")]) == 2
    assert "is not a report's lecture.csv: no column machine, ratio, ratio_lo, ratio_hi" in capsys.readouterr().err


def test_the_commands_that_draw_nothing_import_no_matplotlib():
    """--health and --rerun import reports.__main__ and the health section, never the figures
    (matplotlib: ~0.6 s of each such process; reports/render.py imports it where it draws)."""
    import subprocess
    import sys

    code = ("import sys, reports.__main__, reports.sections.health.rerun, reports.sections.health; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib')[:3])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
