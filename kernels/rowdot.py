"""The lecture's custom product f(x, y) = (x . y)^2 on each pair of rows of X, Y (n x d, d = 100).

The vmap ladder: Python ``loop``; ``jit_loop`` (jit unrolls the loop into n dot products and a
stack of n results: the program, its compile time and the compiler's memory grow faster than n,
so its sizes are bounded by ``JIT_LOOP_MAX_ROWS``); ``vmap``; ``jit_vmap``. NumPy: a Python loop
and ``einsum`` (``eager``).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ._spec import Kernel, Sharding

ROWDOT_DIM = 100      # d: the lecture's 10,000 x 100 case
JIT_LOOP_MAX_ROWS = 1000


def rowdot(x, y):
    """f(x, y) = (x . y)^2."""
    return jnp.dot(x, y) ** 2


def _jax_fn(transform, variant):
    if transform in ("loop", "jit_loop"):
        return lambda X, Y: jnp.stack([rowdot(x, y) for x, y in zip(X, Y)])
    return jax.vmap(rowdot, in_axes=(0, 0))  # vmap, jit_vmap


def _numpy_fn(transform, variant):
    if transform == "loop":
        return lambda X, Y: np.array([np.dot(x, y) ** 2 for x, y in zip(X, Y)], dtype=X.dtype)
    return lambda X, Y: np.einsum("ij,ij->i", X, Y) ** 2


def _make_inputs(n, dtype, variant, rng):
    dt = np.dtype(dtype)
    return {"X": rng.standard_normal((n, ROWDOT_DIM), dtype=dt), "Y": rng.standard_normal((n, ROWDOT_DIM), dtype=dt)}


def _device_inputs(n, dtype, variant, key):
    kx, ky = jax.random.split(key)
    return {"X": jax.random.normal(kx, (n, ROWDOT_DIM), dtype=dtype),
            "Y": jax.random.normal(ky, (n, ROWDOT_DIM), dtype=dtype)}


KERNEL = Kernel(
    name="rowdot",
    summary="f(x, y) = (x . y)^2 on each row pair of X, Y (n x 100): loop, jit(loop), vmap, jit(vmap)",
    size_name="rows",
    sizes=(100, 1000, 10_000),
    default_size=10_000,
    default_sizes=(100, 10_000),
    lecture_size=10_000,    # 000: the ladder on 10,000 x 100
    lecture_baseline="loop",  # "vmap is ~500x faster than the loop"
    # the Python loop at 10,000 rows dispatches 10,000 dot products a call, and each process compiles
    # a jnp.stack of 10,000 operands once: the longest JAX case, measured on one placement (explicit),
    # the one the ladder's other placements fall back to for their loop baseline (jaxbench/declare.py)
    default_case=lambda c: (not (c.transform == "loop" and c.size > 1000 and c.placement not in ("host", "explicit"))
                            if c.devices == 1 else c.size == 10_000 and c.placement == "explicit"),
    size_bounds=(1, 10_000_000),
    transform_size_bounds={"loop": (1, 100_000), "jit_loop": (1, JIT_LOOP_MAX_ROWS)},
    numpy_transforms=("loop", "eager"),
    jax_transforms=("loop", "jit_loop", "vmap", "jit_vmap"),
    transform_notes={"eager": "np.einsum('ij,ij->i', X, Y) ** 2",
                     "jit_loop": f"jit of the Python loop: unrolled, compile time grows with rows (<= {JIT_LOOP_MAX_ROWS})"},
    make_inputs=_make_inputs,
    device_inputs=_device_inputs,
    numpy_fn=_numpy_fn,
    jax_fn=_jax_fn,
    footprint_bytes=lambda n, itemsize, variant: 4 * n * ROWDOT_DIM * itemsize,
    flops=lambda n, variant: n * (2.0 * ROWDOT_DIM + 1),
    bytes_moved=lambda n, itemsize, variant: itemsize * n * (2 * ROWDOT_DIM + 1),
    sharding=Sharding(what="rows of X and Y split over the devices, f vmapped on each device's rows, no collective.",
                      inputs=lambda placement: {"X": 0, "Y": 0}, output=0, transforms=("jit_vmap",)),
)
