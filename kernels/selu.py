"""SELU of the lecture: lambda * (x if x > 0 else alpha * (e^x - 1)), lambda = 1.05, alpha = 1.67."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ._spec import Kernel

LAMBDA = 1.05
ALPHA = 1.67


def selu_numpy(x, alpha=ALPHA, lmbda=LAMBDA):
    """selu(x) = lambda * where(x > 0, x, alpha * expm1(min(x, 0))): no exp of large positives."""
    return lmbda * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def selu_jax(x, alpha=ALPHA, lmbda=LAMBDA):
    """selu(x) = lambda * where(x > 0, x, alpha * expm1(min(x, 0))): finite values and gradients."""
    return lmbda * jnp.where(x > 0, x, alpha * jnp.expm1(jnp.minimum(x, 0)))


KERNEL = Kernel(
    name="selu",
    summary="SELU activation, lambda=1.05, alpha=1.67, elementwise on n values",
    size_name="n",
    sizes=(1_000, 100_000, 1_000_000, 10_000_000),
    default_size=100_000,
    quick_sizes=(1_000, 100_000),
    size_bounds=(1, 1_000_000_000),
    numpy_transforms=("eager",),
    jax_transforms=("eager", "jit"),
    dtypes=("float32", "float64"),
    make_inputs=lambda n, dtype, variant, rng: {"x": rng.standard_normal(n, dtype=np.dtype(dtype))},
    device_inputs=lambda n, dtype, variant, key: {"x": jax.random.normal(key, (n,), dtype=dtype)},
    numpy_fn=lambda transform, variant: selu_numpy,
    jax_fn=lambda transform, variant: selu_jax,
    footprint_bytes=lambda n, itemsize, variant: 6 * n * itemsize,
    # elementwise and memory-bound: bytes (read x, write y) are the meaningful cost, not FLOPs
    bytes_moved=lambda n, itemsize, variant: 2 * n * itemsize,
)
