"""Measurement health: the checks that the measurement can be trusted, over the flagged timing rows.

    python -m reports.health [--results DIR] [--machine M] [--commit PREFIX]

prints the section as Markdown (exit 0; 2 on an unknown machine or commit, 1 without results).
Pure functions over the timing rows of :mod:`reports.speedup` (one machine/commit per machine);
``python -m reports`` writes the same section to ``tables/health.md|.tex`` and near the top of
``index.html``. The instability flags of each row (``IQR``, ``RND``, ``FEW``, ``1P``, ``N1``):
:mod:`reports.flags`.

Checks: (a) the device-vs-explicit null test: the same JAX case with inputs created on the device
and with an explicit ``device_put`` must time alike (``cnn_step`` excluded: its device placement
gathers the batch). It is judged on the pairs measured in ONE process, the sides alternating
(``python -m bench.remeasure``, ``pairs``), where they are recorded, and shown beside the same test
on asv's medians (each side in processes of its own: the cross-process noise, (a')); bar: at least 90% of pairs within +-20% (1/1.2 <= device/explicit <= 1.2)
and none beyond +-50% (ratio > 1.5 or < 1/1.5). (b) calls per sample; bar: no case at one call per
sample below ``sample_time``. (c) round-to-round spread. (d) asv's median vs an independent
``timeit`` re-measurement (``jaxbench-remeasure.jsonc``), when present. (e) the flagged cases.
"""
from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from results import median_intervals
from jaxbench.declare import NULL_EXCLUDED   # no null pair for these kernels: declared once with the comparisons
from results.frame import one_device, select

from . import options, speedup, tables, variance, writers
from .flags import (FLAG_LEGEND, FLAGS, ROUNDS_APART, flag_codes, min_repeat, round_sizes, sample_time,
                    with_flags)
from .paired import Lookup, row_key
from .parts import Doc, Table

NULL_BAND = 1.2                   # within +-20%: 1/1.2 <= ratio <= 1.2
NULL_FAR = 1.5                    # beyond +-50%: ratio > 1.5 or ratio < 1/1.5
NULL_SHARE = 0.90                 # the bar: at least this share of pairs within the band


# --------------------------------------------------------------------------- (a) null test

NULL_KEYS = ["machine", "commit", "kernel", "backend", "transform", "size", "dtype", "variant"]


def device_explicit_sides(t: pd.DataFrame) -> list[tuple[dict, dict]]:
    """(device row, explicit row) of every null pair in ``t``: ok one-device JAX timings of the same
    case (NULL_KEYS) with inputs created on the device and explicitly placed (NULL_EXCLUDED left out;
    sharded rows, ``devices`` > 1, never pair)."""
    t = one_device(t)
    j = t[t["backend"].isin(["jax-cpu", "jax-gpu"]) & t["placement"].isin(["device", "explicit"])
          & (t["status"] == "ok") & ~t["kernel"].isin(NULL_EXCLUDED)]
    pairs = j[j["placement"] == "device"].merge(j[j["placement"] == "explicit"], on=NULL_KEYS,
                                                 suffixes=("_dev", "_exp"))
    return [tuple({k[:-4]: v for k, v in p.items() if k.endswith(suf)} | {k: p[k] for k in NULL_KEYS}
                  for suf in ("_dev", "_exp")) for _, p in pairs.iterrows()]


def null_pairs(t: pd.DataFrame) -> pd.DataFrame:
    """Every device/explicit pair of ok JAX timings (cnn_step excluded): ``ratio`` = device median /
    explicit median, its 95% interval ``lo``/``hi`` and ``method`` (weaker side)."""
    rows = []
    for dev, exp in device_explicit_sides(t):
        reps = [median_intervals.bootstrap_medians(s.get("rounds"), speedup.case_key(s)) for s in (dev, exp)]
        ratio = dev["median"] / exp["median"]
        lo, hi = median_intervals.ratio_interval(reps[0], reps[1], ratio)
        method = speedup.weaker_method(*(median_intervals.method(s.get("rounds")) for s in (dev, exp)))
        rows.append({**{k: dev[k] for k in NULL_KEYS}, "device_median": dev["median"],
                     "explicit_median": exp["median"], "ratio": ratio, "lo": lo, "hi": hi, "method": method})
    cols = NULL_KEYS + ["device_median", "explicit_median", "ratio", "lo", "hi", "method"]
    return pd.DataFrame(rows, columns=cols)


PAIRED_METHOD = "one process, interleaved"


def paired_pairs(remeasure: dict, commits: dict) -> pd.DataFrame:
    """The null test measured in ONE process, the two sides alternating (``python -m
    bench.remeasure``, ``pairs`` of jaxbench-remeasure.jsonc): same columns as :func:`null_pairs`,
    the interval a two-level bootstrap over the passes and the samples within them."""
    rows = []
    for machine, data in sorted((remeasure or {}).items()):
        commit = commits.get(machine, "")
        for p in ((data.get("commits") or {}).get(commit, {}).get("pairs") or []):
            sides = [p.get(s) or {} for s in ("device", "explicit")]
            passes = [s.get("passes") or [] for s in sides]
            meds = [float(np.median(np.concatenate(median_intervals.clean_rounds(x)))) if median_intervals.clean_rounds(x) else math.nan
                    for x in passes]
            key = f"{machine}|{commit}|paired|{p.get('kernel')}|{p.get('transform')}|{p.get('size')}|{p.get('variant')}"
            reps = [median_intervals.bootstrap_medians(x, key + side) for x, side in zip(passes, ("|d", "|e"))]
            ratio = meds[0] / meds[1] if meds[1] else math.nan
            lo, hi = median_intervals.ratio_interval(reps[0], reps[1], ratio)
            rows.append({"machine": machine, "commit": commit, **{k: p.get(k, "") for k in NULL_KEYS[2:]},
                         "device_median": meds[0], "explicit_median": meds[1], "ratio": ratio, "lo": lo, "hi": hi,
                         "method": PAIRED_METHOD,
                         "asv_ratio": (sides[0].get("asv_median") or math.nan) / (sides[1].get("asv_median") or math.nan)})
    cols = NULL_KEYS + ["device_median", "explicit_median", "ratio", "lo", "hi", "method", "asv_ratio"]
    return pd.DataFrame(rows, columns=cols)


def band_of(ratio: float) -> str:
    """'within +-20%', '+-20-50%' or 'beyond +-50%' for a device/explicit ratio."""
    if 1 / NULL_BAND <= ratio <= NULL_BAND:
        return "within +-20%"
    if 1 / NULL_FAR <= ratio <= NULL_FAR:
        return "+-20-50%"
    return "beyond +-50%"


def null_summary(pairs: pd.DataFrame) -> dict:
    """Counts of the null test and whether it meets the bar (``passed`` None: no pairs)."""
    bands = [band_of(r) for r in pairs["ratio"]]
    n = len(bands)
    within, beyond = bands.count("within +-20%"), bands.count("beyond +-50%")
    share = within / n if n else math.nan
    differ = sum(not median_intervals.contains_one(lo, hi) and lo == lo for lo, hi in zip(pairs["lo"], pairs["hi"]))
    return {"pairs": n, "within": within, "beyond": beyond, "share_within": share, "measurably_different": differ,
            "passed": (share >= NULL_SHARE and beyond == 0) if n else None}


# --------------------------------------------------------------------------- (b), (c)

def calls_per_sample(t: pd.DataFrame, benchmarks: dict) -> pd.DataFrame:
    """Per ok case: ``number`` (calls per sample), ``sample_time`` and ``one_call_below``
    (one call per sample while the median is below sample_time)."""
    ok = t[t["status"] == "ok"].copy()
    ok["sample_time"] = [sample_time(benchmarks.get(b, {})) for b in ok["benchmark"]]
    ok["one_call_below"] = (ok["number"] == 1) & (ok["median"] < ok["sample_time"])
    return ok


def calls_summary(c: pd.DataFrame) -> dict:
    """Distribution of calls per sample and the count at one call below sample_time (bar: 0)."""
    num = c["number"].dropna()
    below = int(c["one_call_below"].sum())
    return {"cases": len(c), "min": num.min() if len(num) else math.nan,
            "median": float(num.median()) if len(num) else math.nan, "max": num.max() if len(num) else math.nan,
            "one_call": int((num == 1).sum()), "one_call_below": below, "passed": below == 0 if len(c) else None}


def spread_summary(t: pd.DataFrame) -> dict:
    """Round-to-round spread (max/min of per-round medians) over the cases with >= 2 rounds."""
    ok = t[t["status"] == "ok"]
    spread = pd.Series([median_intervals.round_spread(x) for x in ok.get("rounds", [])], index=ok.index, dtype=float).dropna()
    if spread.empty:
        return {"cases": 0, "median": math.nan, "worst": math.nan, "worst_case": "", "over": 0}
    w = ok.loc[spread.idxmax()]
    return {"cases": len(spread), "median": float(spread.median()), "worst": float(spread.max()),
            "worst_case": case_name(w), "over": int((spread > ROUNDS_APART).sum())}


def case_name(r) -> str:
    """'selu jax-cpu device jit @ 1000 float32 [x@y] (cpu-box)'."""
    v = f" [{r['variant']}]" if r.get("variant") else ""
    return (f"{r['kernel']} {speedup.label(r['backend'], r['placement'], r['transform'])} @ {r['size']} "
            f"{r['dtype']}{v} ({r['machine']})")


# --------------------------------------------------------------------------- (d) asv vs timeit

def remeasure_rows(remeasure: dict, commits: dict) -> pd.DataFrame:
    """The re-measured cases of each machine's reported commit with ``ratio`` = asv / timeit median."""
    rows = []
    for machine, data in sorted((remeasure or {}).items()):
        entry = (data.get("commits") or {}).get(commits.get(machine, ""), {})
        for c in entry.get("cases", []):
            asv, ti = c.get("asv_median"), c.get("timeit_median")
            ratio = asv / ti if isinstance(asv, (int, float)) and isinstance(ti, (int, float)) and ti else math.nan
            rows.append({"machine": machine, "benchmark": c.get("benchmark", ""),
                         "params": ", ".join(f"{k}={v}" for k, v in (c.get("params") or {}).items()),
                         "asv_median": asv, "timeit_median": ti, "timeit_q25": c.get("timeit_q25"),
                         "timeit_q75": c.get("timeit_q75"), "number": c.get("number"), "repeat": c.get("repeat"),
                         "ratio": ratio, "method": entry.get("method", ""), "measured_at": entry.get("measured_at", "")})
    cols = ["machine", "benchmark", "params", "asv_median", "timeit_median", "timeit_q25", "timeit_q75",
            "number", "repeat", "ratio", "method", "measured_at"]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- the section

@dataclass
class Health:
    """The section: headline lines (one per check) and its tables (name, DataFrame, caption)."""

    lines: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    null: dict = field(default_factory=dict)
    null_across: dict = field(default_factory=dict)   # (a') asv's cross-process null test, when (a) is paired
    calls: dict = field(default_factory=dict)
    spread: dict = field(default_factory=dict)


def _verdict(passed) -> str:
    return "not tested (no cases)" if passed is None else ("PASS" if passed else "FAIL")


def null_table(pairs: pd.DataFrame) -> pd.DataFrame:
    """Display form of :func:`null_pairs`."""
    return pd.DataFrame({
        "Machine": pairs["machine"], "Kernel": pairs["kernel"], "Variant": pairs["variant"].replace("", "-"),
        "Backend": pairs["backend"], "Transform": pairs["transform"], "Size": pairs["size"].astype(str),
        "dtype": pairs["dtype"], "Device median": [tables.fmt_time(v) for v in pairs["device_median"]],
        "Explicit median": [tables.fmt_time(v) for v in pairs["explicit_median"]],
        "Device / explicit [95% CI]": [tables.fmt_speedup(r, lo, hi, m) for r, lo, hi, m in
                                       zip(pairs["ratio"], pairs["lo"], pairs["hi"], pairs["method"])],
        "Band": [band_of(r) for r in pairs["ratio"]],
        **({"asv, across processes": [tables.fmt_num(v, suffix="x") for v in pairs["asv_ratio"]]}
           if "asv_ratio" in pairs.columns else {})})


def cases_table(c: pd.DataFrame) -> pd.DataFrame:
    """Per case: calls per sample, samples per round, round spread, flags."""
    c = c.sort_values(["machine", "kernel", "variant", "dtype", "size", "backend", "placement", "transform"])
    return pd.DataFrame({
        "Case": [case_name(r) for _, r in c.iterrows()],
        "Median": [tables.fmt_time(v) for v in c["median"]],
        "Calls/sample": [tables.fmt_num(v) for v in c["number"]],
        "Samples per round": ["+".join(map(str, round_sizes(r))) or "-" for _, r in c.iterrows()],
        "Round spread": [tables.fmt_num(v, suffix="x") for v in c["round_spread"]],
        "Flags": c["flags"].to_list()})


def flagged_table(t: pd.DataFrame) -> pd.DataFrame:
    """(e): the flagged ok cases with their reasons."""
    f = t[(t["status"] == "ok") & (t["flags"] != "")]
    f = f.sort_values(["machine", "kernel", "variant", "dtype", "size", "backend", "placement", "transform"])
    return pd.DataFrame({"Case": [case_name(r) for _, r in f.iterrows()],
                         "Median": [tables.fmt_time(v) for v in f["median"]],
                         "Flags": f["flags"].to_list(), "Why": f["flag_reasons"].to_list()})


def remeasure_table(r: pd.DataFrame) -> pd.DataFrame:
    """Display form of :func:`remeasure_rows`."""
    return pd.DataFrame({
        "Machine": r["machine"], "Benchmark": r["benchmark"], "Params": r["params"],
        "asv median": [tables.fmt_time(v) for v in r["asv_median"]],
        "timeit median": [tables.fmt_time(v) for v in r["timeit_median"]],
        "timeit IQR": [tables.fmt_iqr(a, b) for a, b in zip(r["timeit_q25"], r["timeit_q75"])],
        "asv / timeit": [tables.fmt_num(v, suffix="x") for v in r["ratio"]],
        "number x repeat": [f"{n} x {k}" for n, k in zip(r["number"], r["repeat"])]})


def comparison_null_pairs(t: pd.DataFrame, comparisons) -> pd.DataFrame:
    """The null test read from the measured comparisons (kind ``null``: device / explicit, paired in
    one process, several processes): the columns of :func:`paired_pairs`."""
    rows = []
    for dev, exp in device_explicit_sides(t):
        r = comparisons.get(dev["machine"], dev["commit"], row_key(dev), row_key(exp)) if comparisons else None
        if r is None:
            continue
        rows.append({**{k: dev[k] for k in NULL_KEYS}, "device_median": dev["median"],
                     "explicit_median": exp["median"], "ratio": r.point, "lo": r.lo, "hi": r.hi,
                     "method": f"paired, {r.processes} processes", "asv_ratio": dev["median"] / exp["median"]})
    cols = NULL_KEYS + ["device_median", "explicit_median", "ratio", "lo", "hi", "method", "asv_ratio"]
    return pd.DataFrame(rows, columns=cols)


def in_process_rows(t: pd.DataFrame, comparisons) -> pd.DataFrame:
    """(d) from the comparisons: each ok case's asv median next to its in-process median (every
    process and pass of the comparisons that timed it), ``ratio`` = asv / in-process."""
    rows = []
    for _, r in t[t["status"] == "ok"].iterrows():
        hit = comparisons.sides.get((r["machine"], r["commit"], row_key(r))) if comparisons else None
        if hit is None:
            continue
        rows.append({"machine": r["machine"], "benchmark": r["benchmark"], "params": case_name(r),
                     "asv_median": r["median"], "timeit_median": hit[0], "timeit_q25": math.nan,
                     "timeit_q75": math.nan, "number": r.get("number"), "repeat": hit[1],
                     "ratio": r["median"] / hit[0] if hit[0] else math.nan,
                     "method": "the comparisons' in-process samples (every process and pass)", "measured_at": ""})
    cols = ["machine", "benchmark", "params", "asv_median", "timeit_median", "timeit_q25", "timeit_q75",
            "number", "repeat", "ratio", "method", "measured_at"]
    return pd.DataFrame(rows, columns=cols)


def report(t: pd.DataFrame, benchmarks: dict, remeasure: dict, commits: dict, comparisons=None) -> Health:
    """The whole section from timing rows of the reported commits (flags added where missing);
    ``comparisons``: the measured comparisons (:class:`reports.paired.Lookup`), the null test's and
    the in-process check's source (older results: jaxbench-remeasure.jsonc)."""
    t = t[t["role"] == "time"] if "role" in t.columns else t
    if "flags" not in t.columns:
        t = with_flags(t, benchmarks)
    h = Health()
    across = null_pairs(t)
    paired = comparison_null_pairs(t, comparisons)
    from_comparisons = bool(len(paired))
    paired = paired if from_comparisons else paired_pairs(remeasure, commits)
    pairs = paired if len(paired) else across
    h.null = null_summary(pairs)
    n = h.null
    where = ("measured as comparisons: both sides in one process, interleaved, in several processes"
             if from_comparisons else
             "measured in one process, the two sides alternating (python -m bench.remeasure)" if len(paired)
             else "from asv's medians, each side in processes of its own (no in-process pairs recorded)")
    h.lines.append(
        f"(a) Device vs explicit null test, {where}: {n['pairs']} pairs (same JAX case, inputs created on the "
        f"device vs explicit device_put; cnn_step excluded); within +-20% (1/{NULL_BAND:g} <= device/explicit <= "
        f"{NULL_BAND:g}): {n['within']}" + (f" ({100 * n['share_within']:.0f}%)" if n["pairs"] else "")
        + f"; beyond +-50% (ratio > {NULL_FAR:g} or < 1/{NULL_FAR:g}): {n['beyond']}; interval excluding 1: "
        f"{n['measurably_different']}. Bar: >= {100 * NULL_SHARE:.0f}% within, none beyond: {_verdict(n['passed'])}.")
    if len(paired):
        a = h.null_across = null_summary(across)
        h.lines.append(
            f"(a') The same null test from asv's medians (each side in processes of its own, the noise a "
            f"cross-process comparison carries here): {a['pairs']} pairs, within +-20%: {a['within']}"
            + (f" ({100 * a['share_within']:.0f}%)" if a["pairs"] else "") + f", beyond +-50%: {a['beyond']}.")
    calls = calls_per_sample(t, benchmarks)
    h.calls = c = calls_summary(calls)
    h.lines.append(
        f"(b) Calls per sample over {c['cases']} cases: min {tables.fmt_num(c['min'])}, median "
        f"{tables.fmt_num(c['median'])}, max {tables.fmt_num(c['max'])}; at 1 call/sample: {c['one_call']}, of which "
        f"below the benchmark's sample_time: {c['one_call_below']}. Bar: zero: {_verdict(c['passed'])}.")
    h.spread = s = spread_summary(t)
    h.lines.append(
        f"(c) Round-to-round spread (max/min of per-round medians) over {s['cases']} cases with >= 2 rounds: "
        + (f"median {s['median']:.3g}x, worst {s['worst']:.3g}x ({s['worst_case']}); above {ROUNDS_APART:g}x: "
           f"{s['over']}." if s["cases"] else "no case with rounds recorded (no jaxbench-rounds.jsonc or no samples)."))
    rm = in_process_rows(t, comparisons)
    rm = rm if len(rm) else remeasure_rows(remeasure, commits)
    if len(rm):
        ratio = rm["ratio"].dropna()
        same = int((abs(ratio - 1.0) <= 1e-6).sum())
        h.lines.append(f"(d) asv vs in-process re-measurement of {len(rm)} cases: asv/in-process median "
                       f"{ratio.median():.3g}x, range {ratio.min():.3g}x - {ratio.max():.3g}x "
                       f"({rm['method'].iloc[0] or 'method not recorded'}); {same} of {len(rm)} asv results are "
                       f"the comparison processes' own (python -m runner records them), the others come from "
                       f"asv's own processes (a plain asv run, older results).")
    else:
        h.lines.append("(d) asv vs in-process: no comparisons (jaxbench-comparisons.jsonc) recorded for these commits.")
    flagged = flagged_table(t)
    h.lines.append(f"(e) Flagged cases: {len(flagged)} of {c['cases']}. {FLAG_LEGEND}")
    var = variance.rows(comparisons, set(zip(t["machine"], t["commit"])) if len(t) else set())
    h.lines.append(variance.line(variance.summary(var)))
    h.tables = [("null", null_table(pairs), "(a) Device vs explicit null test: device median / explicit median"
                 + (" (paired comparisons; asv's cross-process ratio beside it)" if len(paired) else "")),
                ("calls", cases_table(calls),
                 "(b, c) Per case: calls per sample, samples per round, round spread (max/min of round medians)"),
                ("remeasure", remeasure_table(rm), "(d) asv median vs the in-process median of the comparisons"),
                ("flagged", flagged, "(e) Flagged cases"),
                ("variance", variance.table(var), f"(f) The comparisons that missed their target ({int((~var['reached']).sum()) if len(var) else 0} "
                 f"of {len(var)}; at most {variance.SHOWN}, lecture ratios first, then the widest): processes, passes, "
                 "share of the variance between processes, 95% half-width reached and its target")]
    return h




def doc(h: Health) -> Doc:
    """The section as a file family (``tables/health``): the headline lines, then each table; in
    LaTeX one booktabs table per check, the headline lines as the notes of the first."""
    return Doc("tables/health", [Table(t, caption) for _, t, caption in h.tables],
               latex=[Table(t, caption, h.lines if i == 0 else [], f"tab:health-{name}")
                      for i, (name, t, caption) in enumerate(h.tables)],
               heading="Measurement health", lines=h.lines)


def to_markdown(h: Health) -> str:
    """The section as Markdown: the headline lines, then each table."""
    return writers.doc_markdown(doc(h))


def to_latex(h: Health) -> str:
    """The section as LaTeX: one booktabs table per check, the headline lines as notes of the first."""
    return writers.doc_latex(doc(h))


# --------------------------------------------------------------------------- the command

def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m reports.health",
                                description="Print the measurement health section (Markdown).")
    p.add_argument("--results", default=".asv/results", help="asv results folder (default .asv/results)")
    p.add_argument("--machine", action="append", help="machine to include (repeatable; default: all)")
    p.add_argument("--commit", action="append", help="commit (hash prefix), or MACHINE=PREFIX; default: latest")
    p.add_argument("--summary", action="store_true", help="the headline lines only, not the tables")
    return p


def main(argv=None) -> int:
    """Print the health section of the selected results; 0, 2 on an unknown machine/commit, 1 without results."""
    args = parser().parse_args(argv)
    results, df = options.load_current(args.results)
    if df.empty:
        sys.stderr.write(f"error: no asv results in {args.results}\n")
        return 1
    machines = options.selected_machines(df, args.machine)
    commits = options.resolve_commits(df, machines, args.commit)
    t = with_flags(speedup.timings(select(df, machines, commits)), results.benchmarks, results.facts)
    h = report(t, results.benchmarks, results.remeasure, commits, Lookup(results.comparisons))
    if args.summary:
        print("\n".join(f"- {line}" for line in h.lines))
        print(f"  (full tables: `python -m reports.health --results {args.results}`, or the report's "
              "health section)")
    else:
        print(to_markdown(h))
    return 0


__all__ = ["FLAGS", "FLAG_LEGEND", "Health", "with_flags", "flag_codes", "null_pairs", "null_summary",
           "calls_per_sample", "calls_summary", "spread_summary", "remeasure_rows", "report", "to_markdown",
           "to_latex", "doc", "main", "band_of", "min_repeat", "sample_time"]

if __name__ == "__main__":
    raise SystemExit(main())
