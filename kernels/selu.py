"""SELU of the lecture: lambda * (x if x > 0 else alpha * (e^x - 1)), lambda = 1.05, alpha = 1.67.

Variant axis ``formula``, the same formula on the NumPy and the JAX side of a comparison:
``lecture`` (default) is the lecture's ``lmbda * where(x > 0, x, alpha * exp(x) - alpha)``;
``expm1`` is ``lmbda * where(x > 0, x, alpha * expm1(min(x, 0)))``, which never takes exp of a
large positive x (no overflow warning, finite gradients), but which NumPy runs slower in float32
where its float32 ``expm1`` is not SIMD-vectorised (CPUs without AVX-512): as a NumPy baseline it
then inflates JAX's speedup. ``_notes`` says why, case by case.
(The lecture's own code names the parameter ``lambda``, a Python keyword; here it is ``lmbda``.)
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ._spec import Kernel, Sharding

LAMBDA = 1.05
ALPHA = 1.67
FORMULAS = ("lecture", "expm1")   # the first is the default


def selu_numpy(x, alpha=ALPHA, lmbda=LAMBDA):
    """The lecture's selu(x) = lmbda * where(x > 0, x, alpha * exp(x) - alpha), in NumPy."""
    return lmbda * np.where(x > 0, x, alpha * np.exp(x) - alpha)


def selu_jax(x, alpha=ALPHA, lmbda=LAMBDA):
    """The lecture's selu(x) = lmbda * where(x > 0, x, alpha * exp(x) - alpha), in JAX."""
    return lmbda * jnp.where(x > 0, x, alpha * jnp.exp(x) - alpha)


def selu_expm1_numpy(x, alpha=ALPHA, lmbda=LAMBDA):
    """selu(x) = lmbda * where(x > 0, x, alpha * expm1(min(x, 0))), in NumPy: never exp of x > 0."""
    return lmbda * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def selu_expm1_jax(x, alpha=ALPHA, lmbda=LAMBDA):
    """selu(x) = lmbda * where(x > 0, x, alpha * expm1(min(x, 0))), in JAX: finite values and gradients."""
    return lmbda * jnp.where(x > 0, x, alpha * jnp.expm1(jnp.minimum(x, 0)))


NUMPY_FORMULAS = {"lecture": selu_numpy, "expm1": selu_expm1_numpy}
JAX_FORMULAS = {"lecture": selu_jax, "expm1": selu_expm1_jax}


def _notes(backend, formula):
    if formula == "lecture" and backend == "numpy-cpu":
        return ("The lecture's formula. exp runs on every x, so x > ~88.7 (float32; ~709.8 in float64) overflows "
                "in the unselected branch: NumPy warns 'overflow encountered in exp', the result stays right. "
                "The inputs are standard normal: never in the benchmark. NumPy makes a temporary per operation "
                "(exp, the scaling and shift, np.where's select on a random sign mask, lmbda *), each a pass "
                "over memory, where jit fuses them into one.")
    if formula == "lecture":
        return ("The lecture's formula. Values are right for every x, but jax.grad of it is NaN for x > ~88.7 "
                "(float32; ~709.8 in float64): 0 * inf in the unselected exp branch. The expm1 formula "
                "has finite gradients.")
    if formula == "expm1" and backend == "numpy-cpu":
        return ("NumPy's float32 expm1 is SIMD-vectorised only where NumPy dispatches AVX-512; on AVX2-only "
                "CPUs it is scalar, many times slower than exp, and this form then costs NumPy a multiple of "
                "the lecture's, inflating JAX's speedup as much (np.show_runtime() lists the SIMD extensions "
                "NumPy dispatches on a machine). With AVX-512 both formulas are vectorised. The lecture's is "
                "the default.")
    if formula == "expm1":
        return ("XLA vectorises expm1 too, on every CPU; this form does a little more per element than the "
                "lecture's (the min(x, 0), and expm1 takes more operations than exp).")
    return ""


KERNEL = Kernel(
    name="selu",
    summary="SELU activation, lambda=1.05, alpha=1.67, elementwise on n values",
    size_name="n",
    sizes=(1_000, 100_000, 1_000_000, 10_000_000),
    default_size=100_000,
    default_sizes=(1_000, 100_000),
    lecture_size=100_000,   # 001: SELU of 1e5 floats, eager vs jit
    lecture_baseline="eager",
    size_bounds=(1, 1_000_000_000),
    numpy_transforms=("eager",),
    jax_transforms=("eager", "jit"),
    dtypes=("float32", "float64"),
    variants=FORMULAS,
    default_variants=("lecture",),  # make bench: the lecture's formula; FULL=1 adds the expm1 form
    variant_name="formula",
    make_inputs=lambda n, dtype, variant, rng: {"x": rng.standard_normal(n, dtype=np.dtype(dtype))},
    device_inputs=lambda n, dtype, variant, key: {"x": jax.random.normal(key, (n,), dtype=dtype)},
    numpy_fn=lambda transform, formula: NUMPY_FORMULAS[formula],
    jax_fn=lambda transform, formula: JAX_FORMULAS[formula],
    footprint_bytes=lambda n, itemsize, variant: 6 * n * itemsize,
    # elementwise and memory-bound: bytes (read x, write y) are the meaningful cost, not FLOPs
    bytes_moved=lambda n, itemsize, variant: 2 * n * itemsize,
    notes=_notes,
    sharding=Sharding(what="x split over the devices, elementwise: each device maps its share, no collective.",
                      inputs=lambda placement: {"x": 0}, output=0),
    # sharded in the default run at the notes' size, inputs put once
    default_case=lambda c: c.devices == 1 or (c.size == 100_000 and c.placement == "explicit"),
)
