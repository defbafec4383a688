"""The lecture's batching example: apply_matrix(v) = mat @ v, mat 150 x 100, over a batch of vectors.

Transforms: ``loop`` naive Python loop + stack; ``eager`` manually batched ``v_batched @ mat.T``;
``jit`` the manually batched product jitted; ``vmap`` / ``jit_vmap`` auto-vectorised apply_matrix.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ._spec import Kernel

MAT_SHAPE = (150, 100)


def apply_matrix(mat, v):
    """apply_matrix(v) = mat @ v."""
    return jnp.dot(mat, v)


def _jax_fn(transform, variant):
    if transform == "loop":
        return lambda mat, vb: jnp.stack([apply_matrix(mat, v) for v in vb])
    if transform in ("eager", "jit"):
        return lambda mat, vb: jnp.dot(vb, mat.T)
    return jax.vmap(apply_matrix, in_axes=(None, 0))  # vmap, jit_vmap


def _numpy_fn(transform, variant):
    if transform == "loop":
        return lambda mat, vb: np.stack([mat @ v for v in vb])
    return lambda mat, vb: vb @ mat.T


def _make_inputs(batch, dtype, variant, rng):
    dt = np.dtype(dtype)
    return {"mat": rng.standard_normal(MAT_SHAPE, dtype=dt),
            "v_batched": rng.standard_normal((batch, MAT_SHAPE[1]), dtype=dt)}


def _device_inputs(batch, dtype, variant, key):
    km, kv = jax.random.split(key)
    return {"mat": jax.random.normal(km, MAT_SHAPE, dtype=dtype),
            "v_batched": jax.random.normal(kv, (batch, MAT_SHAPE[1]), dtype=dtype)}


KERNEL = Kernel(
    name="batching",
    summary="apply_matrix(v) = mat @ v, mat 150x100, over a batch of vectors: loop, manual, vmap",
    size_name="batch",
    sizes=(10, 100, 1000),
    default_size=10,
    default_sizes=(10,),
    lecture_size=10,        # 001: apply_matrix, 150 x 100, batch of 10
    lecture_baseline="loop",  # the naive loop over the batch
    size_bounds=(1, 10_000_000),
    transform_size_bounds={"loop": (1, 10_000)},
    numpy_transforms=("loop", "eager"),
    jax_transforms=("loop", "eager", "jit", "vmap", "jit_vmap"),
    transform_notes={"loop": "naive Python loop over the batch, then stack",
                     "eager": "manually batched v_batched @ mat.T",
                     "jit": "manually batched v_batched @ mat.T, jitted"},
    make_inputs=_make_inputs,
    device_inputs=_device_inputs,
    numpy_fn=_numpy_fn,
    jax_fn=_jax_fn,
    footprint_bytes=lambda b, itemsize, variant: 4 * itemsize * (MAT_SHAPE[0] * MAT_SHAPE[1] + b * sum(MAT_SHAPE)),
    flops=lambda b, variant: 2.0 * MAT_SHAPE[0] * MAT_SHAPE[1] * b,
    bytes_moved=lambda b, itemsize, variant: itemsize * (MAT_SHAPE[0] * MAT_SHAPE[1] + b * sum(MAT_SHAPE)),
    uses_matmul=True,
)
