"""Data-parallel CNN step (kernels/_sharding.py): sharded over 2 devices, and over 2 processes.

Both cases run ``tests/_distributed_worker.py`` in fresh interpreters, because the device layout
must be fixed before JAX starts: ``XLA_FLAGS=--xla_force_host_platform_device_count=N`` for forced
host devices, ``jax.distributed.initialize`` (127.0.0.1, a free port, CPU collectives gloo) for two
processes. The worker writes the new parameters, Adam state and metrics of ONE step to a .npz;
this process computes the same step unsharded, on one CPU device, on the same global batch, and
compares them with ``kernels.cnn_step.compare`` at ``RTOL``.

Tolerance. Sharding changes one thing in the arithmetic: the float32 gradient (and loss) sums over
the batch are done as per-device partial sums joined by XLA's all-reduce instead of one sum, so
the results differ by rounding only. ``compare`` allows ``RTOL * max|ref|`` per leaf (loss,
Adam's mu and nu, i.e. every gradient leaf), and for the new parameters adds Adam's own
conditioning (``cnn_step.param_allowance``: one step moves a parameter by
``lr * g / (|g| + eps)``, so where ``|g|`` is ~1e-5 or less a rounding-sized change of g moves
it by up to ``lr``). Measured here (jax 0.10.2, CPU): worst 7.4e-7 (about 6 float32 ulps at the
leaf's scale, in Adam's nu of Dense_0), the same on 2 forced devices and on 2 or 4 devices across
2 processes; ``RTOL = 1e-5`` (~84 ulps) leaves a 13x margin for other CPUs' summation orders
without hiding a real error (a wrong or missing gradient reduction is off by O(1): half the
batch's gradient).
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from kernels import _devices

ROOT = Path(__file__).resolve().parents[1]
WORKER = Path(__file__).with_name("_distributed_worker.py")
BATCH, SEED = 64, 0
RTOL = 1e-5
TIMEOUT_S = 180          # per run of the worker(s): import, compile (~10 s here), one step


# ---------------------------------------------------------------- helpers
def _worker_env(local_devices: int) -> dict:
    """The environment of a worker: CPU only, ``local_devices`` host devices, no proxies.

    gRPC (the coordinator's transport) honours http(s)_proxy even for 127.0.0.1; JAX warns
    about them too. The test needs loopback only.
    """
    env = {k: v for k, v in os.environ.items() if "_proxy" not in k.lower()}
    env["JAX_PLATFORMS"] = "cpu"
    env["XLA_FLAGS"] = _devices.with_forced_host_devices(os.environ.get("XLA_FLAGS", ""), local_devices)  # + conftest's
    env.pop("JAX_CPU_COLLECTIVES_IMPLEMENTATION", None)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    return env


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_workers(tmp_path: Path, n_processes: int, local_devices: int) -> list[Path]:
    """Start the workers, wait for all of them (``TIMEOUT_S`` in all), return their .npz paths.

    When one worker exits non-zero, or at the timeout, every other worker is stopped at once (a
    killed worker reads exit -9) and the failure names each one's exit status with the tail of
    its stdout and stderr.
    """
    env = _worker_env(local_devices)
    coordinator = f"127.0.0.1:{_free_port()}" if n_processes > 1 else None
    procs, outs, logs = [], [], []
    for i in range(n_processes):
        out = tmp_path / f"process{i}.npz"
        cmd = [sys.executable, str(WORKER), "--out", str(out), "--batch", str(BATCH), "--seed", str(SEED)]
        if coordinator:
            cmd += ["--coordinator", coordinator, "--num-processes", str(n_processes), "--process-id", str(i),
                    "--init-timeout", str(TIMEOUT_S - 30)]
        stdout, stderr = open(tmp_path / f"process{i}.out", "w+"), open(tmp_path / f"process{i}.err", "w+")
        logs.append((stdout, stderr))
        procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=stdout, stderr=stderr))
        outs.append(out)
    deadline = time.monotonic() + TIMEOUT_S
    timed_out = False
    try:       # poll all: one failing worker stops the others at once (they would wait for it)
        while any(p.poll() is None for p in procs) and not any(p.poll() for p in procs):
            if time.monotonic() > deadline:
                timed_out = True
                break
            time.sleep(0.2)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    report = []
    for i, (p, (stdout, stderr)) in enumerate(zip(procs, logs)):
        stdout.seek(0), stderr.seek(0)
        report.append(f"--- process {i}: exit {p.returncode}\nstdout:\n{stdout.read()[-2000:]}\n"
                      f"stderr:\n{stderr.read()[-4000:]}")
        stdout.close(), stderr.close()
    if timed_out or any(p.returncode != 0 for p in procs):
        what = f"timed out after {TIMEOUT_S} s" if timed_out else "failed"
        pytest.fail(f"{n_processes} worker process(es) with {local_devices} CPU device(s) each {what} "
                    f"(coordinator {coordinator}):\n" + "\n".join(report), pytrace=False)
    return outs


def _load(path: Path) -> tuple[dict, dict]:
    """(flat output leaves, meta) of a worker's .npz."""
    with np.load(path) as z:
        flat = {k: z[k] for k in z.files if k != "meta"}
        meta = json.loads(str(z["meta"]))
    return flat, meta


def _as_numpy_output(flat: dict):
    """The flat leaves back in the NumPy step's output form, which ``cnn_step.compare`` reads."""
    from kernels import cnn_numpy

    def tree(prefix):
        return {layer: {leaf: flat[f"{prefix}/{layer}/{leaf}"] for leaf in ("kernel", "bias")}
                for layer in cnn_numpy.LAYERS}

    return (tree("params"), {"count": flat["count"], "mu": tree("mu"), "nu": tree("nu")},
            {"loss": flat["loss"], "accuracy": flat["accuracy"]})


@pytest.fixture(scope="module")
def reference():
    """The unsharded step (jax.jit, one CPU device) on the whole global batch the workers split."""
    import jax

    from kernels import _sharding, cnn_step

    cpu = jax.devices("cpu")[0]
    inputs = cnn_step.make_inputs(BATCH, "float32", None, np.random.default_rng(SEED))
    args = jax.device_put((inputs["images"], inputs["labels"], inputs["opt_state"], inputs["params"]), cpu)
    out = jax.block_until_ready(jax.jit(_sharding.batch_step)(*args))
    return jax.device_get(out)


def _check_against_reference(flat: dict, reference) -> float:
    from kernels import cnn_step

    return cnn_step.compare(_as_numpy_output(flat), reference, RTOL)


# ---------------------------------------------------------------- in this process (1 device)
def test_mesh_and_shardings_on_one_device():
    import jax

    from kernels import _sharding

    m = _sharding.mesh(jax.devices("cpu")[:1])
    assert m.axis_names == ("data",) and m.size == 1
    assert _sharding.batch_sharding(m).spec == jax.sharding.PartitionSpec("data")
    assert _sharding.replicated(m).is_fully_replicated
    assert _sharding.process_rows(m, BATCH) == slice(0, BATCH)
    with pytest.raises(ValueError, match="twice"):
        _sharding.mesh(jax.devices("cpu")[:1] * 2)
    with pytest.raises(ValueError, match="batch_argnums"):
        _sharding.data_parallel_step(m, batch_argnums=(4,))


def test_collectives_counts_hlo_instructions():
    from kernels import _sharding

    hlo = ("  %all-reduce.1 = (f32[3,3,1,32]{3,2,1,0}, f32[]) all-reduce(%a, %b), replica_groups={{0,1}}\n"
           "  %ag = f32[8]{0} all-gather-start(%c), dimensions={0}\n  %x = f32[] add(%all-reduce.1, %y)\n")
    assert _sharding.collectives(hlo) == {"all-reduce": 1, "all-gather": 1}
    assert _sharding.collectives("%d = f32[] dot(%a, %b)") == {}


# ---------------------------------------------------------------- one process, 2 forced host devices
def test_sharded_step_on_two_host_devices_equals_the_unsharded_step(tmp_path, reference):
    (out,) = _run_workers(tmp_path, n_processes=1, local_devices=2)
    flat, meta = _load(out)
    assert meta["devices"] == [0, 1], meta
    assert meta["out_devices"] == [0, 1], f"output must span exactly the 2 devices: {meta}"
    assert meta["collectives"].get("all-reduce", 0) >= 1, f"no gradient all-reduce in the step: {meta}"
    assert _check_against_reference(flat, reference) <= RTOL


# ---------------------------------------------------------------- two processes (jax.distributed, gloo)
@pytest.mark.parametrize("local_devices", [1, 2], ids=["1dev-per-process", "2dev-per-process"])
def test_two_process_step_equals_the_single_process_step(tmp_path, reference, local_devices):
    outs = _run_workers(tmp_path, n_processes=2, local_devices=local_devices)
    (flat0, meta0), (flat1, meta1) = _load(outs[0]), _load(outs[1])
    n_devices = 2 * local_devices
    for i, meta in enumerate((meta0, meta1)):
        assert (meta["process_id"], meta["num_processes"]) == (i, 2), meta
        assert len(meta["local_devices"]) == local_devices, meta
        assert meta["cpu_collectives"] == "gloo", meta
        assert len(meta["out_devices"]) == n_devices and meta["out_devices"] == sorted(meta["devices"]), meta
        assert meta["collectives"].get("all-reduce", 0) >= 1, meta
    assert [meta0["rows"], meta1["rows"]] == [[0, BATCH // 2], [BATCH // 2, BATCH]]
    assert _check_against_reference(flat0, reference) <= RTOL
    # replicated outputs: both processes hold the same values (the same all-reduced gradient)
    for name, value in flat0.items():
        np.testing.assert_array_equal(flat1[name], value, err_msg=f"process 1 differs from process 0 at {name}")
