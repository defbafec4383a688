"""Soft singular value thresholding (Cai-Candes-Shen 2010) for image completion, NumPy vs JAX.

Iteration (lab, CCS eq. 3.2): U, s, Vt = svd(Y); M = U max(s - tau, 0) Vt;
R = P_Omega(X - M); Y <- Y + delta R. Start: Y = c0 delta P_Omega(X) with
c0 = ceil(tau / (delta ||P_Omega(X)||_2)) (CCS sec. 5.1.2, "kicking": the first c0 - 1
iterations would give M = 0). Stop when ||P_Omega(X - M)||_F / ||P_Omega(X)||_F < tol (CCS eq. 5.5)
or after max_iter. Lab defaults: 50% of the pixels missing, delta = 1.2, tau = gamma sqrt(n1 n2)
with gamma = 5, max_iter = 700, tol = 0.01. Size = side of the square synthetic Mondrian (px).
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from .data import mondrian
from ._case import Case
from ._spec import Kernel
from .svt_linalg import jax_svd, np_svd, soft_threshold

MISSING = 0.5        # lab: 50% of the pixels are corrupted
DELTA = 1.2          # lab: step size delta
GAMMA = 5.0          # lab: tau = gamma * sqrt(n1 * n2)
MAX_ITER = 700       # lab
TOL = 0.01           # lab
SIZE = mondrian.SIZE


def tau_for(shape) -> float:
    """tau = gamma * sqrt(n1 * n2) (lab, gamma = 5)."""
    return GAMMA * math.sqrt(shape[0] * shape[1])


def c0_for(X_omega, tau: float, delta: float = DELTA) -> float:
    """CCS k0: c0 = ceil(tau / (delta * ||P_Omega(X)||_2)), the spectral norm."""
    return float(np.ceil(tau / (delta * np.linalg.norm(np.asarray(X_omega, np.float64), 2))))


# ---------------------------------------------------------------- one iteration

def numpy_step(Y, X_omega, mask, delta=DELTA):
    """M = U soft(s, tau) Vt; R = P_Omega(X) - P_Omega(M); Y + delta R; returns (Y, M, ||R||/||P_Omega X||)."""
    U, s, Vt = np_svd(Y)
    M = (U * soft_threshold(s, tau_for(Y.shape))) @ Vt
    R = X_omega - mask * M
    return Y + Y.dtype.type(delta) * R, M, np.linalg.norm(R) / np.linalg.norm(X_omega)


def jax_step(Y, X_omega, mask, delta=DELTA):
    """JAX twin of numpy_step."""
    U, s, Vt = jax_svd(Y)
    M = (U * soft_threshold(s, tau_for(Y.shape), jnp)) @ Vt
    R = X_omega - mask * M
    return Y + delta * R, M, jnp.linalg.norm(R) / jnp.linalg.norm(X_omega)


def _without_M(step):
    """The benchmarked iteration returns (Y, relative residual); M is an intermediate."""
    return lambda Y, X_omega, mask: (lambda out: (out[0], out[2]))(step(Y, X_omega, mask))


# ---------------------------------------------------------------- inputs
# Digit-prefixed names: jax.device_put(dict) sorts the keys and prepare() passes values positionally.

def problem(X, seed: int = 0, missing: float = MISSING, delta: float = DELTA, dtype="float32"):
    """Lab set-up: mask (known pixels), P_Omega(X), and Y0 = c0 delta P_Omega(X)."""
    dt = np.dtype(dtype)
    mask = mondrian.missing_mask(X.shape, missing, np.random.default_rng(seed)).astype(dt)
    X_omega = (mask * X).astype(dt)
    Y0 = (c0_for(X_omega, tau_for(X.shape), delta) * delta * X_omega).astype(dt)
    return {"Y": Y0, "X_omega": X_omega, "mask": mask}


def make_inputs(size, dtype, variant, rng):
    """Y0, P_Omega(X), mask for the synthetic Mondrian of side ``size`` (seeded mask)."""
    return problem(mondrian.mondrian(size), seed=int(rng.integers(2**31)), dtype=dtype)


def device_inputs(size, dtype, variant, key):
    """Mask drawn by jax.random on the default device; the (deterministic) image is uploaded."""
    X = jnp.asarray(mondrian.mondrian(size), dtype)
    mask = (jax.random.uniform(key, X.shape) >= MISSING).astype(dtype)
    X_omega = mask * X
    c0 = jnp.ceil(tau_for(X.shape) / (DELTA * jnp.linalg.norm(X_omega, 2)))
    return {"Y": c0 * DELTA * X_omega, "X_omega": X_omega, "mask": mask}


def _notes(backend, variant):
    lapack = {"numpy-cpu": "np.linalg.svd: gesdd of NumPy's bundled OpenBLAS",
              "jax-cpu": "jnp.linalg.svd: gesdd of SciPy's OpenBLAS via jaxlib's LAPACK FFI",
              "jax-gpu": "jnp.linalg.svd: cuSOLVER"}[backend]
    return f"full thin SVD ({lapack}); synthetic Mondrian image, {MISSING:.0%} of the pixels missing."


KERNEL = Kernel(
    name="svt_soft",
    summary="one soft-SVT (Cai-Candes-Shen) iteration of the lab's image completion, Mondrian n x n",
    size_name="side_px",
    sizes=(100, 200, 400, 800),
    default_size=SIZE,
    size_bounds=(8, 2048),
    numpy_transforms=("eager",),
    jax_transforms=("eager", "jit"),
    dtypes=("float32", "float64"),
    variants=("full",),
    variant_name="svd",
    transform_notes={"eager": "JAX: op-by-op dispatch of the same function", "jit": "jax.jit of the iteration"},
    make_inputs=make_inputs,
    device_inputs=device_inputs,
    numpy_fn=lambda transform, variant: _without_M(numpy_step),
    jax_fn=lambda transform, variant: _without_M(jax_step),
    footprint_bytes=lambda n, itemsize, variant: 12 * n * n * itemsize,
    tolerance=lambda dtype: {"float32": 1e-3, "float64": 1e-9}[dtype],
    uses_matmul=True,
    notes=_notes,
)


# ---------------------------------------------------------------- full runs

@dataclass(frozen=True)
class History:
    """Per iteration: relative residual on Omega (the stopping test) and relative error on all pixels."""

    residual: np.ndarray      # ||P_Omega(X - M)||_F / ||P_Omega(X)||_F
    error: np.ndarray         # ||M - X||_F / ||X||_F, the reconstruction error
    backend: str
    dtype: str
    M: np.ndarray             # the final reconstruction, on the host


def run(X, backend: str = "numpy-cpu", seed: int = 0, max_iter: int = MAX_ITER, tol: float = TOL,
        delta: float = DELTA, dtype: str = "float32") -> History:
    """Complete image X (50% of the pixels dropped with ``seed``) by soft SVT until tol or max_iter."""
    inputs = problem(np.asarray(X), seed=seed, delta=delta, dtype=dtype)
    Xd = np.asarray(X, dtype)
    if backend == "numpy-cpu":
        step = lambda Y, Xo, mk, X: _with_error(numpy_step(Y, Xo, mk, delta), X, np)
        args, fetch, context = [*inputs.values(), Xd], np.asarray, contextlib.nullcontext
    elif backend in ("jax-cpu", "jax-gpu"):
        from . import _devices
        case = Case("svt_soft", backend, "explicit", "jit", int(max(Xd.shape)), dtype, "full")
        dev = _devices.jax_device(case)
        context = lambda: _devices.jax_context(case, dev)
        with context():
            args = list(jax.device_put([*inputs.values(), Xd], dev))
        step = jax.jit(lambda Y, Xo, mk, X: _with_error(jax_step(Y, Xo, mk, delta), X, jnp))
        fetch = jax.device_get
    else:
        raise ValueError(f"backend {backend!r}; valid: numpy-cpu, jax-cpu, jax-gpu")
    residuals, errors = [], []
    Y, rest = args[0], args[1:]
    with context():
        for _ in range(max_iter):
            Y, M, res, err = step(Y, *rest)
            residuals.append(float(res)), errors.append(float(err))
            if residuals[-1] < tol:
                break
        M = np.asarray(fetch(M))
    return History(np.array(residuals), np.array(errors), backend, dtype, M)


def _with_error(out, X, xp):
    """Append the relative reconstruction error ||M - X||_F / ||X||_F to a step's output."""
    Y, M, res = out
    return Y, M, res, xp.linalg.norm(M - X) / xp.linalg.norm(X)


def track_relative_error(backend: str, iterations: int = 50, seed: int = 0) -> float:
    """||M - X||_F / ||X||_F after ``iterations`` soft-SVT iterations on the 400 px Mondrian."""
    return float(run(mondrian.mondrian(SIZE), backend=backend, seed=seed, max_iter=iterations, tol=0.0).error[-1])
