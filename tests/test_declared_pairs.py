"""The report reads the NumPy baselines and the null test's pairs from the comparisons' kinds (issue 28):
where a machine and commit have comparisons recorded, the pairs are the declared ones, even where the
report's fallback rule (``kernels.BASELINE_TRANSFORMS`` order; device vs explicit of the same case)
would pair otherwise. The comparisons entries are written by hand over the report fixtures' rows."""
from __future__ import annotations

from reports.derived import speedup
from reports.ratios import Lookup, row_key
from reports.sections.health import checks as health

MACHINE, COMMIT = "cpu-box", "6" * 8 + "0" * 32


def _declared(pairs: list[tuple[dict, dict]], kind: str) -> Lookup:
    """A comparisons file declaring ``pairs`` (num row, den row) as comparisons of ``kind``, none measured."""
    comparisons = {f"{row_key(n)} / {row_key(d)}": {"num": row_key(n), "den": row_key(d), "transfer": False,
                                                    "kinds": [kind]} for n, d in pairs}
    return Lookup({MACHINE: {"commits": {COMMIT: {"comparisons": comparisons, "processes": []}}}})


def _rowdot_100(t):
    return t[(t["machine"] == MACHINE) & (t["commit"] == COMMIT) & (t["kernel"] == "rowdot") & (t["size"] == 100)
             & (t["backend"] != "jax-gpu")]


def test_the_speedup_is_over_the_declared_numpy_baseline(loaded):
    cell = _rowdot_100(speedup.timings(loaded.df))
    loop = cell[(cell["backend"] == "numpy-cpu") & (cell["transform"] == "loop")].iloc[0]
    assert (cell["backend"] == "numpy-cpu").sum() == 2          # eager too: the fallback's first choice
    lookup = _declared([(loop, r) for _, r in cell.iterrows() if r["transform"] != "loop" or r["backend"] != "numpy-cpu"],
                       "numpy")
    s = _rowdot_100(speedup.with_speedups(loaded.df, lookup))
    assert set(s["baseline_label"]) == {"numpy-cpu loop"}
    jit = s[(s["placement"] == "device") & (s["transform"] == "jit_vmap")].iloc[0]
    assert jit["speedup"] == loop["median"] / jit["median"]
    assert s[s["label"] == "numpy-cpu loop"]["speedup"].iloc[0] == 1.0
    plain = _rowdot_100(speedup.with_speedups(loaded.df))          # no comparisons: the fallback rule
    assert set(plain["baseline_label"]) == {"numpy-cpu eager"}


def test_the_null_test_pairs_are_the_declared_ones(loaded):
    t = speedup.timings(loaded.df)
    cell = _rowdot_100(t)
    dev, exp = (cell[(cell["placement"] == p) & (cell["transform"] == "jit_loop")].iloc[0] for p in ("device", "explicit"))
    mine = t[(t["machine"] == MACHINE) & (t["commit"] == COMMIT)]
    assert len(health.device_explicit_sides(mine)) > 1           # the fallback rule pairs every such case
    sides = health.device_explicit_sides(mine, _declared([(dev, exp)], "null"))
    assert [(d["transform"], d["placement"], e["placement"]) for d, e in sides] == [("jit_loop", "device", "explicit")]
    assert row_key(sides[0][0]) == row_key(dev) and row_key(sides[0][1]) == row_key(exp)
    assert len(health.null_pairs(mine, _declared([(dev, exp)], "null"))) == 1


def test_the_lecture_speedup_is_over_the_declared_lecture_baseline(loaded):
    cell = _rowdot_100(speedup.timings(loaded.df))
    jax = cell[cell["backend"] == "jax-cpu"]
    loop = jax[(jax["placement"] == "explicit") & (jax["transform"] == "loop")].iloc[0]   # rowdot's: loop
    jit, _ = (jax[(jax["placement"] == "device") & (jax["transform"] == tr)].iloc[0] for tr in ("jit_vmap", "vmap"))
    lookup = _declared([(loop, jit)], "lecture baseline")
    s = _rowdot_100(speedup.with_lecture_speedups(speedup.with_speedups(loaded.df, lookup), lookup))
    row = {(r["placement"], r["transform"]): r for _, r in s[s["backend"] == "jax-cpu"].iterrows()}
    assert row["device", "jit_vmap"]["lecture_baseline_label"] == "jax-cpu explicit loop"
    assert "from the explicit placement" in row["device", "jit_vmap"]["lecture_note"]
    assert row["device", "vmap"]["lecture_speedup"] != row["device", "vmap"]["lecture_speedup"]   # NaN: none declared
    assert row["device", "vmap"]["lecture_note"] == "no jax-cpu loop baseline measured at this size"
    assert row["explicit", "loop"]["lecture_speedup"] == 1.0                                       # its own baseline
    plain = _rowdot_100(speedup.with_lecture_speedups(speedup.with_speedups(loaded.df)))       # the fallback rule
    vm = plain[(plain["backend"] == "jax-cpu") & (plain["placement"] == "device") & (plain["transform"] == "vmap")].iloc[0]
    assert vm["lecture_baseline_label"] == "jax-cpu device loop" and vm["lecture_speedup"] > 0
