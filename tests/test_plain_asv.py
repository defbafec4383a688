"""A plain ``asv run`` measures the default run (what ``make bench`` measures), and asv's process
model costs little for the grid points it skips: asv starts one process per grid point and method,
skipped ones included (``skip_params`` is read in the child), so the suite's default grid holds
little besides the cases it measures (bench/common.py, docs/asv.md "Plain asv")."""
from __future__ import annotations

import importlib
import itertools
import json
import math

import pytest
from asv import runner

import kernels
from bench import common
from runner.asv_run import selection
from results.rows import role_of

KERNELS = sorted(kernels.kernels())
# a skipped point costs ~0.09 s with forkserver here (docs/asv.md): this many is ~2 min of a plain run
MAX_SKIPPED_PROCESSES = 1300


def _classes(kernel: str):
    module = importlib.reload(importlib.import_module(f"bench.bench_{kernel}"))
    return {n: c for n, c in vars(module).items() if isinstance(c, type) and c.__module__ == module.__name__}


class CountingSpawner:
    """Stands for asv's spawner (one benchmark process per call); answers like a skipped point."""

    def __init__(self):
        self.started = []

    def run(self, name, params_str, profile_path, result_file_name, timeout, cwd):
        self.started.append(name)
        with open(result_file_name, "w") as f:
            json.dump(None, f)          # what asv_runner writes for a skipped point: n/a
        return "", 0


def _asv_dict(cls, method: str) -> dict:
    """The benchmark as asv's discovery describes it (params as reprs)."""
    return {"name": f"{cls.__module__}.{cls.__name__}.{method}", "timeout": 60,
            "params": [[repr(x) for x in axis] for axis in cls.params]}


def test_asv_starts_a_process_for_every_skipped_point_and_none_outside_the_selection(monkeypatch, tmp_path):
    monkeypatch.setenv("JAXBENCH_SIZES", "default")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    cls = _classes("selu")["Selu"]
    points = list(itertools.product(*cls.params))
    assert cls.skip_params and len(cls.skip_params) < len(points)

    plain = CountingSpawner()
    result = runner.run_benchmark(_asv_dict(cls, "time_selu"), plain, profile=False, cwd=str(tmp_path))
    assert len(plain.started) == len(points) == common.launched(cls)       # skipped points included
    assert len(result.result) == len(points)

    chosen = {i for i, v in enumerate(points) if v not in cls.skip_params}
    selected = CountingSpawner()
    result = runner.run_benchmark(_asv_dict(cls, "time_selu"), selected, profile=False,
                                  selected_idx=chosen, cwd=str(tmp_path))
    assert len(selected.started) == len(chosen)                                 # -b: no process
    assert sum(math.isnan(x) for x in result.result if isinstance(x, float)) == len(points) - len(chosen)


def test_plain_default_grid_is_the_default_run_with_few_skipped_processes(monkeypatch):
    monkeypatch.setenv("JAXBENCH_SIZES", "")           # unset or empty: the default run
    monkeypatch.setattr(common, "gpu_possible", lambda: False)
    assert common.size_mode() == "default"
    skipped = 0
    for kernel in KERNELS:
        classes = _classes(kernel)
        _, chosen, _, wanted = selection(kernel, gpu=False, full=False)
        runs = 0
        for name, cls in classes.items():
            if hasattr(cls, "comparisons") or not hasattr(cls, "skip_params"):
                continue
            methods = common.launched(cls) // math.prod(len(a) for a in cls.params)
            measured = common.selected(cls)
            assert all(v[0] != "jax-gpu" for v in measured), name
            runs += len(measured) * methods
            skipped += common.launched(cls) - len(measured) * methods
            for m in (m for m in dir(cls) if m.startswith(("time_", "track_", "peakmem_"))):
                assert len(wanted.get(f"bench_{kernel}.{name}.{m}", [])) == len(measured), (name, m)
                role = role_of(kernel, m)                  # the registry is the oracle: sound ...
                assert all(kernels.in_default_run(common.case_of(cls.spec, v), role) for v in measured), (name, m)
                if role == "time":                         # ... and complete
                    cases = {c for size in kernels.kernel(kernel).default_grid() for c in kernels.cases(kernel, size=size)
                             if c.backend != "jax-gpu" and kernels.in_default_run(c, "time")}
                    assert {common.case_of(cls.spec, v) for v in measured} == cases, name
        accuracy = sum(common.launched(c) for c in classes.values() if not hasattr(c, "skip_params") and not hasattr(c, "comparisons")
                       and getattr(c, "default_run", True))
        assert chosen == runs + accuracy, kernel
    assert 0 < skipped <= MAX_SKIPPED_PROCESSES


def test_full_grid_is_an_explicit_choice(monkeypatch):
    monkeypatch.setenv("JAXBENCH_SIZES", "full")
    full = _classes("selu")["Selu"]
    monkeypatch.setenv("JAXBENCH_SIZES", "default")
    default = _classes("selu")["Selu"]
    assert set(default.params[3]) == set(kernels.kernel("selu").default_grid())
    assert full.params[3] == list(kernels.kernel("selu").sizes)
    assert common.launched(full) > 3 * common.launched(default)
    assert full.repeat != default.repeat == (3, 10, 0.4) and default.rounds == 1
    monkeypatch.setenv("JAXBENCH_SIZES", "everything")
    with pytest.raises(ValueError, match="valid: full, default"):
        common.size_mode()


def test_gpu_points_are_skipped_statically_without_a_cuda_plugin(monkeypatch):
    monkeypatch.setenv("JAXBENCH_SIZES", "default")
    monkeypatch.setattr(common, "gpu_possible", lambda: False)
    cpu = common.suite("selu")["Selu"]
    monkeypatch.setattr(common, "gpu_possible", lambda: True)
    gpu = common.suite("selu")["Selu"]
    assert cpu.params == gpu.params and "jax-gpu" in cpu.params[0]      # the same axes everywhere
    assert not [v for v in common.selected(cpu) if v[0] == "jax-gpu"]
    assert [v for v in common.selected(gpu) if v[0] == "jax-gpu"]
