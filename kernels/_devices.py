"""Device resolution and output-device checks: the one place where labels meet hardware."""
from __future__ import annotations

import contextlib
import os

from ._case import Case, Unavailable, VerificationError


def jax_device(case: Case, device=None):
    """The JAX device a case runs on; raises Unavailable when its platform is absent.

    Never falls back: ``jax-gpu`` without ``jax.devices("gpu")`` is Unavailable, with the reason.
    """
    import jax

    platform = case.platform
    try:
        devices = jax.devices(platform)
    except RuntimeError as exc:
        raise Unavailable(f"{case.backend}: no {platform} device visible to JAX "
                          f"(jax {jax.__version__}, devices: {jax.devices()}): {exc}") from None
    if not devices:
        raise Unavailable(f"{case.backend}: jax.devices({platform!r}) is empty")
    if device is None:
        return devices[0]
    if device.platform != platform:
        raise ValueError(f"device {device} is not a {platform} device, but the case is {case.backend}")
    return device


def matmul_precision() -> str | None:
    """JAXBENCH_MATMUL_PRECISION (e.g. ``highest``: true float32 matmuls on GPU instead of TF32)."""
    return os.environ.get("JAXBENCH_MATMUL_PRECISION") or None


def jax_context(case: Case, device) -> contextlib.ExitStack:
    """Context for tracing and running a JAX case: x64 for float64, the target default device,
    and the matmul precision asked for by JAXBENCH_MATMUL_PRECISION.

    The default-device context is entered only when ``device`` is not JAX's default device,
    so the common case pays nothing per call.
    """
    import jax

    stack = contextlib.ExitStack()
    if case.dtype == "float64":
        stack.enter_context(jax.enable_x64(True))
    if device != jax.devices()[0]:
        stack.enter_context(jax.default_device(device))
    if matmul_precision():
        stack.enter_context(jax.default_matmul_precision(matmul_precision()))
    return stack


def needs_context(case: Case, device) -> bool:
    import jax

    return case.dtype == "float64" or device != jax.devices()[0] or matmul_precision() is not None


def describe(device) -> str:
    """'numpy' for host NumPy, else e.g. 'cpu:0' or 'gpu:0 (NVIDIA H100)'."""
    if device is None:
        return "numpy"
    kind = getattr(device, "device_kind", "")
    name = f"{device.platform}:{device.id}"
    return f"{name} ({kind})" if device.platform == "gpu" and kind else name


def check_output_device(case: Case, output, device) -> None:
    """Every leaf of a JAX case's output lives on ``device``; a NumPy case's output is NumPy."""
    import jax
    import numpy as np

    for leaf in jax.tree_util.tree_leaves(output):
        if case.is_jax:
            if not isinstance(leaf, jax.Array):
                raise VerificationError(f"{case.label}: output leaf of type {type(leaf).__name__} "
                                        f"is not a JAX array on {device}")
            if leaf.devices() != {device}:
                raise VerificationError(f"{case.label}: output lives on {leaf.devices()}, "
                                        f"but the label says {device}")
        elif isinstance(leaf, jax.Array):
            raise VerificationError(f"{case.label}: NumPy case returned a JAX array on {leaf.devices()}")
        elif not isinstance(leaf, (np.ndarray, np.generic, float, int)):
            raise VerificationError(f"{case.label}: unexpected output type {type(leaf).__name__}")
