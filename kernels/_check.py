"""Comparison of an output with the NumPy reference, dtype-aware."""
from __future__ import annotations

import numpy as np

from ._case import VerificationError


def max_relative_error(out, ref, rtol: float, what: str = "output") -> float:
    """max|out - ref| / max|ref| over every leaf (a scale-aware max norm); raise above ``rtol``.

    Shapes and dtypes must match exactly: a float32 case compared with a float64 reference, or
    a JAX run silently truncated to float32, is a failure, not a pass.
    """
    import jax

    out_leaves, ref_leaves = jax.tree_util.tree_leaves(out), jax.tree_util.tree_leaves(ref)
    if len(out_leaves) != len(ref_leaves):
        raise VerificationError(f"{what}: {len(out_leaves)} output leaves vs {len(ref_leaves)} in the reference")
    worst = 0.0
    for i, (o, r) in enumerate(zip(out_leaves, ref_leaves)):
        o, r = np.asarray(o), np.asarray(r)
        if o.shape != r.shape:
            raise VerificationError(f"{what}[{i}]: shape {o.shape} != reference {r.shape}")
        if o.dtype != r.dtype:
            raise VerificationError(f"{what}[{i}]: dtype {o.dtype} != reference {r.dtype}")
        if not np.all(np.isfinite(o)):
            raise VerificationError(f"{what}[{i}]: output has non-finite values")
        scale = float(np.max(np.abs(r))) if r.size else 0.0
        err = float(np.max(np.abs(o.astype(np.float64) - r.astype(np.float64)))) if r.size else 0.0
        rel = err / scale if scale > 0 else err
        if rel > rtol:
            raise VerificationError(f"{what}[{i}]: max relative error {rel:.3g} exceeds tolerance {rtol:.3g}")
        worst = max(worst, rel)
    return worst
