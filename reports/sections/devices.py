"""Devices (sharded cases): each sharded case (``devices`` > 1) against the same case on one device:
``tables/scaling.md|.tex|.csv``, ``figures/devices_<kernel>_<machine>.png`` and the "Devices
(sharded cases)" section of ``index.html``, only when some row has ``devices`` > 1
(:class:`Devices`; the rows: :func:`scaling_rows`, pure over the tidy rows of :mod:`results.frame`).

One row per machine, case (backend, placement, transform, size, dtype, variant) and device count,
for every case measured on more than one device, with its one-device twin (the same benchmark,
machine, commit and case at ``devices`` = 1):

- **median** per call with its 95% interval (the two-level bootstrap of :mod:`results.median_intervals`);
- **speed-up over one device** = one device / N devices, the measured comparison of the two
  (:mod:`reports.ratios`: both in one process with N devices, interleaved, 3+ processes, its 95%
  interval resampling processes, then passes); > 1 is faster than one device;
- **parallel efficiency** = speed-up / devices, its interval the speed-up's divided by devices
  (the same replicates, scaled); 1 is ideal scaling on real devices.

A case whose twin was not measured (absent, n/a or failed) says so instead of a number. On a CPU,
``devices`` > 1 are XLA host devices forced with ``XLA_FLAGS=--xla_force_host_platform_device_count``
in the case's own process: they share the machine's cores, so those rows measure the overhead of
partitioning and collectives, not scaling; every table, figure and the page say so per machine
(:func:`device_lines`). ``jax-gpu`` rows run on real GPUs, named from the machine's facts.
"""
from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd

from results import median_intervals
from results.frame import sharded

from .. import ratios
from ..derived import flags, speedup
from ..figures import plots
from ..formats import html as H
from ..formats import tables
from ..parts import Doc, Figure, Part, Table, slug

KEYS = ["machine", "commit", "kernel", "benchmark", "backend", "placement", "transform", "size", "dtype", "variant"]
SHOWN_STATUS = ("ok", "failed")      # sharded rows shown; n/a grid points are counted in a note
FORCED_FLAG = "XLA_FLAGS=--xla_force_host_platform_device_count"
OVERHEAD = "these rows measure the overhead of partitioning and collectives, not scaling"
NO_TWIN = "no 1-device twin"
COLUMNS = KEYS + ["devices", "devices_are", "status", "median", "median_lo", "median_hi", "ci_method", "n_rounds",
                  "one_device_median", "speedup", "speedup_lo", "speedup_hi", "speedup_method",
                  "efficiency", "efficiency_lo", "efficiency_hi", "twin_note", "flags"]
STAT_NOTE = ("Median: per call, with its 95% interval (two-level bootstrap: rounds, then samples within rounds; "
             "2000 resamples). Speed-up over 1 device: median of the same case on one device (same machine and "
             "commit) / median on N devices, > 1 is faster, with the 95% interval of that ratio (same bootstrap, "
             "both sides drawn independently); 'no measurable difference' when it contains 1; (1P): one process. "
             "Efficiency: speed-up / N, its interval the speed-up's divided by N; 1 is ideal scaling on N real "
             "devices.")


def sharded_cases(df: pd.DataFrame) -> pd.DataFrame:
    """The rows the scaling table shows: every ok or failed timing at ``devices`` > 1, and every
    device count of the same case at ``devices`` = 1 (its twin, whatever its status)."""
    t = speedup.all_timings(df)
    multi = t[(t["devices"] > 1) & t["status"].isin(SHOWN_STATUS)]
    if multi.empty:
        return t.iloc[0:0]
    cases = set(map(tuple, multi[KEYS].astype(str).to_numpy()))
    mine = pd.Series([tuple(k) in cases for k in t[KEYS].astype(str).to_numpy()], index=t.index, dtype=bool)
    keep = mine & ((t["devices"] == 1) | t["status"].isin(SHOWN_STATUS))
    return t[keep]


def not_shown(df: pd.DataFrame) -> pd.DataFrame:
    """The sharded grid points without a timing (asv n/a), per kernel and machine: column ``n``."""
    t = speedup.all_timings(df)
    t = t[(t["devices"] > 1) & (t["status"] == "skipped")]
    return t.groupby(["kernel", "machine"]).size().rename("n").reset_index()


def devices_are(backend: str, devices: int) -> str:
    """What the devices of a row are: one device, forced host devices, or real GPUs."""
    if devices == 1:
        return "one device"
    return "real GPUs" if backend == "jax-gpu" else "forced host devices (overhead, not scaling)"


def _twin_note(twin) -> str:
    """Why a sharded row has no speed-up: its one-device twin is absent, n/a or failed."""
    if twin is None:
        return f"{NO_TWIN} measured"
    return f"{NO_TWIN} ({'failed' if twin['status'] == 'failed' else 'n/a'})"


def scaling_rows(df: pd.DataFrame, benchmarks: dict | None = None, facts: dict | None = None,
                 comparisons: ratios.Lookup | None = None) -> pd.DataFrame:
    """The scaling table, tidy (``COLUMNS``): each sharded case and its twin, medians with their
    95% intervals, speed-up over one device and efficiency with theirs, the instability flags."""
    t = sharded_cases(df)
    if t.empty:
        return pd.DataFrame(columns=COLUMNS)
    t = flags.with_flags(speedup.with_replicates(t), benchmarks or {}, facts)
    twins = {tuple(str(r[k]) for k in KEYS): r for _, r in t[t["devices"] == 1].iterrows()}
    out = []
    for _, r in t.iterrows():
        n = int(r["devices"])
        twin = twins.get(tuple(str(r[k]) for k in KEYS))
        point = lo = hi = math.nan
        method, note = median_intervals.METHOD_NONE, ""
        if r["status"] == "ok" and n == 1:
            point, method = 1.0, r["ci_method"]
        elif r["status"] == "ok" and twin is not None and twin["status"] == "ok":
            measured = (comparisons or ratios.EMPTY).ratio(twin, r)
            point, lo, hi, method = measured.point, measured.lo, measured.hi, measured.method
        elif r["status"] == "ok":
            note = _twin_note(twin)
        out.append({**{k: r[k] for k in KEYS}, "devices": n, "devices_are": devices_are(r["backend"], n),
                    "status": r["status"], "median": r["median"], "median_lo": r["median_lo"],
                    "median_hi": r["median_hi"], "ci_method": r["ci_method"], "n_rounds": r["n_rounds"],
                    "one_device_median": twin["median"] if twin is not None and twin["status"] == "ok" else math.nan,
                    "speedup": point, "speedup_lo": lo, "speedup_hi": hi, "speedup_method": method,
                    "efficiency": point / n, "efficiency_lo": lo / n, "efficiency_hi": hi / n,
                    "twin_note": note, "flags": r["flags"]})
    s = pd.DataFrame(out, columns=COLUMNS)
    order = s["backend"].map({"jax-cpu": 0, "jax-gpu": 1}).fillna(9)
    return (s.assign(_o=order).sort_values(["kernel", "machine", "variant", "dtype", "size", "_o", "placement",
                                            "transform", "devices"], kind="stable")
            .drop(columns="_o").reset_index(drop=True))


# --------------------------------------------------------------------------- what the devices are

def _cores(facts: dict, machine_json: dict) -> str:
    """'2 cores' from the facts (usable by the process, else logical), else asv's machine.json."""
    cpu = (facts or {}).get("cpu")
    cpu = cpu if isinstance(cpu, dict) else {}
    logical, usable = cpu.get("logical_cores"), cpu.get("usable_cores")
    if usable or logical:
        extra = f" ({usable} usable of {logical} logical)" if usable and logical and usable != logical else ""
        return f"{usable or logical} cores{extra}"
    n = (machine_json or {}).get("num_cpu")
    if n:
        return f"{n} cores (asv's machine.json num_cpu; the facts file records no core count)"
    return "an unknown number of cores (no facts file records them)"


def gpu_names(facts: dict) -> list[str]:
    """The GPUs a machine's facts name: nvidia-smi's names, else JAX's GPU devices."""
    jax = (facts or {}).get("jax")
    jax = jax if isinstance(jax, dict) else {}
    smi = [d.get("name") for d in jax.get("nvidia_smi") or [] if isinstance(d, dict) and d.get("name")]
    if smi:
        return smi
    kinds = [d.get("kind") or d.get("str") for d in jax.get("devices") or []
             if isinstance(d, dict) and d.get("platform") == "gpu"]
    if any(kinds):
        return [k for k in kinds if k]
    if jax.get("gpu_devices"):
        return [str(d) for d in jax["gpu_devices"]]
    return [str(d) for d in (facts or {}).get("devices") or [] if "gpu" in str(d).lower() or "cuda" in str(d).lower()]


def _counts(values) -> str:
    """'2', '2 or 4', '2, 4 or 8'."""
    v = [str(x) for x in sorted(set(values))]
    return v[0] if len(v) == 1 else f"{', '.join(v[:-1])} or {v[-1]}"


def device_lines(rows: pd.DataFrame, facts: dict, machines: dict | None = None) -> dict[str, list[str]]:
    """machine -> one line per JAX backend with sharded rows, saying what its devices are."""
    out = {}
    multi = rows[rows["devices"] > 1]
    for machine, g in multi.groupby("machine", sort=True):
        f, mj = (facts or {}).get(machine, {}), (machines or {}).get(machine, {})
        lines = []
        for backend, b in g.groupby("backend", sort=True):
            n = _counts(b["devices"])
            if backend == "jax-gpu":
                names = gpu_names(f)
                what = (", ".join(f"{c} x {name}" if c > 1 else name for name, c in Counter(names).items())
                        if names else "GPU model not recorded (no GPU named in the facts file)")
                lines.append(f"{machine}: jax-gpu on {n} devices = real GPUs ({what}): these rows measure scaling "
                             "over real devices.")
            else:
                lines.append(f"{machine}: {backend} on {n} forced host devices sharing {_cores(f, mj)} "
                             f"({FORCED_FLAG}): {OVERHEAD}.")
        out[machine] = lines
    return out


def what_line(kernel: str, specs: dict) -> str:
    """The kernel's own line on how it shards (``Kernel.sharding.what``), '' where unknown."""
    what = getattr(getattr(specs.get(kernel), "sharding", None), "what", "") or ""
    return f"{kernel}, sharded: {what}" if what else ""


def cpu_only(rows: pd.DataFrame) -> bool:
    """Whether every sharded row of ``rows`` runs on forced host devices (no real devices)."""
    multi = rows[rows["devices"] > 1]
    return bool(len(multi)) and not (multi["backend"] == "jax-gpu").any()


def title_caveat(rows: pd.DataFrame) -> str:
    """What a figure's title adds: ' - overhead, not scaling (...)' when its sharded rows run on
    forced host devices, ' - jax-cpu lines: ...' when only some do."""
    multi = rows[rows["devices"] > 1]
    if cpu_only(rows):
        return " - overhead, not scaling (forced host devices)"
    if (multi["backend"] != "jax-gpu").any():
        return " - jax-cpu lines: overhead, not scaling (forced host devices)"
    return ""


# --------------------------------------------------------------------------- display

def median_cell(r) -> str:
    """'1.23 ms [1.20 ms, 1.26 ms]', 'failed', 'n/a'."""
    if r["status"] != "ok":
        return tables.STATUS.get(r["status"], r["status"])
    if r["median_lo"] != r["median_lo"]:
        return f"{tables.fmt_time(r['median'])} ({tables.NO_INTERVAL})"
    return f"{tables.fmt_time(r['median'])} [{tables.fmt_time(r['median_lo'])}, {tables.fmt_time(r['median_hi'])}]"


def speedup_cell(r) -> str:
    """The speed-up over one device with its interval, '1x (baseline)' on one device, or why none."""
    if r["status"] != "ok":
        return "-"
    if r["twin_note"]:
        return r["twin_note"]
    return tables.fmt_speedup(r["speedup"], r["speedup_lo"], r["speedup_hi"], r["speedup_method"],
                              baseline=r["devices"] == 1)


def efficiency_cell(r) -> str:
    """'0.25 [0.24, 0.26]' (speed-up / devices); '-' on one device or without a speed-up."""
    e = r["efficiency"]
    if r["devices"] == 1 or e != e:
        return "-"
    if r["speedup_method"] == median_intervals.METHOD_NONE or r["efficiency_lo"] != r["efficiency_lo"]:
        return f"{tables.fmt_num(e)} ({tables.NO_INTERVAL})"
    one = " (1P)" if r["speedup_method"] == median_intervals.METHOD_ONE else ""
    return f"{tables.fmt_num(e)} [{tables.fmt_num(r['efficiency_lo'])}, {tables.fmt_num(r['efficiency_hi'])}]{one}"


def table(s: pd.DataFrame, variant_name: str = "Variant") -> pd.DataFrame:
    """Display form of one kernel's :func:`scaling_rows`."""
    variant = {variant_name or "Variant": s["variant"].replace("", "-").to_list()} if s["variant"].ne("").any() else {}
    return pd.DataFrame({
        "Machine": s["machine"].to_list(),
        "Case": [speedup.label(b, p, t) for b, p, t in zip(s["backend"], s["placement"], s["transform"])],
        "Size": s["size"].astype(str).to_list(), "dtype": s["dtype"].to_list(), **variant,
        "Devices": s["devices"].astype(str).to_list(),
        "Median [95% CI]": [median_cell(r) for _, r in s.iterrows()],
        "Speed-up vs 1 device [95% CI]": [speedup_cell(r) for _, r in s.iterrows()],
        "Efficiency [95% CI]": [efficiency_cell(r) for _, r in s.iterrows()],
        "Flags": s["flags"].fillna("").to_list()})


def kernel_notes(kernel: str, s: pd.DataFrame, lines: dict, specs: dict, hidden: pd.DataFrame) -> list[str]:
    """Notes under one kernel's table: how it shards, what each machine's devices are, the
    statistics, the n/a grid points left out."""
    notes = [what_line(kernel, specs)] + [x for m in sorted(s["machine"].unique()) for x in lines.get(m, [])]
    h = hidden[hidden["kernel"] == kernel] if len(hidden) else hidden
    if len(h):
        notes.append("Not shown: sharded grid points without a timing (asv n/a: not selected by the run, no GPU, "
                     "or fewer devices than asked): " + ", ".join(f"{n} on {m}" for m, n in zip(h["machine"], h["n"]))
                     + ".")
    notes.append(STAT_NOTE)
    return [n for n in notes if n]


def caption(kernel: str, s: pd.DataFrame) -> str:
    """'matmul on 1, 2 and 4 devices: ...' (the CPU caveat when no row runs on real devices)."""
    counts = sorted(set(s["devices"]))
    text = f"{kernel} on {', '.join(map(str, counts[:-1]))} and {counts[-1]} devices" if len(counts) > 1 \
        else f"{kernel} on {counts[0]} devices"
    text += ": median, speed-up over the same case on 1 device and parallel efficiency"
    return text + (" (forced host devices: overhead, not scaling)" if cpu_only(s) else "")


def tables_of(s: pd.DataFrame, lines: dict, specs: dict, hidden: pd.DataFrame) -> list[tuple]:
    """[(kernel, display table, caption, notes)] of every kernel with sharded rows."""
    out = []
    for kernel, g in s.groupby("kernel", sort=True):
        name = getattr(specs.get(kernel), "variant_name", "") or "Variant"
        out.append((kernel, table(g, name), caption(kernel, g), kernel_notes(kernel, g, lines, specs, hidden)))
    return out


def latex_frame(t: pd.DataFrame) -> pd.DataFrame:
    """A display table narrowed for a portrait A4 page: size, dtype (when not float32) and variant
    in one ``Size`` cell; no Flags column when no row is flagged."""
    extra = [c for c in t.columns if c not in ("Machine", "Case", "Size", "dtype", "Devices", "Median [95% CI]",
                                                 "Speed-up vs 1 device [95% CI]", "Efficiency [95% CI]", "Flags")]
    size = [" ".join([z] + ([d] if d != "float32" else []) + [r[c] for c in extra if r[c] != "-"])
            for z, d, (_, r) in zip(t["Size"], t["dtype"], t.iterrows())]
    out = t.drop(columns=["dtype"] + extra).assign(Size=size)
    return out.drop(columns=["Flags"]) if not out["Flags"].astype(bool).any() else out


def to_csv_frame(s: pd.DataFrame) -> pd.DataFrame:
    """tables/scaling.csv: the tidy rows (``COLUMNS``), numbers as numbers."""
    return s[COLUMNS].replace({np.inf: np.nan})


# --------------------------------------------------------------------------- the section

def figures_of(rows, lines: dict) -> tuple[list, list]:
    """(figures, figures not drawn with why): one per sharded kernel and machine."""
    figures, skipped = [], []
    for (kernel, machine), g in rows.groupby(["kernel", "machine"], sort=True):
        if not (g["status"] == "ok").any():
            skipped.append(f"devices {kernel} {machine}: no successful timing (see tables/scaling.md)")
            continue
        figures.append(Figure(
            slug("devices", kernel, machine),
            lambda g=g, t=f"Devices: {kernel} on {machine}{title_caveat(g)}",
            n="\n".join(lines.get(machine, [])): plots.devices(g, t, n),
            f"{kernel} on {machine}: median time per call (left) and speed-up over the same case on 1 "
            "device (right) against the device count, error bars: 95% bootstrap intervals; dashed: the "
            "ideal speed-up, reachable on real devices only. " + " ".join(lines.get(machine, [])), kernel))
    return figures, skipped


class Devices:
    """The scaling table of the sharded cases and its figures."""

    name = "devices"
    title = "Devices (sharded cases)"

    def part(self, ctx) -> Part:
        r = ctx.results
        rows = scaling_rows(ctx.selected, r.benchmarks, r.facts, ctx.comparisons) \
            if sharded(ctx.selected) else None
        if rows is None or rows.empty:
            return Part()
        lines = device_lines(rows, r.facts, r.machines)
        blocks = tables_of(rows, lines, ctx.kernels, not_shown(ctx.selected))
        shown = [Table(t, caption, notes) for _, t, caption, notes in blocks]
        latex = [Table(latex_frame(t), caption, notes, f"tab:scaling-{slug(k)}", keys=["Machine", "Case"])
                 for k, t, caption, notes in blocks]
        every = [x for m in sorted(lines) for x in lines[m]]
        figures, skipped = figures_of(rows, lines)
        page = [H.notes_html(every, OVERHEAD)]
        for (kernel, *_), shown_table in zip(blocks, shown):
            page += [shown_table] + [f for f in figures if f.kernel == kernel]
        doc = Doc("tables/scaling", shown, latex=latex, heading=self.title, lines=every,
                  csv=to_csv_frame(rows))
        return Part([doc], figures, page, skipped)


__all__ = ["COLUMNS", "KEYS", "OVERHEAD", "NO_TWIN", "sharded_cases", "not_shown", "scaling_rows",
           "device_lines", "gpu_names", "what_line", "cpu_only", "title_caveat", "table", "tables_of",
           "kernel_notes", "caption", "latex_frame", "to_csv_frame", "median_cell",
           "speedup_cell", "efficiency_cell", "devices_are", "figures_of", "Devices"]
