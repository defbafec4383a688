"""Matrix product of the lecture: ``x @ x.T`` (3000 x 3000 float32), and a general ``x @ y``.

NumPy detects ``x @ x.T`` and calls BLAS SYRK (half the FLOPs); XLA runs a full GEMM.
Only ``x @ y`` compares like with like; both are kept because the lecture times ``x @ x.T``.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ._spec import Kernel, Sharding

OPERANDS = ("x@x.T", "x@y")


def _make_inputs(n, dtype, operand, rng):
    x = rng.standard_normal((n, n), dtype=np.dtype(dtype))
    return {"x": x} if operand == "x@x.T" else {"x": x, "y": rng.standard_normal((n, n), dtype=np.dtype(dtype))}


def _device_inputs(n, dtype, operand, key):
    kx, ky = jax.random.split(key)
    x = jax.random.normal(kx, (n, n), dtype=dtype)
    return {"x": x} if operand == "x@x.T" else {"x": x, "y": jax.random.normal(ky, (n, n), dtype=dtype)}


def numpy_product(operand):
    """NumPy: ``x @ x.T`` (runs as SYRK) or ``x @ y`` (GEMM)."""
    return (lambda x: x @ x.T) if operand == "x@x.T" else (lambda x, y: x @ y)


def jax_product(operand):
    """JAX: ``jnp.dot(x, x.T)`` as in the lecture, or ``jnp.dot(x, y)``."""
    return (lambda x: jnp.dot(x, x.T)) if operand == "x@x.T" else (lambda x, y: jnp.dot(x, y))


def _notes(backend, operand):
    if operand == "x@x.T" and backend == "numpy-cpu":
        return "NumPy runs x @ x.T as BLAS SYRK (half the FLOPs of a GEMM); compare x@y for like with like."
    if operand == "x@x.T":
        return "XLA runs x @ x.T as a full GEMM; NumPy's SYRK does half the work."
    return "General GEMM on both sides: like with like."


KERNEL = Kernel(
    name="matmul",
    summary="x @ x.T (lecture, SYRK in NumPy) and x @ y (GEMM), square n x n",
    size_name="n",
    sizes=(256, 1024, 3000, 4096),
    default_size=3000,
    default_sizes=(256, 1024, 3000),
    lecture_size=3000,      # 001: jnp.dot(x, x.T), 3000 x 3000 float32
    size_bounds=(16, 16384),
    numpy_transforms=("eager",),
    jax_transforms=("eager", "jit"),
    dtypes=("float32", "float64"),
    variants=OPERANDS,
    variant_name="operand",
    make_inputs=_make_inputs,
    device_inputs=_device_inputs,
    numpy_fn=lambda transform, operand: numpy_product(operand),
    jax_fn=lambda transform, operand: jax_product(operand),
    footprint_bytes=lambda n, itemsize, operand: 5 * n * n * itemsize,
    # nominal FLOPs of the product (2 n^3) for both operands, so GFLOP/s are comparable
    flops=lambda n, operand: 2.0 * n ** 3,
    bytes_moved=lambda n, itemsize, operand: (3 if operand == "x@y" else 2) * n * n * itemsize,
    uses_matmul=True,
    notes=_notes,
    # rows of x split, y replicated; the product is left split by rows (not gathered)
    sharding=Sharding(
        what=("rows of x split over the devices, y replicated, the product left split by rows (not gathered); "
              "x @ x.T needs all of x on every device: XLA all-gathers it."),
        inputs=lambda placement: {"x": 0},
        output=0),
    # the default run: n = 3000 the notes' product only; sharded at n = 1024, inputs put once
    default_case=lambda c: ((c.size < 3000 or c.variant == "x@x.T") if c.devices == 1
                            else c.size == 1024 and c.placement == "explicit"),
)
