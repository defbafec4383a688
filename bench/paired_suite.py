"""The declared comparisons of one kernel as asv ``track_`` benchmarks (one per comparison).

    <Kernel>Comparisons.track_ratio(comparison)          one-device comparisons (a plain process)
    <Kernel>ComparisonsDevices<N>.track_ratio(comparison) sharded over N vs one device, N host devices forced

``comparison`` is the id of a :class:`jaxbench.declare.Comparison` (``num key / den key``); the
value is ``num / den`` (for a speed-up, baseline / case: > 1 means the case is faster), the median
of the per-pass ratios of ONE process. ``setup_cache`` is that process: asv runs it once per class
and run, and hands its result to every comparison of the class, so all the kernel's comparisons are
measured together, each pair's sides interleaved (:mod:`jaxbench.measure`). With the setting
``settings.COMPARISONS_OUT`` set (``python -m runner`` does), the process also drops its raw passes
there: the report's intervals resample those processes (:mod:`results.records`). A comparison whose
side cannot run here (jax-gpu without a GPU, missing data) is a skip (n/a), never a number.
"""
from __future__ import annotations

import sys
import types

from asv_runner.benchmarks.mark import SkipNotImplemented

import kernels
from jaxbench import declare

from . import common

UNIT = "x (num / den: a speed-up when > 1)"


class _ComparisonsBench:
    spec = None
    devices = 1
    comparisons: tuple = ()
    param_names = ["comparison"]
    unit = UNIT
    rounds = 1
    timeout = 1200                  # the whole kernel is measured in setup_cache
    setup_cache_timeout = 1200

    def _measure_all(self):
        from jaxbench import measure
        from results import records

        if self.devices > 1:
            common.host_devices_for(kernels.Case(self.spec.name, "jax-cpu", "explicit", "jit", 1, devices=self.devices))
        common.enable_persistent_cache()
        # an extra process: the whole groups of the still imprecise comparisons only
        comps = declare.with_their_groups(self.comparisons, records.only_ids())
        record = measure.measure(comps)
        records.drop(record, type(self).__name__, self.devices, declare.entries(comps))
        return measure.ratios(record, comps)

    def track_ratio(self, cache, comparison):
        r = cache.get(comparison) or {"missing": "not measured"}
        if "ratio" not in r:
            raise SkipNotImplemented(f"{comparison}: {r['missing']}")
        return r["ratio"]


def process_devices(comp) -> int:
    """The host devices forced in the process measuring ``comp``: none for one-device comparisons
    (their processes are plain, as asv's time_ processes), N for a comparison with an N-device side.
    (Forced devices measurably slowed one-device jit cases at 4 devices, and eager loops were never
    checked: the one-device ratios stay in plain processes.)"""
    return comp.devices


def _own_setup_cache(cls_name: str):
    """A ``setup_cache`` of its own for one class. asv keys a setup cache by the function's module and
    first line (``asv_runner.benchmarks._base.get_setup_cache_key``): classes sharing an inherited
    ``setup_cache`` would share ONE cache, i.e. one kernel's (or one device count's) measurement. A
    copy of the function whose module is a per-class module gets a key of its own."""
    name = f"bench.comparisons_{cls_name}"
    module = sys.modules.setdefault(name, types.ModuleType(name))
    body = _ComparisonsBench._measure_all
    fn = types.FunctionType(body.__code__, body.__globals__, "setup_cache", body.__defaults__, body.__closure__)
    fn.__module__ = module.__name__
    fn.__qualname__ = f"{cls_name}.setup_cache"
    return fn


def comparison_classes(spec, full: bool) -> dict[str, type]:
    """The comparison classes of one kernel (none where it declares no comparison)."""
    out = {}
    comps = declare.declared(declare.run_cases(spec.name, full))
    for n in sorted({process_devices(c) for c in comps}):
        mine = tuple(c for c in comps if process_devices(c) == n)
        name = common._camel(spec.name) + ("Comparisons" if n == 1 else f"ComparisonsDevices{n}")
        out[name] = type(name, (_ComparisonsBench,), {
            "spec": spec, "devices": n, "comparisons": mine, "params": [[c.id for c in mine]],
            "setup_cache": _own_setup_cache(name),
            "__doc__": f"{spec.name}: declared comparisons, {'one device' if n == 1 else f'{n} devices'} "
                       f"(num / den, paired in one process).",
            "__module__": f"bench.bench_{spec.name}"})
    return out


def runnable(cls, gpu: bool) -> list[str]:
    """The comparison ids of a class whose sides can run here (jax-gpu ones only with a GPU)."""
    return [c.id for c in cls.comparisons if gpu or "jax-gpu" not in (c.num.backend, c.den.backend)]
