"""The lecture's batching example: apply_matrix(v) = mat @ v, mat 150 x 100, over a batch of vectors.

Transforms: ``loop`` naive Python loop + stack; ``eager`` manually batched ``v_batched @ mat.T``;
``jit`` the manually batched product jitted; ``vmap`` / ``jit_vmap`` auto-vectorised apply_matrix.

Variant axis ``form``, where ``mat`` comes from:
``argument`` (default) passes ``mat`` as an input of every call, a parameter of the jitted program;
``closed`` is the lecture's own code: ``mat`` a global the functions close over, so ``jit`` bakes it
into the compiled program as a constant (XLA then folds ``mat.T`` and lays the product out at
compile time: another program than the argument form's). The lecture table judges the closed form;
the batching table shows both (docs/comparisons.md, "The lecture's batching in its own form").
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from ._spec import Kernel

MAT_SHAPE = (150, 100)
FORMS = ("argument", "closed")   # the first is the default (results before the axis existed)
LECTURE_MAT_SEED = 0             # the closed form's global mat: seeded, the same in every process


def apply_matrix(mat, v):
    """apply_matrix(v) = mat @ v."""
    return jnp.dot(mat, v)


@functools.cache
def lecture_mat_host(dtype: str = "float32") -> np.ndarray:
    """The closed form's global ``mat`` (150 x 100, standard normal), as NumPy."""
    return np.random.default_rng(LECTURE_MAT_SEED).standard_normal(MAT_SHAPE, dtype=np.dtype(dtype))


@functools.cache
def _lecture_mat_on(device, dtype: str):
    with jax.ensure_compile_time_eval():   # made at once, also when first asked for inside a trace
        return jax.block_until_ready(jax.device_put(lecture_mat_host(dtype), device))


def lecture_mat(like):
    """The lecture's global ``mat`` as a JAX array on ``like``'s device (JAX's default device for
    NumPy inputs and traces): closed over inside ``jit``, it becomes a constant of the program."""
    if isinstance(like, jax.Array) and not isinstance(like, jax.core.Tracer):
        device = next(iter(like.devices()))
    else:
        device = jax.config.jax_default_device or jax.devices()[0]
    return _lecture_mat_on(device, np.dtype(like.dtype).name)


def _closed_jax_fn(transform):
    """The lecture's functions of ``v_batched`` alone, ``mat`` taken from the global."""
    if transform == "loop":
        # mat looked up once a call, as the lecture's global is: lecture_mat costs ~3 us, once per row
        # it added ~30 us to a ~270 us loop of 10 rows (2-core Zen 4 EPYC, 2026-12-08)
        def loop(vb):
            mat = lecture_mat(vb)
            return jnp.stack([jnp.dot(mat, v) for v in vb])
        return loop
    if transform in ("eager", "jit"):
        return lambda vb: jnp.dot(vb, lecture_mat(vb).T)
    return lambda vb: jax.vmap(functools.partial(apply_matrix, lecture_mat(vb)))(vb)   # vmap, jit_vmap


def _jax_fn(transform, form):
    if form == "closed":
        return _closed_jax_fn(transform)
    if transform == "loop":
        return lambda mat, vb: jnp.stack([apply_matrix(mat, v) for v in vb])
    if transform in ("eager", "jit"):
        return lambda mat, vb: jnp.dot(vb, mat.T)
    return jax.vmap(apply_matrix, in_axes=(None, 0))  # vmap, jit_vmap


def _numpy_fn(transform, form):
    if form == "closed":
        if transform == "loop":
            return lambda vb: np.stack([lecture_mat_host(vb.dtype.name) @ v for v in vb])
        return lambda vb: vb @ lecture_mat_host(vb.dtype.name).T
    if transform == "loop":
        return lambda mat, vb: np.stack([mat @ v for v in vb])
    return lambda mat, vb: vb @ mat.T


def _make_inputs(batch, dtype, form, rng):
    dt = np.dtype(dtype)
    mat = rng.standard_normal(MAT_SHAPE, dtype=dt)   # drawn in both forms: v_batched is the same in both
    v_batched = rng.standard_normal((batch, MAT_SHAPE[1]), dtype=dt)
    return {"v_batched": v_batched} if form == "closed" else {"mat": mat, "v_batched": v_batched}


def _device_inputs(batch, dtype, form, key):
    km, kv = jax.random.split(key)
    v_batched = jax.random.normal(kv, (batch, MAT_SHAPE[1]), dtype=dtype)
    if form == "closed":
        return {"v_batched": v_batched}
    return {"mat": jax.random.normal(km, MAT_SHAPE, dtype=dtype), "v_batched": v_batched}


def _in_default_run(c) -> bool:
    """The closed form where the lecture times it: JAX, inputs on the device, loop / jit / jit(vmap)."""
    return c.variant != "closed" or (c.is_jax and c.placement == "device" and c.transform in ("loop", "jit", "jit_vmap"))


def _notes(backend, form):
    if form == "closed" and backend != "numpy-cpu":
        return ("The lecture's form: mat is a global the function closes over; under jit it is a constant "
                "of the compiled program (XLA folds mat.T at compile time), not a parameter.")
    return ""


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
    variants=FORMS,
    variant_name="form",
    default_case=_in_default_run,
    transform_notes={"loop": "naive Python loop over the batch, then stack",
                     "eager": "manually batched v_batched @ mat.T",
                     "jit": "manually batched v_batched @ mat.T, jitted"},
    make_inputs=_make_inputs,
    device_inputs=_device_inputs,
    numpy_fn=_numpy_fn,
    jax_fn=_jax_fn,
    notes=_notes,
    footprint_bytes=lambda b, itemsize, variant: 4 * itemsize * (MAT_SHAPE[0] * MAT_SHAPE[1] + b * sum(MAT_SHAPE)),
    flops=lambda b, variant: 2.0 * MAT_SHAPE[0] * MAT_SHAPE[1] * b,
    bytes_moved=lambda b, itemsize, variant: itemsize * (MAT_SHAPE[0] * MAT_SHAPE[1] + b * sum(MAT_SHAPE)),
    uses_matmul=True,
)
