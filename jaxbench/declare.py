"""Every ratio the report states, declared once, from the registry and the lecture's figures.

A :class:`Comparison` is ``num / den`` of two cases (``den + transfer`` where the lecture frames it
so): the report's speed-ups are ``baseline / case``. Kinds (one comparison may serve several):

- ``numpy``: each one-device case of the run against its NumPy-CPU baseline (same size, dtype
  and variant; NumPy transform ``eager``, else ``loop``, else ``vmap``: ``kernels.BASELINE_TRANSFORMS``),
  NumPy's other transforms (its Python loop) included;
- ``lecture baseline``: against the kernel's ``lecture_baseline`` transform of the same backend and
  placement (else the ``explicit`` placement), where that baseline is not NumPy (rowdot's loop...);
- ``null``: inputs made on the device vs ``device_put`` (the health section's null test; not for a
  kernel whose ``null_test`` is False);
- ``scaling``: a sharded case against the same case on one device;
- ``lecture``: each ratio of ``kernels/lecture_figures.toml`` (its sides resolved to cases).

``run_cases`` is the run plan (the default run, or the full grid); ``declared`` derives the
comparisons from it; ``groups`` splits them into what one process measures together.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import kernels
from kernels import BASELINE_TRANSFORMS, Case
from kernels.lecture_figures import Figure, load_figures

KINDS = ("numpy", "lecture baseline", "null", "scaling", "lecture")


@dataclass(frozen=True)
class Comparison:
    num: Case
    den: Case
    transfer: bool = False           # den + the host->device transfer of den's inputs
    kinds: tuple[str, ...] = field(default=(), compare=False)

    @property
    def id(self) -> str:
        return f"{self.num.key} / {self.den.key}" + (" + transfer" if self.transfer else "")

    @property
    def devices(self) -> int:
        """The device count the process measuring it needs (forced host devices on a CPU)."""
        return max(self.num.devices, self.den.devices)


def comparison_entry(comp: Comparison) -> dict:
    """How a process record names a comparison (results/records.py): its sides' keys, transfer, kinds."""
    return {"num": comp.num.key, "den": comp.den.key, "transfer": comp.transfer, "kinds": list(comp.kinds)}


def entries(comparisons) -> dict[str, dict]:
    """{id: :func:`comparison_entry`} of ``comparisons``: what a process record says it measured."""
    return {c.id: comparison_entry(c) for c in comparisons}


def run_cases(kernel: str, full: bool = False) -> list[Case]:
    """The timed (steady-state) cases of one kernel in the default run, or the full grid."""
    spec = kernels.kernel(kernel)
    sizes = spec.sizes if full else spec.default_grid()
    out = []
    for size in sizes:
        for c in kernels.cases(kernel, size=size):
            if full or kernels.in_default_run(c, "time"):
                out.append(c)
    return out


def _numpy_baseline(c: Case, timed: set) -> Case | None:
    for t in BASELINE_TRANSFORMS:
        b = Case(c.kernel, "numpy-cpu", "host", t, c.size, c.dtype, c.variant, 1)
        if b in timed:
            return b
    return None


def _lecture_baseline(c: Case, timed: set) -> Case | None:
    base = kernels.kernel(c.kernel).lecture_baseline
    if base == "numpy" or c.transform == base:
        return None
    for placement in (c.placement, "explicit"):
        b = replace(c, placement=placement, transform=base)
        if b in timed:
            return b
    return None


def declared_for_cases(timed: list[Case]) -> list[Comparison]:
    """The numpy, lecture-baseline, null and scaling comparisons among ``timed`` (one kernel or many)."""
    timed_set = set(timed)
    out: dict[tuple, set] = {}

    def add(num, den, kind, transfer=False):
        if num is not None and den is not None and num != den:
            out.setdefault((num, den, transfer), set()).add(kind)

    for c in timed:
        if not c.is_jax:     # NumPy's own other transforms (its loop vs eager) against its baselines
            add(_numpy_baseline(c, timed_set), c, "numpy")
            add(_lecture_baseline(c, timed_set), c, "lecture baseline")
            continue
        if c.devices == 1:
            add(_numpy_baseline(c, timed_set), c, "numpy")
            add(_lecture_baseline(c, timed_set), c, "lecture baseline")
            if c.placement == "device" and kernels.kernel(c.kernel).null_test:
                exp = replace(c, placement="explicit")
                if exp in timed_set:
                    add(c, exp, "null")
        else:
            one = replace(c, devices=1)
            if one in timed_set:
                add(one, c, "scaling")
    return [Comparison(n, d, t, tuple(k for k in KINDS if k in kinds)) for (n, d, t), kinds in out.items()]


# --------------------------------------------------------------------------- the lecture's ratios

def _size(case: dict, spec, timed: list[Case]) -> list[int]:
    """The size(s) a figure's case resolves to among the timed cases (the report picks the same)."""
    size = case.get("size", "lecture")
    if size == "lecture":
        size = spec.lecture_size or "largest"
    mine = [c.size for c in timed if c.transform == case.get("transform") and c.placement == case.get("placement")]
    if size == "largest":
        return [max(mine)] if mine else []
    if size not in mine and case.get("size_fallback") == "largest" and mine:
        return [max(mine)]
    return [int(size)]


def _side(case: dict, over: dict, backend: str, size: int, spec) -> list[Case]:
    c = dict(case, **{k: v for k, v in (over or {}).items()})
    be = over.get("backend", backend) if over else backend
    variants = c.get("variant")
    variants = variants if isinstance(variants, list) else [variants if variants is not None else spec.variants[0]]
    return [Case(spec.name, be, c.get("placement", "host" if be == "numpy-cpu" else "device"), c["transform"],
                 int(over.get("size", size)) if over else size, c.get("dtype", "float32"), v or "", 1)
            for v in variants]


def lecture_comparisons(timed: list[Case], figures: list[Figure] | None = None) -> list[Comparison]:
    """The ratio of every lecture figure whose sides are among ``timed`` (each backend it names;
    each variant of a 'fastest of several' side)."""
    timed_set = set(timed)
    by_kernel: dict[str, list[Case]] = {}
    for c in timed:
        by_kernel.setdefault(c.kernel, []).append(c)
    out = []
    for fig in figures if figures is not None else load_figures():
        case, ratio = fig.case or {}, fig.ratio or {}
        if not case or not ratio or case.get("kernel") not in by_kernel:
            continue
        spec = kernels.kernel(case["kernel"])
        mine = by_kernel[case["kernel"]]
        for backend in case.get("backends") or [case.get("backend", "jax-cpu")]:
            base = dict(case, placement=case.get("placement"))
            for size in _size(base, spec, [c for c in mine if c.backend == backend]):
                nums = _side(base, ratio.get("num") or {}, backend, size, spec)
                dens = _side(base, ratio.get("den") or {}, backend, size, spec)
                for n in nums:
                    for d in dens:
                        if n in timed_set and d in timed_set and n != d:
                            out.append(Comparison(n, d, bool(ratio.get("plus_transfer")),
                                                  ("lecture",)))
    return out


def declared(timed: list[Case], figures: list[Figure] | None = None) -> list[Comparison]:
    """Every comparison among ``timed``: registry-derived and the lecture's, merged (kinds united)."""
    merged: dict[tuple, set] = {}
    for comp in declared_for_cases(timed) + lecture_comparisons(timed, figures):
        merged.setdefault((comp.num, comp.den, comp.transfer), set()).update(comp.kinds)
    return sorted((Comparison(n, d, t, tuple(k for k in KINDS if k in kinds)) for (n, d, t), kinds in merged.items()),
                  key=lambda c: (c.devices, c.num.kernel, c.den.size, c.id))


def for_kernel(kernel: str, full: bool = False, devices: int = 1) -> list[Comparison]:
    """The declared comparisons of one kernel in the run, measured in processes with ``devices``."""
    return [c for c in declared(run_cases(kernel, full)) if c.devices == devices]


def with_their_groups(comparisons: list[Comparison], ids: set | None) -> list[Comparison]:
    """The comparisons of every group (:func:`groups`) that holds one of ``ids`` (all where ``ids`` is
    None): an extra process times whole groups, the same sides in the same order as a full process,
    because a process that timed only a few sides read them differently (docs/comparisons.md)."""
    if ids is None:
        return list(comparisons)
    return [c for g in groups(list(comparisons)) if any(c.id in ids for c in g) for c in g]


def groups(comparisons: list[Comparison]) -> list[list[Comparison]]:
    """Comparisons that share a case are measured together: connected components over the cases,
    kept apart by size where no comparison spans sizes (short passes keep the two sides close)."""
    parent: dict[Case, Case] = {}

    def find(c):
        parent.setdefault(c, c)
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for comp in comparisons:
        parent[find(comp.num)] = find(comp.den)
    out: dict[Case, list] = {}
    for comp in comparisons:
        out.setdefault(find(comp.num), []).append(comp)
    return sorted(out.values(), key=lambda g: (g[0].num.kernel, g[0].den.size, g[0].id))
