"""The case model: what is measured, and the errors a consumer must handle.

A case is (kernel, backend, placement, transform, size, dtype, variant, devices). ``variant`` is
the kernel's own extra axis (the matmul operand ``x@x.T`` / ``x@y``, the SVD method of SVT...);
kernels without one use ``""``. ``devices`` is how many devices of the backend's platform the case
is sharded over (1: one device, the default; > 1: the kernel's ``Sharding``, kernels/_sharding.py).
"""
from __future__ import annotations

from dataclasses import dataclass

BACKENDS = ("numpy-cpu", "jax-cpu", "jax-gpu")
PLACEMENTS = ("host", "device", "implicit", "explicit")
TRANSFORMS = ("eager", "jit", "loop", "jit_loop", "vmap", "jit_vmap")
JIT_TRANSFORMS = frozenset({"jit", "jit_loop", "jit_vmap"})
DTYPES = ("float32", "float64")

PLACEMENT_MEANING = {
    "host": "NumPy arrays in host memory (NumPy backend only)",
    "device": "inputs created by JAX directly on the device: no transfer ever",
    "implicit": "NumPy inputs passed on every call: the host->device transfer is inside the timed call",
    "explicit": "jax.device_put once before timing: the timed call finds its inputs on the device",
}


class Unavailable(RuntimeError):
    """The case is valid but cannot run here (no GPU, no data set...). ``reason`` says why.

    Consumers turn it into a skip (asv: n/a, pytest: skip); it is never a silent fallback.
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class CompileBudgetExceeded(RuntimeError):
    """Compilation / warm-up took longer than its time budget."""


class VerificationError(AssertionError):
    """A prepared case's output differs from the NumPy reference or lives on the wrong device."""


KEY_FIELDS = ("kernel", "backend", "placement", "transform", "size", "dtype", "variant", "devices")


@dataclass(frozen=True, order=True)
class Case:
    kernel: str
    backend: str
    placement: str
    transform: str
    size: int
    dtype: str = "float32"
    variant: str = ""
    devices: int = 1

    @property
    def is_jax(self) -> bool:
        return self.backend.startswith("jax-")

    @property
    def platform(self) -> str:
        """'cpu' or 'gpu' for JAX backends; 'numpy' otherwise."""
        return self.backend.split("-", 1)[1] if self.is_jax else "numpy"

    @property
    def label(self) -> str:
        kern = f"{self.kernel}[{self.variant}]" if self.variant else self.kernel
        sharded = f" devices={self.devices}" if self.devices != 1 else ""
        return f"{kern} {self.backend}/{self.placement}/{self.transform} size={self.size} {self.dtype}{sharded}"

    def __str__(self) -> str:  # pragma: no cover - convenience
        return self.label

    @property
    def key(self) -> str:
        """The one spelling of a case in files and records: ``kernel|backend|placement|transform|size|dtype|variant|devices``."""
        return "|".join((self.kernel, self.backend, self.placement, self.transform, str(int(self.size)), self.dtype,
                         self.variant, str(int(self.devices))))

    @classmethod
    def from_key(cls, key: str) -> "Case":
        """The case :attr:`key` spells (ValueError naming the fields when it spells none)."""
        fields = key.split("|")
        if len(fields) != len(KEY_FIELDS):
            raise ValueError(f"not a case key: {key!r}; expected {'|'.join(KEY_FIELDS)}")
        kernel, backend, placement, transform, size, dtype, variant, devices = fields
        return cls(kernel, backend, placement, transform, int(size), dtype, variant, int(devices))
