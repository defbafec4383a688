"""What the kernels registry (:mod:`kernels`, read once per load) says of each row of the results.

Per parameter combination: its device count (:func:`devices_of`), whether it is a case of the
registry at all (:func:`valid`), its FLOPs and bytes per call (:func:`cost`); per row, the columns of
:func:`with_registry` (the kernel's notes, its lecture baseline, why a skipped case was skipped).
Where the registry cannot tell (an unknown kernel, a check that raises), the row keeps its value
and nothing is hidden.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from .asv_json import number
from .files import ResultsWarning

# the registry's facts of each row (with_registry)
REGISTRY_COLUMNS = ["numpy_note", "jax_note", "kernel_baseline", "unavailable", "in_default_run"]
DEVICES_AXIS = "devices"   # the case's device count (asv param of the kernels that shard)


def registry() -> dict:
    """kernel name -> :class:`kernels.Kernel`: the registry, read once per load ({} with a warning
    where it cannot be imported: the report still works, minus FLOPs, bytes and notes)."""
    try:
        import kernels
        return kernels.kernels()
    except Exception as exc:
        warnings.warn(f"kernels registry not importable ({exc}); no FLOPs/bytes", ResultsWarning)
        return {}


def _attempt(f, default=math.nan):
    """``f()``, or ``default`` where the registry cannot tell (it raises)."""
    try:
        return f()
    except Exception:
        return default


def cost(spec, size, dtype, variant) -> tuple[float, float]:
    """FLOPs and bytes per call from the registry (NaN where unknown)."""
    if spec is None or size is None:
        return math.nan, math.nan
    nbytes = _attempt(lambda: spec.bytes_moved(int(size), np.dtype(dtype or "float32").itemsize, variant), None)
    return number(_attempt(lambda: spec.flops(int(size), variant), None)), number(nbytes)


def devices_of(p: dict) -> int:
    """The device count of one parameter combination: its ``devices`` value, 1 without one."""
    value = p.get(DEVICES_AXIS, 1)
    try:
        return int(value) if not isinstance(value, bool) else 1
    except (TypeError, ValueError):
        return 1


def valid(spec, p: dict) -> bool:
    """Whether the registry declares this combination (False: an asv grid point that is never a case:
    an axis value the kernel does not offer, a size outside the transform's bounds, a device count
    the kernel does not shard that case over).

    Unknown kernels and non-case benchmarks count as valid, so nothing is hidden by mistake.
    """
    if spec is None or "backend" not in p:
        return True
    backend, devices = p["backend"], devices_of(p)
    if devices != 1 and devices not in spec.device_counts_for(backend, p.get("transform")):
        return False   # Kernel.device_counts_for: 1, or the sharded counts of a JAX backend and transform
    checks = [("placement", spec.placements_for(backend)), ("transform", spec.transforms_for(backend)),
              ("dtype", spec.dtypes)]
    if spec.variant_name:
        checks.append((spec.variant_name, spec.variants))
    if not all(p[axis] in allowed for axis, allowed in checks if axis in p):
        return False
    if "transform" in p and isinstance(p.get("size"), int):   # e.g. jit of a Python loop: bounded sizes
        lo, hi = _attempt(lambda: spec.bounds_for(p["transform"]), (-math.inf, math.inf))
        return lo <= p["size"] <= hi
    return True


def _why_skipped(spec, r: dict, kernels) -> tuple[str, bool | None]:
    """(the reason the kernel's availability check gives here, '' when it passes or has none;
    kernels.in_default_run of the row's case, None when it is not a registry case)."""
    reason, size = "", None if pd.isna(r["size"]) else int(r["size"])
    try:
        if spec.availability is not None:
            spec.availability(size if size is not None else spec.default_size, r["variant"] or spec.variants[0])
    except kernels.Unavailable as exc:
        reason = f"unavailable on the machine that built this report: {exc.reason}"
    except Exception:
        pass
    if r["role"] not in kernels.ROLES or r["backend"] is None or size is None:
        return reason, None
    try:
        case = kernels.Case(r["kernel"], r["backend"], r["placement"], r["transform"], size,
                            r["dtype"] or spec.dtypes[0], r["variant"] or "")
        return reason, kernels.in_default_run(case, r["role"])
    except (ValueError, TypeError):        # not a case of the registry's grid
        return reason, None


def with_registry(df: pd.DataFrame, registry: dict) -> pd.DataFrame:
    """``df`` with the registry's facts of each row (:data:`REGISTRY_COLUMNS`): the kernel's notes on
    the row's variant for NumPy and for JAX (``numpy_note``, ``jax_note``), its lecture baseline
    (``kernel_baseline``; ``numpy`` for a kernel the registry does not know) and, for a skipped row,
    why (``unavailable``: the kernel's availability check on this machine; ``in_default_run``)."""
    import kernels   # importable: the registry came from it

    values, notes, skips = {c: [] for c in REGISTRY_COLUMNS}, {}, {}
    for r in df[["kernel", "role", "backend", "placement", "transform", "size", "dtype", "variant",
                 "status"]].to_dict("records"):
        spec, skip = registry.get(r["kernel"]), ("", None)
        if spec is None:
            facts = ("", "", "numpy")
        else:
            key = (r["kernel"], r["variant"])
            if key not in notes:
                notes[key] = tuple(_attempt(lambda b=b: spec.notes(b, r["variant"]) or "", "")
                                   for b in ("numpy-cpu", "jax-cpu")) + (spec.lecture_baseline or "numpy",)
            facts = notes[key]
            case = tuple(str(v) for v in r.values())
            if r["status"] == "skipped" and case not in skips:
                skips[case] = _why_skipped(spec, r, kernels)
            skip = skips.get(case, skip)
        for c, v in zip(REGISTRY_COLUMNS, facts + skip):
            values[c].append(v)
    for c, v in values.items():
        df[c] = pd.Series(v, index=df.index, dtype=object)
    return df
