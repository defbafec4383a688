"""The one list of cases: every ``kernels/<name>.py`` that defines ``KERNEL`` is a kernel.

Enumeration, validation and the memory guard live here; nothing else in the project lists cases.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
from dataclasses import replace
from functools import lru_cache

import numpy as np

from ._case import BACKENDS, Case
from ._spec import Kernel


@lru_cache(maxsize=1)
def kernels() -> dict[str, Kernel]:
    """All kernels, discovered from the modules of this package (the directory is the registry)."""
    found = {}
    pkg = importlib.import_module(__package__)
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_") or info.ispkg:      # kernels/data/ holds loaders, not kernels
            continue
        module = importlib.import_module(f"{__package__}.{info.name}")
        spec = getattr(module, "KERNEL", None)
        if isinstance(spec, Kernel):
            found[spec.name] = spec
    return dict(sorted(found.items()))


@lru_cache(maxsize=None)
def _kernel_module(name: str) -> Kernel | None:
    """The kernel declared by ``kernels/<name>.py``, importing only that module (a kernel's module
    is named after it). Every spawned asv process needs one kernel: importing all of them (Flax,
    SciPy's stats...) would cost seconds per process."""
    if not name.isidentifier() or name.startswith("_"):
        return None
    if importlib.util.find_spec(f"{__package__}.{name}") is None:
        return None
    spec = getattr(importlib.import_module(f"{__package__}.{name}"), "KERNEL", None)
    return spec if isinstance(spec, Kernel) and spec.name == name else None


def kernel(name: str) -> Kernel:
    spec = _kernel_module(name) if isinstance(name, str) else None
    if spec is not None:
        return spec
    known = kernels()
    if name not in known:
        raise ValueError(f"unknown kernel {name!r}; valid kernels: {', '.join(known)}")
    return known[name]


def _refuse(axis: str, value, valid) -> None:
    raise ValueError(f"{axis} {value!r} is not valid here; valid {axis}s: {', '.join(map(str, valid))}")


def available_memory_bytes() -> int:
    """MemAvailable from /proc/meminfo (Linux), else total physical memory."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def resolve(case: Case) -> Case:
    """``variant=""`` on a kernel with named variants means its default, the first one (as in the CLI)."""
    if case.variant == "" and isinstance(case.kernel, str):
        variants = kernel(case.kernel).variants
        if "" not in variants:
            return replace(case, variant=variants[0])
    return case


def validate(case: Case) -> Kernel:
    """Raise ValueError (listing the valid values) unless ``case`` is a valid combination."""
    spec = kernel(case.kernel)
    if case.backend not in BACKENDS:
        _refuse("backend", case.backend, BACKENDS)
    if case.placement not in spec.placements_for(case.backend):
        _refuse("placement", case.placement, spec.placements_for(case.backend))
    if case.transform not in spec.transforms_for(case.backend):
        _refuse("transform", case.transform, spec.transforms_for(case.backend))
    if case.dtype not in spec.dtypes:
        _refuse("dtype", case.dtype, spec.dtypes)
    if case.variant not in spec.variants:
        _refuse("variant", case.variant, spec.variants)
    if not isinstance(case.size, (int, np.integer)) or isinstance(case.size, bool):
        raise ValueError(f"size must be an integer, got {case.size!r}")
    lo, hi = spec.bounds_for(case.transform)
    if case.size <= 0:
        raise ValueError(f"size must be positive, got {case.size} ({spec.size_name} of {spec.name})")
    if not lo <= case.size <= hi:
        raise ValueError(
            f"size {case.size} is outside [{lo}, {hi}] for {spec.name}/{case.transform} "
            f"({spec.size_name}); valid sizes lie in that range")
    validate_devices(spec, case)
    need = spec.footprint_bytes(int(case.size), np.dtype(case.dtype).itemsize, case.variant)
    have = available_memory_bytes()
    if need > 0.8 * have:
        raise ValueError(
            f"size {case.size} needs about {need / 2**30:.1f} GiB, more than 80% of the "
            f"{have / 2**30:.1f} GiB available: refused before allocating anything")
    return spec


def validate_devices(spec: Kernel, case: Case) -> None:
    """ValueError unless ``case.devices`` is 1 or a device count the kernel shards this case over.

    Any count >= 2 is valid where the kernel shards (an 8-GPU box may ask for 8); whether the
    split is even is checked by prepare() on the real inputs, whether the devices exist too."""
    if not isinstance(case.devices, (int, np.integer)) or isinstance(case.devices, bool) or case.devices < 1:
        raise ValueError(f"devices must be a positive integer, got {case.devices!r}")
    if case.devices == 1:
        return
    if spec.sharding is None:
        raise ValueError(f"{spec.name} runs on one device only (it declares no sharding); valid devices: 1")
    if case.backend == "numpy-cpu":
        raise ValueError("devices > 1 needs a JAX backend: NumPy runs on the host; valid devices: 1")
    if case.transform not in spec.sharding.transforms:
        raise ValueError(f"{spec.name}/{case.transform} runs on one device only; sharded transforms: "
                         f"{', '.join(spec.sharding.transforms)}")


ROLES = ("time", "compile", "transfer", "peakmem")   # what a benchmark measures of a case


def in_default_run(case: Case, role: str = "time") -> bool:
    """Whether the default run (`make bench`) measures ``case`` for ``role``; FULL=1 measures all.

    Steady state (``time``): the kernel's ``default_sizes``, its default (first) dtype and its
    ``default_variants``. Compile and transfer times: the largest default size only. Compile time
    and peak memory: one JAX placement (the jitted function and the footprint hardly depend on
    it); peak memory one JAX transform. A kernel's ``default_case`` may leave out more. Sharded
    cases (``devices`` > 1): the kernel's ``Sharding.default_device_counts``, steady state only."""
    if role not in ROLES:
        _refuse("role", role, ROLES)
    spec = kernel(case.kernel)
    grid = spec.default_grid()
    if case.size not in grid or case.dtype != spec.dtypes[0]:
        return False
    if spec.default_variants and case.variant not in spec.default_variants:
        return False
    if spec.default_case is not None and not spec.default_case(case):
        return False
    if case.devices != 1:   # sharded: the kernel's default device counts, steady state only
        return role == "time" and spec.sharding is not None and case.devices in spec.sharding.default_device_counts
    if role in ("compile", "transfer") and case.size != max(grid):
        return False
    if case.backend != "numpy-cpu" and role in ("compile", "peakmem"):
        if case.placement != next(p for p in ("explicit", "device", "implicit", *spec.jax_placements)
                                  if p in spec.jax_placements):
            return False
        if role == "peakmem":
            jit = [t for t in spec.jax_transforms if t in ("jit", "jit_vmap", "jit_loop")]
            return case.transform == (jit or list(spec.jax_transforms))[0]
    return True


def check_declaration(spec: Kernel) -> list[str]:
    """What is wrong with a kernel's declaration of its default run and lecture (empty: nothing)."""
    problems = []
    for size in spec.default_sizes:
        if size not in spec.sizes:
            problems.append(f"default size {size} is not in the grid {spec.sizes}")
    for variant in spec.default_variants:
        if variant not in spec.variants:
            problems.append(f"default variant {variant!r} is not one of {spec.variants}")
    if spec.lecture_size is not None and spec.lecture_size not in spec.default_grid():
        problems.append(f"lecture size {spec.lecture_size} is not among the default sizes {spec.default_grid()}")
    if spec.sharding is not None:
        sh = spec.sharding
        if not sh.device_counts or sh.device_counts[0] != 1 or list(sh.device_counts) != sorted(set(sh.device_counts)):
            problems.append(f"sharding device_counts {sh.device_counts} must start at 1 and increase")
        for d in sh.default_device_counts:
            if d not in sh.device_counts:
                problems.append(f"default device count {d} is not in the devices axis {sh.device_counts}")
        for t in sh.transforms:
            if t not in spec.jax_transforms:
                problems.append(f"sharded transform {t!r} is not a JAX transform of {spec.name}")
    if spec.lecture_baseline != "numpy" and spec.lecture_baseline not in spec.jax_transforms:
        problems.append(f"lecture baseline {spec.lecture_baseline!r} is neither 'numpy' nor a JAX transform "
                        f"of {spec.name} ({', '.join(spec.jax_transforms)})")
    return problems


def cases(kernel: str | None = None, backend: str | None = None, placement: str | None = None,
          transform: str | None = None, size: int | None = None, dtype: str | None = None,
          variant: str | None = None, devices: int | None = None) -> list[Case]:
    """Every valid case of the benchmark grid, filtered by any axis given.

    ``size=None`` enumerates each kernel's ``sizes``; an explicit size is kept where valid.
    jax-gpu cases are listed everywhere: availability is decided by ``prepare``.
    """
    names = [kernel] if kernel is not None else list(kernels())
    out = []
    for name in names:
        spec = globals()["kernel"](name)
        for be in ([backend] if backend else BACKENDS):
            for pl in spec.placements_for(be):
                for tr in spec.transforms_for(be):
                    lo, hi = spec.bounds_for(tr)
                    for sz in ([size] if size is not None else spec.sizes):
                        if not lo <= sz <= hi:
                            continue
                        for dt in spec.dtypes:
                            for va in spec.variants:
                                for dv in spec.device_counts_for(be, tr):
                                    out.append(Case(name, be, pl, tr, int(sz), dt, va, dv))
    keep = dict(placement=placement, transform=transform, dtype=dtype, variant=variant, devices=devices)
    for axis, want in keep.items():
        if want is not None:
            out = [c for c in out if getattr(c, axis) == want]
    if backend is not None and backend not in BACKENDS:
        _refuse("backend", backend, BACKENDS)
    return out
