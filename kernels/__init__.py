"""Kernels and the case registry.

Time one case in three lines::

    import kernels
    p = kernels.prepare(kernels.Case("selu", "jax-cpu", "explicit", "jit", 100_000))
    print(kernels.measure(p))
"""
from ._case import (BACKENDS, DTYPES, JIT_TRANSFORMS, PLACEMENT_MEANING, PLACEMENTS, TRANSFORMS, Case,
                    CompileBudgetExceeded, Unavailable, VerificationError)
from ._devices import force_host_devices
from ._prepare import Prepared, prepare
from ._registry import (ROLES, available_memory_bytes, cases, check_declaration, in_default_run, kernel, kernels,
                        validate)
from ._spec import BASELINE_TRANSFORMS, Kernel, Sharding
from .timing import Timing, calls_per_sample, format_seconds, measure

__all__ = [
    "BACKENDS", "BASELINE_TRANSFORMS", "DTYPES", "JIT_TRANSFORMS", "PLACEMENTS", "PLACEMENT_MEANING", "TRANSFORMS", "Case",
    "CompileBudgetExceeded", "Kernel", "Prepared", "Sharding", "Timing", "Unavailable", "VerificationError",
    "ROLES", "available_memory_bytes", "force_host_devices", "calls_per_sample", "cases", "check_declaration", "format_seconds", "in_default_run", "kernel", "kernels", "measure", "prepare",
    "validate",
]
