"""What a run measured, what it did not, and why: the rules that keep n/a clutter out of the report.

asv stores every grid point of a benchmark; one that did not run is NaN (n/a) whatever the cause,
and asv keeps no reason. The report tells the causes apart from what it knows:

- **no GPU**: a ``jax-gpu`` row on a machine without a GPU (its ``jaxbench-facts.jsonc`` lists no
  GPU device; without a facts file: no ``jax-gpu`` timing of that machine succeeded). These rows are
  left out of every table and figure; each carries ONE line instead,
  ``jax-gpu: not measured on <machine> (no GPU)`` (:func:`gpu_notes`).
- **not selected**: the run did not ask for the case: outside the default run
  (``kernels.in_default_run``, e.g. float64 or matmul ``x@y`` at n = 3000) when the machine's facts
  say the run was a default one (``measurement.sizes``, else the ``env`` entry of the setting
  ``settings.SIZES`` of kernels/settings.py, not ``full``).
  Left out: absent, not n/a. (:mod:`results.frame` asks the registry: ``in_default_run`` column.)
- **a real reason**: the kernel's ``availability`` check (``Kernel.availability``, e.g. MovieLens
  missing for svt_hard at 943 x 1682) fails on the machine building the report: the row stays, with
  that reason. The check runs where the report is built, which is where ``make bench`` ran it; a
  report of another machine's results says so ("on the machine that built this report").
  (:mod:`results.frame` runs the check: ``unavailable`` column.)
- anything else skipped stays visible as ``n/a (skipped; asv records no reason)``.

Failed rows (asv null) always stay. Unknown kernels (not in the registry) keep every row.
"""
from __future__ import annotations

import pandas as pd

from kernels import settings

GPU_BACKEND = "jax-gpu"
NO_GPU = "no GPU"
NOT_SELECTED = "not selected"
NO_REASON = "skipped; asv records no reason"


def facts_gpu(facts: dict) -> bool | None:
    """True / False where a machine's facts file says whether JAX saw a GPU; None when it does not say."""
    jax = (facts or {}).get("jax")
    if isinstance(jax, dict) and isinstance(jax.get("gpu_devices"), list):
        return bool(jax["gpu_devices"])
    devices = (facts or {}).get("devices")
    if isinstance(devices, list) and devices:
        return any("gpu" in str(d).lower() or "cuda" in str(d).lower() for d in devices)
    return None


def has_gpu(df: pd.DataFrame, facts: dict, machine: str) -> bool | None:
    """Whether ``machine`` has a GPU: its facts file, else whether any jax-gpu timing succeeded
    there (False when jax-gpu rows exist and none is ok; None when there is nothing to tell)."""
    said = facts_gpu((facts or {}).get(machine, {}))
    if said is not None:
        return said
    g = df[(df["machine"] == machine) & (df["backend"] == GPU_BACKEND) & (df["role"] != "calibration")]
    if g.empty:
        return None
    return bool((g["status"] == "ok").any())


def no_gpu_machines(df: pd.DataFrame, facts: dict) -> list[str]:
    """The machines of ``df`` known to have no GPU."""
    return [m for m in sorted(df["machine"].dropna().unique()) if has_gpu(df, facts, m) is False]


def gpu_note(machine: str) -> str:
    return f"{GPU_BACKEND}: not measured on {machine} ({NO_GPU})"


def gpu_notes(machines, no_gpu) -> list[str]:
    """The one-line GPU notes of the machines shown that have no GPU."""
    return [gpu_note(m) for m in sorted(set(machines)) if m in set(no_gpu)]


def default_run(facts: dict) -> bool:
    """Whether a machine's results come from the default run (``python -m runner`` without --full);
    unknown (no facts) counts as default, the common case."""
    m = (facts or {}).get("measurement") or {}
    sizes = m.get("sizes") or ((facts or {}).get("env") or {}).get(settings.SIZES.var)
    return sizes not in ("full",)


def absence(r, no_gpu: set, default: dict) -> str:
    """Why a row has no value: "" (it has one, or it failed), NO_GPU, NOT_SELECTED, or a reason."""
    if r["status"] != "skipped":
        return ""
    if r["backend"] == GPU_BACKEND and r["machine"] in no_gpu:
        return NO_GPU
    reason = r.get("unavailable", "")
    if isinstance(reason, str) and reason:
        return reason
    selected = r.get("in_default_run")
    if default.get(r["machine"], True) and selected is not None and selected == selected and not selected:
        return NOT_SELECTED
    return NO_REASON


def classify(t: pd.DataFrame, facts: dict) -> pd.DataFrame:
    """``t`` with an ``absence`` column (see :func:`absence`)."""
    out = t.copy()
    if out.empty:
        out["absence"] = pd.Series(dtype=str)
        return out
    no_gpu = set(no_gpu_machines(t, facts))
    default = {m: default_run((facts or {}).get(m, {})) for m in t["machine"].unique()}
    out["absence"] = [absence(r, no_gpu, default) for _, r in out.iterrows()]
    return out


def tidy(t: pd.DataFrame, facts: dict) -> tuple[pd.DataFrame, list[str]]:
    """(rows to show, the GPU notes): rows absent for no GPU or not selected are dropped; a skipped
    row that stays has its reason in ``absence``."""
    c = classify(t, facts)
    if c.empty:
        return c, []
    no_gpu = no_gpu_machines(t, facts)
    keep = ~c["absence"].isin([NO_GPU, NOT_SELECTED])
    kept = c[keep]
    if GPU_BACKEND in set(kept["backend"].dropna()):
        kept = kept[~((kept["backend"] == GPU_BACKEND) & kept["machine"].isin(no_gpu))]
    return kept, gpu_notes(t["machine"].unique(), no_gpu)


__all__ = ["GPU_BACKEND", "NO_GPU", "NOT_SELECTED", "NO_REASON", "facts_gpu", "has_gpu", "no_gpu_machines",
           "gpu_note", "gpu_notes", "default_run", "absence", "classify", "tidy"]
