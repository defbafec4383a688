"""Column standardisation of the lecture's ``norm``: (X - X.mean(0)) / X.std(0), X of rows x 10.

Notes 001 ("To Jit or not to Jit") time it on ``np.random.rand(10000, 10)``: 4.3 ms eager,
452 us with ``jit`` (Colab CPU). ``std`` is the population one (ddof = 0), as in NumPy and JAX.
The reference is the same formula in float64, cast to the case dtype, so the NumPy float32 row is
checked against it too; the inputs are uniform on [0, 1) like the lecture's.

Tolerance (max relative error): 1e-3 in float32, 1e-10 in float64. NumPy sums a float32 array
along axis 0 row by row (its pairwise summation is for contiguous axes only), so its error grows
with the rows: 3e-6 at 1e4, 2.2e-4 at 1e6, 8e-4 at 3e6, 5e-3 at 1e7 against float64, where JAX
(XLA) stays at 2e-7. Sizes are bounded at 2e6 rows so the float32 check stays meaningful.
"""
from __future__ import annotations

import jax
import numpy as np

from ._spec import Kernel, Sharding, as_jax

COLUMNS = 10   # the lecture's X is 10000 x 10


def norm(X):
    """The lecture's norm(X) = (X - X.mean(0)) / X.std(0), on the array's own library (NumPy here)."""
    X = X - X.mean(0)
    return X / X.std(0)


def norm_jax(X):
    """(X - X.mean(0)) / X.std(0) in JAX: a NumPy X (implicit placement) is moved to the device first;
    a JAX X is used as it is, as the lecture's ``norm(X)`` does (:func:`kernels._spec.as_jax`)."""
    return norm(as_jax(X))


def norm_reference(inputs, variant):
    """(X - X.mean(0)) / X.std(0) computed in float64, cast to X's dtype."""
    X = inputs["X"]
    return norm(np.asarray(X, dtype=np.float64)).astype(X.dtype)


def _tolerance(dtype):
    """Max relative error accepted: NumPy's float32 column sums lose ~rows * eps (module docstring)."""
    return {"float32": 1e-3, "float64": 1e-10}[dtype]


def _notes(backend, variant):
    if backend == "numpy-cpu":
        return ("NumPy runs each step as its own pass over X with a temporary; std() centres X a second time. "
                "Its float32 column sums are sequential: relative error ~2e-4 at 1e6 rows (JAX: 2e-7).")
    return ("Memory-bound: eager JAX dispatches each step (mean, centre, std, divide) as its own op, each a "
            "pass over X; jit fuses them. What jit saves is that per-op dispatch and the extra passes, so its "
            "speed-up is largest where dispatch is dear next to a pass over X: at few rows, and with a JAX "
            "whose eager dispatch is slow (the notes' 9.5x at 10000 x 10 was timed on Colab).")


KERNEL = Kernel(
    name="norm",
    summary="column standardisation (X - X.mean(0)) / X.std(0) of X with 10 columns, size = rows",
    size_name="rows",
    sizes=(1_000, 10_000, 100_000, 1_000_000),
    default_size=10_000,
    default_sizes=(10_000,),
    lecture_size=10_000,     # 001: norm of np.random.rand(10000, 10), eager vs jit
    lecture_baseline="eager",
    size_bounds=(2, 2_000_000),   # one row has std 0; NumPy's float32 error is 8e-4 at 3e6 rows
    numpy_transforms=("eager",),
    jax_transforms=("eager", "jit"),
    dtypes=("float32", "float64"),
    make_inputs=lambda rows, dtype, variant, rng: {"X": rng.random((rows, COLUMNS), dtype=np.dtype(dtype))},
    device_inputs=lambda rows, dtype, variant, key: {"X": jax.random.uniform(key, (rows, COLUMNS), dtype=dtype)},
    reference=norm_reference,
    tolerance=_tolerance,
    numpy_fn=lambda transform, variant: norm,
    jax_fn=lambda transform, variant: norm_jax,
    footprint_bytes=lambda rows, itemsize, variant: 6 * rows * COLUMNS * itemsize,
    # per element: mean (1 add), centre (1 sub), std of the centred X (mean, sub, square, add: 4), divide (1)
    flops=lambda rows, variant: 7.0 * rows * COLUMNS,
    # the least traffic: read X once, write the result once (eager NumPy/JAX read X about four times)
    bytes_moved=lambda rows, itemsize, variant: 2.0 * rows * COLUMNS * itemsize,
    notes=_notes,
    # per column: each device standardises its own columns (10 = 2 x 5, so 2 devices; 4 do not divide 10)
    sharding=Sharding(what=("the 10 columns of X split over the devices: each device standardises its own "
                            "columns, no collective."),
                      inputs=lambda placement: {"X": 1}, output=1, device_counts=(1, 2)),
    default_case=lambda c: c.devices == 1 or c.placement == "explicit",
)
