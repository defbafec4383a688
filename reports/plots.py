"""Figures (matplotlib, Agg): each function takes tidy rows, returns a Figure, writes nothing.

The lecture's figures: :func:`ladder` (the vmap ladder) and :func:`placement` (at the lecture's size,
drawn by :mod:`reports.build` from :mod:`reports.lecture`'s rows). Speedup bars are labelled with the
speedup over the lecture's baseline too where that is not NumPy (``; 304x [298, 311] vs loop``).
A figure of a machine without a GPU carries the line "jax-gpu: not measured on <machine> (no GPU)".
:func:`devices` draws the devices axis of a sharded kernel (time and speed-up against the device
count, the ideal speed-up dashed: reachable on real devices only).

Statistics drawn: bars and lines are medians; bands are the IQR (q25-q75) of asv's samples; error
bars are 95% bootstrap intervals (:mod:`reports.stats`): of the speedup in the speedup bars, of
the median in the placement figure. A speedup whose interval contains 1 is labelled
"no measurable difference".
Skipped (n/a) and failed entries are written as text where their bar would be, never as zero.
"""
from __future__ import annotations

import math
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from kernels import format_seconds  # noqa: E402

COLORS = {"numpy-cpu": "#4c72b0", "jax-cpu": "#dd8452", "jax-gpu": "#55a868"}
MACHINE_COLORS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860"]
STATUS_TEXT = {"skipped": "n/a (skipped)", "failed": "failed"}
DPI = 100
BACKEND_ORDER = {"numpy-cpu": 0, "jax-cpu": 1, "jax-gpu": 2}


def _ordered(rows: pd.DataFrame) -> pd.DataFrame:
    """NumPy first, then JAX-CPU, then JAX-GPU; within a backend by placement and transform."""
    key = rows["backend"].map(lambda b: BACKEND_ORDER.get(b, 9))
    return rows.assign(_o=key).sort_values(["_o", "placement", "transform"], kind="stable").drop(columns="_o")


def _time_axis(axis) -> None:
    """Tick labels in %timeit style on a log time axis."""
    from matplotlib.ticker import FuncFormatter, NullFormatter
    axis.set_major_formatter(FuncFormatter(lambda v, _: _fmt(v)))
    axis.set_minor_formatter(NullFormatter())


def _status(r) -> str:
    """What a figure writes where a bar would be: 'failed', 'n/a (skipped)' or 'n/a (<reason>)'."""
    if r["status"] == "failed":
        return "failed"
    why = r.get("absence", "")
    return f"n/a ({why})" if isinstance(why, str) and why else STATUS_TEXT.get(r["status"], r["status"])


def _fmt(seconds) -> str:
    return format_seconds(float(seconds)) if seconds == seconds else "n/a"


def _speedup_axis(axis) -> None:
    """Log speedup axis with ticks at 1-2-5 steps labelled '0.5x', '2x', '10x'."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
    axis.set_minor_formatter(NullFormatter())


def _title(kernel, machine, dtype, variant, extra="") -> str:
    v = f" [{variant}]" if variant else ""
    return f"{kernel}{v} - {dtype} - {machine}{extra}"


def _err(point, lo, hi):
    """matplotlib's asymmetric error of one bar ([[below], [above]]), or None without an interval."""
    if lo != lo or hi != hi or point != point:
        return None
    return [[max(point - lo, 0.0)], [max(hi - point, 0.0)]]


def _speedup_text(r) -> str:
    """Bar label: median time and the speedup with its interval (as the tables print it), then the
    speedup over the lecture's baseline where that is not NumPy ('; 480x [455, 502] vs loop')."""
    from .tables import lecture_cell, speedup_cell
    text = f"{_fmt(r['median'])}  {speedup_cell(r)}"
    base = r.get("lecture_baseline", "numpy")
    if isinstance(base, str) and base != "numpy" and r.get("lecture_speedup") == r.get("lecture_speedup"):
        text += "; " + lecture_cell(r).replace(" (explicit placement's)", " (expl.)")
    return text


def _note(fig, note: str, bottom: float = 0.005) -> None:
    if note:
        fig.text(0.01, bottom, note, fontsize=6.5, color="#444444")


def speedup_bars(rows: pd.DataFrame, title: str, note: str = "") -> plt.Figure:
    """Horizontal bars of speedup over the NumPy-CPU baseline, one panel per size, log x.

    ``rows``: :func:`reports.speedup.with_speedups` rows of one machine/kernel/dtype/variant.
    Each bar is labelled with its median time (%timeit style) and the speedup with its 95%
    interval, drawn as an error bar.
    """
    sizes = sorted(rows["size"].dropna().unique())
    n_lines = max(len(rows[rows["size"] == s]) for s in sizes) if sizes else 1
    lecture = rows.get("lecture_baseline", pd.Series(["numpy"])).ne("numpy").any()   # longer bar labels
    fig, axes = plt.subplots(len(sizes) or 1, 1, squeeze=False,
                             figsize=(10.5 if lecture else 8, 0.9 + len(sizes) * (0.5 + 0.28 * n_lines)))
    finite = pd.concat([rows["speedup"], rows.get("speedup_lo", rows["speedup"]),
                        rows.get("speedup_hi", rows["speedup"])]).replace([np.inf, -np.inf], np.nan).dropna()
    finite = finite[finite > 0]
    lo = min(0.5, finite.min() / 2) if len(finite) else 0.1
    hi = max(2.0, finite.max() * 30) if len(finite) else 10
    for ax, size in zip(axes[:, 0], sizes):
        g = _ordered(rows[rows["size"] == size])
        y = np.arange(len(g))
        for yi, (_, r) in zip(y, g.iterrows()):
            if r["status"] == "ok" and r["speedup"] == r["speedup"]:
                err = _err(r["speedup"], r.get("speedup_lo", math.nan), r.get("speedup_hi", math.nan))
                ax.barh(yi, r["speedup"], left=0, color=COLORS.get(r["backend"], "grey"), height=0.7,
                        xerr=err, error_kw=dict(ecolor="black", elinewidth=0.9, capsize=2))
                right = r.get("speedup_hi", math.nan)
                right = right if right == right else r["speedup"]
                ax.text(max(right, r["speedup"]) * 1.08, yi, _speedup_text(r), va="center", fontsize=7)
            elif r["status"] == "ok":
                ax.text(lo * 1.1, yi, f"{_fmt(r['median'])} (no NumPy baseline)", va="center", fontsize=7)
            else:
                ax.text(lo * 1.1, yi, _status(r), va="center",
                        fontsize=7, color="#888888", style="italic")
        ax.set_yticks(y, g["label"], fontsize=7)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        ax.axvline(1, color="black", lw=0.8, ls="--")
        _speedup_axis(ax.xaxis)
        ax.set_title(f"size = {size}", fontsize=8, loc="left")
        ax.tick_params(axis="x", labelsize=7)
    axes[-1, 0].set_xlabel("speedup over NumPy-CPU (median / median; > 1 is faster, log scale)", fontsize=8)
    fig.suptitle(title, fontsize=10)
    lines = [x for x in note.split("\n") if x] if note else []
    for i, line in enumerate(reversed(lines)):
        _note(fig, line, 0.005 + 0.022 * i)
    fig.tight_layout(rect=(0, 0.022 * len(lines), 1, 1))
    return fig


def scaling(rows: pd.DataFrame, cross: pd.DataFrame, title: str, note: str = "") -> plt.Figure:
    """Median time vs size (log-log, IQR band) and the rate (GFLOP/s, else GB/s) vs size.

    A dotted vertical line marks, per JAX backend, the smallest estimated crossover size
    (:func:`reports.speedup.crossovers`) where that backend's best variant first beats NumPy.
    """
    ok = rows[(rows["status"] == "ok")]
    rate_col, rate_name, peak_col = ("gflops", "GFLOP/s", "gflops_peak")
    if ok["gflops"].notna().sum() == 0:
        rate_col, rate_name, peak_col = ("gbs", "GB/s", "gbs_peak")
    has_rate = ok[rate_col].notna().any()
    fig, axes = plt.subplots(1, 2 if has_rate else 1, figsize=(11 if has_rate else 6.5, 4.2), squeeze=False)
    ax = axes[0, 0]
    styles = {"eager": "-", "jit": "--", "loop": ":", "jit_loop": "-.", "vmap": (0, (3, 1, 1, 1)),
              "jit_vmap": (0, (5, 2))}
    markers = {"host": "o", "device": "s", "implicit": "v", "explicit": "^"}
    for lab, g in ok.groupby("label", sort=True):
        g = g.sort_values("size")
        r0 = g.iloc[0]
        kw = dict(color=COLORS.get(r0["backend"], "grey"), ls=styles.get(r0["transform"], "-"),
                  marker=markers.get(r0["placement"], "o"), ms=4, lw=1.3, label=lab)
        ax.plot(g["size"].astype(float), g["median"], **kw)
        if g["q25"].notna().any():
            ax.fill_between(g["size"].astype(float), g["q25"], g["q75"], color=kw["color"], alpha=0.15, lw=0)
        if has_rate and g[rate_col].notna().any():
            axes[0, 1].plot(g["size"].astype(float), g[rate_col], **kw)
    for backend, c in cross.groupby("backend"):
        est = c["estimate"].dropna()
        if len(est):
            x = est.min()
            ax.axvline(x, color=COLORS.get(backend, "grey"), ls=":", lw=1.2)
            ax.annotate(f"{backend} beats NumPy\nfrom ~{x:,.0f}", (x, 0.97), xycoords=("data", "axes fraction"),
                        fontsize=7, va="top", ha="left", color=COLORS.get(backend, "grey"))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("size", fontsize=8)
    ax.set_ylabel("median time per call (band: IQR)", fontsize=8)
    _time_axis(ax.yaxis)
    ax.grid(True, which="both", alpha=0.25)
    if ax.get_legend_handles_labels()[1]:
        ax.legend(fontsize=6.5, loc="lower right", ncol=1)
    if has_rate:
        ax2 = axes[0, 1]
        for platform, pk in ok.groupby("platform"):
            peak = pk[peak_col].dropna()
            if len(peak):
                ax2.axhline(peak.iloc[0], color="black" if platform == "cpu" else COLORS["jax-gpu"],
                            ls="--", lw=0.9)
                ax2.annotate(f"measured {platform} peak {peak.iloc[0]:,.0f} {rate_name}", (0.01, peak.iloc[0]),
                             xycoords=("axes fraction", "data"), fontsize=7, va="bottom")
        ax2.set_xscale("log")
        ax2.set_yscale("log")
        ax2.set_xlabel("size", fontsize=8)
        ax2.set_ylabel(f"{rate_name} (of the median time)", fontsize=8)
        ax2.grid(True, which="both", alpha=0.25)
    for a in axes[0]:
        a.tick_params(labelsize=7)
    fig.suptitle(title, fontsize=10)
    _note(fig, note)
    fig.tight_layout(rect=(0, 0.03 if note else 0, 1, 1))
    return fig


def placement(rows: pd.DataFrame, title: str, note: str = "") -> plt.Figure:
    """The lecture's device-placement figure for one size: NumPy vs on-device vs explicit
    ``device_put`` vs implicit transfer, with 'explicit + transfer' stacked next to implicit.

    ``rows``: timing rows (with ``transfer_median``) of one machine/kernel/dtype/variant/size,
    one transform. Bars are medians with the 95% bootstrap interval of the median as error bars
    (on the case's own segment); implicit ~ explicit + transfer when the transfer is the whole
    difference.
    """
    bars = []  # (label, segments[(value, color, hatch)], text)
    npy = rows[rows["backend"] == "numpy-cpu"]
    for _, r in npy.iterrows():
        bars.append((f"NumPy ({r['transform']})", r, [(r["median"], COLORS["numpy-cpu"], None)]))
    for backend in ("jax-cpu", "jax-gpu"):
        g = rows[rows["backend"] == backend]
        if g.empty:
            continue
        by = {p: r for p, r in zip(g["placement"], [r for _, r in g.iterrows()])}
        c = COLORS[backend]
        for pl in ("device", "explicit"):
            if pl in by:
                bars.append((f"{backend} {pl}", by[pl], [(by[pl]["median"], c, None)]))
        if "explicit" in by:
            ex = by["explicit"]
            tr = ex.get("transfer_median", math.nan)
            bars.append((f"{backend} explicit + transfer", ex,
                         [(ex["median"], c, None), (tr, "#bbbbbb", "//")]))
        if "implicit" in by:
            bars.append((f"{backend} implicit", by["implicit"], [(by["implicit"]["median"], c, "..")]))
    fig, ax = plt.subplots(figsize=(8, 0.8 + 0.42 * max(len(bars), 1)))
    top = 0.0
    for y, (lab, r, segs) in enumerate(bars):
        if r["status"] != "ok":
            ax.text(0, y, "  " + _status(r), va="center", fontsize=8,
                    color="#888888", style="italic")
            continue
        left = 0.0
        parts = []
        for k, (value, color, hatch) in enumerate(segs):
            if value != value:
                parts.append("transfer n/a")
                continue
            err = _err(value, r.get("median_lo", math.nan), r.get("median_hi", math.nan)) if k == 0 else None
            ax.barh(y, value, left=left, color=color, hatch=hatch, edgecolor="white", height=0.65,
                    xerr=err, error_kw=dict(ecolor="black", elinewidth=0.9, capsize=2))
            left += value
            parts.append(_fmt(value))
        top = max(top, left)
        text = " + ".join(parts) + (f" = {_fmt(left)}" if len(parts) > 1 and "transfer n/a" not in parts else "")
        ax.text(left, y, "  " + text, va="center", fontsize=8)
    ax.set_yticks(range(len(bars)), [b[0] for b in bars], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.6 if top else 1)
    ax.set_xlabel("median time per call [s]; error bars: 95% bootstrap interval; grey hatched: "
                  "host->device transfer (median)", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_title(title, fontsize=10)
    _note(fig, note)
    fig.tight_layout(rect=(0, 0.05 if note else 0, 1, 1))
    return fig


def _ratio(x) -> str:
    """'1,683' for large ratios, '80', '2.5' for small ones."""
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


LADDER_NAMES = {"loop": "loop", "jit_loop": "jit(loop)", "vmap": "vmap", "jit_vmap": "jit(vmap)"}


def ladder(rows: pd.DataFrame, title: str, note: str = "") -> plt.Figure:
    """The lecture's vmap ladder: loop, jit(loop), vmap, jit(vmap), per JAX backend measured.

    ``rows``: :func:`reports.lecture.ladder_rows`. Left: median time per call (log x), error bars
    the 95% bootstrap interval of the median; right: speedup over the loop at the same size (log x),
    error bars its 95% interval. A step measured at another size (jit of the loop is bounded) says so.
    """
    fig, (ax_t, ax_s) = plt.subplots(1, 2, figsize=(11, 1.2 + 0.45 * max(len(rows), 1)), sharey=True)
    labels = []
    for y, (_, r) in enumerate(rows.iterrows()):
        name = f"{r['backend']} {LADDER_NAMES.get(r['transform'], r['transform'])}"
        labels.append(name + (f"\n({r['note']})" if r["note"] and r["note"] != "not measured" else ""))
        color = COLORS.get(r["backend"], "grey")
        if r["median"] != r["median"]:
            for ax in (ax_t, ax_s):
                ax.text(0.02, y, "not measured", transform=ax.get_yaxis_transform(), va="center", fontsize=8,
                        color="#888888", style="italic")
            continue
        ax_t.barh(y, r["median"], color=color, height=0.6, xerr=_err(r["median"], r["lo"], r["hi"]),
                  error_kw=dict(ecolor="black", elinewidth=0.9, capsize=2))
        ax_t.text(max(r["median"], r["hi"] if r["hi"] == r["hi"] else 0) * 1.15, y, _fmt(r["median"]),
                  va="center", fontsize=7.5)
        if r["speedup"] == r["speedup"]:
            ax_s.barh(y, r["speedup"], color=color, height=0.6, xerr=_err(r["speedup"], r["s_lo"], r["s_hi"]),
                      error_kw=dict(ecolor="black", elinewidth=0.9, capsize=2))
            if r["transform"] == "loop":
                text = "1x (the baseline)"
            else:
                text = f"{_ratio(r['speedup'])}x" + (f" [{_ratio(r['s_lo'])}, {_ratio(r['s_hi'])}]"
                                                     if r["s_lo"] == r["s_lo"] else "")
            ax_s.text(max(r["speedup"], r["s_hi"] if r["s_hi"] == r["s_hi"] else 0) * 1.15, y, text,
                      va="center", fontsize=7.5)
    ax_t.set_yticks(range(len(rows)), labels, fontsize=8)
    ax_t.invert_yaxis()
    for ax in (ax_t, ax_s):
        ax.set_xscale("log")
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(True, axis="x", which="both", alpha=0.25)
    times = pd.concat([rows["lo"], rows["median"], rows["hi"]]).dropna()
    times = times[times > 0]
    if len(times):
        ax_t.set_xlim(times.min() / 3, times.max() * 30)
    sp = pd.concat([rows["s_lo"], rows["speedup"], rows["s_hi"]]).dropna()
    sp = sp[sp > 0]
    ax_s.set_xlim(min(0.5, sp.min() / 2) if len(sp) else 0.5, max(10.0, sp.max() * 40) if len(sp) else 10)
    ax_s.axvline(1, color="black", lw=0.8, ls="--")
    _time_axis(ax_t.xaxis)
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    ax_s.xaxis.set_major_locator(LogLocator(base=10))
    ax_s.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}x" if v >= 1 else f"{v:g}x"))
    ax_s.xaxis.set_minor_formatter(NullFormatter())
    ax_t.set_xlabel("median time per call (log; error bars: 95% bootstrap interval)", fontsize=8)
    ax_s.set_xlabel("speedup over the Python loop at the same size (log; error bars: 95% interval)", fontsize=8)
    fig.suptitle(title, fontsize=10)
    _note(fig, note)
    fig.tight_layout(rect=(0, 0.04 if note else 0, 1, 1))
    return fig


def machines(wide: pd.DataFrame, machine_names: list[str], title: str, no_gpu=()) -> plt.Figure:
    """Grouped horizontal bars: the same cases (rows of :func:`speedup.machine_ratios`) on
    each machine, median time, log x; a case missing or skipped on a machine reads 'n/a on <m>',
    a jax-gpu case on a machine without a GPU 'no GPU on <m>'."""
    n = len(wide)
    fig, ax = plt.subplots(figsize=(8.5, 0.9 + n * (0.18 + 0.17 * len(machine_names))))
    h = 0.8 / len(machine_names)
    vals = wide[machine_names].to_numpy(dtype=float)
    finite = vals[np.isfinite(vals)]
    lo = finite.min() / 3 if finite.size else 1e-6
    labelled = set()
    for j, m in enumerate(machine_names):
        y = np.arange(n) + (j - (len(machine_names) - 1) / 2) * h
        for yi, v, backend in zip(y, wide[m], wide["backend"]):
            if v == v:
                ax.barh(yi, v, height=h, color=MACHINE_COLORS[j % len(MACHINE_COLORS)],
                        label=None if m in labelled else m)
                labelled.add(m)
                ax.text(v * 1.05, yi, _fmt(v), va="center", fontsize=6.5)
            else:
                why = "no GPU" if backend == "jax-gpu" and m in set(no_gpu) else "n/a"
                ax.text(lo * 1.05, yi, f"{why} on {m}", va="center", fontsize=6.5, color="#888888", style="italic")
    labels = [f"{r['backend']} {r['placement']} {r['transform']} @ {r['size']}"
              + (f" [{r['variant']}]" if r["variant"] else "") for _, r in wide.iterrows()]
    ax.set_yticks(np.arange(n), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlim(lo, finite.max() * 8 if finite.size else 1)
    ax.set_xlabel("median time per call (log scale)", fontsize=8)
    _time_axis(ax.xaxis)
    if ax.get_legend_handles_labels()[1]:
        ax.legend(fontsize=7, loc="lower right")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def history(series: pd.DataFrame, regressions: pd.DataFrame, title: str) -> plt.Figure:
    """Median time against commit (in commit-date order), IQR error bars, regression marks.

    ``series``: one row per (label, commit) with ``position`` (0..n-1), ``commit``, ``median``,
    ``q25``, ``q75``; ``regressions``: rows with ``label`` and ``position`` of the first commit
    after an upward step that asv would report (see :mod:`reports.history`).
    """
    fig, ax = plt.subplots(figsize=(9, 4))
    commits = series.drop_duplicates("position").sort_values("position")
    for j, (lab, g) in enumerate(series.groupby("label", sort=True)):
        g = g.sort_values("position")
        color = COLORS.get(g["backend"].iloc[0], MACHINE_COLORS[j % len(MACHINE_COLORS)])
        ax.plot(g["position"], g["median"], marker="o", ms=3.5, lw=1.2, label=lab, color=color,
                ls=["-", "--", ":", "-."][j % 4])
        ok = g["q25"].notna()
        ax.vlines(g.loc[ok, "position"], g.loc[ok, "q25"], g.loc[ok, "q75"], color=color, lw=0.8, alpha=0.6)
        reg = regressions[regressions["label"] == lab]
        for _, r in reg.iterrows():
            v = g.loc[g["position"] == r["position"], "median"]
            if len(v):
                ax.plot(r["position"], v.iloc[0], marker="v", ms=11, color="#c00000", zorder=5, ls="none")
                ax.annotate(f"regression\n{r['ratio']:.2f}x", (r["position"], v.iloc[0]), fontsize=7,
                            color="#c00000", xytext=(6, 6), textcoords="offset points")
    ax.set_xticks(commits["position"], [c[:8] for c in commits["commit"]], rotation=45, fontsize=7)
    ax.set_yscale("log")
    ax.set_xlabel("commit (commit-date order)", fontsize=8)
    ax.set_ylabel("median time per call (bars: IQR)", fontsize=8)
    _time_axis(ax.yaxis)
    ax.grid(True, alpha=0.25)
    if ax.get_legend_handles_labels()[1]:
        ax.legend(fontsize=6.5, loc="best")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


IDEAL_LABEL = "ideal (real devices only)"
NOTE_CHARS = 200   # a note line of the devices figure wraps at this many characters


def _series_label(r) -> str:
    """One line of the devices figure: 'jax-cpu explicit jit @ 1024 [x@y]' (dtype when not float32)."""
    dtype = "" if r["dtype"] in ("float32", None) or r["dtype"] != r["dtype"] else f" {r['dtype']}"
    variant = f" [{r['variant']}]" if r["variant"] else ""
    return f"{r['backend']} {r['placement']} {r['transform']} @ {r['size']}{dtype}{variant}"


def _errors(point, lo, hi) -> np.ndarray:
    """matplotlib's asymmetric errors of a series (0 where there is no interval)."""
    point, lo, hi = (np.asarray(x, dtype=float) for x in (point, lo, hi))
    below, above = np.where(np.isnan(lo), 0.0, point - lo), np.where(np.isnan(hi), 0.0, hi - point)
    return np.vstack([np.maximum(below, 0.0), np.maximum(above, 0.0)])


def devices(rows: pd.DataFrame, title: str, note: str = "") -> plt.Figure:
    """The devices axis of one kernel on one machine (rows of :func:`reports.scaling.scaling_rows`).

    Left: median time per call against the device count (a linear axis from 0 when the times lie
    within a decade, else log), error bars the 95% bootstrap interval of the median, one line per
    case. Right: speed-up over the same case on one device with its 95% interval, and the ideal
    speed-up y = devices dashed, labelled "ideal (real devices only)": forced host devices share the
    CPU's cores and are not expected to reach it.
    """
    fig, (ax_t, ax_s) = plt.subplots(1, 2, figsize=(11, 4.4))
    ok = rows[rows["status"] == "ok"]
    counts = sorted(set(int(d) for d in rows["devices"]))
    ok = ok.sort_values(["backend", "placement", "transform", "variant", "dtype", "size", "devices"], kind="stable")
    for j, (_, g) in enumerate(ok.assign(_line=[_series_label(r) for _, r in ok.iterrows()])
                               .groupby("_line", sort=False)):
        g = g.sort_values("devices")
        r0 = g.iloc[0]
        kw = dict(color=MACHINE_COLORS[j % len(MACHINE_COLORS)], marker="os^vD"[j % 5], ms=4.5, lw=1.3, capsize=3,
                  elinewidth=0.9, label=r0["_line"])
        ax_t.errorbar(g["devices"], g["median"], yerr=_errors(g["median"], g["median_lo"], g["median_hi"]), **kw)
        s = g[g["speedup"].notna()]
        if len(s):
            ax_s.errorbar(s["devices"], s["speedup"], yerr=_errors(s["speedup"], s["speedup_lo"], s["speedup_hi"]),
                          **kw)
    ax_s.plot(counts, counts, ls="--", color="black", lw=1.0, label=IDEAL_LABEL)
    ax_s.axhline(1, color="#888888", lw=0.7, ls=":")
    for ax in (ax_t, ax_s):
        ax.set_xscale("log", base=2)
        ax.set_xticks(counts, [str(c) for c in counts])
        ax.minorticks_off()
        ax.set_xlim(counts[0] / 1.3, counts[-1] * 1.3)
        ax.set_xlabel("devices", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(True, which="both", alpha=0.25)
    times = pd.concat([ok["median_lo"], ok["median"], ok["median_hi"]]).dropna()
    times = times[times > 0]
    if len(times) and times.max() < 10 * times.min():   # within a decade: a linear axis from 0 reads best
        from matplotlib.ticker import FuncFormatter
        ax_t.set_ylim(0, times.max() * 1.15)
        ax_t.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _fmt(v) if v > 0 else "0"))
    else:
        ax_t.set_yscale("log")
        _time_axis(ax_t.yaxis)
    ax_t.set_ylabel("median time per call (error bars: 95% interval)", fontsize=8)
    ax_s.set_yscale("log", base=2)
    from matplotlib.ticker import FuncFormatter, NullFormatter
    ax_s.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
    ax_s.yaxis.set_minor_formatter(NullFormatter())
    low = pd.concat([ok["speedup_lo"], ok["speedup"]]).dropna()
    low = low[low > 0]
    ax_s.set_ylim(min(0.5, low.min() / 1.2) if len(low) else 0.5, max(counts[-1], ax_s.get_ylim()[1]) * 1.15)
    ax_s.set_ylabel("speed-up over 1 device (error bars: 95% interval)", fontsize=8)
    if ax_t.get_legend_handles_labels()[1]:
        ax_t.legend(fontsize=6.5, loc="best")
    ax_s.legend(fontsize=6.5, loc="best")
    fig.suptitle(title, fontsize=10)
    lines = [w for x in note.split("\n") if x for w in textwrap.wrap(x, NOTE_CHARS)] if note else []
    for i, line in enumerate(reversed(lines)):
        _note(fig, line, 0.005 + 0.025 * i)
    fig.tight_layout(rect=(0, 0.025 * len(lines) + (0.01 if lines else 0), 1, 1))
    return fig


def save(fig: plt.Figure, path_stem, formats=("png",)) -> list:
    """Write ``fig`` as ``<stem>.<fmt>`` for each image format asked; close it; return the paths."""
    out = []
    for fmt in formats:
        if fmt in ("png", "svg", "pdf"):
            p = path_stem.with_suffix(f".{fmt}")
            fig.savefig(p, dpi=DPI, format=fmt)
            out.append(p)
    plt.close(fig)
    return out
