"""What a kernel module declares: one ``KERNEL = Kernel(...)`` per module in ``kernels/``.

This is the contract between a kernel and the three consumers (asv suite, pytest-benchmark,
correctness tests). Adding a kernel or a variant is an edit to one such declaration.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

Inputs = dict  # name -> array (or pytree of arrays); passed positionally, in insertion order


def as_jax(x):
    """``x`` as a JAX array: a NumPy input (placement "implicit") converted with ``jnp.asarray``, a JAX
    array passed as it is. Not ``jnp.asarray`` on every input: on a ``jax.Array`` it returns the same
    array but slows the eager operations after it; the lecture's eager norm at 10,000 x 10 read
    439-465 us with it and 383-396 us without, alternated in each of two processes (2-core Zen 4 EPYC,
    2026-12-08; docs/comparisons.md, "A conversion the lecture does not make")."""
    import jax

    if isinstance(x, jax.Array):
        return x
    import jax.numpy as jnp

    return jnp.asarray(x)


def default_tolerance(dtype: str) -> float:
    """Relative tolerance of the reference check, per dtype (atol = rtol * max|ref|)."""
    return {"float32": 1e-4, "float64": 1e-10}[dtype]


# the NumPy baseline of a case (same size, dtype and variant): NumPy's first transform of these the
# run times (its Python loop where the kernel has no eager form); every speed-up is baseline / case
BASELINE_TRANSFORMS = ("eager", "loop", "vmap")


@dataclass(frozen=True)
class Sharding:
    """How a kernel splits over a 1-D mesh of ``devices`` (axis "data"): jit with in/out shardings,
    XLA's SPMD partitioner inserts whatever collective the split needs (kernels/_sharding.py)."""

    what: str                               # one line: what is split, what is replicated, what XLA adds
    inputs: Callable[[str], Mapping[str, int]]   # placement -> {input: axis split}; inputs not named: replicated
    output: int | None = 0                  # axis of every output leaf left split; None: replicated (gathered)
    device_counts: tuple[int, ...] = (1, 2, 4)   # the devices axis of the benchmark grid
    default_device_counts: tuple[int, ...] = (1, 2)   # those the default run (`make bench`) measures
    transforms: tuple[str, ...] = ("jit",)  # transforms that run sharded (jitted: in/out shardings)
    # (transform, variant, placement) -> the sharded program, where it is not ``jax_fn``'s (cnn_step)
    fn: Callable[[str, str, str], Callable] | None = None


@dataclass(frozen=True)
class Kernel:
    # --- identity and docs
    name: str
    summary: str
    size_name: str                      # what ``size`` means: "n", "batch", "rows"...
    # --- the axes this kernel offers
    sizes: tuple[int, ...]              # benchmark grid (what asv and the enumerator use)
    default_size: int
    size_bounds: tuple[int, int]        # inclusive range accepted by prepare()
    numpy_transforms: tuple[str, ...]   # transforms under numpy-cpu (placement "host")
    jax_transforms: tuple[str, ...]     # transforms under jax-cpu / jax-gpu
    jax_placements: tuple[str, ...] = ("device", "implicit", "explicit")
    # --- the default run (`make bench`): which cases it measures is declared here, with the kernel
    default_sizes: tuple[int, ...] = ()  # the notes' size + the few extras the plots need; default: smallest
    default_variants: tuple[str, ...] = ()  # variants the default run measures; default: every variant
    # a further restriction of the default run, case by case (e.g. one placement of a slow loop)
    default_case: Callable[[Any], bool] | None = None
    # --- the lecture
    lecture_size: int | None = None     # the size the seed notes time (None: the notes give no size)
    # the baseline the lecture's claim uses: "numpy" (the NumPy-CPU row of the same case) or a JAX
    # transform ("loop", "eager") of the same backend and placement, e.g. the rowdot ladder's loop
    lecture_baseline: str = "numpy"
    # the health section's null test times a JAX case with inputs made on the device against the same
    # case explicitly placed (same work, same time); False where the two differ by design
    null_test: bool = True
    dtypes: tuple[str, ...] = ("float32",)
    variants: tuple[str, ...] = ("",)
    variant_name: str = ""              # name of the kernel-specific axis, e.g. "operand"
    # per-transform size bounds that override size_bounds (e.g. jit of a Python loop unrolls it)
    transform_size_bounds: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    # what each transform means for this kernel, where the generic name is not enough
    transform_notes: Mapping[str, str] = field(default_factory=dict)
    # --- the math
    # make_inputs(size, dtype, variant, rng) -> Inputs of NumPy arrays (seeded, deterministic)
    make_inputs: Callable[[int, str, str, np.random.Generator], Inputs] = None
    # reference(inputs, variant) -> NumPy output (pytree) every variant is compared with;
    # None: the kernel's own NumPy implementation (see reference_output)
    reference: Callable[[Inputs, str], Any] | None = None
    # numpy_fn(transform, variant) -> f(*inputs) ; jax_fn(transform, variant) -> f(*inputs),
    # NOT jitted: prepare() applies jax.jit for transforms in JIT_TRANSFORMS.
    numpy_fn: Callable[[str, str], Callable] = None
    jax_fn: Callable[[str, str], Callable] = None
    # optional: device_inputs(size, dtype, variant, key) -> Inputs created by JAX on the
    # current default device (prepare() sets it). Required for placement "device".
    device_inputs: Callable[[int, str, str, Any], Inputs] | None = None
    # inputs placed on the device once whatever the placement (model parameters, optimizer state):
    # "implicit" then passes only the others as NumPy each call, and transfer_seconds covers those
    resident_inputs: tuple[str, ...] = ()
    # --- costs
    footprint_bytes: Callable[[int, int, str], float] = None   # (size, itemsize, variant) peak estimate
    flops: Callable[[int, str], float | None] = lambda size, variant: None
    bytes_moved: Callable[[int, int, str], float | None] = lambda size, itemsize, variant: None
    # --- checking
    tolerance: Callable[[str], float] = default_tolerance
    # compare(out, ref, rtol) -> max relative error; raise VerificationError on mismatch.
    compare: Callable[[Any, Any, float], float] | None = None
    uses_matmul: bool = False           # float32 on GPU may run as TF32 unless precision=highest
    # case-level notes by (backend, variant), e.g. "NumPy runs x @ x.T as SYRK"
    notes: Callable[[str, str], str] = lambda backend, variant: ""
    # optional: raise Unavailable (e.g. a data set is missing) before anything is allocated
    availability: Callable[[int, str], None] | None = None
    # --- more than one device (kernels/_sharding.py): None = this kernel runs on one device only
    sharding: Sharding | None = None

    def transforms_for(self, backend: str) -> tuple[str, ...]:
        return self.numpy_transforms if backend == "numpy-cpu" else self.jax_transforms

    def placements_for(self, backend: str) -> tuple[str, ...]:
        return ("host",) if backend == "numpy-cpu" else self.jax_placements

    def reference_output(self, inputs: Inputs, variant: str):
        """The NumPy reference: ``reference`` if declared, else the NumPy ``eager`` function
        (or the first NumPy transform) applied to the inputs."""
        if self.reference is not None:
            return self.reference(inputs, variant)
        return self.numpy_fn(self.numpy_eager, variant)(*inputs.values())

    @property
    def numpy_eager(self) -> str:
        """The NumPy transform a NumPy user writes: ``eager`` where offered, else the first."""
        return "eager" if "eager" in self.numpy_transforms else self.numpy_transforms[0]

    def default_grid(self) -> tuple[int, ...]:
        """Sizes of the default run (`make bench`); tests use its smallest."""
        return self.default_sizes or (min(self.sizes),)

    def device_counts_for(self, backend: str, transform: str) -> tuple[int, ...]:
        """The devices axis of one (backend, transform): (1,) unless the kernel shards it."""
        if self.sharding is None or backend == "numpy-cpu" or transform not in self.sharding.transforms:
            return (1,)
        return self.sharding.device_counts

    def bounds_for(self, transform: str) -> tuple[int, int]:
        return self.transform_size_bounds.get(transform, self.size_bounds)
