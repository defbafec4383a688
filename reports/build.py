"""Assemble the report: select rows, compute speedups, draw figures (with a progress bar), write
tables and index.html into the output folder. The only module here that writes files.

Layout of the output folder (``docs/reports.md`` lists it for users)::

    index.html                     everything below, self-contained (images as base64); first
                                   section: the lecture, reproduced
    lecture.md  lecture.tex        every figure of the seed notes next to each machine's measurement
                                   and the verdict on the lecture's claim (reports/lecture.py)
    lecture.csv                    the same, one row per figure and machine (with csv)
    data.csv                       the tidy rows used (selected machines/commits/kernels)
    warnings.txt                   problems met while reading the results (empty if none)
    tables/health.{md,tex}         measurement health: null test, calls/sample, rounds, flags
    tables/summary.{md,tex}        kernel x variant x machine
    tables/<kernel>.{md,tex}       every case of a kernel
    tables/crossover.{md,tex}      where JAX first beats NumPy
    tables/machines.{md,tex}       same cases on each machine (two or more machines)
    tables/regressions.{md,tex}    what asv would flag across commits
    figures/speedup_*.png  figures/scaling_*.png  figures/devices_*.png  figures/placement_*.png
    figures/machines_*.png figures/history_*.png
    figures/lecture_ladder_*.png   the vmap ladder (rowdot) per machine
    figures/lecture_placement_*.png  matmul at the lecture's n = 3000: NumPy, device, explicit, implicit
    tables/scaling.{md,tex,csv}    (sharded results only) each case on N devices vs 1 device:
                                   speed-up and efficiency with 95% intervals (reports/scaling.py)
    figures/devices_<kernel>_<machine>.png  (sharded results only) time and speed-up vs devices

Every product but the scaling table and its figures uses the one-device rows (``devices == 1``);
results without a devices parameter give exactly the report they gave before the axis existed.

Rows that would only say n/a are left out (reports/coverage.py): jax-gpu on a machine without a GPU
(one line instead: "jax-gpu: not measured on <machine> (no GPU)"), cases the run did not select.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from . import coverage, health
from . import history as hist
from . import html as H
from . import lecture as L
from . import paired, plots, scaling, speedup, tables
from .load import NOT_IN_CSV, Results, current, latest_commits, one_device, select, sharded

DEFAULT_FORMATS = ("png", "md", "tex", "html", "csv")
ALL_FORMATS = ("png", "svg", "pdf", "md", "tex", "html", "csv")
PLACEMENT_TRANSFORMS = ("jit", "eager")  # the transform the placement figure shows, by preference


def slug(*parts) -> str:
    text = "_".join(str(p) for p in parts if p not in (None, ""))
    text = text.replace("@", "at").replace(".T", "T")
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


@dataclass
class Built:
    """What a build produced: every file path, and the figures per section for the page."""

    out: Path
    files: list = field(default_factory=list)
    figures: dict = field(default_factory=dict)   # section -> [(kernel, path, caption)]
    skipped: list = field(default_factory=list)   # figures not drawn, with why


def _specs() -> dict:
    try:
        import kernels
        return kernels.kernels()
    except Exception:
        return {}


def kernel_notes(kernel: str, variants, specs: dict) -> list[str]:
    """The registry's notes for the NumPy side and JAX side of each variant (e.g. SYRK); variants
    with the same note share one line ('hessian [fwd_rev, rev_rev], numpy-cpu: ...')."""
    spec = specs.get(kernel)
    if spec is None:
        return []
    by_text = {}
    for v in sorted(set(variants)):
        for backend in ("numpy-cpu", "jax-cpu"):
            try:
                n = spec.notes(backend, v)
            except Exception:
                n = ""
            if n:
                by_text.setdefault((backend, n), []).append(v)
    notes = []
    for (backend, n), vs in sorted(by_text.items(), key=lambda kv: (kv[1][0], kv[0][0] != "numpy-cpu")):
        named = [v for v in vs if v]
        notes.append(f"{kernel}" + (f" [{', '.join(named)}]" if named else "") + f", {backend}: {n}")
    return notes


def _placement_rows(g: pd.DataFrame, spec):
    """Rows of the placement figure: the headline size, one JAX transform, plus NumPy."""
    jax = g[g["backend"].str.startswith("jax") & g["placement"].isin(["implicit", "explicit"])]
    if jax.empty or not (jax["status"] == "ok").any():
        return None, None, None
    size = tables.headline_size(g, getattr(spec, "default_size", None))
    at = g[g["size"] == size]
    have = set(at.loc[at["backend"].str.startswith("jax") & (at["status"] == "ok"), "transform"])
    tr = next((t for t in PLACEMENT_TRANSFORMS if t in have), sorted(have)[0] if have else None)
    if tr is None:
        return None, size, None
    npy = at[at["backend"] == "numpy-cpu"]
    rows = pd.concat([npy, at[at["backend"].str.startswith("jax") & (at["transform"] == tr)]])
    return rows, size, tr


def _machine_note(machine: str, no_gpu, extra: str = "") -> str:
    """The note line of a figure of one machine: the registry's notes, then the GPU line."""
    lines = [extra] if extra else []
    if machine in set(no_gpu):
        lines.append(coverage.gpu_note(machine))
    return "\n".join(lines)


def build(results: Results, out_dir, machines=None, commits=None, kernels=None,
          formats=DEFAULT_FORMATS, progress: bool = True, command: str = "") -> Built:
    """Write the whole report for the given selection (commits: machine -> full hash)."""
    out = Path(out_dir)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    built = Built(out)
    specs = _specs()
    all_rows = current(results.df)
    commits = commits or latest_commits(all_rows)
    selected = select(all_rows, machines, commits, kernels)
    df = one_device(selected)   # every product but the scaling table: one-device cases
    machine_names = sorted(df["machine"].unique())

    comparisons = paired.Lookup(results.comparisons)   # every ratio stated: a measured comparison
    rates = speedup.with_rates(speedup.with_transfer(speedup.with_speedups(df, comparisons), df), speedup.peaks(df))
    rates = health.with_flags(rates, results.benchmarks, results.facts)
    rates = coverage.classify(rates, results.facts)
    # what tables and figures show: no jax-gpu rows on a machine without a GPU, no unselected cases
    shown, gpu_lines = coverage.tidy(rates, results.facts)
    no_gpu = coverage.no_gpu_machines(df, results.facts)
    checks = health.report(shown, results.benchmarks, results.remeasure, commits, comparisons)
    cross = speedup.crossovers(shown)
    img_formats = [f for f in formats if f in ("png", "svg", "pdf")]
    if "html" in formats and "png" not in img_formats:
        img_formats.append("png")   # the page embeds PNGs

    # the lecture, reproduced: every figure of the notes on every machine
    figures = L.load_figures()
    lec = L.evaluate(figures, rates, df, machine_names, results.facts, comparisons=comparisons)

    # history: every commit of the selected machines up to the selected one
    upto = {m: all_rows.loc[(all_rows["machine"] == m) & (all_rows["commit"] == c), "date"].max()
            for m, c in commits.items()}
    hrows = one_device(select(all_rows, machines, None, kernels))
    hrows = hrows[[d <= upto.get(m, d) for m, d in zip(hrows["machine"], hrows["date"])]]
    ordered = hist.ordered(hrows)
    ordered = ordered[~((ordered["backend"] == coverage.GPU_BACKEND) & ordered["machine"].isin(no_gpu))]
    regs = hist.regressions(ordered, results.thresholds)

    # --- figure jobs: (section, kernel, stem, draw)
    jobs = []
    for machine in machine_names:
        lad = L.ladder_rows(rates, machine, no_gpu=no_gpu, comparisons=comparisons)
        if len(lad):
            size = lad.loc[lad["transform"] == "loop", "size"]
            at = f"{int(size.iloc[0]):,} rows" if len(size) else "the largest size measured"
            jobs.append(("lecture", "rowdot", slug("lecture_ladder", "rowdot", machine),
                         lambda r=lad, t=f"The vmap ladder: rowdot (x . y)^2, {at}, {machine}",
                         n=_machine_note(machine, no_gpu): plots.ladder(r, t, n),
                         f"The vmap ladder of the notes (000) on {machine}: loop, jit(loop), vmap, jit(vmap) at "
                         f"{at}; left: median time, right: speedup over the loop at the same size; error bars: "
                         "95% bootstrap intervals."))
        else:
            built.skipped.append(f"lecture ladder {machine}: rowdot not measured")
        prow, size, tr = L.placement_rows(rates, machine, no_gpu=no_gpu)
        if prow is not None:
            jobs.append(("lecture", "matmul", slug("lecture_placement", "matmul", size, machine),
                         lambda p=prow, t=f"Device placement: matmul x @ x.T, n = {size}, {tr}, {machine}",
                         n=_machine_note(machine, no_gpu): plots.placement(p, t, n),
                         f"Device placement of the notes (001, 000): matmul x @ x.T at n = {size} on {machine}, "
                         f"{tr}: NumPy vs inputs made on the device vs explicit device_put vs implicit transfer; "
                         "error bars: 95% bootstrap interval of the median; explicit + transfer sits next to "
                         "implicit."))
        else:
            built.skipped.append(f"lecture placement {machine}: matmul not measured at n = {size}")
    for (machine, kernel, dtype, variant), g in shown.groupby(["machine", "kernel", "dtype", "variant"], sort=True):
        spec = specs.get(kernel)
        name = f"{kernel}" + (f" [{variant}]" if variant else "")
        if not (g["status"] == "ok").any():
            built.skipped.append(f"{name} {machine} {dtype}: no successful timing (all n/a or failed; "
                                 "see the kernel's table)")
            continue
        title = plots._title(kernel, machine, dtype, variant)
        note = " ".join(n for n in kernel_notes(kernel, [variant], specs) if "numpy-cpu" in n)
        gnote = _machine_note(machine, no_gpu)
        jobs.append(("speedup", kernel, slug("speedup", kernel, variant, dtype, machine),
                     lambda g=g, t=title, n=_machine_note(machine, no_gpu, note):
                     plots.speedup_bars(g, f"Speedup over NumPy-CPU: {t}", n),
                     f"Speedup of every variant of {name} over NumPy-CPU on {machine} ({dtype}); "
                     "bars: ratio of medians, error bars: 95% bootstrap interval, labels: median time"
                     + (f" and the speedup over the lecture's baseline ({speedup.lecture_baseline(kernel)})"
                        if speedup.lecture_baseline(kernel) != "numpy" else "") + "."))
        if g["size"].nunique() >= 2:
            c = cross[(cross["machine"] == machine) & (cross["kernel"] == kernel) & (cross["dtype"] == dtype)
                      & (cross["variant"] == variant)]
            jobs.append(("scaling", kernel, slug("scaling", kernel, variant, dtype, machine),
                         lambda g=g, c=c, t=title, n=gnote: plots.scaling(g, c, f"Scaling: {t}", n),
                         f"Median time vs size of {name} on {machine} ({dtype}), IQR band; rate vs size."))
        else:
            built.skipped.append(f"scaling {name} {machine} {dtype}: only one size measured")
        prow, size, tr = _placement_rows(g, spec)
        if prow is not None:
            jobs.append(("placement", kernel, slug("placement", kernel, variant, dtype, machine),
                         lambda p=prow, t=f"Device placement: {title}, size={size}, {tr}", n=gnote:
                         plots.placement(p, t, n),
                         f"Device placement of {name} on {machine}, size {size}, {dtype}, transform {tr}: "
                         "NumPy vs on-device vs explicit device_put vs implicit transfer (medians, error bars: "
                         "95% bootstrap interval of the median); explicit + transfer sits next to implicit."))
    if len(machine_names) >= 2:
        wide_all = speedup.machine_ratios(shown, machine_names)
        for kernel, g in shown.groupby("kernel", sort=True):
            spec = specs.get(kernel)
            dtype = "float32" if "float32" in set(g["dtype"]) else sorted(g["dtype"].dropna())[0]
            size = tables.headline_size(g[g["dtype"] == dtype], getattr(spec, "lecture_size", None)
                                        or getattr(spec, "default_size", None))
            w = wide_all[(wide_all["kernel"] == kernel) & (wide_all["size"] == size) & (wide_all["dtype"] == dtype)]
            if len(w):
                jobs.append(("machines", kernel, slug("machines", kernel, dtype, size),
                             lambda w=w, t=f"{kernel} on each machine, size={size}, {dtype}":
                             plots.machines(w, machine_names, t, no_gpu),
                             f"{kernel}: the same cases on {', '.join(machine_names)} (median time, log scale)"
                             + (f"; {'; '.join(gpu_lines)}" if gpu_lines else "") + "."))
    for (machine, kernel, variant), g in ordered.groupby(["machine", "kernel", "variant"], sort=True):
        if g["position"].nunique() < 2:
            built.skipped.append(f"history {kernel} {machine}: results for one commit only")
            continue
        spec = specs.get(kernel)
        dtype = "float32" if "float32" in set(g["dtype"]) else sorted(g["dtype"].dropna())[0]
        g = g[g["dtype"] == dtype]
        size = tables.headline_size(g, getattr(spec, "lecture_size", None) or getattr(spec, "default_size", None))
        r = regs[(regs["machine"] == machine) & (regs["kernel"] == kernel) & (regs["variant"] == variant)
                 & (regs["dtype"] == dtype)]
        # the headline size, plus every series with a flagged regression (any size)
        flagged = set(zip(r["label"], r["size"]))
        keep = (g["size"] == size) | pd.Series([(lb, sz) in flagged for lb, sz in zip(g["label"], g["size"])],
                                               index=g.index)
        series = g[keep & (g["status"] == "ok")].copy()
        series["label"] = series["label"] + " @ " + series["size"].astype(str)
        r = r.assign(label=r["label"] + " @ " + r["size"].astype(str))
        name = kernel + (f" [{variant}]" if variant else "")
        jobs.append(("history", kernel, slug("history", kernel, variant, dtype, size, machine),
                     lambda s=series, r=r, t=f"History: {name}, size={size}, {dtype}, {machine}":
                     plots.history(s, r, t),
                     f"{name} on {machine} across commits (size {size}, {dtype}); red triangles: "
                     "regressions asv publish would report."))

    devs = devices_part(selected, results, specs) if sharded(selected) else None
    if devs is not None:
        more, not_drawn = devices_jobs(devs)
        jobs += more
        built.skipped += not_drawn

    for section, kernel, stem, draw, caption in tqdm(jobs, desc="figures", unit="fig", disable=not progress):
        paths = plots.save(draw(), out / "figures" / stem, img_formats)
        built.files += paths
        png = next((p for p in paths if p.suffix == ".png"), None)
        built.figures.setdefault(section, []).append((kernel, png, caption))

    # --- the lecture table
    lec_table = L.table(lec)
    lec_notes = L.notes(lec, gpu_lines)
    lec_caption = "The lecture, reproduced: each figure of the seed notes and this run's measurement"
    if "md" in formats:
        p = out / "lecture.md"
        p.write_text(tables.to_markdown(lec_table, lec_caption, lec_notes), encoding="utf-8")
        built.files.append(p)
    if "tex" in formats:
        frame, keys, groups = L.latex_table(lec)
        p = out / "lecture.tex"
        p.write_text(tables.to_latex(frame, lec_caption, "tab:lecture", lec_notes, keys=keys, groups=groups,
                                     left=list(frame.columns)),
                     encoding="utf-8")
        built.files.append(p)

    # --- tables
    tabs = {}
    summary = tables.summary_table(shown, specs, no_gpu)
    all_notes = [n for k in sorted(shown["kernel"].unique())
                 for n in kernel_notes(k, shown.loc[shown["kernel"] == k, "variant"].unique(), specs)]
    stat_note = ("Times: median per call (asv result) in %timeit style; IQR: q25 - q75 of the samples; "
                 "speedups: NumPy-CPU median / median, same machine, size, dtype, variant, with a 95% interval "
                 "[lo, hi] from a two-level bootstrap (rounds, then samples within rounds; 2000 resamples); "
                 "'no measurable difference' when the interval contains 1; (1P): one process, plain bootstrap; "
                 "% of peak: the rate of the median (FLOPs as executed: NumPy's x @ x.T is SYRK, n^3) vs the "
                 "limits of the same run: the GEMM GFLOP/s (float32, float64) and the copy GB/s of the memory "
                 "level (L1, L2, L3, DRAM, calibrated at each level's size) that holds the case's bytes moved per "
                 "call; a limit a case beats is raised to that case's rate (data.csv limit_note), so no case "
                 "exceeds 100%.")
    lecture_note = ("vs lecture baseline: the speedup over the baseline the lecture's claim uses (the kernel's "
                    "lecture_baseline: NumPy, or the same backend and placement with the Python loop or eager; the "
                    "explicit placement's where that placement was not measured), with its 95% interval.")
    tabs["summary"] = (summary, "Summary: kernel x variant x machine at each kernel's headline size",
                       [stat_note, lecture_note, health.FLAG_LEGEND] + gpu_lines + all_notes)
    for kernel in sorted(shown["kernel"].unique()):
        spec = specs.get(kernel)
        k_rows = shown[shown["kernel"] == kernel]
        t = tables.kernel_table(shown, df, kernel, getattr(spec, "variant_name", "") or "variant")
        k_gpu = coverage.gpu_notes(k_rows["machine"].unique(), no_gpu)
        tabs[kernel] = (t, f"{kernel}: every case (median, IQR, speedup vs NumPy-CPU and vs the lecture's "
                           "baseline, % of peak)",
                        [stat_note, lecture_note, health.FLAG_LEGEND] + k_gpu
                        + kernel_notes(kernel, k_rows["variant"].unique(), specs))
    tabs["crossover"] = (tables.crossover_table(cross), "Crossover: size from which JAX beats NumPy-CPU",
                         ["Estimate: log-log interpolation of speedup = 1 between measured sizes."] + gpu_lines)
    if len(machine_names) >= 2:
        tabs["machines"] = (tables.machines_table(speedup.machine_ratios(shown, machine_names), machine_names,
                                                  no_gpu),
                            f"Machines side by side (speedup: {machine_names[0]} median / machine median)",
                            gpu_lines)
    tabs["regressions"] = (tables.regressions_table(regs),
                           "Regressions asv publish would flag (asv.step_detect, asv's threshold)", [])
    for name, (t, caption, notes) in tabs.items():
        if "md" in formats:
            p = out / "tables" / f"{slug(name)}.md"
            p.write_text(tables.to_markdown(t, caption, notes), encoding="utf-8")
            built.files.append(p)
        if "tex" in formats:
            p = out / "tables" / f"{slug(name)}.tex"
            if name == "summary":   # one table per machine, abbreviated (tables.summary_for_latex)
                per = tables.summary_for_latex(t)
                text = "".join(tables.to_latex(frame, f"{caption}: {m}", f"tab:summary-{slug(m)}",
                                               [tables.ABBREVIATIONS] + notes if i == len(per) - 1 else [],
                                               keys=keys, groups=groups)
                               for i, (m, frame, keys, groups) in enumerate(per)) \
                    or tables.to_latex(t, caption, "tab:summary", notes)
            else:
                text = tables.to_latex(t, caption, f"tab:{slug(name)}", notes)
            p.write_text(text, encoding="utf-8")
            built.files.append(p)
    if devs is not None:
        built.files += write_devices(devs, out, formats)
    if "md" in formats:
        p = out / "tables" / "health.md"
        p.write_text(health.to_markdown(checks), encoding="utf-8")
        built.files.append(p)
    if "tex" in formats:
        p = out / "tables" / "health.tex"
        p.write_text(health.to_latex(checks), encoding="utf-8")
        built.files.append(p)
    if "csv" in formats:
        p = out / "data.csv"
        rates.drop(columns=[c for c in NOT_IN_CSV if c in rates.columns]).to_csv(p, index=False)
        built.files.append(p)
        p = out / "lecture.csv"
        L.verdicts(lec).to_csv(p, index=False)
        built.files.append(p)
    p = out / "warnings.txt"
    p.write_text("".join(f"{w}\n" for w in results.problems), encoding="utf-8")
    built.files.append(p)

    if "html" in formats:
        p = out / "index.html"
        lec_html = (lec_table, lec_caption, lec_notes)
        p.write_text(page(results, df, commits, machine_names, built, tabs, command, checks, lec_html, devs),
                     encoding="utf-8")
        built.files.append(p)
    return built


def page(results, df, commits, machine_names, built: Built, tabs: dict, command: str,
         checks: health.Health | None = None, lecture=None, devices=None) -> str:
    """index.html: the lecture reproduced (table, ladder and placement figures), facts and commits,
    warnings, measurement health, summary, then each figure section, the devices section (only
    with sharded results) and the tables.

    ``lecture``: (table, caption, notes) of :func:`reports.lecture.table`; ``devices``: the
    :class:`Devices` part, or None."""
    sections = []
    if lecture is not None:
        t, caption, notes = lecture
        figs = built.figures.get("lecture", [])
        inner = (f"<h3>{H.esc(caption)}</h3>" + H.table(t)
                 + "".join(f"<p class=note>{H.esc(n)}</p>" for n in notes)
                 + "".join(f"<p class=note>{H.esc(cap)}</p>{H.img(p, cap)}" for _, p, cap in figs if p is not None))
        sections.append(("lecture", "The lecture, reproduced", inner))
    head = [f"<p class=note>Generated {_dt.datetime.now().isoformat(timespec='seconds')}"
            + (f" by <code>{H.esc(command)}</code>" if command else "") + ". "
            "Every time is the median per call (asv result); IQR = q25 - q75 of the samples; speedup = "
            "NumPy-CPU median / median on the same machine, size, dtype and variant, with its 95% "
            "bootstrap interval; 'no measurable difference' when that interval contains 1.</p>"]
    for m in machine_names:
        c = commits.get(m, "")
        date = df.loc[(df["machine"] == m) & (df["commit"] == c), "date"]
        head.append(f"<h3>{H.esc(m)}</h3><p>commit <code>{H.esc(c)}</code>"
                    + (f" (commit date {H.esc(date.iloc[0])})" if len(date) else "") + "</p>")
        head.append("<p class=note>machine.json</p>" + H.kv_table(results.machines.get(m, {})))
        head.append("<p class=note>jaxbench-facts.jsonc</p>" + H.kv_table(results.facts.get(m, {})))
    sections.append(("machines-facts", "Machines and commits", "\n".join(head)))
    if results.problems:
        sections.append(("warnings", "Warnings while reading the results",
                         "<div class=warn><ul>" + "".join(f"<li>{H.esc(w)}</li>" for w in results.problems)
                         + "</ul></div>"))

    if checks is not None:
        sections.append(("health", "Measurement health", H.health(checks)))

    def tab(name):
        t, caption, notes = tabs[name]
        return (f"<h3>{H.esc(caption)}</h3>" + H.table(t)
                + "".join(f"<p class=note>{H.esc(n)}</p>" for n in notes))

    sections.append(("summary", "Summary", tab("summary")))
    titles = {"speedup": "Speedup over NumPy-CPU", "scaling": "Scaling with size",
              "placement": "Device placement", "machines": "Machines side by side", "history": "History"}
    for section, heading in titles.items():
        figs = built.figures.get(section, [])
        inner = "".join(f"<p class=note>{H.esc(cap)}</p>{H.img(p, cap)}" for _, p, cap in figs if p is not None)
        if section == "scaling":
            inner += tab("crossover")
        if section == "machines" and "machines" in tabs:
            inner += tab("machines")
        if section == "history":
            inner += tab("regressions")
        if not figs:
            inner = {"machines": "<p class=note>Results from one machine only.</p>",
                     "history": "<p class=note>Results for one commit only.</p>"}.get(
                section, "<p class=note>(nothing to show)</p>") + inner
        sections.append((section, heading, inner))
    if devices is not None:
        sections.append(("devices", "Devices (sharded cases)", devices_html(devices, built)))
    kernel_tabs = [k for k in tabs if k not in ("summary", "crossover", "machines", "regressions")]
    sections.append(("tables", "Tables per kernel", "".join(tab(k) for k in kernel_tabs)))
    files = "".join(f"<li><code>{H.esc(p.relative_to(built.out))}</code></li>" for p in built.files)
    notdrawn = "".join(f"<li>{H.esc(s)}</li>" for s in built.skipped)
    sections.append(("files", "Files", f"<ul>{files}<li><code>index.html</code></li></ul>"
                     + (f"<p class=note>Not drawn:</p><ul>{notdrawn}</ul>" if notdrawn else "")))
    return H.page("jaxbench report: NumPy vs JAX, CPU and GPU", sections)


# --------------------------------------------------------------------------- devices (sharded cases)

@dataclass
class Devices:
    """The scaling table's part of a report: its tidy rows, per-machine device lines, and one
    (kernel, display table, caption, notes) block per kernel."""

    rows: pd.DataFrame
    lines: dict
    blocks: list


def devices_part(selected: pd.DataFrame, results: Results, specs: dict) -> Devices | None:
    """The scaling table of the selected rows (every device count); None when no case was timed on
    more than one device."""
    rows = scaling.scaling_rows(selected, results.benchmarks, results.facts, paired.Lookup(results.comparisons))
    if rows.empty:
        return None
    lines = scaling.device_lines(rows, results.facts, results.machines)
    return Devices(rows, lines, scaling.tables_of(rows, lines, specs, scaling.not_shown(selected)))


def devices_jobs(devs: Devices) -> tuple[list, list]:
    """(figure jobs, figures not drawn with why) of the devices section: one per sharded kernel and machine."""
    jobs, skipped = [], []
    for (kernel, machine), g in devs.rows.groupby(["kernel", "machine"], sort=True):
        if not (g["status"] == "ok").any():
            skipped.append(f"devices {kernel} {machine}: no successful timing (see tables/scaling.md)")
            continue
        title = f"Devices: {kernel} on {machine}{scaling.title_caveat(g)}"
        note = "\n".join(devs.lines.get(machine, []))
        jobs.append(("devices", kernel, slug("devices", kernel, machine),
                     lambda g=g, t=title, n=note: plots.devices(g, t, n),
                     f"{kernel} on {machine}: median time per call (left) and speed-up over the same case on 1 "
                     "device (right) against the device count, error bars: 95% bootstrap intervals; dashed: the "
                     "ideal speed-up, reachable on real devices only. " + " ".join(devs.lines.get(machine, []))))
    return jobs, skipped


def write_devices(devs: Devices, out: Path, formats) -> list:
    """tables/scaling.md|.tex|.csv of the devices part (as ``formats`` asks); the paths written."""
    written = []
    if "md" in formats:
        p = out / "tables" / "scaling.md"
        p.write_text(scaling.to_markdown(devs.blocks, devs.lines), encoding="utf-8")
        written.append(p)
    if "tex" in formats:
        p = out / "tables" / "scaling.tex"
        p.write_text(scaling.to_latex(devs.blocks, slug), encoding="utf-8")
        written.append(p)
    if "csv" in formats:
        p = out / "tables" / "scaling.csv"
        scaling.to_csv_frame(devs.rows).to_csv(p, index=False)
        written.append(p)
    return written


def devices_html(devs: Devices, built: Built) -> str:
    """The devices section of index.html: what each machine's devices are, then per kernel its
    table, notes and figures."""
    head = "".join(f"<p class=warn>{H.esc(x)}</p>" if scaling.OVERHEAD in x else f"<p class=note>{H.esc(x)}</p>"
                   for m in sorted(devs.lines) for x in devs.lines[m])
    figs = built.figures.get("devices", [])
    body = []
    for kernel, t, caption, notes in devs.blocks:
        body.append(f"<h3>{H.esc(caption)}</h3>" + H.table(t)
                    + "".join(f"<p class=note>{H.esc(n)}</p>" for n in notes)
                    + "".join(f"<p class=note>{H.esc(cap)}</p>{H.img(p, cap)}"
                              for k, p, cap in figs if k == kernel and p is not None))
    return head + "".join(body)
