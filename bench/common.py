"""The one place that turns registry cases into asv benchmarks.

Every ``bench_<kernel>.py`` is a thin module: ``globals().update(common.suite("<kernel>"))``.
``suite(kernel)`` returns the classes of one kernel (an unknown kernel is a ``ValueError``):

    <Kernel>.time_<kernel>                   steady-state seconds per call (asv statistic: median of
                                             the samples; each sample is the mean of ``number`` calls)
    <Kernel>Compile.track_compile_seconds    lower + compile of the jitted function, fresh process,
                                             no persistent compilation cache (jit transforms only)
    <Kernel>Transfer.track_transfer_seconds  host -> device of the case's inputs (median of 5)
    <Kernel>Peakmem.peakmem_<kernel>         peak RSS of a process that prepares and runs the case,
                                             largest size only

Params are exactly the case axes: ``["backend", "placement", "transform", "size"]`` then
``"dtype"`` where the kernel offers float64, then the kernel's variant axis (``spec.variant_name``),
then ``"devices"`` where the kernel shards (``spec.sharding``; 1 = one device, as before).

Sharded cases on the CPU: asv runs each parameter combination in a process of its own, and a
``devices = N > 1`` process forces exactly N host devices (``kernels.force_host_devices``, i.e.
``XLA_FLAGS=--xla_force_host_platform_device_count=N``) before JAX starts; ``devices = 1``
processes force nothing, so their numbers are those of a plain process (forcing 4 devices slows
one-device JAX cases up to 1.55x on 2 cores: ``python -m bench.forced_devices``).

How steady state is kept out of asv_runner 0.3.2's way (docs/asv.md, "Calls per sample"):
- ``setup`` prepares the case (inputs, placement, compilation, verification; cached for the life
  of the process, so asv_runner's re-runs of ``setup`` are a lookup) and sets ``number`` with
  ``timeit``'s autorange, so the preparation never reaches asv's calibration and every sample
  batches ``number`` calls lasting >= ``sample_time``, like ``timeit``.
- asv_runner would time those calls one by one with ``setup`` re-run between them; the gap parks
  XLA's threads, so the switch below keeps the calls of a sample back to back.
- Skips without distorting anything: combinations the registry calls invalid are listed in the
  class's ``skip_params`` (asv_runner skips them before any setup; asv shows n/a); cases that are
  valid but cannot run here (``kernels.Unavailable``: jax-gpu without a GPU, missing data) or
  are refused by ``prepare`` (``ValueError``: memory guard) raise ``SkipNotImplemented``, which
  asv_runner records as a skip (NaN, n/a), not a failure. A wrong result
  (``VerificationError``) or a blown compile budget is a failure, recorded as such.

Sizes: ``JAXBENCH_SIZES=full`` (default: each kernel's benchmark grid ``spec.sizes``) or
``default`` (``spec.default_sizes``, the default run's sizes declared with the kernel; ``quick`` is
its older name). ``python -m bench`` sets it.
"""
from __future__ import annotations

import itertools
import os
from pathlib import Path

from asv_runner.benchmarks.mark import SkipNotImplemented
from asv_runner.benchmarks.time import TimeBenchmark

import kernels

# asv_runner 0.3.2 (asv#966) times each call of a sample on its own and re-runs ``setup`` between
# calls when a class has a ``setup``. The ~10 us of Python between two calls lets XLA's CPU worker
# threads park, and a jit call then reads 5-13x slower (jit SELU n=1000: 5 us back to back, 25 us
# with a 10 us gap, 65 us with 100 us; NumPy unchanged; docs/asv.md, "Calls per sample"). The
# lecture's %timeit and kernels.measure time calls back to back, so the suite restores timeit's
# semantics: ``setup`` (a cache lookup here) once per sample, outside the timed loop.
# tests/test_asv_suite.py fails if asv_runner stops honouring this switch.
TimeBenchmark._setup_isolates_timed_calls = False

ROOT = Path(__file__).resolve().parents[1]
SIZES_ENV = "JAXBENCH_SIZES"
CACHE_ENV = "JAXBENCH_JAX_CACHE"          # persistent compilation cache dir; "" disables it
DEFAULT_CACHE_DIR = ROOT / ".asv" / "jax-cache"
AXES = ("backend", "placement", "transform", "size")


# --------------------------------------------------------------------------- registry -> params

def size_mode() -> str:
    """``full`` or ``default``; ``quick`` is the older name of ``default``."""
    mode = os.environ.get(SIZES_ENV, "full")
    if mode not in ("full", "default", "quick"):
        raise ValueError(f"{SIZES_ENV}={mode!r}; valid: full, default")
    return "default" if mode == "quick" else mode


def sizes_for(spec) -> tuple[int, ...]:
    return spec.default_grid() if size_mode() == "default" else tuple(spec.sizes)


def param_names(spec) -> list[str]:
    names = list(AXES)
    if len(spec.dtypes) > 1 or "float64" in spec.dtypes:
        names.append("dtype")
    if spec.variant_name:
        names.append(spec.variant_name)
    if spec.sharding is not None:
        names.append("devices")
    return names


def _ordered(values):
    return list(dict.fromkeys(values))


def case_of(spec, values: tuple) -> kernels.Case:
    named = dict(zip(param_names(spec), values))
    return kernels.Case(spec.name, named["backend"], named["placement"], named["transform"],
                        int(named["size"]), named.get("dtype", spec.dtypes[0]),
                        named.get(spec.variant_name, spec.variants[0]) if spec.variant_name else "",
                        int(named.get("devices", 1)))


def grid(spec, *, backends=None, placements=None, transforms=None, sizes=None):
    """(params, param_names, skip_params) for one benchmark class of ``spec``.

    The grid is the product of the axis values; ``skip_params`` is every tuple of it that the
    registry does not list as a valid case (asv_runner skips those before any setup).
    """
    backends = list(backends or kernels.BACKENDS)
    if placements is None:
        placements = _ordered(p for b in backends for p in spec.placements_for(b))
    if transforms is None:
        transforms = _ordered(t for b in backends for t in spec.transforms_for(b))
    sizes = list(sizes or sizes_for(spec))
    axes = [backends, list(placements), list(transforms), sizes]
    if "dtype" in param_names(spec):
        axes.append(list(spec.dtypes))
    if spec.variant_name:
        axes.append(list(spec.variants))
    if spec.sharding is not None:
        axes.append(list(spec.sharding.device_counts))
    valid = set()
    for size in sizes:
        for c in kernels.cases(spec.name, size=size):
            valid.add(c)
    skip = {values for values in itertools.product(*axes) if case_of(spec, values) not in valid}
    return axes, param_names(spec), skip


def selected(cls) -> list[tuple]:
    """The param tuples of an asv class that are not skipped statically."""
    return [v for v in itertools.product(*cls.params) if v not in cls.skip_params]


# --------------------------------------------------------------------------- per-process cache

_PREPARED: dict = {}


def enable_persistent_cache() -> None:
    """JAX's persistent compilation cache, for steady-state benchmarks only (never compile ones)."""
    where = os.environ.get(CACHE_ENV, str(DEFAULT_CACHE_DIR))
    if not where:
        return
    import jax

    jax.config.update("jax_compilation_cache_dir", where)
    # every compilation, eager primitives included: each process re-prepares its cases (asv time_
    # processes, the comparisons), and eager first calls compile dozens of small programs (the CNN
    # step on device-made inputs: ~13 s); loading them is ms. Steady-state timings never compile.
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    jax.config.update("jax_enable_compilation_cache", True)


def host_devices_for(case: kernels.Case) -> None:
    """Force the host devices a sharded jax-cpu case needs, before JAX starts (nothing otherwise);
    SkipNotImplemented if this process's JAX has already started with another count."""
    if case.devices > 1 and case.backend == "jax-cpu":
        try:
            kernels.force_host_devices(case.devices)
        except kernels.Unavailable as exc:
            raise SkipNotImplemented(f"{case.label}: unavailable here: {exc.reason}") from None


def prepared(case: kernels.Case, *, persistent_cache: bool = True):
    """The prepared case, made once per process; SkipNotImplemented where it cannot run here."""
    hit = _PREPARED.get(case)
    if hit is None:
        host_devices_for(case)
        if case.is_jax:
            if persistent_cache:
                enable_persistent_cache()
            else:
                import jax

                jax.config.update("jax_enable_compilation_cache", False)
        try:
            hit = kernels.prepare(case)
        except kernels.Unavailable as exc:
            hit = SkipNotImplemented(f"{case.label}: unavailable here: {exc.reason}")
        except ValueError as exc:
            hit = SkipNotImplemented(f"{case.label}: refused: {exc}")
        _PREPARED[case] = hit
    if isinstance(hit, SkipNotImplemented):
        raise hit
    return hit


# --------------------------------------------------------------------------- benchmark classes

class _CaseBench:
    """Helpers shared by the generated classes (defines no benchmark itself)."""

    spec = None
    timeout = 300            # seconds per process; jit of unrolled loops can compile for long

    def _prepared(self, values, **kw):
        return prepared(case_of(self.spec, values), **kw)


class _TimeBench(_CaseBench):
    """Steady state without asv_runner's calibration traps (see the module docstring).

    ``setup`` prepares the case (cached for the process: inputs, placement, compilation,
    verification) and chooses ``number``, the calls per sample, with ``timeit``'s autorange on the
    warmed-up case, so that a sample lasts >= ``sample_time``. asv_runner then times ``number``
    back-to-back calls per sample (``_setup_isolates_timed_calls`` is off, see the top of this
    module). A call slower than ``sample_time`` gets ``number = 1``, as it should.
    """

    sample_time = 0.02
    warmup_time = 0.05       # the case is already warm: prepare() ran it, autorange ran it again
    repeat = (5, 15, 2.0)    # min samples, max samples, max seconds of sampling per process
    rounds = 2               # processes per case (python -m bench runs them as passes of its own)
    min_run_count = 2

    def setup(self, *values):
        case = case_of(self.spec, values)
        run = prepared(case).run     # made once per process
        if case not in _NUMBERS:
            _NUMBERS[case] = kernels.calls_per_sample(run, self.sample_time)
        self.number, self._run = _NUMBERS[case], run


_NUMBERS: dict = {}   # case -> calls per sample chosen in this process


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def suite(name: str) -> dict[str, type]:
    """The asv classes of kernel ``name``; ValueError (listing the kernels) if there is none."""
    spec = kernels.kernel(name)  # imports only kernels/<name>.py
    base = _camel(name)
    out = {}

    # steady state: every case of the grid
    params, names, skip = grid(spec)

    def timed(self, *values):
        self._run()

    timed.__name__ = timed.__qualname__ = f"time_{name}"
    timed.__doc__ = f"Seconds per call of one {name} case, blocked until ready (steady state)."
    out[base] = type(base, (_TimeBench,), {
        "spec": spec, "params": params, "param_names": names, "skip_params": skip,
        f"time_{name}": timed, "__doc__": spec.summary, "__module__": f"bench.bench_{name}"})

    # compile time: jit transforms only, a fresh process, no persistent cache
    jit = [t for t in spec.jax_transforms if t in kernels.JIT_TRANSFORMS]
    jax_backends = [b for b in kernels.BACKENDS if b != "numpy-cpu"]
    if jit:
        params, names, skip = grid(spec, backends=jax_backends, transforms=jit)

        def track_compile_seconds(self, *values):
            host_devices_for(case_of(self.spec, values))   # before JAX starts
            import jax

            jax.block_until_ready(jax.jit(lambda v: v + 1)(1.0))  # JAX's one-time start-up, not the case's
            return self._prepared(values, persistent_cache=False).compile_seconds

        out[base + "Compile"] = type(base + "Compile", (_CaseBench,), {
            "spec": spec, "params": params, "param_names": names, "skip_params": skip,
            "track_compile_seconds": track_compile_seconds, "unit": "seconds", "rounds": 1,
            "__doc__": f"{name}: lower + compile seconds of the jitted function (no persistent cache).",
            "__module__": f"bench.bench_{name}"})

    # host -> device transfer of the inputs: explicit placement, one transform (it does not matter)
    if "explicit" in spec.jax_placements:
        transform = "eager" if "eager" in spec.jax_transforms else spec.jax_transforms[0]
        params, names, skip = grid(spec, backends=jax_backends, placements=["explicit"],
                                   transforms=[transform])

        def track_transfer_seconds(self, *values):
            return self._prepared(values).transfer_seconds

        out[base + "Transfer"] = type(base + "Transfer", (_CaseBench,), {
            "spec": spec, "params": params, "param_names": names, "skip_params": skip,
            "track_transfer_seconds": track_transfer_seconds, "unit": "seconds", "rounds": 1,
            "__doc__": f"{name}: seconds of jax.device_put of the inputs, blocked (median of 5).",
            "__module__": f"bench.bench_{name}"})

    # peak memory: the largest size of the run
    params, names, skip = grid(spec, sizes=[max(sizes_for(spec))])

    def peakmem(self, *values):
        self._prepared(values).run()

    peakmem.__name__ = peakmem.__qualname__ = f"peakmem_{name}"
    out[base + "Peakmem"] = type(base + "Peakmem", (_CaseBench,), {
        "spec": spec, "params": params, "param_names": names, "skip_params": skip,
        f"peakmem_{name}": peakmem,
        "__doc__": f"{name}: peak RSS of a process that prepares and runs the largest case.",
        "__module__": f"bench.bench_{name}"})
    return out


# --------------------------------------------------------------------------- accuracy tracks

def accuracy_cache(kernel: str, function: str, **kwargs):
    """setup_cache body of accuracy tracks: ``kernels.<kernel>.<function>(backend, **kwargs)``
    for every backend, once, in one process. Each entry is the result or a skip reason (str)."""
    out = {}
    for backend in kernels.BACKENDS:
        try:
            import importlib

            fn = getattr(importlib.import_module(f"kernels.{kernel}"), function)
            out[backend] = fn(backend, **kwargs)
        except kernels.Unavailable as exc:
            out[backend] = f"unavailable here: {exc.reason}"
        except (ImportError, AttributeError) as exc:
            out[backend] = f"kernels.{kernel}.{function} is not available yet: {exc}"
    return out


def accuracy_value(cache, backend: str, key: str | None = None) -> float:
    value = cache[backend]
    if isinstance(value, str):
        raise SkipNotImplemented(f"{backend}: {value}")
    return float(value if key is None else value[key])
