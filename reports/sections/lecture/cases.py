"""Finding a lecture figure's case among the timing rows of one machine (:func:`resolve`), or why it
has none, and the rows of the lecture's two figures: the vmap ladder (:func:`ladder_rows`) and the
device placement at the notes' size (:func:`placement_rows`). ``kernels``: the registry as the
loader read it (:attr:`results.frame.Results.kernels`; default: :func:`results.registry.registry`)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from results import median_intervals
from results.registry import registry

from ... import ratios
from ...derived import coverage
from ...derived.speedup import case_key

JAX_BACKENDS = ("jax-cpu", "jax-gpu")
LADDER_COLUMNS = ["backend", "placement", "transform", "size", "median", "lo", "hi", "speedup", "s_lo", "s_hi",
                  "note"]


@dataclass
class Side:
    """One resolved case on one machine (or why there is none)."""

    row: object = None          # the timing row (pd.Series) or None
    reason: str = ""            # why there is no row
    size_note: str = ""         # e.g. 'at 100 rows (largest measured)'
    backend: str = ""

    @property
    def ok(self) -> bool:
        return self.row is not None


def spec_of(kernel: str, kernels: dict | None):
    """The registry's :class:`kernels.Kernel` of ``kernel`` (None for a kernel it does not know)."""
    return (kernels if kernels is not None else registry()).get(kernel)


def _size_of(case: dict, spec):
    size = case.get("size", "lecture")
    if size == "lecture":
        size = getattr(spec, "lecture_size", None) or "largest"
    return size


def _size_text(spec, size) -> str:
    """'rows = 100', 'n = 3,000'."""
    return f"{getattr(spec, 'size_name', None) or 'size'} = {int(size):,}"


def _default_variant(case: dict, spec) -> str:
    v = case.get("variant")
    if v is not None:
        return v
    return spec.variants[0] if spec is not None else ""


def _declared(case: dict, spec, backend: str, size) -> str:
    """'' when the registry declares the case, else why not."""
    if spec is None:
        return ""
    if case.get("placement") not in spec.placements_for(backend):
        return f"{backend} has no placement {case.get('placement')!r} for {spec.name}"
    if case.get("transform") not in spec.transforms_for(backend):
        return f"{backend} has no transform {case.get('transform')!r} for {spec.name}"
    if isinstance(size, int):
        lo, hi = spec.bounds_for(case.get("transform"))
        if not lo <= size <= hi:
            return f"{spec.name} {case.get('transform')} is bounded to {lo}-{hi} {spec.size_name}"
    return ""


def _reason_of(rows: pd.DataFrame, machine: str, kernel: str, no_gpu: set, backend: str, known: bool) -> str:
    """Why a case has no ok row on ``machine`` (rows: its rows there, possibly none)."""
    if backend == coverage.GPU_BACKEND and machine in no_gpu:
        return f"no GPU on {machine}"
    if len(rows):
        if (rows["status"] == "failed").any():
            return "failed (asv recorded a failure)"
        why = next((a for a in rows.get("absence", []) if isinstance(a, str) and a), coverage.NO_REASON)
        return "not selected in this run" if why == coverage.NOT_SELECTED else why
    if not known:
        return f"{kernel} not in this run"
    return "not selected in this run"


def resolve(case: dict, t: pd.DataFrame, machine: str, no_gpu: set, size_override=None, kernels=None) -> Side:
    """The timing row of ``case`` on ``machine`` (the first of its backends measured), or why none.

    ``t``: classified timing rows (:func:`reports.derived.coverage.classify`) of the report's commits.
    """
    kernel = case["kernel"]
    spec = spec_of(kernel, kernels)
    size = size_override if size_override is not None else _size_of(case, spec)
    variants = case.get("variant")
    variants = variants if isinstance(variants, list) else [_default_variant(case, spec)]
    mine = t[(t["machine"] == machine) & (t["kernel"] == kernel)]
    if mine.empty:
        return Side(None, reason=f"{kernel} not in this run")
    match = _variant_match(mine["variant"], variants, spec)
    reasons = []
    for backend in case.get("backends") or [case.get("backend", "jax-cpu")]:
        rows = mine[(mine["backend"] == backend) & (mine["placement"] == case.get("placement"))
                    & (mine["transform"] == case.get("transform")) & match
                    & (mine["dtype"] == case.get("dtype", "float32"))]
        ok = rows[rows["status"] == "ok"]
        if size == "largest" and len(ok):
            ok = ok[ok["size"] == ok["size"].max()]
            note = f"{_size_text(spec, ok['size'].iloc[0])}, the largest measured"
            return Side(ok.loc[ok["median"].idxmin()], size_note=note, backend=backend)
        at = ok[ok["size"] == size] if size != "largest" else ok.iloc[0:0]
        if len(at):
            return Side(at.loc[at["median"].idxmin()], backend=backend)
        if case.get("size_fallback") == "largest" and len(ok):
            best = ok[ok["size"] == ok["size"].max()]
            note = f"{_size_text(spec, best['size'].iloc[0])}, the largest measured"
            return Side(best.loc[best["median"].idxmin()], size_note=note, backend=backend)
        declared = _declared(case, spec, backend, size)
        bounded = bool(declared) and bool(case.get("size_fallback")) and "bounded" in declared
        if declared and not bounded:
            reasons.append((backend, f"no such case in the registry: {declared}"))
            continue
        here = rows[rows["size"] == size] if size != "largest" and not bounded else rows
        reasons.append((backend, _reason_of(here, machine, kernel, no_gpu, backend, len(mine) > 0)))
    chosen = next((r for b, r in reasons if not r.startswith("no GPU")), reasons[0][1] if reasons else "not measured")
    return Side(None, reason=chosen)


def _variant_match(column: pd.Series, variants: list, spec) -> pd.Series:
    """Rows whose variant is one of ``variants``; also 'axis=value' (the loader's form for a kernel
    the registry does not know) and '' for the kernel's default variant (results recorded before the
    kernel had a variant axis)."""
    default = spec.variants[0] if spec is not None else None
    def hit(v):
        v = "" if v is None else str(v)
        return any(v == w or v.endswith(f"={w}") or (v == "" and w == default) for w in variants)
    return column.map(hit).astype(bool)


def with_overrides(case: dict, overrides: dict) -> dict:
    """``case`` with ``overrides`` applied (a ``backend`` override: that one backend)."""
    c = dict(case)
    for k, v in (overrides or {}).items():
        if k == "backend":
            c["backends"] = [v]
        else:
            c[k] = v
    return c


def median_interval(r) -> tuple[float, float]:
    """The 95% interval of a timing row's median (the two-level bootstrap of its rounds)."""
    return median_intervals.median_interval(r.get("rounds"), case_key(r), r["median"])


def transfer_median(df: pd.DataFrame, r) -> float:
    """The host->device transfer median of the inputs of row ``r``'s case (NaN if not measured)."""
    keys = ["machine", "commit", "kernel", "backend", "size", "dtype", "variant"]
    tr = df[(df["role"] == "transfer") & (df["status"] == "ok")]
    for k in keys:
        tr = tr[tr[k] == r[k]]
    return float(tr["median"].median()) if len(tr) else math.nan


# --------------------------------------------------------------------------- the figures' rows

def ladder_rows(t: pd.DataFrame, machine: str, kernel: str = "rowdot", placement: str = "explicit",
                no_gpu=(), comparisons: ratios.Lookup | None = None, kernels=None) -> pd.DataFrame:
    """The vmap ladder (loop, jit(loop), vmap, jit(vmap)) of ``kernel`` on ``machine``, per JAX
    backend measured: at the lecture size where measured, else (jit of the loop, bounded) at the
    largest size measured; median with its interval, speedup over the loop at the same size with
    its interval. ``placement``: the ladder's placement (falls back to any measured one)."""
    spec = spec_of(kernel, kernels)
    size = getattr(spec, "lecture_size", None)
    rows = []
    if spec is None:        # the rungs are the kernel's JAX transforms (rowdot: loop ... jit_vmap)
        return pd.DataFrame(rows, columns=LADDER_COLUMNS)
    mine = t[(t["machine"] == machine) & (t["kernel"] == kernel) & (t["status"] == "ok")
             & t["backend"].str.startswith("jax")]
    for backend in JAX_BACKENDS:
        if backend == coverage.GPU_BACKEND and machine in set(no_gpu):
            continue
        b = mine[mine["backend"] == backend]
        if b.empty:
            continue
        pl = placement if (b["placement"] == placement).any() else b["placement"].iloc[0]
        b = b[b["placement"] == pl]
        target = size if size is not None and (b["size"] == size).any() else b["size"].max()
        for tr in spec.jax_transforms:
            g = b[b["transform"] == tr]
            if g.empty:
                rows.append(dict(backend=backend, placement=pl, transform=tr, size=target, median=math.nan,
                                 lo=math.nan, hi=math.nan, speedup=math.nan, s_lo=math.nan, s_hi=math.nan,
                                 note="not measured"))
                continue
            at = g[g["size"] == target]
            note = ""
            if at.empty:
                at = g[g["size"] == g["size"].max()]
                note = f"at {int(at['size'].iloc[0]):,} {getattr(spec, 'size_name', 'size')} (largest measured)"
            r = at.iloc[0]
            lo, hi = median_interval(r)
            loop = b[(b["transform"] == "loop") & (b["size"] == r["size"])]
            sp = s_lo = s_hi = math.nan
            if len(loop):
                lr = loop.iloc[0]
                measured = (comparisons or ratios.EMPTY).ratio(lr, r) if lr.name != r.name else \
                    ratios.Ratio(1.0, 1.0, 1.0, ratios.PAIRED)
                sp, s_lo, s_hi = measured.point, measured.lo, measured.hi
            rows.append(dict(backend=backend, placement=pl, transform=tr, size=int(r["size"]), median=r["median"],
                             lo=lo, hi=hi, speedup=sp, s_lo=s_lo, s_hi=s_hi, note=note))
    return pd.DataFrame(rows, columns=LADDER_COLUMNS)


def placement_rows(t: pd.DataFrame, machine: str, kernel: str = "matmul", variant: str = "x@x.T",
                   transform: str = "eager", no_gpu=(), kernels=None):
    """Rows of the lecture's placement figure (NumPy and each JAX placement at the lecture size,
    the notes' transform; jit where eager was not measured): (rows, size, transform) or Nones."""
    spec = spec_of(kernel, kernels)
    size = getattr(spec, "lecture_size", None)
    g = t[(t["machine"] == machine) & (t["kernel"] == kernel) & (t["variant"] == variant)
          & (t["dtype"] == "float32") & (t["status"] == "ok")]
    g = g[~((g["backend"] == coverage.GPU_BACKEND) & (g["machine"].isin(set(no_gpu))))]
    if size is None or not (g["size"] == size).any():
        return None, size, transform
    at = g[g["size"] == size]
    jax = at[at["backend"].str.startswith("jax")]
    tr = transform if (jax["transform"] == transform).any() else ("jit" if (jax["transform"] == "jit").any() else None)
    if tr is None:
        return None, size, transform
    rows = pd.concat([at[at["backend"] == "numpy-cpu"], jax[jax["transform"] == tr]])
    return rows, size, tr


__all__ = ["Side", "resolve", "with_overrides", "median_interval", "transfer_median", "ladder_rows",
           "placement_rows", "spec_of"]
