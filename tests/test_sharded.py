"""The devices axis (issue 11): sharded cases verified against NumPy and spanning exactly their devices.

Sharded cases need a process whose JAX started with enough devices, so the checks that prepare
them run in one subprocess with 4 forced host devices (``XLA_FLAGS``); the refusals, the
declarations and the asv grid are checked in this process, which has one CPU device.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import kernels
from kernels import Case, _devices, _sharding


ROOT = Path(__file__).resolve().parents[1]
SHARDED = ("matmul", "selu", "norm", "rowdot", "cnn_step")
FORCED = 4

WORKER = textwrap.dedent("""
    import json, jax, numpy as np, kernels
    from kernels import Case, _devices, VerificationError
    assert len(jax.devices("cpu")) == %(forced)d, jax.devices()
    out = []
    for name in %(kernels)r:
        spec = kernels.kernel(name)
        size = min(spec.default_grid())
        for c in kernels.cases(name, backend="jax-cpu", size=size, dtype="float32"):
            if c.devices == 1:
                continue
            p = kernels.prepare(c)
            res = p.run()
            leaves = jax.tree_util.tree_leaves(res)
            out.append({"label": c.label, "kernel": name, "devices": c.devices, "placement": c.placement,
                        "variant": c.variant, "error": p.error, "tolerance": p.tolerance, "check": p.check(),
                        "device": p.device, "notes": p.notes,
                        "device_ids": sorted({d.id for leaf in leaves for d in leaf.sharding.device_set}),
                        "shards": sorted({len(leaf.addressable_shards) for leaf in leaves}),
                        "spec": sorted({str(leaf.sharding.spec) for leaf in leaves})})
    # float64 under the x64 context, sharded too
    p = kernels.prepare(Case("matmul", "jax-cpu", "explicit", "jit", 64, "float64", "x@y", 2))
    out.append({"label": p.case.label, "error": p.error, "tolerance": p.tolerance, "dtype": str(p.run().dtype)})
    # a label that lies is caught: a one-device output checked against a 2-device label
    c = Case("selu", "jax-cpu", "explicit", "jit", 1000, "float32", "lecture", 2)
    try:
        _devices.check_output_device(c, jax.device_put(np.ones(4, np.float32), jax.devices()[0]), jax.devices()[:2])
        caught = None
    except VerificationError as exc:
        caught = str(exc)
    # an uneven split is refused with the numbers
    try:
        kernels.prepare(Case("selu", "jax-cpu", "explicit", "jit", 1001, "float32", "lecture", 2))
        uneven = None
    except ValueError as exc:
        uneven = str(exc)
    print(json.dumps({"cases": out, "caught": caught, "uneven": uneven}))
""")


@pytest.fixture(scope="module")
def forced():
    """Every sharded jax-cpu case of the default grid's smallest size, prepared with 4 host devices."""
    env = dict(os.environ, JAX_PLATFORMS="cpu",
               XLA_FLAGS=_devices.with_forced_host_devices(os.environ.get("XLA_FLAGS", ""), FORCED))
    proc = subprocess.run([sys.executable, "-c", WORKER % {"forced": FORCED, "kernels": SHARDED}], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_every_sharded_case_equals_the_numpy_reference(forced):
    rows = forced["cases"]
    kinds = {(r["kernel"], r["devices"]) for r in rows if "kernel" in r}
    # every kernel that shards, at every device count of its grid, ran
    want = {(k, d) for k in SHARDED for d in kernels.kernel(k).sharding.device_counts if d > 1}
    assert kinds == want
    for r in rows:
        assert r["error"] <= r["tolerance"], r["label"]
        assert r.get("check", 0.0) <= r["tolerance"], r["label"]
    assert next(r for r in rows if "float64" in r["label"])["dtype"] == "float64"


def test_outputs_span_exactly_the_labelled_devices(forced):
    for r in (r for r in forced["cases"] if "kernel" in r):
        n = r["devices"]
        assert r["device_ids"] == list(range(n)), r["label"]
        assert r["device"].endswith(f"({n} devices)"), r["device"]
        spec = kernels.kernel(r["kernel"]).sharding
        from jax.sharding import PartitionSpec

        if spec.output is None:           # replicated: every device holds the whole output
            assert r["spec"] == [str(PartitionSpec())], r
        else:                             # left split: one shard per device on the declared axis
            assert r["shards"] == [n]
            assert r["spec"] == [str(PartitionSpec(*[None] * spec.output, _sharding.AXIS))], r


def test_collectives_are_the_ones_the_split_needs(forced):
    """The note names what XLA inserted: all-gather for x @ x.T (x.T needs all rows), one
    all-reduce for the data-parallel step, none for elementwise / row-wise / per-column splits."""
    notes = {(r["kernel"], r["variant"], r["placement"], r["devices"]): r["notes"]
             for r in forced["cases"] if "kernel" in r}
    for (kernel, variant, _, _), note in notes.items():
        if kernel == "matmul" and variant == "x@x.T":
            assert "all-gather" in note, note
        elif kernel == "cnn_step":
            assert "all-reduce x1" in note, note
        else:
            assert "Collectives XLA inserted: none." in note, note


def test_a_lying_label_and_an_uneven_split_are_refused(forced):
    assert "output is sharded over cpu:0, but the label says cpu:0,cpu:1 (2 devices)" in forced["caught"]
    assert "1001 along axis 0" in forced["uneven"] and "2 devices" in forced["uneven"]


# ------------------------------------------------------------------ in this (one-device) process
def test_more_devices_than_present_is_unavailable_with_the_reason():
    import jax

    have = len(jax.devices("cpu"))
    case = Case("selu", "jax-cpu", "explicit", "jit", 1000, "float32", "lecture", have + 1)
    with pytest.raises(kernels.Unavailable) as info:
        kernels.prepare(case)
    assert f"{have + 1} devices asked for, {have} present" in info.value.reason
    assert "xla_force_host_platform_device_count" in info.value.reason
    # and once JAX has started, the count can no longer be forced
    with pytest.raises(kernels.Unavailable, match="can no longer be forced"):
        kernels.force_host_devices(have + 1)
    kernels.force_host_devices(have)      # asking for what there is: fine


@pytest.mark.parametrize("case, message", [
    (Case("selu", "numpy-cpu", "host", "eager", 1000, "float32", "lecture", 2), "needs a JAX backend"),
    (Case("selu", "jax-cpu", "explicit", "eager", 1000, "float32", "lecture", 2), "sharded transforms: jit"),
    (Case("rowdot", "jax-cpu", "explicit", "loop", 100, "float32", "", 2), "sharded transforms: jit_vmap"),
    (Case("grad", "jax-cpu", "explicit", "jit", 1, "float32", "", 2), "declares no sharding"),
    (Case("selu", "jax-cpu", "explicit", "jit", 1000, "float32", "lecture", 0), "positive integer"),
])
def test_invalid_device_counts_are_refused(case, message):
    with pytest.raises(ValueError, match=message):
        kernels.validate(case)


def test_forced_flag_keeps_other_xla_flags():
    assert _devices.with_forced_host_devices("--xla_foo=1", 4) == "--xla_foo=1 --xla_force_host_platform_device_count=4"
    assert _devices.with_forced_host_devices("--xla_force_host_platform_device_count=8 --x=1", 2) == \
        "--x=1 --xla_force_host_platform_device_count=2"
    assert _devices.with_forced_host_devices("--xla_force_host_platform_device_count=8", 1) == ""


def test_declarations_and_grid():
    for name in SHARDED:
        spec = kernels.kernel(name)
        assert spec.sharding is not None and not kernels.check_declaration(spec)
        assert 2 in spec.sharding.default_device_counts
    assert [k for k, s in kernels.kernels().items() if s.sharding is not None] == sorted(SHARDED)
    # devices = 1 keeps every one-device case exactly as before; sharded cases are jitted JAX only
    for c in kernels.cases("selu", size=1000):
        if c.devices > 1:
            assert c.backend != "numpy-cpu" and c.transform == "jit"
    assert {c.devices for c in kernels.cases("norm", backend="jax-cpu", transform="jit", size=1000)} == {1, 2}


def test_default_run_has_sharded_matmul_and_cnn_step_steady_state_only():
    for name in ("matmul", "cnn_step"):
        sharded = [c for c in kernels.cases(name, backend="jax-cpu") if c.devices > 1
                   and kernels.in_default_run(c, "time")]
        assert sharded, name
        assert all(c.devices == 2 and c.placement == "explicit" for c in sharded)
        assert not [c for c in kernels.cases(name, backend="jax-cpu") if c.devices > 1
                    and any(kernels.in_default_run(c, role) for role in ("compile", "transfer", "peakmem"))]


@pytest.mark.parametrize("mode", ["full", "default"])
def test_asv_params_end_with_devices(monkeypatch, mode):
    from bench import common

    monkeypatch.setenv("JAXBENCH_SIZES", mode)
    for name in SHARDED:
        cls = common.suite(name)["".join(p.capitalize() for p in name.split("_"))]
        sharding = kernels.kernel(name).sharding
        counts = sharding.device_counts if mode == "full" else sorted({1, *sharding.default_device_counts})
        assert cls.param_names[:4] == ["backend", "placement", "transform", "size"]
        assert cls.param_names[-1] == "devices" and cls.params[-1] == list(counts)
        one = next(v for v in common.selected(cls) if v[-1] == 1)
        assert common.case_of(cls.spec, one).devices == 1
    assert "devices" not in common.suite("grad")["Grad"].param_names


def test_bench_forces_devices_only_for_sharded_cpu_cases(monkeypatch):
    from bench import common

    calls = []
    monkeypatch.setattr(kernels, "force_host_devices", calls.append)
    common.host_devices_for(Case("selu", "jax-cpu", "explicit", "jit", 1000, "float32", "lecture", 1))
    common.host_devices_for(Case("selu", "jax-gpu", "explicit", "jit", 1000, "float32", "lecture", 2))
    common.host_devices_for(Case("selu", "jax-cpu", "explicit", "jit", 1000, "float32", "lecture", 4))
    assert calls == [4]


def test_forced_devices_verdicts():
    """runner.forced_devices: forced / plain per case with the two-level interval, and its verdict."""
    from runner import forced_devices

    base = [[1.0, 1.01, 0.99, 1.0]] * 3
    runs = {"plain": [{"a": s, "b": s} for s in base],
            "forced": [{"a": [2 * v for v in s], "b": s} for s in base]}
    rows = {r["case"]: r for r in forced_devices.verdicts(runs)}
    assert rows["a"]["ratio"] == pytest.approx(2.0) and rows["a"]["verdict"] == "slower when forced"
    assert rows["b"]["ratio"] == pytest.approx(1.0) and rows["b"]["verdict"] == "no change detected"
    assert rows["a"]["lo"] <= 2.0 <= rows["a"]["hi"]
    env = forced_devices.forced_env(4, {"XLA_FLAGS": "--xla_foo=1"})
    assert env["XLA_FLAGS"] == "--xla_foo=1 --xla_force_host_platform_device_count=4"
    assert "XLA_FLAGS" not in forced_devices.forced_env(1, {})


def test_forced_devices_probes_the_scaling_baselines_from_the_registry():
    """The cases runner.forced_devices times: one-device twins of the default run's sharded cases
    (no list of its own), then their NumPy twins as controls."""
    from dataclasses import replace

    from runner import forced_devices

    probes = forced_devices.probe_cases()
    jax_probes = [c for c in probes if c.backend == "jax-cpu"]
    assert {c.kernel for c in jax_probes} == set(SHARDED) and all(c.devices == 1 for c in probes)
    assert all(kernels.in_default_run(replace(c, devices=2)) for c in jax_probes)
    controls = [c for c in probes if c.backend == "numpy-cpu"]
    assert len(controls) == len(jax_probes) and all(c.placement == "host" for c in controls)
