"""The comparison passes outside asv (runner/measuring_process.py) and their ratios written back into
asv's results (runner/asv_record.py): the same classes and records as the asv suite's processes,
clear errors, and values asv itself reads back. Nothing here times anything."""
import json
import math
import sys

import numpy as np
import pytest

from jaxbench import declare, passes
from kernels import settings


def test_worker_measures_the_suites_classes_of_its_device_count():
    from bench import paired_suite
    from runner import measuring_process
    import kernels

    suite = paired_suite.comparison_classes(kernels.kernel("selu"), False)
    one = measuring_process.classes(["selu"], 1, False)
    two = measuring_process.classes(["selu"], 2, False)
    assert [n for n, _ in one] == ["SeluComparisons"] and [n for n, _ in two] == ["SeluComparisonsDevices2"]
    assert one[0][1] == suite["SeluComparisons"].comparisons                 # the very comparisons asv's class has
    assert measuring_process.classes(["norm", "selu"], 1, False)[0][0] == "NormComparisons"   # kernels in the order given


def test_worker_drops_one_record_per_class_with_the_groups_of_the_comparisons_asked(tmp_path, monkeypatch):
    from runner import measuring_process
    from jaxbench import measure

    monkeypatch.setenv(settings.COMPARISONS_OUT.var, str(tmp_path))
    seen = []
    monkeypatch.setattr(measure, "measure", lambda comps: seen.append([c.id for c in comps]) or {"pid": 1, "groups": []})
    comps = declare.for_kernel("selu")
    mine = next(g for g in declare.groups(comps) if comps[0] in g)
    other = next(g for g in declare.groups(comps) if comps[0] not in g)
    group = sorted(c.id for c in mine)
    assert len(group) > 1
    chosen = [("SeluComparisons", tuple(comps)), ("Empty", tuple(other))]
    assert measuring_process.measure_classes(chosen, 1, only={comps[0].id}) == 1   # "Empty" holds none of that group
    assert [sorted(s) for s in seen] == [group]                                     # the whole group of the one asked
    (drop,) = tmp_path.glob("*.json")
    rec = json.loads(drop.read_text())
    assert rec["class"] == "SeluComparisons" and rec["devices"] == 1 and sorted(rec["comparisons"]) == group


@pytest.mark.parametrize("argv, message", [
    (["--kernels", "selu,nosuch"], "unknown kernel(s) nosuch"),
    (["--kernels", "selu", "--devices", "0"], "--devices 0: need >= 1"),
    (["--kernels", "selu"], f"{settings.COMPARISONS_OUT.var} is not set"),
])
def test_worker_refuses_bad_input_clearly(argv, message, monkeypatch, capsys):
    from runner import measuring_process

    monkeypatch.delenv(settings.COMPARISONS_OUT.var, raising=False)
    with pytest.raises(SystemExit) as exc:
        measuring_process.main(argv)
    assert exc.value.code == 2 and message in capsys.readouterr().err


def _bench(name, ids):
    return {"name": name, "version": "v1", "params": [[repr(i) for i in ids]], "param_names": ["comparison"],
            "type": "track", "unit": "x", "code": "", "timeout": 60}


def test_values_are_the_pooled_points_nan_where_unmeasured():
    from runner import asv_record

    benches = {"bench_selu.SeluComparisons.track_ratio": _bench("bench_selu.SeluComparisons.track_ratio", ["a", "b", "c"]),
               "bench_norm.NormComparisons.track_ratio": _bench("bench_norm.NormComparisons.track_ratio", ["z"]),
               "bench_selu.time_selu": _bench("bench_selu.time_selu", ["a"])}
    from results.comparisons import Measured

    rows = [Measured("a", "x", "y", False, ("numpy",), 2.5, 2.4, 2.6, ((2.5,), (2.4,), (2.6,))),
            Measured("b", "x", "z", False, ("numpy",), math.nan, math.nan, math.nan, (), "not measured")]
    got = asv_record.values(benches, rows)
    assert list(got) == ["bench_selu.SeluComparisons.track_ratio"]          # no row: left as asv has it
    a, b, c = got["bench_selu.SeluComparisons.track_ratio"]
    assert a == 2.5 and math.isnan(b) and math.isnan(c)                      # NaN: asv's "skipped"


def test_record_writes_the_ratios_through_asvs_own_results(tmp_path):
    from asv import results as asv_results, util

    from runner import asv_record

    results_dir, name = tmp_path / "results", "bench_selu.SeluComparisons.track_ratio"
    (results_dir / "vm").mkdir(parents=True)
    util.write_json(str(results_dir / "vm" / "machine.json"), {"machine": "vm"}, 1)   # asv reads a machine's folder only with it
    conf = tmp_path / "asv.conf.json"
    conf.write_text(json.dumps({"version": 1, "project": "p", "repo": str(tmp_path), "results_dir": str(results_dir),
                                "html_dir": str(tmp_path / "html"), "benchmark_dir": str(tmp_path)}))
    util.write_json(str(results_dir / "benchmarks.json"), {name: _bench(name, ["a / b", "c / d"])}, 2)
    commit = "0123456789abcdef0123456789abcdef01234567"
    res = asv_results.Results({"machine": "vm"}, {}, commit, 0, sys.executable, "existing-py_here", {})
    res.save(str(results_dir))
    entry = {"comparisons": {"a / b": {"num": "a", "den": "b", "transfer": False, "kinds": ["numpy"]}},
             "processes": [{"started": 1.7e9, "groups": [{"sides": ["a", "b"], "passes": [[2e-3, 1e-3]] * 5}]}
                           for _ in range(3)]}
    said = asv_record.record(conf, "vm", commit, entry)
    assert said.startswith("1 ratios of 1 track_ratio benchmarks and 0 steady-state times")
    back = next(asv_results.iter_results_for_machine_and_hash(str(results_dir), "vm", commit))
    a, c = back.get_result_value(name, [["'a / b'", "'c / d'"]])
    assert a == pytest.approx(2.0) and math.isnan(c)
    other = asv_record.record(conf, "vm", "f" * 40, entry)                  # no results file of that commit
    assert other.startswith("no asv results of ffffffff")


@pytest.mark.parametrize("devices", [1, 2])
def test_worker_process_measures_and_drops_what_it_is_asked(devices, tmp_path):
    """The real command, as python -m runner starts it: one norm comparison of each device count
    (the sharded one needs 2 host devices forced before JAX starts), measured with passes, no side missing."""
    import os
    import subprocess

    from pathlib import Path

    comp = declare.for_kernel("norm", devices=devices)[0]
    only = tmp_path / "only.txt"
    only.write_text(comp.id)
    drops = tmp_path / "drops"
    env = dict(os.environ, **settings.env(comparisons_out=drops, comparisons_only=only, jax_cache=""))
    env.pop("XLA_FLAGS", None)
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-m", "runner.measuring_process", "--devices", str(devices), "--kernels", "norm"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    (drop,) = drops.glob("*.json")
    rec = json.loads(drop.read_text())
    assert rec["class"] == ("NormComparisons" if devices == 1 else "NormComparisonsDevices2")
    group = next(g for g in declare.groups(declare.for_kernel("norm", devices=devices)) if comp in g)
    assert sorted(rec["comparisons"]) == sorted(c.id for c in group) and rec["devices"] == devices   # its whole group
    (group,) = rec["groups"]
    cpu_missing = {k: why for k, why in group["missing"].items() if "|jax-gpu|" not in k}   # jax-gpu: no GPU here
    assert cpu_missing == {} and len(group["passes"]) >= passes.MIN_PASSES and group["wall_seconds"] > 0


def test_the_engine_s_processes_become_asv_s_time_results_with_process_level_statistics(tmp_path):
    """Every steady-state case the comparison processes timed is written as its time_ result: the
    median of every pass, asv's quartiles from the same samples, its 99% interval over processes,
    one round per process (jaxbench-rounds.jsonc); a one-device side timed in a process with forced
    devices is left out; a case nobody measured is NaN (skipped)."""
    from asv import results as asv_results, util

    from runner import asv_record
    from results import rounds
    from kernels import Case

    results_dir, name = tmp_path / "results", "bench_selu.Selu.time_selu"
    (results_dir / "vm").mkdir(parents=True)
    util.write_json(str(results_dir / "vm" / "machine.json"), {"machine": "vm"}, 1)
    conf = tmp_path / "asv.conf.json"
    conf.write_text(json.dumps({"version": 1, "project": "p", "repo": str(tmp_path), "results_dir": str(results_dir),
                                "html_dir": str(tmp_path / "html"), "benchmark_dir": str(tmp_path)}))
    params = [["'numpy-cpu'", "'jax-cpu'"], ["'host'"], ["'eager'"], ["1000"], ["'float32'"], ["'lecture'"], ["1"]]
    util.write_json(str(results_dir / "benchmarks.json"), {name: {
        "name": name, "version": "v1", "params": params, "type": "time", "unit": "seconds", "code": "", "timeout": 60,
        "param_names": ["backend", "placement", "transform", "size", "dtype", "formula", "devices"]}}, 2)
    commit = "0123456789abcdef0123456789abcdef01234567"
    asv_results.Results({"machine": "vm"}, {}, commit, 0, sys.executable, "existing-py_here", {}).save(str(results_dir))
    key = Case("selu", "numpy-cpu", "host", "eager", 1000, "float32", "lecture", 1).key
    procs = [[1.0e-5, 1.1e-5, 0.9e-5], [2.0e-5, 2.1e-5], [1.5e-5, 1.4e-5, 1.6e-5, 1.5e-5]]
    entry = {"comparisons": {}, "processes": [
        {"devices": 1, "groups": [{"sides": [key], "numbers": [100], "passes": [[x] for x in p]}]} for p in procs]
        + [{"devices": 2, "groups": [{"sides": [key], "numbers": [100], "passes": [[9.0]] * 3}]},   # forced devices: out
           {"devices": 1, "subset": True, "groups": [{"sides": [key], "numbers": [100], "passes": [[7.0]] * 3}]}]}  # extra: out
    said = asv_record.record(conf, "vm", commit, entry)
    assert "1 steady-state times of 1 time_ benchmarks" in said
    back = next(asv_results.iter_results_for_machine_and_hash(str(results_dir), "vm", commit))
    numpy_1000, jax_1000 = back.get_result_value(name, params)
    everything = sorted(x for p in procs for x in p)
    assert numpy_1000 == pytest.approx(np.median(everything)) and math.isnan(jax_1000)
    stats = back.get_result_stats(name, params)[0]
    assert stats["repeat"] == 9 and stats["q_25"] <= numpy_1000 <= stats["q_75"]
    assert stats["ci_99_a"] < min(np.median(p) for p in procs) and stats["ci_99_b"] > max(np.median(p) for p in procs)
    counts = rounds.load(results_dir / "vm")["commits"][commit][name]
    assert counts == {"'numpy-cpu', 'host', 'eager', 1000, 'float32', 'lecture', 1": [3, 2, 4]}
