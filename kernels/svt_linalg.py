"""SVD building blocks shared by the SVT kernels, in NumPy and in JAX (no KERNEL here).

LAPACK paths on the CPU (see docs/svt.md): ``np.linalg.svd`` calls ``?gesdd`` of NumPy's own
bundled OpenBLAS (ILP64 build); ``scipy.linalg.svd`` calls ``?gesdd`` of SciPy's bundled OpenBLAS;
``jnp.linalg.svd`` on jax-cpu calls ``?gesdd`` through jaxlib's LAPACK FFI, whose function
pointers come from ``scipy.linalg.cython_lapack`` -- the same library as SciPy. On jax-gpu it is
cuSOLVER.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np


def hard_threshold(s, threshold, xp=np):
    """Hard thresholding: s_i if s_i >= threshold else 0 (the lab zeroes s < threshold)."""
    return xp.where(s >= threshold, s, xp.zeros_like(s))


def soft_threshold(s, tau, xp=np):
    """Soft thresholding (shrinkage): max(s_i - tau, 0)."""
    return xp.maximum(s - tau, xp.zeros_like(s))


def np_svd(A):
    """Thin SVD, U diag(s) Vt = A, with the lab's np.linalg.svd(A, full_matrices=False)."""
    return np.linalg.svd(A, full_matrices=False)


def jax_svd(A):
    """Thin SVD with jnp.linalg.svd(A, full_matrices=False)."""
    return jnp.linalg.svd(A, full_matrices=False)


def np_randomized_svd(A, omega, power_iters: int, rank: int):
    """Randomized SVD (Halko-Martinsson-Tropp 2011, alg. 4.4): Q = orth((A A^T)^q A omega), svd(Q^T A).

    ``omega`` (n x k, k >= rank) is the Gaussian test matrix; returns the top ``rank`` triplets.
    """
    Q = np.linalg.qr(A @ omega)[0]
    for _ in range(power_iters):
        Q = np.linalg.qr(A @ np.linalg.qr(A.T @ Q)[0])[0]
    Ub, s, Vt = np.linalg.svd(Q.T @ A, full_matrices=False)
    return (Q @ Ub)[:, :rank], s[:rank], Vt[:rank]


def jax_randomized_svd(A, omega, power_iters: int, rank: int):
    """JAX twin of :func:`np_randomized_svd` (same test matrix -> same subspace up to rounding)."""
    Q = jnp.linalg.qr(A @ omega)[0]
    for _ in range(power_iters):
        Q = jnp.linalg.qr(A @ jnp.linalg.qr(A.T @ Q)[0])[0]
    Ub, s, Vt = jnp.linalg.svd(Q.T @ A, full_matrices=False)
    return (Q @ Ub)[:, :rank], s[:rank], Vt[:rank]
