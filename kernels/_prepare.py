"""prepare(case) -> Prepared: inputs, placement, compilation, verification, a blocking runner."""
from __future__ import annotations

import os
import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from . import _devices, _plant, _sharding
from ._case import JIT_TRANSFORMS, Case, CompileBudgetExceeded, VerificationError
from ._check import max_relative_error
from ._registry import resolve, validate

DEFAULT_COMPILE_BUDGET_S = float(os.environ.get("JAXBENCH_COMPILE_BUDGET_S", "120"))


@dataclass
class Prepared:
    """A case ready to time. ``run()`` makes one call and blocks until the result is ready."""

    case: Case
    run: Callable[[], Any]
    device: str                          # "numpy", "cpu:0", "gpu:0 (NVIDIA H100 ...)"
    compile_seconds: float | None        # lower + compile of the jitted function (jit transforms)
    first_call_seconds: float            # the warm-up call (includes compilation for jit)
    transfer_seconds: float | None       # host -> device of the inputs, median of 5 (JAX cases)
    flops: float | None                  # per call, where known
    bytes: float | None                  # moved per call, where known
    error: float                         # max relative error vs the NumPy reference
    tolerance: float
    precision: str                       # jax_default_matmul_precision, or "numpy"
    notes: str = ""
    inputs: Any = field(default=None, repr=False)
    reference: Any = field(default=None, repr=False)
    _compare: Callable = field(default=None, repr=False)
    transfer_run: Callable[[], Any] | None = field(default=None, repr=False)   # one host -> device copy, blocked

    def check(self) -> float:
        """Run once more and compare with the NumPy reference; returns the max relative error."""
        out = self.run()
        return self._compare(out)


def _within_budget(fn: Callable[[], Any], seconds: float, what: str):
    """Run ``fn`` in a worker thread; raise CompileBudgetExceeded if it outlives ``seconds``.

    XLA compilation cannot be interrupted from Python, so the abandoned worker (a daemon
    thread) keeps running until the process exits; the caller gets a clear error at once.
    """
    box: dict[str, Any] = {}

    def work():
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=work, name=f"budget:{what}", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        exc = CompileBudgetExceeded(
            f"{what} took longer than its {seconds:g} s budget (JAXBENCH_COMPILE_BUDGET_S); "
            "use a smaller size. The abandoned compilation runs on until the process exits.")
        exc.worker = worker  # join it to wait for the abandoned work (XLA aborts if killed mid-compile)
        raise exc
    if "error" in box:
        raise box["error"]
    return box["value"]


_REFERENCES: dict = {}   # the last few NumPy references, by the identity of the inputs they were computed from


def _reference(spec, case: Case, seed: int, host, made_on_device: bool):
    """The NumPy reference of ``host`` inputs, computed once per process for every case that shares
    them: host, implicit and explicit placements of one (kernel, size, dtype, variant, seed) have the
    same seeded host inputs; inputs made on the device are another set (a group of comparisons
    prepares 7-16 such cases in one process, and a reference can cost as much as the case)."""
    key = (case.kernel, case.size, case.dtype, case.variant, seed, made_on_device, case.devices if made_on_device else 1)
    if key not in _REFERENCES:
        while len(_REFERENCES) >= 2:
            _REFERENCES.pop(next(iter(_REFERENCES)))
        _REFERENCES[key] = spec.reference_output(host, case.variant)
    return _REFERENCES[key]


# XLA's CPU client reads a NumPy input in place only when its address is a multiple of 64 bytes,
# and copies it otherwise; where malloc puts an array varies from process to process. Measured on
# the 2-core Xeon VM (rowdot jit_vmap, 10,000 x 100 float32 inputs passed as NumPy arrays): 0.36-0.45 ms
# a call at offset 0 mod 64, 1.1-1.3 ms at offset 16 or 32 -- a 3x process-to-process swing of every
# implicit-placement case. NumPy has no aligned allocation in Python, hence this helper.
HOST_ALIGNMENT = 64


def aligned(a: np.ndarray, alignment: int = HOST_ALIGNMENT) -> np.ndarray:
    """A C-contiguous copy of ``a`` whose data starts at a multiple of ``alignment`` bytes."""
    a = np.asarray(a)
    buf = np.empty(a.nbytes + alignment, dtype=np.uint8)
    start = -buf.ctypes.data % alignment
    out = buf[start:start + a.nbytes].view(a.dtype).reshape(a.shape)
    out[...] = a
    return out


def _host_inputs(spec, case: Case, seed: int) -> dict:
    """The case's seeded NumPy inputs, each 64-byte aligned (the same address class in every process)."""
    made = spec.make_inputs(case.size, case.dtype, case.variant, np.random.default_rng(seed))
    return {k: _aligned_tree(v) for k, v in made.items()}


def _aligned_tree(x):
    """``aligned`` on every array of a dict/list/tuple tree (the CNN's parameters are a dict)."""
    if isinstance(x, np.ndarray):
        return aligned(x)
    if isinstance(x, dict):
        return {k: _aligned_tree(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_aligned_tree(v) for v in x)
    return x


def _median_transfer_seconds(host_inputs, device, repeats: int = 5) -> float:
    import jax

    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(jax.device_put(host_inputs, device))
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _sharded_targets(case: Case, spec, mesh, inputs) -> dict:
    """{input: NamedSharding} of a sharded case, after checking that every split is even
    (``inputs``: arrays or ``jax.ShapeDtypeStruct``s)."""
    names = list(inputs)
    shapes = {k: getattr(inputs[k], "shape", None) for k in names}
    _sharding.check_even(case.label, shapes, spec.sharding, case.placement, case.devices)
    return _sharding.input_shardings(spec.sharding, mesh, case.placement, names)


def prepare(case: Case, *, seed: int = 0, device=None, compile_budget_s: float | None = None) -> Prepared:
    """Make inputs, place them, compile and warm up, verify against NumPy, return a runner.

    Raises ValueError for an invalid case, Unavailable where it cannot run here,
    CompileBudgetExceeded, and VerificationError if the output is wrong or on the wrong device.
    ``device`` picks a specific JAX device of the case's platform (default: the first). A case
    with ``devices`` = N > 1 runs on the first N devices of its platform, its inputs split or
    replicated as the kernel's ``Sharding`` declares; fewer devices than N is Unavailable.
    """
    case = resolve(case)
    spec = validate(case)
    if spec.availability is not None:
        spec.availability(case.size, case.variant)
    budget = DEFAULT_COMPILE_BUDGET_S if compile_budget_s is None else compile_budget_s
    rtol = spec.tolerance(case.dtype)
    compare_fn = spec.compare or max_relative_error
    notes = spec.notes(case.backend, case.variant)
    flops = spec.flops(case.size, case.variant)
    nbytes = spec.bytes_moved(case.size, np.dtype(case.dtype).itemsize, case.variant)

    if not case.is_jax:
        host = _host_inputs(spec, case, seed)
        args = tuple(host.values())
        fn = spec.numpy_fn(case.transform, case.variant)
        ref = _reference(spec, case, seed, host, False)

        def run():
            return fn(*args)

        def verify(out):
            _devices.check_output_device(case, out, None)
            return compare_fn(out, ref, rtol)

        t0 = time.perf_counter()
        out = _within_budget(run, budget, f"first call of {case.label}")
        first = time.perf_counter() - t0
        err = verify(out)
        return _plant.apply(Prepared(case, run, "numpy", None, first, None, flops, nbytes, err, rtol,
                                     "numpy", notes, host, ref, verify))  # no-op unless a test plants a slowdown

    import jax

    devs = _devices.jax_devices(case, device)   # [one device], or the case.devices of a sharded case
    dev = devs[0]
    precision = str(_devices.matmul_precision() or jax.config.jax_default_matmul_precision or "default")
    if case.platform == "gpu" and spec.uses_matmul and case.dtype == "float32" and precision not in ("highest", "float32"):
        rtol = max(rtol, 1e-2)  # TF32 matmuls on GPU: ~10 mantissa bits
        notes = (notes + " " if notes else "") + f"float32 matmul precision '{precision}' (TF32 on GPU)."

    # sharded (devices > 1): a 1-D mesh over the devices; each input gets the kernel's declared
    # NamedSharding (split on an axis, or replicated) and the jitted program in/out shardings
    mesh = _sharding.mesh(devs) if case.devices > 1 else None

    def targets(inputs) -> dict:
        """{input: where it goes}: the one device, or the input's NamedSharding (split checked even)."""
        return {k: dev for k in inputs} if mesh is None else _sharded_targets(case, spec, mesh, inputs)

    resident = set(spec.resident_inputs)
    with _devices.jax_context(case, dev):
        if case.placement == "device":
            if spec.device_inputs is None:
                raise ValueError(f"{case.kernel} declares no device_inputs; placement 'device' is not valid")
            key = jax.random.key(seed)
            if mesh is None:
                made = spec.device_inputs(case.size, case.dtype, case.variant, key)
                target = targets(made)
            else:  # created directly split over the devices: still no host -> device transfer
                def make(k):
                    return spec.device_inputs(case.size, case.dtype, case.variant, k)

                target = targets(jax.eval_shape(make, key))
                made = jax.jit(make, out_shardings=target)(key)
            host = {k: jax.device_get(made[k]) for k in made}  # device_get(dict) would sort keys
        else:
            made = host = _host_inputs(spec, case, seed)
            target = targets(host)
        names = list(made)
        # Per input, in the kernel's own order (jax.device_put of a dict returns sorted keys).
        # implicit: NumPy inputs passed each call, except the kernel's resident inputs (e.g. the
        # CNN's parameters), which live on the device like in the lecture's training loop.
        placed = {k: made[k] if case.placement == "implicit" and k not in resident
                  else jax.device_put(made[k], target[k]) for k in names}
        jax.block_until_ready(placed)
        moved = {k: host[k] for k in names if k not in resident} or {k: host[k] for k in names}
        dest = dev if mesh is None else {k: target[k] for k in moved}
        transfer = _median_transfer_seconds(moved, dest)

    def transfer_run():
        return jax.block_until_ready(jax.device_put(moved, dest))
    args = tuple(placed[k] for k in names)
    ref = _reference(spec, case, seed, host, case.placement == "device")
    del made

    fn = spec.jax_fn(case.transform, case.variant)
    jit_shardings = {}
    if mesh is not None:
        decl = spec.sharding
        fn = decl.fn(case.transform, case.variant, case.placement) if decl.fn else fn
        jit_shardings = {"in_shardings": tuple(target[k] for k in names),
                         "out_shardings": _sharding.split_on(mesh, decl.output)}
    compile_seconds = None
    if case.transform in JIT_TRANSFORMS:
        def compile_it():
            # A fresh wrapper per prepare: JAX caches traces by function identity, so the same
            # kernel compiled earlier in this process (another placement) would read as ~0 s.
            # (jax.clear_caches() would also work but would make other prepared eager cases
            # recompile their primitives inside their timed calls.)
            def fresh(*a):
                return fn(*a)

            with _devices.jax_context(case, dev):
                t0 = time.perf_counter()
                compiled = jax.jit(fresh, **jit_shardings).lower(*args).compile()
                return compiled, time.perf_counter() - t0

        call, compile_seconds = _within_budget(compile_it, budget, f"compilation of {case.label}")
        if mesh is not None:
            found = _sharding.collectives(call.as_text())
            notes = (notes + " " if notes else "") + (
                f"Sharded over {_devices.describe(devs)}: {spec.sharding.what} Collectives XLA inserted: "
                + (", ".join(f"{op} x{n}" for op, n in found.items()) if found else "none") + ".")
    else:
        call = fn

    if _devices.needs_context(case, dev):
        def run():
            with _devices.jax_context(case, dev):
                return jax.block_until_ready(call(*args))
    else:
        def run():
            return jax.block_until_ready(call(*args))

    def verify(out):
        _devices.check_output_device(case, out, dev if mesh is None else devs)
        return compare_fn(jax.device_get(out), ref, rtol)

    t0 = time.perf_counter()
    out = _within_budget(run, budget, f"first call of {case.label}")
    first = time.perf_counter() - t0 + (compile_seconds or 0.0)
    err = verify(out)
    return _plant.apply(Prepared(case, run, _devices.describe(devs), compile_seconds, first, transfer, flops,
                                 nbytes, err, rtol, precision, notes, placed, ref, verify, transfer_run))
