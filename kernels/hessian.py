"""The lecture's ``hessian(fun) = jit(jacfwd(jacrev(fun)))`` of f(x) = logsumexp(A x), x in R^n.

Notes 001 define ``hessian`` but never apply it to a function or time it. The nearest scalar
function in the notes, ``sum_logistic(x) = sum(1.0 / 1.0 + exp(-x))`` (as written: sum(1 + e^-x)),
has a diagonal Hessian, which would time the AD machinery on n useful numbers. Here
f(x) = logsumexp(A x), A a fixed seeded n x n matrix (an input of the case, standard normal / sqrt(n),
so A x is O(1)): its Hessian is dense and analytic,

    H = A^T (diag(p) - p p^T) A,    p = softmax(A x),

which is the NumPy side and the reference (computed in float64, cast to the case dtype).

Variant axis ``mode``, the order of the two Jacobians: ``fwd_rev`` = jacfwd(jacrev(f)) (the
lecture's, and ``jax.hessian``'s), ``rev_fwd`` = jacrev(jacfwd(f)), ``fwd_fwd`` = jacfwd(jacfwd(f)),
``rev_rev`` = jacrev(jacrev(f)). The JAX ``jit`` transform is the lecture's ``jit(...)``.

The order matters beyond FLOPs: in ``rev_fwd`` and ``fwd_fwd`` JAX expresses the second
derivative sum_i (A e_j)_i (A e_k)_i p_i as a broadcast multiply and a reduction over an n x n x n
array instead of a matrix product. Eager JAX materialises it: n^3 floats where ``fwd_rev`` holds
n^2 (n = 1000: 10^9 floats, 4 GB in float32, 8 GB in float64). ``jit`` fuses it into a loop, but
that loop is no BLAS product: its time grows as n^3 at a small fraction of a GEMM's rate, slowest
in float64 on the CPU. Hence the modest grid (10, 100, 300) and the bound n <= 1000.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ._spec import Kernel

MODES = {   # mode -> (outer, inner) Jacobian; the first is the default, the lecture's
    "fwd_rev": (jax.jacfwd, jax.jacrev),
    "rev_fwd": (jax.jacrev, jax.jacfwd),
    "fwd_fwd": (jax.jacfwd, jax.jacfwd),
    "rev_rev": (jax.jacrev, jax.jacrev),
}
N3_MODES = ("rev_fwd", "fwd_fwd")   # the modes whose second derivative goes through an n^3 array


def _footprint(n, itemsize, mode):
    """Peak bytes: A, H and a few n x n temporaries; rev_fwd/fwd_fwd eager hold two n^3 arrays."""
    return (8 * n * n + (2 * n ** 3 if mode in N3_MODES else 0)) * itemsize


def f(x, A):
    """f(x) = logsumexp(A x), in JAX."""
    return jax.nn.logsumexp(A @ x)


def hessian_jax(mode):
    """outer(inner(f)) w.r.t. x, e.g. jacfwd(jacrev(f)) for ``fwd_rev``: (x, A) -> n x n Hessian."""
    outer, inner = MODES[mode]
    return outer(inner(f))


def hessian_exact(x, A):
    """H = A^T (diag(p) - p p^T) A with p = softmax(A x), in NumPy (the dtype of x and A)."""
    z = A @ x
    p = np.exp(z - z.max())
    p /= p.sum()
    Ap = A.T @ p
    return (A.T * p) @ A - np.outer(Ap, Ap)


def hessian_reference(inputs, variant):
    """The analytic Hessian in float64, cast to the case dtype."""
    x = inputs["x"]
    return hessian_exact(np.asarray(x, np.float64), np.asarray(inputs["A"], np.float64)).astype(x.dtype)


def _make_inputs(n, dtype, variant, rng):
    dt = np.dtype(dtype)
    x = rng.standard_normal(n).astype(dt)
    A = (rng.standard_normal((n, n)) / np.sqrt(n)).astype(dt)
    return {"x": x, "A": A}


def _device_inputs(n, dtype, variant, key):
    kx, ka = jax.random.split(key)
    return {"x": jax.random.normal(kx, (n,), dtype=dtype),
            "A": jax.random.normal(ka, (n, n), dtype=dtype) / jnp.sqrt(jnp.asarray(n, dtype))}


def _notes(backend, mode):
    if backend == "numpy-cpu":
        return ("NumPy evaluates the analytic Hessian A^T (diag(p) - p p^T) A: the same for every mode. "
                "At small n its one GEMM is so short that OpenBLAS's threads, which spin while they wait "
                "for work, can cost more than the product when the machine has other load: read this row "
                "with the BLAS threads and the load recorded with the results.")
    note = ("The AD modes push n basis vectors through the products with A: XLA's cost analysis counts "
            "2x the analytic formula's FLOPs for fwd_rev, fwd_fwd and rev_rev, 3x for rev_fwd (n = 200). "
            "fwd_rev is the lecture's and jax.hessian's order.")
    if mode in N3_MODES:
        note += (" This mode forms an n x n x n broadcast product (a reduction, not a matmul): eager JAX "
                 "materialises it, and jit's fused loop is slow in float64 on CPU (module docstring).")
    return note


def _default_case(case):
    """make bench: NumPy's analytic Hessian once (it does not depend on the mode), the lecture's
    fwd_rev under jit on every placement and eager on explicit only (an eager call dispatches the AD
    graph's primitives one by one, each compiled once per process: its cost is that dispatch, which
    the placement does not change), the other three modes under jit with explicit placement."""
    if case.backend == "numpy-cpu":
        return case.variant == "fwd_rev"
    if case.variant == "fwd_rev":
        return case.transform == "jit" or case.placement == "explicit"
    return case.transform == "jit" and case.placement == "explicit"


KERNEL = Kernel(
    name="hessian",
    summary="jit(jacfwd(jacrev(f))) of f(x) = logsumexp(A x), A n x n: the dense Hessian, size = n",
    size_name="n",
    sizes=(10, 100, 300),
    default_size=100,
    default_sizes=(100,),
    lecture_size=None,        # 001 defines hessian() but times nothing
    lecture_baseline="eager",
    size_bounds=(2, 1000),    # the AD modes cost 4-6 n^3 FLOPs; rev_fwd/fwd_fwd hold n^3 floats
    numpy_transforms=("eager",),
    jax_transforms=("eager", "jit"),
    dtypes=("float32", "float64"),
    variants=tuple(MODES),
    variant_name="mode",
    default_case=_default_case,
    transform_notes={"eager": "the mode's outer(inner(f))(x, A), op by op (JAX) / the analytic Hessian (NumPy)",
                     "jit": "jit(outer(inner(f))): the lecture's jit(jacfwd(jacrev(f))) for mode fwd_rev"},
    make_inputs=_make_inputs,
    device_inputs=_device_inputs,
    reference=hessian_reference,
    numpy_fn=lambda transform, mode: hessian_exact,
    jax_fn=lambda transform, mode: hessian_jax(mode),
    footprint_bytes=_footprint,
    # the analytic formula's (the useful work): (A^T * p) @ A is 2 n^3, the rest O(n^2);
    # XLA counts 2x this for the AD modes, 3x for rev_fwd (see _notes)
    flops=lambda n, variant: 2.0 * n ** 3 + 6.0 * n ** 2,
    # read A and x, write H
    bytes_moved=lambda n, itemsize, variant: (2.0 * n * n + n) * itemsize,
    uses_matmul=True,
    notes=_notes,
)
