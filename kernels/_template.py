"""Template of a kernel: copy to ``kernels/<name>.py``, rename, fill in the math (docs/adding_a_kernel.md).

Not a kernel itself: the registry skips modules whose name starts with "_" (kernels/_registry.py),
so no benchmark, comparison, report or test run picks this one up. tests/test_registry.py checks
that the declaration below is valid and that every case of its smallest size matches the reference.

The example is elementwise and small on purpose: axpy, z = a x + y with a = 2, on two vectors of
n values (BLAS level 1). Keep the shape of the module: the formula in NumPy and in JAX, named as
the lecture names it, with a one-line docstring giving the formula; the inputs, made on the host
and on the device; the notes; then one ``KERNEL = Kernel(...)``, which is all the registry reads.
"""
from __future__ import annotations

import jax
import numpy as np

from ._spec import Kernel, as_jax

A = 2.0   # the formula's constants, with the lecture's names and values


# ---------------------------------------------------------------- the formula, on both sides

def axpy_numpy(x, y, a=A):
    """z = a x + y, in NumPy: the NumPy-CPU side, and the reference every case is checked against."""
    return a * x + y


def axpy_jax(x, y, a=A):
    """z = a x + y, in JAX. Not jitted here: prepare() applies jax.jit for the jit transforms."""
    # as_jax: under placement "implicit" x and y arrive as NumPy arrays, and a * x + y on them
    # would run in NumPy; the output check would then fail (a NumPy result, not a JAX array).
    # A JAX array is passed as it is (jnp.asarray on one slows the eager operations after it).
    return a * as_jax(x) + y


# ---------------------------------------------------------------- inputs
# prepare() passes the inputs positionally, in the order they are named here.

def _make_inputs(n, dtype, variant, rng):
    """x, y: n standard normal values each, seeded (the same in every process)."""
    dt = np.dtype(dtype)
    return {"x": rng.standard_normal(n, dtype=dt), "y": rng.standard_normal(n, dtype=dt)}


def _device_inputs(n, dtype, variant, key):
    """x, y made by JAX on the device (placement "device": no host -> device transfer, ever)."""
    kx, ky = jax.random.split(key)
    return {"x": jax.random.normal(kx, (n,), dtype=dtype), "y": jax.random.normal(ky, (n,), dtype=dtype)}


def _notes(backend, variant):
    """What the report prints under this kernel: mechanisms true on every machine, no timings."""
    if backend == "numpy-cpu":
        return "NumPy makes a temporary for a x, then adds y: two passes over memory where jit makes one."
    return "Memory-bound: eager JAX dispatches a x and the sum as two ops; jit fuses them into one pass."


KERNEL = Kernel(
    # --- identity: the name is the module's (kernels/<name>.py); the summary is the README's line
    name="axpy",
    summary="z = a x + y, a = 2, elementwise on two vectors of n values (the kernel template)",
    size_name="n",
    # --- sizes: the grid (FULL=1), the default run's (`make bench`; tests use the smallest), the
    # size the CLI times by default, and the range prepare() accepts
    sizes=(1_000, 100_000, 10_000_000),
    default_sizes=(1_000, 100_000),
    default_size=100_000,
    size_bounds=(1, 1_000_000_000),
    # --- the lecture: the size its notes time (None: they time none) and its claim's baseline
    lecture_size=None,
    lecture_baseline="numpy",
    # --- the axes offered; placements default to device, implicit, explicit
    numpy_transforms=("eager",),
    jax_transforms=("eager", "jit"),
    dtypes=("float32", "float64"),
    # --- the math
    make_inputs=_make_inputs,
    device_inputs=_device_inputs,
    numpy_fn=lambda transform, variant: axpy_numpy,
    jax_fn=lambda transform, variant: axpy_jax,
    # --- costs: the memory guard's peak estimate, and per call the FLOPs and bytes (GFLOP/s, GB/s)
    footprint_bytes=lambda n, itemsize, variant: 6 * n * itemsize,
    flops=lambda n, variant: 2.0 * n,                            # a multiply and an add per element
    bytes_moved=lambda n, itemsize, variant: 3 * n * itemsize,   # read x and y, write z
    notes=_notes,
    # --- optional (kernels/_spec.py documents each; the kernel named shows one in use):
    # variants + variant_name (selu's formula), default_variants, default_case (rowdot),
    # transform_size_bounds + transform_notes (rowdot), reference + tolerance (norm), compare
    # (cnn_step), resident_inputs (cnn_step), availability (svt_hard), uses_matmul (matmul),
    # sharding=Sharding(...) (selu: split over several devices)
)
