"""Figures across something other than size: the same cases on each machine (:func:`machines`),
across commits (:func:`history`) and across device counts (:func:`devices`: time and speed-up
against the device count, the ideal speed-up dashed: reachable on real devices only). Each takes
tidy rows and returns a Figure; nothing is written here."""
from __future__ import annotations

import textwrap

# plot_style first: it selects the Agg backend
from .plot_style import COLORS, MACHINE_COLORS, add_note, fmt_seconds, time_axis

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


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
                ax.text(v * 1.05, yi, fmt_seconds(v), va="center", fontsize=6.5)
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
    time_axis(ax.xaxis)
    if ax.get_legend_handles_labels()[1]:
        ax.legend(fontsize=7, loc="lower right")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def history(series: pd.DataFrame, regressions: pd.DataFrame, title: str) -> plt.Figure:
    """Median time against commit (in commit-date order), asv's 99% interval of the median as error
    bars (the interval asv publish weighs its step fit with), regression marks.

    ``series``: one row per (label, commit) with ``position`` (0..n-1), ``commit``, ``median``,
    ``ci99_lo``, ``ci99_hi``; ``regressions``: rows with ``label`` and ``position`` of the first commit
    after an upward step that asv would report (see :mod:`reports.sections.history`).
    """
    fig, ax = plt.subplots(figsize=(9, 4))
    commits = series.drop_duplicates("position").sort_values("position")
    for j, (lab, g) in enumerate(series.groupby("label", sort=True)):
        g = g.sort_values("position")
        color = COLORS.get(g["backend"].iloc[0], MACHINE_COLORS[j % len(MACHINE_COLORS)])
        ax.plot(g["position"], g["median"], marker="o", ms=3.5, lw=1.2, label=lab, color=color,
                ls=["-", "--", ":", "-."][j % 4])
        ok = g["ci99_lo"].notna() & g["ci99_hi"].notna() & (g["ci99_hi"] > 0)
        ax.vlines(g.loc[ok, "position"], g.loc[ok, "ci99_lo"].clip(lower=g["median"].min() / 100),
                  g.loc[ok, "ci99_hi"], color=color, lw=0.8, alpha=0.6)
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
    ax.set_ylabel("median time per call (bars: asv's 99% interval)", fontsize=8)
    time_axis(ax.yaxis)
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
    """The devices axis of one kernel on one machine (rows of :func:`reports.sections.devices.scaling_rows`).

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
        ax_t.set_ylim(0, times.max() * 1.15)
        ax_t.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_seconds(v) if v > 0 else "0"))
    else:
        ax_t.set_yscale("log")
        time_axis(ax_t.yaxis)
    ax_t.set_ylabel("median time per call (error bars: 95% interval)", fontsize=8)
    ax_s.set_yscale("log", base=2)
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
        add_note(fig, line, 0.005 + 0.025 * i)
    fig.tight_layout(rect=(0, 0.025 * len(lines) + (0.01 if lines else 0), 1, 1))
    return fig



__all__ = ["IDEAL_LABEL", "machines", "history", "devices"]


def speedup_history(rows: pd.DataFrame, title: str) -> plt.Figure:
    """Measured ratios against commit (commit-date order), one line per comparison, its 95%
    interval as error bars (rows of :func:`reports.sections.history.speedup_history`, one machine), log y."""
    fig, ax = plt.subplots(figsize=(9, 4.5))
    commits = rows.drop_duplicates("position").sort_values("position")
    for j, (lab, g) in enumerate(rows.groupby("label", sort=True)):
        g = g.sort_values("position")
        color = MACHINE_COLORS[j % len(MACHINE_COLORS)]
        err = np.vstack([(g["ratio"] - g["lo"]).clip(lower=0), (g["hi"] - g["ratio"]).clip(lower=0)])
        ax.errorbar(g["position"], g["ratio"], yerr=np.nan_to_num(err), marker="o", ms=3.5, lw=1.1, capsize=3,
                    label=lab, color=color, ls=["-", "--", ":", "-."][j % 4])
    ax.axhline(1.0, color="#888888", lw=0.8)
    ax.set_xticks(commits["position"], [c[:8] for c in commits["commit"]], rotation=45, fontsize=7)
    ax.set_yscale("log")
    ax.set_xlabel("commit (commit-date order)", fontsize=8)
    ax.set_ylabel("ratio: first side's time / second's (bars: 95% interval)", fontsize=8)
    ax.grid(True, alpha=0.25)
    ax.legend(fontsize=6, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
