"""Autodiff of f(x) = x sin(x^2) with jax.grad: at the lecture's x0 = 0.13 (size 1, a 0-d array of
the case dtype) and over a vector with vmap(grad). Reference: f'(x) = sin(x^2) + 2 x^2 cos(x^2)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ._spec import Kernel

X0 = 0.13


def f(x):
    """f(x) = x sin(x^2)."""
    return x * jnp.sin(x ** 2)


def df_exact(x):
    """f'(x) = sin(x^2) + 2 x^2 cos(x^2), in NumPy."""
    return np.sin(x ** 2) + 2 * x ** 2 * np.cos(x ** 2)


def _jax_fn(transform, variant):
    df = jax.grad(f)
    return df if transform in ("eager", "jit") else jax.vmap(df)


def _make_inputs(n, dtype, variant, rng):
    dt = np.dtype(dtype)
    if n == 1:
        return {"x": np.asarray(X0, dtype=dt)}
    return {"x": rng.uniform(-2.0, 2.0, n).astype(dt)}


def _device_inputs(n, dtype, variant, key):
    if n == 1:
        return {"x": jnp.asarray(X0, dtype=dtype)}
    return {"x": jax.random.uniform(key, (n,), dtype=dtype, minval=-2.0, maxval=2.0)}


KERNEL = Kernel(
    name="grad",
    summary="jax.grad of f(x) = x sin(x^2) at x0 = 0.13 (size 1) and vmap(grad) over n points",
    size_name="n",
    sizes=(1, 1000, 100_000),
    default_size=1,
    default_sizes=(1, 1000),
    lecture_size=1,         # 003: grad of x sin(x^2) at 0.13
    lecture_baseline="eager",
    size_bounds=(1, 100_000_000),
    transform_size_bounds={"eager": (1, 1), "jit": (1, 1), "vmap": (2, 100_000_000), "jit_vmap": (2, 100_000_000)},
    numpy_transforms=("eager",),
    jax_transforms=("eager", "jit", "vmap", "jit_vmap"),
    dtypes=("float32", "float64"),
    transform_notes={"eager": "jax.grad(f)(x0) (JAX) / analytic f'(x) (NumPy)",
                     "vmap": "jax.vmap(jax.grad(f)) over n points"},
    make_inputs=_make_inputs,
    device_inputs=_device_inputs,
    numpy_fn=lambda transform, variant: df_exact,
    jax_fn=_jax_fn,
    footprint_bytes=lambda n, itemsize, variant: 8 * n * itemsize,
    bytes_moved=lambda n, itemsize, variant: 2 * n * itemsize,
)
