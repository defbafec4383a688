"""prepare(case) -> Prepared: inputs, placement, compilation, verification, a blocking runner."""
from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from . import _devices, _plant, _sharding, settings, timing
from ._case import JIT_TRANSFORMS, Case, CompileBudgetExceeded, VerificationError
from ._check import max_relative_error
from ._registry import resolve, validate
from ._spec import Kernel

DEFAULT_COMPILE_BUDGET_S = settings.compile_budget_s()   # read once, at import


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
        if self.reference is None:
            raise ValueError(f"{self.case.label} was prepared with checked=False: no NumPy reference to compare with")
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
            f"{what} took longer than its {seconds:g} s budget ({settings.COMPILE_BUDGET_S.var}); "
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
# and copies it on every call otherwise. Where malloc puts an array varies from process to process,
# so without alignment an implicit-placement case would time that copy in some processes and not in
# others, a process-to-process swing of every implicit case (its size on one machine is recorded in
# docs/comparisons.md). NumPy has no aligned allocation in Python, hence this helper.
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


@dataclass(frozen=True)
class _Declared:
    """One case with what its kernel declares for it: the seed of its inputs, the time budget, the
    check against NumPy and the costs per call."""

    case: Case
    spec: Kernel
    seed: int
    budget: float                        # seconds allowed for the compilation, and for the first call
    checked: bool                        # compute the NumPy reference and compare the first call's output with it
    rtol: float
    compare: Callable[[Any, Any, float], float]
    notes: str
    flops: float | None
    nbytes: float | None


@dataclass(frozen=True)
class _Inputs:
    """A JAX case's inputs once placed, and the host -> device transfer of them that was timed."""

    placed: dict                         # input -> what each call receives, in the kernel's order
    host: dict                           # input -> its NumPy copy (the reference is computed from it)
    target: dict                         # input -> its device, or its NamedSharding (sharded cases)
    moved: dict                          # what a transfer moves: the host copies, resident inputs excepted
    dest: Any                            # where they go: the device, or {input: NamedSharding}
    transfer_seconds: float              # median of 5


def prepare(case: Case, *, seed: int = 0, device=None, compile_budget_s: float | None = None,
            checked: bool = True) -> Prepared:
    """Make inputs, place them, compile and warm up, verify against NumPy, return a runner.

    Raises ValueError for an invalid case, Unavailable where it cannot run here,
    CompileBudgetExceeded, and VerificationError if the output is wrong or on the wrong device.
    ``device`` picks a specific JAX device of the case's platform (default: the first). A case
    with ``devices`` = N > 1 runs on the first N devices of its platform, its inputs split or
    replicated as the kernel's ``Sharding`` declares; fewer devices than N is Unavailable.
    ``checked=False`` skips the NumPy reference and the comparison with it (``error`` is NaN and
    ``check`` refuses; the output's device is still checked): for a process that times a case an
    earlier process of the same run prepared and checked, with the same seeded inputs (the
    reference and the comparison cost ~1.9 s of a matmul 3000 group's 6 s of preparing).
    """
    case = resolve(case)
    spec = validate(case)
    if spec.availability is not None:
        spec.availability(case.size, case.variant)
    declared = _Declared(
        case, spec, seed,
        budget=DEFAULT_COMPILE_BUDGET_S if compile_budget_s is None else compile_budget_s,
        checked=checked,
        rtol=spec.tolerance(case.dtype),
        compare=spec.compare or max_relative_error,
        notes=spec.notes(case.backend, case.variant),
        flops=spec.flops(case.size, case.variant),
        nbytes=spec.bytes_moved(case.size, np.dtype(case.dtype).itemsize, case.variant))
    prepared = _prepare_jax(declared, device) if case.is_jax else _prepare_numpy(declared)
    return _plant.apply(prepared)  # no-op unless a test plants a slowdown (kernels/_plant.py)


def _prepare_numpy(d: _Declared) -> Prepared:
    """NumPy on the host: the seeded aligned inputs, the reference, one warm-up call checked against it."""
    case, spec = d.case, d.spec
    host = _host_inputs(spec, case, d.seed)
    args = tuple(host.values())
    fn = spec.numpy_fn(case.transform, case.variant)
    ref = _reference(spec, case, d.seed, host, False) if d.checked else None

    def run():
        return fn(*args)

    def verify(out):
        _devices.check_output_device(case, out, None)
        return d.compare(out, ref, d.rtol) if d.checked else float("nan")

    first, err = _warm_up(d, run, verify)
    return Prepared(case, run, "numpy", None, first, None, d.flops, d.nbytes, err, d.rtol,
                    "numpy", d.notes, host, ref, verify)


def _prepare_jax(d: _Declared, device) -> Prepared:
    """A JAX case, in this order: its devices, its inputs placed and their transfer timed, the NumPy
    reference, the compilation (jit transforms), one warm-up call checked against the reference."""
    import jax

    case = d.case
    devs = _devices.jax_devices(case, device)   # [one device], or the case.devices of a sharded case
    dev = devs[0]
    precision, rtol, notes = _matmul_precision(d)
    # sharded (devices > 1): a 1-D mesh over the devices; each input gets the kernel's declared
    # NamedSharding (split on an axis, or replicated) and the jitted program in/out shardings
    mesh = _sharding.mesh(devs) if case.devices > 1 else None
    inputs = _place_inputs(d, dev, mesh)
    args = tuple(inputs.placed.values())
    ref = _reference(d.spec, case, d.seed, inputs.host, case.placement == "device") if d.checked else None
    call, compile_seconds, sharded_note = _compile_case(d, inputs, args, dev, devs, mesh)
    notes = _with_note(notes, sharded_note)
    run = _blocking_runner(case, dev, call, args)

    def verify(out):
        _devices.check_output_device(case, out, dev if mesh is None else devs)
        return d.compare(jax.device_get(out), ref, rtol) if d.checked else float("nan")

    def transfer_run():
        return jax.block_until_ready(jax.device_put(inputs.moved, inputs.dest))

    first, err = _warm_up(d, run, verify, compile_seconds)
    return Prepared(case, run, _devices.describe(devs), compile_seconds, first, inputs.transfer_seconds,
                    d.flops, d.nbytes, err, rtol, precision, notes, inputs.placed, ref, verify, transfer_run)


def _with_note(notes: str, extra: str) -> str:
    """``notes``, then ``extra`` after a space (``notes`` unchanged when there is nothing to add)."""
    return ((notes + " " if notes else "") + extra) if extra else notes


def _matmul_precision(d: _Declared) -> tuple[str, float, str]:
    """(precision, rtol, notes): float32 matmuls on a GPU run as TF32 (~10 mantissa bits) unless the
    precision is 'highest' or 'float32', so there the tolerance widens to 1e-2 and the notes say why."""
    import jax

    case = d.case
    precision = str(_devices.matmul_precision() or jax.config.jax_default_matmul_precision or "default")
    tf32 = precision not in ("highest", "float32")
    if case.platform == "gpu" and d.spec.uses_matmul and case.dtype == "float32" and tf32:
        note = f"float32 matmul precision '{precision}' (TF32 on GPU)."
        return precision, max(d.rtol, 1e-2), _with_note(d.notes, note)
    return precision, d.rtol, d.notes


def _place_inputs(d: _Declared, dev, mesh) -> _Inputs:
    """Make the case's inputs, put them where its placement says, and time a host -> device transfer."""
    import jax

    case = d.case
    resident = set(d.spec.resident_inputs)
    with _devices.jax_context(case, dev):
        made, host, target = _case_inputs(d, dev, mesh)
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
    return _Inputs(placed, host, target, moved, dest, transfer)


def _case_inputs(d: _Declared, dev, mesh) -> tuple[dict, dict, dict]:
    """(inputs, their host copies, {input: target}): made by JAX on the device for placement
    "device" (split over the devices where sharded), else the seeded aligned NumPy inputs."""
    import jax

    case, spec = d.case, d.spec

    def targets(inputs) -> dict:
        """{input: where it goes}: the one device, or the input's NamedSharding (split checked even)."""
        return {k: dev for k in inputs} if mesh is None else _sharded_targets(case, spec, mesh, inputs)

    if case.placement != "device":
        host = _host_inputs(spec, case, d.seed)
        return host, host, targets(host)
    if spec.device_inputs is None:
        raise ValueError(f"{case.kernel} declares no device_inputs; placement 'device' is not valid")
    key = jax.random.key(d.seed)
    if mesh is None:
        made = spec.device_inputs(case.size, case.dtype, case.variant, key)
        target = targets(made)
    else:  # created directly split over the devices: still no host -> device transfer
        def make(k):
            return spec.device_inputs(case.size, case.dtype, case.variant, k)

        target = targets(jax.eval_shape(make, key))
        made = jax.jit(make, out_shardings=target)(key)
    host = {k: jax.device_get(made[k]) for k in made}  # device_get(dict) would sort keys
    return made, host, target


def _compile_case(d: _Declared, inputs: _Inputs, args: tuple, dev, devs, mesh) -> tuple[Callable, float | None, str]:
    """(what each call runs, lower + compile seconds, a note on the collectives XLA inserted): the
    kernel's function, jitted for jit transforms (with in/out shardings where sharded)."""
    import jax

    case, spec = d.case, d.spec
    fn = spec.jax_fn(case.transform, case.variant)
    jit_shardings = {}
    if mesh is not None:
        decl = spec.sharding
        fn = decl.fn(case.transform, case.variant, case.placement) if decl.fn else fn
        jit_shardings = {"in_shardings": tuple(inputs.target[k] for k in inputs.placed),
                         "out_shardings": _sharding.split_on(mesh, decl.output)}
    if case.transform not in JIT_TRANSFORMS:
        return fn, None, ""

    def compile_it():
        # A fresh wrapper per prepare: JAX caches traces by function identity, so the same
        # kernel compiled earlier in this process (another placement) would read as ~0 s.
        # (jax.clear_caches() would also work but would make other prepared eager cases
        # recompile their primitives inside their timed calls.)
        def fresh(*a):
            return fn(*a)

        with _devices.jax_context(case, dev):
            jitted = jax.jit(fresh, **jit_shardings)
            t0 = time.perf_counter()
            compiled = jitted.lower(*args).compile()
            return jitted, compiled, time.perf_counter() - t0

    # The timed calls go through the jitted function, as the lecture calls ``selu_jit(x)``; its first
    # call reuses the executable compiled here (a few ms of tracing in the untimed first call). The
    # AOT ``Compiled`` object's own call read 1.09-1.15x the jitted function's for jit(grad) at x0
    # and 0.99-1.23x for SELU jit at 1e5, alternated in each of three processes (2-core Zen 4
    # EPYC, 2026-12-08; docs/comparisons.md "A conversion the lecture does not make").
    call, compiled, seconds = _within_budget(compile_it, d.budget, f"compilation of {case.label}")
    if mesh is None:
        return call, seconds, ""
    found = _sharding.collectives(compiled.as_text())
    return call, seconds, (f"Sharded over {_devices.describe(devs)}: {spec.sharding.what} Collectives XLA inserted: "
                           + (", ".join(f"{op} x{n}" for op, n in found.items()) if found else "none") + ".")


def _blocking_runner(case: Case, dev, call: Callable, args: tuple) -> Callable[[], Any]:
    """One call of ``call(*args)`` blocked until ready (:func:`kernels.timing.blocker`), inside the
    case's JAX context where it needs one (float64, a device other than JAX's default, a matmul
    precision asked for)."""
    block = timing.blocker()
    if _devices.needs_context(case, dev):
        def run():
            with _devices.jax_context(case, dev):
                return block(call(*args))
    else:
        def run():
            return block(call(*args))
    return run


def _warm_up(d: _Declared, run: Callable, verify: Callable, compile_seconds: float | None = None):
    """(seconds of the first call within the budget, plus the compilation; its error vs the reference)."""
    t0 = time.perf_counter()
    out = _within_budget(run, d.budget, f"first call of {d.case.label}")
    first = time.perf_counter() - t0 + (compile_seconds or 0.0)
    return first, verify(out)
