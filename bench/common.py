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
one-device JAX cases up to 1.55x on 2 cores: ``python -m runner.forced_devices``).

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
  (``VerificationError``), a blown compile budget or a bad setting (``settings.SettingError``) is
  a failure, recorded as such.

Which cases, one switch (the setting ``settings.SIZES``, kernels/settings.py), so that a plain
``asv run`` measures what ``make bench`` measures (docs/asv.md, "Plain asv"):
- ``default`` (unset): the default run declared with each kernel (``kernels.in_default_run``, per
  role). Each class's axes hold only the values its default-run cases use, and every other point of
  their product is in ``skip_params``: asv starts one (forked) process per grid point, skipped ones
  included, so the grid is kept close to the cases it measures (``launched``).
- ``full``: each kernel's whole benchmark grid (``spec.sizes``, every dtype and variant); ``quick``
  is an older name of ``default``.
``jax-gpu`` points are in ``skip_params`` where no CUDA plugin of JAX is installed (``gpu_possible``):
the axes stay the same on every machine, so CPU and GPU results share their params.
"""
from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path

from asv_runner.benchmarks.mark import SkipNotImplemented
from asv_runner.benchmarks.time import TimeBenchmark

import kernels

ROOT = Path(__file__).resolve().parents[1]


def checkout_settings():
    """This checkout's kernels/settings.py, loaded from its file (it imports nothing of the project)."""
    name = "bench._checkout_settings"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "kernels" / "settings.py")
        module = sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[name]


try:
    from kernels import settings
except ImportError:   # asv measuring a commit whose kernels/ predates settings.py (make bench COMMITS=...,
    settings = checkout_settings()   # docs/asv.md): this suite's own reader of the same variables

# asv_runner 0.3.2 (asv#966) times each call of a sample on its own and re-runs ``setup`` between
# calls when a class has a ``setup``. The ~10 us of Python between two calls lets XLA's CPU worker
# threads park, and a jit call then reads 5-13x slower (jit SELU n=1000: 5 us back to back, 25 us
# with a 10 us gap, 65 us with 100 us; NumPy unchanged; docs/asv.md, "Calls per sample"). The
# lecture's %timeit and kernels.measure time calls back to back, so the suite restores timeit's
# semantics: ``setup`` (a cache lookup here) once per sample, outside the timed loop.
# tests/test_asv_suite.py fails if asv_runner stops honouring this switch.
TimeBenchmark._setup_isolates_timed_calls = False

DEFAULT_CACHE_DIR = ROOT / ".asv" / "jax-cache"   # settings.JAX_CACHE unset: this checkout's
AXES = ("backend", "placement", "transform", "size")
# asv ``repeat`` of a time_ process (min samples, max samples, max seconds of sampling), per mode
REPEAT = {"default": (3, 10, 0.4), "full": (5, 15, 2.0)}


# --------------------------------------------------------------------------- registry -> params

def size_mode() -> str:
    """``default`` (unset) or ``full``; ``quick`` is the older name of ``default`` (``settings.sizes``)."""
    return settings.sizes()


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


def gpu_possible() -> bool:
    """Whether a CUDA plugin of JAX is installed (``make bench GPU=1``: the ``cuda`` extra). Read
    without importing JAX, so the suite's import starts no backend; without one, no jax-gpu case
    can run and its grid points are skipped statically (n/a) instead of costing a process each."""
    import importlib.util

    for name in ("jax_cuda12_plugin", "jax_cuda13_plugin", "jax_plugins.xla_cuda12", "jax_plugins.xla_cuda13"):
        try:
            if importlib.util.find_spec(name) is not None:
                return True
        except (ImportError, ValueError):
            continue
    return False


def grid(spec, *, role="time", backends=None, placements=None, transforms=None, sizes=None):
    """(params, param_names, skip_params) for one benchmark class of ``spec`` measuring ``role``.

    The grid is the product of the axis values; ``skip_params`` is every tuple of it that the
    registry does not list as a valid case (asv_runner skips those before any setup), that the
    default run does not measure (``default`` mode), or that needs a GPU where JAX has no CUDA
    plugin. In ``default`` mode each axis keeps only the values of the cases measured on some
    machine (jax-gpu included), so the product stays near the cases it holds.
    """
    default = size_mode() == "default"
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
            if not default or kernels.in_default_run(c, role):
                valid.add(c)
    keep = [values for values in itertools.product(*axes) if case_of(spec, values) in valid]
    if default:   # only the values some measured case uses (the first of each if none does)
        axes = [[x for x in axis if any(v[i] == x for v in keep)] or axis[:1] for i, axis in enumerate(axes)]
    runnable = set(keep) if gpu_possible() else {v for v in keep if v[0] != "jax-gpu"}
    skip = {values for values in itertools.product(*axes) if values not in runnable}
    return axes, param_names(spec), skip


def launched(cls) -> int:
    """Processes a plain ``asv run`` starts for one class: one per grid point and method, skipped
    points included (asv/runner.py ``run_benchmark``: ``skip_params`` is read in the child)."""
    methods = [m for m in dir(cls) if m.split("_")[0] in ("time", "track", "peakmem", "mem", "timeraw")]
    points = 1
    for axis in cls.params:
        points *= len(axis)
    return points * len(methods)


def selected(cls) -> list[tuple]:
    """The param tuples of an asv class that are not skipped statically."""
    return [v for v in itertools.product(*cls.params) if v not in cls.skip_params]


# --------------------------------------------------------------------------- per-process cache

_PREPARED: dict = {}


def enable_persistent_cache() -> None:
    """JAX's persistent compilation cache, for steady-state benchmarks only (never compile ones)."""
    where = settings.jax_cache(DEFAULT_CACHE_DIR)
    if where is None:
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


def prepared(case: kernels.Case, *, persistent_cache: bool = True, checked: bool = True):
    """The prepared case, made once per process; SkipNotImplemented where it cannot run here.
    ``checked=False``: without the NumPy reference and the comparison with it (``kernels.prepare``)."""
    hit = _PREPARED.get((case, checked))
    if hit is None:
        host_devices_for(case)
        if case.is_jax:
            if persistent_cache:
                enable_persistent_cache()
            else:
                import jax

                jax.config.update("jax_enable_compilation_cache", False)
        try:
            hit = kernels.prepare(case, checked=checked)
        except settings.SettingError:
            raise                           # a bad setting fails the run; it is no reason to skip a case
        except kernels.Unavailable as exc:
            hit = SkipNotImplemented(f"{case.label}: unavailable here: {exc.reason}")
        except ValueError as exc:
            hit = SkipNotImplemented(f"{case.label}: refused: {exc}")
        _PREPARED[(case, checked)] = hit
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
    # what `make bench` measures, so that a plain `asv run` measures the same (python -m runner
    # passes them with -a as well; ROUNDS=n / --rounds runs n passes of its own)
    repeat = REPEAT["default"]   # min samples, max samples, max seconds of sampling per process (per mode: suite)
    rounds = 1                   # processes per case
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
        "repeat": REPEAT[size_mode()], f"time_{name}": timed, "__doc__": spec.summary, "__module__": f"bench.bench_{name}"})

    # compile time: jit transforms only, a fresh process, no persistent cache
    jit = [t for t in spec.jax_transforms if t in kernels.JIT_TRANSFORMS]
    jax_backends = [b for b in kernels.BACKENDS if b != "numpy-cpu"]
    if jit:
        out[base + "Compile"] = _compile_class(spec, name, base + "Compile", jax_backends, jit)
    # host -> device transfer of the inputs: explicit placement, one transform (it does not matter)
    if "explicit" in spec.jax_placements:
        out[base + "Transfer"] = _transfer_class(spec, name, base + "Transfer", jax_backends)

    # peak memory: the largest size of the run
    params, names, skip = grid(spec, role="peakmem", sizes=[max(sizes_for(spec))])

    def peakmem(self, *values):
        # not checked against NumPy here: the reference and the float64 comparison are the harness's
        # memory, not the case's (matmul 3000 NumPy: peak RSS 405.7 MiB checked, 233.5 MiB not); the
        # same case is checked by the other benchmarks of the run and by the comparisons
        self._prepared(values, checked=False).run()

    peakmem.__name__ = peakmem.__qualname__ = f"peakmem_{name}"
    out[base + "Peakmem"] = type(base + "Peakmem", (_CaseBench,), {
        "spec": spec, "params": params, "param_names": names, "skip_params": skip,
        f"peakmem_{name}": peakmem,
        "__doc__": f"{name}: peak RSS of a process that prepares (no NumPy check) and runs the largest case.",
        "__module__": f"bench.bench_{name}"})
    return out


def _compile_class(spec, name: str, cls_name: str, jax_backends: list[str], jit: list[str]) -> type:
    """Kernel ``name``'s compile-time class: lower + compile seconds of its jit transforms."""
    params, names, skip = grid(spec, role="compile", backends=jax_backends, transforms=jit)

    def track_compile_seconds(self, *values):
        host_devices_for(case_of(self.spec, values))   # before JAX starts
        import jax

        jax.block_until_ready(jax.jit(lambda v: v + 1)(1.0))  # JAX's one-time start-up, not the case's
        return self._prepared(values, persistent_cache=False).compile_seconds

    return type(cls_name, (_CaseBench,), {
        "spec": spec, "params": params, "param_names": names, "skip_params": skip,
        "track_compile_seconds": track_compile_seconds, "unit": "seconds", "rounds": 1,
        "__doc__": f"{name}: lower + compile seconds of the jitted function (no persistent cache).",
        "__module__": f"bench.bench_{name}"})


def _transfer_class(spec, name: str, cls_name: str, jax_backends: list[str]) -> type:
    """Kernel ``name``'s transfer class: seconds of placing its inputs on the device (explicit
    placement, one transform: it does not matter)."""
    transform = "eager" if "eager" in spec.jax_transforms else spec.jax_transforms[0]
    params, names, skip = grid(spec, role="transfer", backends=jax_backends, placements=["explicit"],
                               transforms=[transform])

    def track_transfer_seconds(self, *values):
        return self._prepared(values).transfer_seconds

    return type(cls_name, (_CaseBench,), {
        "spec": spec, "params": params, "param_names": names, "skip_params": skip,
        "track_transfer_seconds": track_transfer_seconds, "unit": "seconds", "rounds": 1,
        "__doc__": f"{name}: seconds of jax.device_put of the inputs, blocked (median of 5).",
        "__module__": f"bench.bench_{name}"})


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
