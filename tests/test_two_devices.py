"""Placement on a second device, without a GPU: XLA is given two host devices in a subprocess."""
import os
import subprocess
import sys
import textwrap

from kernels import _devices

SCRIPT = textwrap.dedent("""
    import jax, numpy as np, kernels
    from kernels import Case
    devs = jax.devices("cpu")
    assert len(devs) == 2, devs
    second = devs[1]
    for placement in ("device", "implicit", "explicit"):
        for transform in ("eager", "jit"):
            p = kernels.prepare(Case("matmul", "jax-cpu", placement, transform, 64, "float32", "x@y"), device=second)
            out = p.run()
            assert out.devices() == {second}, (placement, transform, out.devices())
            assert p.device == "cpu:1", p.device
            if placement != "implicit":
                assert all(a.devices() == {second} for a in p.inputs.values())
    p = kernels.prepare(Case("rowdot", "jax-cpu", "implicit", "jit_vmap", 32), device=second)
    assert p.run().devices() == {second}
    print("OK")
""")


def test_inputs_and_outputs_land_on_the_second_device():
    env = dict(os.environ, XLA_FLAGS=_devices.with_forced_host_devices(os.environ.get("XLA_FLAGS", ""), 2),
               JAX_PLATFORMS="cpu")  # conftest's compile flags kept
    res = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.strip().endswith("OK")
