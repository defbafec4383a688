"""Hard singular value thresholding on MovieLens-100k (the lab's recommender), NumPy vs JAX.

One iteration (lab): U, s, Vt = svd(A, full_matrices=False); s[s < threshold] = 0;
A = U diag(s) Vt; A[rows_train, cols_train] = vals_train; increment = ||A - A_old||_F.

Variants (the SVD method): "full" is the lab's thin SVD; "truncated" is a randomized SVD
(Halko-Martinsson-Tropp) with a rank bound of RANK_BOUND, enough because threshold = 100 keeps
about 8 singular values here. Size = number of users (rows): 943 is the real MovieLens matrix
943 x 1682; other sizes are synthetic rank-8 rating matrices of shape size x round(size*1682/943)
with the same fraction of known entries, thresholded between their 8th and 9th singular values
so that rank 8 is kept as on the real data (labelled "synthetic" in the case notes).
"""
from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from .data import movielens
from ._case import Case, Unavailable
from ._spec import Kernel
from .svt_linalg import hard_threshold, jax_randomized_svd, jax_svd, np_randomized_svd, np_svd

THRESHOLD = 100.0        # lab: singular values below 100 are zeroed
MAX_ITER = 100           # lab: n_max_iter
TOL = 1e-6               # lab: increment_tol on ||A - A_old||_F
RANK_BOUND = 16          # truncated variant: at most this many singular triplets
OVERSAMPLE = 8           # randomized SVD: test matrix of RANK_BOUND + OVERSAMPLE columns
POWER_ITERS = 2          # randomized SVD: subspace (power) iterations
VARIANTS = ("full", "truncated")
REAL_SIZE = movielens.N_USERS
KNOWN_FRACTION = 80_000 / (movielens.N_USERS * movielens.N_MOVIES)   # training entries, ~5.04%
SYNTHETIC_RANK = 8
KEPT_RANK = 8            # what threshold 100 keeps on the real data; synthetic thresholds keep the same


# ---------------------------------------------------------------- one iteration

def numpy_step(A, rows, cols, vals, omega=None, threshold=THRESHOLD):
    """A <- P(U hard(s) Vt) with known entries reset; returns (A, ||A - A_old||_F, kept rank)."""
    U, s, Vt = np_svd(A) if omega is None else np_randomized_svd(A, omega, POWER_ITERS, RANK_BOUND)
    A_new = (U * hard_threshold(s, threshold)) @ Vt            # = U @ diag(s_l) @ Vt
    A_new[rows, cols] = vals
    return A_new, np.linalg.norm(A_new - A), np.int32(np.count_nonzero(s >= threshold))


def jax_step(A, rows, cols, vals, omega=None, threshold=THRESHOLD):
    """JAX twin of numpy_step: the overwrite of known entries is A.at[rows, cols].set(vals)."""
    U, s, Vt = jax_svd(A) if omega is None else jax_randomized_svd(A, omega, POWER_ITERS, RANK_BOUND)
    A_new = ((U * hard_threshold(s, threshold, jnp)) @ Vt).at[rows, cols].set(vals)
    return A_new, jnp.linalg.norm(A_new - A), jnp.sum(s >= threshold, dtype=jnp.int32)


# ---------------------------------------------------------------- inputs
# prepare() passes the inputs positionally, in the order they are named here.

def shape_for(size: int) -> tuple[int, int]:
    """(users, movies): 943 -> 943 x 1682 (real); else size x round(size * 1682 / 943)."""
    return size, max(1, round(size * movielens.N_MOVIES / movielens.N_USERS))


def sketch_columns() -> int:
    return RANK_BOUND + OVERSAMPLE


def _synthetic_numpy(size, rng):
    """Rank-8 ratings in 1..5 (rounded, clipped) with KNOWN_FRACTION of the entries known."""
    m, n = shape_for(size)
    U, V = rng.standard_normal((m, SYNTHETIC_RANK)), rng.standard_normal((n, SYNTHETIC_RANK))
    ratings = np.clip(np.rint(3.5 + U @ V.T / np.sqrt(SYNTHETIC_RANK)), 1, 5)
    rows, cols = np.nonzero(rng.random((m, n)) < KNOWN_FRACTION)
    return rows, cols, ratings[rows, cols]


def synthetic_threshold(singular_values) -> float:
    """Midway between the 8th and 9th singular values: keeps rank 8, as threshold 100 does on the real data."""
    return float((singular_values[KEPT_RANK - 1] + singular_values[KEPT_RANK]) / 2)


def _assemble(m, n, rows, cols, vals, dtype, threshold, omega):
    X = np.zeros((m, n), dtype)
    X[rows, cols] = vals
    out = {"A": X, "rows": rows.astype(np.int32), "cols": cols.astype(np.int32), "vals": vals.astype(dtype),
           "threshold": np.asarray(threshold, dtype)}
    if omega is not None:
        out["omega"] = omega.astype(dtype)
    return out


def make_inputs(size, dtype, variant, rng):
    """A = X_full (training ratings, 0 unknown), the training triplets, and omega for 'truncated'."""
    if size == REAL_SIZE:
        s = movielens.load_split()
        rows, cols, vals = s.rows_train, s.cols_train, s.vals_train
    else:
        rows, cols, vals = _synthetic_numpy(size, rng)
    m, n = shape_for(size)
    omega = rng.standard_normal((n, sketch_columns())) if variant == "truncated" else None
    out = _assemble(m, n, rows, cols, vals, np.dtype(dtype), THRESHOLD, omega)
    if size != REAL_SIZE:
        out["threshold"] = np.asarray(synthetic_threshold(np.linalg.svd(out["A"], compute_uv=False)), dtype)
    return out


def device_inputs(size, dtype, variant, key):
    """Synthetic sizes: generated by jax.random on the default device. 943: the file, uploaded once."""
    m, n = shape_for(size)
    k_uv, k_mask, k_omega = jax.random.split(key, 3)
    if size == REAL_SIZE:
        host = make_inputs(size, dtype, "full", np.random.default_rng(0))
        out = {k: jnp.asarray(v) for k, v in host.items()}       # file data: uploaded once
    else:
        ku, kv = jax.random.split(k_uv)
        U = jax.random.normal(ku, (m, SYNTHETIC_RANK), dtype)
        V = jax.random.normal(kv, (n, SYNTHETIC_RANK), dtype)
        ratings = jnp.clip(jnp.rint(3.5 + U @ V.T / np.sqrt(SYNTHETIC_RANK)), 1, 5)
        rows, cols = jnp.nonzero(jax.random.uniform(k_mask, (m, n)) < KNOWN_FRACTION)
        vals = ratings[rows, cols].astype(dtype)
        A = jnp.zeros((m, n), dtype).at[rows, cols].set(vals)
        out = {"A": A, "rows": rows.astype(jnp.int32), "cols": cols.astype(jnp.int32), "vals": vals,
               "threshold": jnp.asarray(synthetic_threshold(jnp.linalg.svd(A, compute_uv=False)), dtype)}
    if variant == "truncated":
        out["omega"] = jax.random.normal(k_omega, (n, sketch_columns()), dtype)
    return out


def availability(size, variant):
    """Size 943 needs the MovieLens file (Unavailable otherwise); synthetic sizes always run."""
    if size == REAL_SIZE:
        movielens.find_data()


def _kernel_fn(step):
    """The benchmarked call: step(A, rows, cols, vals, omega, threshold) in the inputs' order."""
    return lambda A, rows, cols, vals, threshold, omega=None: step(A, rows, cols, vals, omega, threshold)


def _notes(backend, variant):
    lapack = {"numpy-cpu": "np.linalg.svd: gesdd of NumPy's bundled OpenBLAS",
              "jax-cpu": "jnp.linalg.svd: gesdd of SciPy's OpenBLAS via jaxlib's LAPACK FFI",
              "jax-gpu": "jnp.linalg.svd: cuSOLVER"}[backend]
    method = (f"randomized SVD, rank bound {RANK_BOUND}, {OVERSAMPLE} oversampling, {POWER_ITERS} power iterations"
              if variant == "truncated" else "full thin SVD")
    return (f"{method} ({lapack}); size 943 is the real MovieLens-100k matrix, other sizes are "
            f"synthetic rank-{SYNTHETIC_RANK} matrices with {KNOWN_FRACTION:.2%} known entries "
            f"and the threshold set between their {KEPT_RANK}th and {KEPT_RANK + 1}th singular values.")


def _footprint(size, itemsize, variant):
    m, n = shape_for(size)
    return itemsize * (8 * m * n + 4 * m * m) + 16 * m * n * KNOWN_FRACTION


KERNEL = Kernel(
    name="svt_hard",
    summary="one hard-SVT iteration (threshold 100) of the MovieLens lab: SVD, threshold, reset known entries",
    size_name="users",  # 943 = the real MovieLens matrix, other sizes synthetic (see notes)
    sizes=(256, 512, 943, 1886),
    default_size=REAL_SIZE,
    size_bounds=(16, 4096),
    numpy_transforms=("eager",),
    jax_transforms=("eager", "jit"),
    dtypes=("float32", "float64"),
    variants=VARIANTS,
    variant_name="svd",
    transform_notes={"eager": "JAX: op-by-op dispatch of the same function", "jit": "jax.jit of the iteration"},
    make_inputs=make_inputs,
    device_inputs=device_inputs,
    numpy_fn=lambda transform, variant: _kernel_fn(numpy_step),
    jax_fn=lambda transform, variant: _kernel_fn(jax_step),
    footprint_bytes=_footprint,
    # SVD FLOPs depend on the LAPACK algorithm: not claimed
    tolerance=lambda dtype: {"float32": 1e-3, "float64": 1e-9}[dtype],
    uses_matmul=True,
    notes=_notes,
    availability=availability,
)


# ---------------------------------------------------------------- full runs

@dataclass(frozen=True)
class History:
    """Per-iteration increment ||A - A_old||_F, test RMSE, test rho, and kept rank."""

    increment: np.ndarray
    rmse: np.ndarray
    rho: np.ndarray
    rank: np.ndarray
    backend: str
    method: str
    dtype: str
    data: str
    A: np.ndarray           # the final matrix, on the host

    def first_iteration(self, metric: str, above: float) -> int | None:
        """1-based iteration at which ``metric`` first exceeds ``above`` (None if never)."""
        hits = np.nonzero(getattr(self, metric) > above)[0]
        return int(hits[0]) + 1 if hits.size else None


def _jax_device(backend: str, dtype: str):
    from . import _devices
    return _devices.jax_device(Case("svt_hard", backend, "explicit", "jit", REAL_SIZE, dtype, "full"))


def run(split: movielens.Split, backend: str = "numpy-cpu", method: str = "full", threshold: float = THRESHOLD,
        max_iter: int = MAX_ITER, tol: float = TOL, dtype: str = "float32", seed: int = 0) -> History:
    """The lab's loop: iterate the step until increment < tol or max_iter, recording test metrics.

    ``backend``: numpy-cpu | jax-cpu | jax-gpu (Unavailable without a GPU). ``method``: full |
    truncated (``seed`` draws its test matrix). Metrics use the same NumPy/SciPy code for both.
    """
    if method not in VARIANTS:
        raise ValueError(f"method {method!r}; valid: {', '.join(VARIANTS)}")
    dt = np.dtype(dtype)
    args = [split.X_full.astype(dt), split.rows_train.astype(np.int32), split.cols_train.astype(np.int32),
            split.vals_train.astype(dt)]
    if method == "truncated":
        args.append(np.random.default_rng(seed).standard_normal((split.n_movies, sketch_columns())).astype(dt))
    if backend == "numpy-cpu":
        step = lambda A, *rest: numpy_step(A, *rest, threshold=threshold)
        predict, fetch = (lambda A: A[split.rows_test, split.cols_test]), np.asarray
        context = None
    elif backend in ("jax-cpu", "jax-gpu"):
        from . import _devices
        dev = _jax_device(backend, dtype)
        context = lambda: _devices.jax_context(Case("svt_hard", backend, "explicit", "jit", REAL_SIZE, dtype, method), dev)
        with context():
            args = list(jax.device_put(args, dev))
            rows_test, cols_test = jax.device_put((split.rows_test.astype(np.int32), split.cols_test.astype(np.int32)), dev)
        step = jax.jit(lambda A, *rest: jax_step(A, *rest, threshold=threshold))
        predict, fetch = jax.jit(lambda A: A[rows_test, cols_test]), jax.device_get
    else:
        raise ValueError(f"backend {backend!r}; valid: numpy-cpu, jax-cpu, jax-gpu")
    return _loop(step, predict, fetch, context, args, split, backend, method, dtype, max_iter, tol)


def _loop(step, predict, fetch, context, args, split, backend, method, dtype, max_iter, tol):
    incs, rmses, rhos, ranks = [], [], [], []
    A, rest = args[0], args[1:]
    with (context() if context else contextlib.nullcontext()):
        for _ in range(max_iter):
            A, inc, rank = step(A, *rest)
            pred = fetch(predict(A))
            incs.append(float(inc)), ranks.append(int(rank))
            rmses.append(movielens.rmse(split.vals_test, pred)), rhos.append(movielens.rho(split.vals_test, pred))
            if incs[-1] < tol:
                break
        A = np.asarray(fetch(A))
    if method == "truncated" and max(ranks) >= RANK_BOUND:
        warnings.warn(f"truncated SVT hit its rank bound {RANK_BOUND}: raise svt_hard.RANK_BOUND", RuntimeWarning)
    return History(np.array(incs), np.array(rmses), np.array(rhos), np.array(ranks), backend, method, dtype,
                   split.source, A)


def track_errors(backend: str, iterations: int = 10, seed: int = 0) -> dict:
    """Test {"rmse", "one_minus_rho"} after ``iterations`` lab iterations on the real MovieLens data.

    Raises kernels.Unavailable if the data (or, for jax-gpu, the GPU) is missing.
    """
    split = movielens.load_split(seed=seed)
    h = run(split, backend=backend, max_iter=iterations, tol=0.0, seed=seed)
    return {"rmse": float(h.rmse[-1]), "one_minus_rho": float(1.0 - h.rho[-1])}
