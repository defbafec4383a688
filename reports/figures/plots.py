"""Figures (matplotlib, Agg): each function takes tidy rows, returns a Figure, writes nothing.

The lecture's figures: :func:`ladder` (the vmap ladder) and :func:`placement` (at the lecture's
size, drawn by the ladder and lecture sections from :mod:`reports.sections.lecture.cases`' rows). Speedup bars are
labelled with the speedup over the lecture's baseline too where that is not NumPy
(``; 304x [298, 311] vs loop``).
A figure of a machine without a GPU carries the line "jax-gpu: not measured on <machine> (no GPU)".
:func:`machines`, :func:`history` and :func:`devices` (figures across machines, commits and
device counts) live in :mod:`reports.figures.plots_across`, re-exported here; the shared style in
:mod:`reports.figures.plot_style`. :func:`devices` draws the devices axis of a sharded kernel (time and
speed-up against the device count, the ideal speed-up dashed: reachable on real devices only).

Statistics drawn: bars and lines are medians; bands are the IQR (q25-q75) of asv's samples; error
bars are 95% bootstrap intervals (:mod:`results.median_intervals`): of the speedup in the speedup bars, of
the median in the placement figure. A speedup whose interval contains 1 is labelled
"no measurable difference".
Skipped (n/a) and failed entries are written as text where their bar would be, never as zero.
"""
from __future__ import annotations

import math

# plot_style first: it selects the Agg backend
from .plot_style import (COLORS, DPI, add_note, by_backend, error_bar, figure_title, fmt_seconds,  # noqa: F401
                         speedup_axis, status_text, time_axis)
from .plots_across import IDEAL_LABEL, devices, history, machines, speedup_history  # noqa: F401
from ..formats.tables import lecture_cell, speedup_cell

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def _speedup_text(r) -> str:
    """Bar label: median time and the speedup with its interval (as the tables print it), then the
    speedup over the lecture's baseline where that is not NumPy ('; 480x [455, 502] vs loop')."""
    text = f"{fmt_seconds(r['median'])}  {speedup_cell(r)}"
    base = r.get("lecture_baseline", "numpy")
    if isinstance(base, str) and base != "numpy" and r.get("lecture_speedup") == r.get("lecture_speedup"):
        text += "; " + lecture_cell(r).replace(" (explicit placement's)", " (expl.)")
    return text


def speedup_bars(rows: pd.DataFrame, title: str, note: str = "") -> plt.Figure:
    """Horizontal bars of speedup over the NumPy-CPU baseline, one panel per size, log x.

    ``rows``: :func:`reports.derived.speedup.with_speedups` rows of one machine/kernel/dtype/variant.
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
        g = by_backend(rows[rows["size"] == size])
        y = np.arange(len(g))
        for yi, (_, r) in zip(y, g.iterrows()):
            if r["status"] == "ok" and r["speedup"] == r["speedup"]:
                err = error_bar(r["speedup"], r.get("speedup_lo", math.nan), r.get("speedup_hi", math.nan))
                ax.barh(yi, r["speedup"], left=0, color=COLORS.get(r["backend"], "grey"), height=0.7,
                        xerr=err, error_kw=dict(ecolor="black", elinewidth=0.9, capsize=2))
                right = r.get("speedup_hi", math.nan)
                right = right if right == right else r["speedup"]
                ax.text(max(right, r["speedup"]) * 1.08, yi, _speedup_text(r), va="center", fontsize=7)
            elif r["status"] == "ok":
                ax.text(lo * 1.1, yi, f"{fmt_seconds(r['median'])} (no NumPy baseline)", va="center", fontsize=7)
            else:
                ax.text(lo * 1.1, yi, status_text(r), va="center",
                        fontsize=7, color="#888888", style="italic")
        ax.set_yticks(y, g["label"], fontsize=7)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        ax.axvline(1, color="black", lw=0.8, ls="--")
        speedup_axis(ax.xaxis)
        ax.set_title(f"size = {size}", fontsize=8, loc="left")
        ax.tick_params(axis="x", labelsize=7)
    axes[-1, 0].set_xlabel("speedup over NumPy-CPU (median / median; > 1 is faster, log scale)", fontsize=8)
    fig.suptitle(title, fontsize=10)
    lines = [x for x in note.split("\n") if x] if note else []
    for i, line in enumerate(reversed(lines)):
        add_note(fig, line, 0.005 + 0.022 * i)
    fig.tight_layout(rect=(0, 0.022 * len(lines), 1, 1))
    return fig


def _crossover_marks(ax, cross: pd.DataFrame) -> None:
    """Per JAX backend, a dotted vertical line at its smallest estimated crossover size, annotated."""
    for backend, c in cross.groupby("backend"):
        est = c["estimate"].dropna()
        if len(est):
            x = est.min()
            ax.axvline(x, color=COLORS.get(backend, "grey"), ls=":", lw=1.2)
            ax.annotate(f"{backend} beats NumPy\nfrom ~{x:,.0f}", (x, 0.97), xycoords=("data", "axes fraction"),
                        fontsize=7, va="top", ha="left", color=COLORS.get(backend, "grey"))


def scaling(rows: pd.DataFrame, cross: pd.DataFrame, title: str, note: str = "") -> plt.Figure:
    """Median time vs size (log-log, IQR band) and the rate (GFLOP/s, else GB/s) vs size.

    A dotted vertical line marks, per JAX backend, the smallest estimated crossover size
    (:func:`reports.derived.speedup.crossovers`) where that backend's best variant first beats NumPy.
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
    _crossover_marks(ax, cross)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("size", fontsize=8)
    ax.set_ylabel("median time per call (band: IQR)", fontsize=8)
    time_axis(ax.yaxis)
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
    add_note(fig, note)
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
            ax.text(0, y, "  " + status_text(r), va="center", fontsize=8,
                    color="#888888", style="italic")
            continue
        left = 0.0
        parts = []
        for k, (value, color, hatch) in enumerate(segs):
            if value != value:
                parts.append("transfer n/a")
                continue
            err = error_bar(value, r.get("median_lo", math.nan), r.get("median_hi", math.nan)) if k == 0 else None
            ax.barh(y, value, left=left, color=color, hatch=hatch, edgecolor="white", height=0.65,
                    xerr=err, error_kw=dict(ecolor="black", elinewidth=0.9, capsize=2))
            left += value
            parts.append(fmt_seconds(value))
        top = max(top, left)
        text = " + ".join(parts) + (f" = {fmt_seconds(left)}" if len(parts) > 1 and "transfer n/a" not in parts else "")
        ax.text(left, y, "  " + text, va="center", fontsize=8)
    ax.set_yticks(range(len(bars)), [b[0] for b in bars], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.6 if top else 1)
    ax.set_xlabel("median time per call [s]; error bars: 95% bootstrap interval; grey hatched: "
                  "host->device transfer (median)", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_title(title, fontsize=10)
    add_note(fig, note)
    fig.tight_layout(rect=(0, 0.05 if note else 0, 1, 1))
    return fig


def _ratio(x) -> str:
    """'1,683' for large ratios, '80', '2.5' for small ones."""
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


LADDER_NAMES = {"loop": "loop", "jit_loop": "jit(loop)", "vmap": "vmap", "jit_vmap": "jit(vmap)"}


def ladder(rows: pd.DataFrame, title: str, note: str = "") -> plt.Figure:
    """The lecture's vmap ladder: loop, jit(loop), vmap, jit(vmap), per JAX backend measured.

    ``rows``: :func:`reports.sections.lecture.cases.ladder_rows`. Left: median time per call (log x), error bars
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
        ax_t.barh(y, r["median"], color=color, height=0.6, xerr=error_bar(r["median"], r["lo"], r["hi"]),
                  error_kw=dict(ecolor="black", elinewidth=0.9, capsize=2))
        ax_t.text(max(r["median"], r["hi"] if r["hi"] == r["hi"] else 0) * 1.15, y, fmt_seconds(r["median"]),
                  va="center", fontsize=7.5)
        if r["speedup"] == r["speedup"]:
            ax_s.barh(y, r["speedup"], color=color, height=0.6, xerr=error_bar(r["speedup"], r["s_lo"], r["s_hi"]),
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
    time_axis(ax_t.xaxis)
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    ax_s.xaxis.set_major_locator(LogLocator(base=10))
    ax_s.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}x" if v >= 1 else f"{v:g}x"))
    ax_s.xaxis.set_minor_formatter(NullFormatter())
    ax_t.set_xlabel("median time per call (log; error bars: 95% bootstrap interval)", fontsize=8)
    ax_s.set_xlabel("speedup over the Python loop at the same size (log; error bars: 95% interval)", fontsize=8)
    fig.suptitle(title, fontsize=10)
    add_note(fig, note)
    fig.tight_layout(rect=(0, 0.04 if note else 0, 1, 1))
    return fig



def save(fig: plt.Figure, path_stem, formats=("png",)) -> list:
    """Write ``fig`` as ``<stem>.<fmt>`` for each image format asked; close it; return the paths."""
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    # fig.tight_layout() leaves a placeholder layout engine behind, and savefig then draws the whole
    # figure once more before drawing it into the file, for a layout that is already done. Without it
    # the file is byte-identical and a figure is saved in about half the time (matplotlib 3.11).
    if isinstance(fig.get_layout_engine(), PlaceHolderLayoutEngine):
        fig.set_layout_engine(None)
    out = []
    for fmt in formats:
        if fmt in ("png", "svg", "pdf"):
            p = path_stem.with_suffix(f".{fmt}")
            fig.savefig(p, dpi=DPI, format=fmt)
            out.append(p)
    plt.close(fig)
    return out


__all__ = ["speedup_bars", "scaling", "placement", "ladder", "machines", "history", "speedup_history", "devices", "save",
           "figure_title", "IDEAL_LABEL", "LADDER_NAMES"]
