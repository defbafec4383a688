"""jaxbench.solo_check: the arithmetic of 'paired vs alone' on planted samples, and its refusals.
Nothing here times anything."""
from __future__ import annotations

import math

import numpy as np
import pytest

from jaxbench import solo_check


def _records(a_paired, b_paired, a_alone, b_alone, processes=6, passes=8, seed=0):
    """Planted process records: each process's samples spread +-2% around its level."""
    rng = np.random.default_rng(seed)
    out = []
    for p in range(processes):
        drift = math.exp(rng.normal(0, 0.05))   # each process its own level, as on this box

        def s(level):
            return list(level * drift * np.exp(rng.normal(0, 0.02, passes)))

        out += [{"mode": "paired", "a": s(a_paired), "b": s(b_paired)},
                {"mode": "a", "a": s(a_alone)}, {"mode": "b", "b": s(b_alone)}]
    return out


def test_pairing_that_slows_nothing_reads_one():
    got = solo_check.summary(_records(2.0, 1.0, 2.0, 1.0))
    for what in ("a paired / a alone", "b paired / b alone"):
        pt, lo, hi = got[what]
        assert lo < 1.0 < hi and pt == pytest.approx(1.0, rel=0.08), (what, got[what])
    assert got["a/b paired (one process, alternating)"][0] == pytest.approx(2.0, rel=0.03)
    assert got["a/b solo (each side alone)"][0] == pytest.approx(2.0, rel=0.1)


def test_pairing_that_slows_one_side_is_seen_on_that_side_only():
    got = solo_check.summary(_records(2.0, 1.5, 2.0, 1.0))
    pt, lo, hi = got["b paired / b alone"]
    assert lo > 1.3 and pt == pytest.approx(1.5, rel=0.08)
    pt, lo, hi = got["a paired / a alone"]
    assert lo < 1.0 < hi
    assert "| b paired / b alone | 1.5" in solo_check.table(("A", "B"), _records(2.0, 1.5, 2.0, 1.0))


def test_welch_ratio_needs_two_processes_per_side():
    pt, lo, hi = solo_check.welch_ratio(np.log([2.0]), np.log([1.0, 1.1]))
    assert pt == pytest.approx(2 / math.sqrt(1.1)) and math.isnan(lo) and math.isnan(hi)


def test_bad_keys_and_counts_are_refused_before_any_process(capsys):
    with pytest.raises(SystemExit) as exc:
        solo_check.main(["matmul|numpy-cpu|host", "x"])
    assert exc.value.code == 2 and "not a case key" in capsys.readouterr().err
    good = "matmul|numpy-cpu|host|eager|256|float32|x@y|1"
    with pytest.raises(SystemExit):
        solo_check.main([good, good.replace("eager", "warp")])
    assert "transform" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        solo_check.main([good, good, "--processes", "1"])
    assert "at least 2" in capsys.readouterr().err
