"""Device resolution and output-device checks: the one place where labels meet hardware."""
from __future__ import annotations

import contextlib
import os
import sys

from . import settings
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


FORCE_FLAG = "--xla_force_host_platform_device_count"


def with_forced_host_devices(xla_flags: str, n: int) -> str:
    """``xla_flags`` (an ``XLA_FLAGS`` value) forcing ``n`` host devices; 1 removes the flag,
    other flags are kept."""
    kept = [f for f in (xla_flags or "").split() if not f.startswith(FORCE_FLAG)]
    return " ".join(kept + ([f"{FORCE_FLAG}={n}"] if n > 1 else []))


def backends_started() -> bool:
    """Whether this process has started a JAX backend (its runtime's threads run from then on)."""
    if "jax" not in sys.modules:
        return False
    try:
        from jax._src import xla_bridge
    except ImportError:  # pragma: no cover - a JAX without it: assume started, never guess
        return True
    return xla_bridge.backends_are_initialized()


def force_host_devices(n: int) -> None:
    """Give this process ``n`` CPU devices (``XLA_FLAGS=--xla_force_host_platform_device_count=n``).

    XLA reads the flag once, when JAX starts its backends, so it must run before anything touches a
    device; after that it only checks, and raises Unavailable naming the count this process has.
    Forcing more devices than a case uses can slow one-device cases (the forced devices share the
    machine's cores; ``python -m runner.forced_devices`` measures by how much on a machine), so call
    it only in processes that need it.
    """
    if n < 1:
        raise ValueError(f"device count must be positive, got {n}")
    if backends_started():
        import jax

        have = len(jax.devices("cpu"))
        if have != n:
            raise Unavailable(f"this process has {have} CPU device(s) and JAX has started: {n} can no longer "
                              f"be forced (set XLA_FLAGS={FORCE_FLAG}={n} before JAX starts)")
        return
    flags = with_forced_host_devices(os.environ.get("XLA_FLAGS", ""), n)
    if flags:
        os.environ["XLA_FLAGS"] = flags
    else:
        os.environ.pop("XLA_FLAGS", None)


def jax_devices(case: Case, device=None) -> list:
    """The ``case.devices`` devices a case runs on: ``[jax_device(case, device)]`` for one device,
    else the first ``case.devices`` of its platform. Never fewer: Unavailable with the reason."""
    first = jax_device(case, device)
    if case.devices == 1:
        return [first]
    import jax

    if device is not None:
        raise ValueError("device= picks the one device of a devices=1 case; a sharded case uses the first "
                         f"{case.devices} devices of its platform")
    devices = jax.devices(case.platform)
    if len(devices) < case.devices:
        how = (f"; on the CPU, XLA_FLAGS={FORCE_FLAG}={case.devices} set before JAX starts gives that many "
               "host devices (python -m runner does it per process)" if case.platform == "cpu" else "")
        raise Unavailable(f"{case.backend}: {case.devices} devices asked for, {len(devices)} present "
                          f"({', '.join(describe(d) for d in devices)}){how}")
    return devices[:case.devices]


def matmul_precision() -> str | None:
    """The setting ``settings.MATMUL_PRECISION`` (e.g. ``highest``: true float32 matmuls on GPU
    instead of TF32); None when unset."""
    return settings.matmul_precision()


def jax_context(case: Case, device) -> contextlib.ExitStack:
    """Context for tracing and running a JAX case: x64 for float64, the target default device,
    and the matmul precision asked for by ``settings.MATMUL_PRECISION``.

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
    """'numpy' for host NumPy, else e.g. 'cpu:0' or 'gpu:0 (NVIDIA H100)'; a list of devices:
    'cpu:0,cpu:1 (2 devices)'."""
    if device is None:
        return "numpy"
    if isinstance(device, (list, tuple)):
        if len(device) == 1:
            return describe(device[0])
        return f"{','.join(f'{d.platform}:{d.id}' for d in device)} ({len(device)} devices)"
    kind = getattr(device, "device_kind", "")
    name = f"{device.platform}:{device.id}"
    return f"{name} ({kind})" if device.platform == "gpu" and kind else name


def check_output_device(case: Case, output, device) -> None:
    """Every leaf of a JAX case's output lives on ``device`` (a list: its sharding's device_set
    is exactly those devices); a NumPy case's output is NumPy."""
    import jax
    import numpy as np

    expected = set(device) if isinstance(device, (list, tuple)) else {device}
    for leaf in jax.tree_util.tree_leaves(output):
        if case.is_jax:
            if not isinstance(leaf, jax.Array):
                raise VerificationError(f"{case.label}: output leaf of type {type(leaf).__name__} "
                                        f"is not a JAX array on {device}")
            if isinstance(device, (list, tuple)):
                if set(leaf.sharding.device_set) != expected:
                    raise VerificationError(f"{case.label}: output is sharded over {describe(sorted(leaf.sharding.device_set, key=lambda d: d.id))}, "
                                            f"but the label says {describe(list(device))}")
            elif leaf.devices() != {device}:
                raise VerificationError(f"{case.label}: output lives on {leaf.devices()}, "
                                        f"but the label says {device}")
        elif isinstance(leaf, jax.Array):
            raise VerificationError(f"{case.label}: NumPy case returned a JAX array on {leaf.devices()}")
        elif not isinstance(leaf, (np.ndarray, np.generic, float, int)):
            raise VerificationError(f"{case.label}: unexpected output type {type(leaf).__name__}")
