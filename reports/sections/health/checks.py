"""Measurement health: the checks that the measurement can be trusted, over the flagged timing rows.

Pure functions over the timing rows of :mod:`reports.derived.speedup` (one machine/commit per
machine); ``python -m reports`` writes the section to ``tables/health.md|.tex`` and near the top of
``index.html``; ``python -m reports --health`` prints it as Markdown. The instability flags of each
row (``IQR``, ``RND``, ``FEW``, ``1P``, ``N1``): :mod:`reports.derived.flags`.

Checks: (a) the device-vs-explicit null test: the same JAX case with inputs created on the device
and with an explicit ``device_put`` must time alike (``cnn_step`` excluded: its device placement
gathers the batch). It is judged on the measured comparisons of kind ``null`` (both sides in one
process, interleaved, in several processes: :mod:`reports.ratios`) where they are recorded, and
shown beside the same test on asv's medians (each side in processes of its own: the cross-process
noise, (a')); without comparisons, on asv's medians alone. Bar: at least 90% of pairs within +-20%
(1/1.2 <= device/explicit <= 1.2) and none beyond +-50% (ratio > 1.5 or < 1/1.5). (b) calls per
sample; bar: no case at one call per sample below ``sample_time``. (c) round-to-round spread.
(d) asv's median vs the in-process median of the same case in the comparisons. (e) the flagged
cases. (f) where the variance of the comparisons is (:mod:`.variance`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from results import median_intervals
from results.registry import registry
from results.frame import one_device

from ...derived import speedup
from ...derived.flags import (FLAG_LEGEND, FLAGS, ROUNDS_APART, flag_codes, min_repeat, round_sizes, sample_time,
                    with_flags)
from ...formats import tables, writers
from ...ratios import EMPTY, row_key
from ...parts import Doc, Table
from . import variance

NULL_BAND = 1.2                   # within +-20%: 1/1.2 <= ratio <= 1.2
NULL_FAR = 1.5                    # beyond +-50%: ratio > 1.5 or ratio < 1/1.5
NULL_SHARE = 0.90                 # the bar: at least this share of pairs within the band


# --------------------------------------------------------------------------- (a) null test

NULL_KEYS = ["machine", "commit", "kernel", "backend", "transform", "size", "dtype", "variant"]


def no_null_test() -> list[str]:
    """The kernels the null test leaves out (``Kernel.null_test`` False: device and explicit differ by
    design): the fallback of :func:`device_explicit_sides`, where no comparisons declare the pairs."""
    return sorted(name for name, spec in registry().items() if not spec.null_test)


def device_explicit_sides(t: pd.DataFrame, comparisons=None) -> list[tuple[dict, dict]]:
    """(device row, explicit row) of every null pair among the ok one-device JAX timings of ``t``, in
    the order of the device rows. Where the machine and commit's comparisons (``comparisons``, a
    :class:`reports.ratios.Lookup`) declare null pairs, the pairs are those (kind ``null``: num the
    device case, den the explicit one; :mod:`jaxbench.declare`). Elsewhere (results without
    comparisons: a plain ``asv run``, older results) the rule the declaration follows: the same case
    (NULL_KEYS) with inputs created on the device and explicitly placed, kernels whose ``null_test``
    is False left out; sharded rows, ``devices`` > 1, never pair."""
    t = one_device(t).reset_index(drop=True)
    j = t[t["backend"].isin(["jax-cpu", "jax-gpu"]) & t["placement"].isin(["device", "explicit"])
          & (t["status"] == "ok")]
    pairs, covered = (comparisons or EMPTY).declared_pairs(j, "null")
    rest = j[[(m, c) not in covered for m, c in zip(j["machine"], j["commit"])]]
    rest = rest[~rest["kernel"].isin(no_null_test())].assign(_row=lambda f: f.index)
    merged = rest[rest["placement"] == "device"].merge(rest[rest["placement"] == "explicit"], on=NULL_KEYS)
    pairs += list(zip(merged["_row_x"], merged["_row_y"]))
    return [(t.loc[d].to_dict(), t.loc[e].to_dict()) for d, e in sorted(pairs, key=lambda p: p[0])]


def null_pairs(t: pd.DataFrame, comparisons=None) -> pd.DataFrame:
    """Every device/explicit pair of ok JAX timings (:func:`device_explicit_sides`: cnn_step excluded):
    ``ratio`` = device median / explicit median, its 95% interval ``lo``/``hi`` and ``method`` (weaker side)."""
    rows = []
    for dev, exp in device_explicit_sides(t, comparisons):
        reps = [median_intervals.bootstrap_medians(s.get("rounds"), speedup.case_key(s)) for s in (dev, exp)]
        ratio = dev["median"] / exp["median"]
        lo, hi = median_intervals.ratio_interval(reps[0], reps[1], ratio)
        method = speedup.weaker_method(*(median_intervals.method(s.get("rounds")) for s in (dev, exp)))
        rows.append({**{k: dev[k] for k in NULL_KEYS}, "device_median": dev["median"],
                     "explicit_median": exp["median"], "ratio": ratio, "lo": lo, "hi": hi, "method": method})
    cols = NULL_KEYS + ["device_median", "explicit_median", "ratio", "lo", "hi", "method"]
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


# --------------------------------------------------------------------------- (d) asv vs in-process

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


def in_process_table(r: pd.DataFrame) -> pd.DataFrame:
    """Display form of :func:`in_process_rows`."""
    return pd.DataFrame({
        "Machine": r["machine"], "Benchmark": r["benchmark"], "Params": r["params"],
        "asv median": [tables.fmt_time(v) for v in r["asv_median"]],
        "In-process median": [tables.fmt_time(v) for v in r["in_process_median"]],
        "asv / in-process": [tables.fmt_num(v, suffix="x") for v in r["ratio"]],
        "Calls/sample x samples": [f"{n} x {k}" for n, k in zip(r["number"], r["samples"])]})


def comparison_null_pairs(t: pd.DataFrame, comparisons) -> pd.DataFrame:
    """The null test read from the measured comparisons (kind ``null``: device / explicit, paired in
    one process, several processes): the columns of :func:`null_pairs`, and ``asv_ratio`` (the
    same ratio of asv's medians)."""
    rows = []
    for dev, exp in device_explicit_sides(t, comparisons):
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
        hit = comparisons.side(r["machine"], r["commit"], row_key(r)) if comparisons else None
        if hit is None:
            continue
        rows.append({"machine": r["machine"], "benchmark": r["benchmark"], "params": case_name(r),
                     "asv_median": r["median"], "in_process_median": hit[0], "number": r.get("number"), "samples": hit[1],
                     "ratio": r["median"] / hit[0] if hit[0] else math.nan,
                     "method": "the comparisons' in-process samples (every process and pass)"})
    cols = ["machine", "benchmark", "params", "asv_median", "in_process_median", "number", "samples", "ratio", "method"]
    return pd.DataFrame(rows, columns=cols)


def null_test(h: Health, t: pd.DataFrame, comparisons) -> tuple[pd.DataFrame, bool]:
    """(a) and (a') into ``h``: the null test on the measured comparisons where there are some,
    beside asv's cross-process medians, else on asv's medians; (the pairs shown, paired or not)."""
    across = null_pairs(t, comparisons)
    paired = comparison_null_pairs(t, comparisons)
    pairs = paired if len(paired) else across
    h.null = n = null_summary(pairs)
    where = ("measured as comparisons: both sides in one process, interleaved, in several processes" if len(paired)
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
    return pairs, bool(len(paired))


def in_process_line(rm: pd.DataFrame) -> str:
    """(d)'s headline from :func:`in_process_rows`."""
    if not len(rm):
        return "(d) asv vs in-process: no comparisons (jaxbench-comparisons.jsonc) recorded for these commits."
    ratio = rm["ratio"].dropna()
    same = int((abs(ratio - 1.0) <= 1e-6).sum())
    return (f"(d) asv vs in-process re-measurement of {len(rm)} cases: asv/in-process median "
            f"{ratio.median():.3g}x, range {ratio.min():.3g}x - {ratio.max():.3g}x "
            f"({rm['method'].iloc[0] or 'method not recorded'}); {same} of {len(rm)} asv results are "
            f"the comparison processes' own (python -m runner records them), the others come from "
            f"asv's own processes (a plain asv run, older results).")


def report(t: pd.DataFrame, benchmarks: dict, comparisons=None) -> Health:
    """The whole section from timing rows of the reported commits (flags added where missing);
    ``comparisons``: the measured comparisons (:class:`reports.ratios.Lookup`), the source of the
    null test (a), the in-process check (d) and the variance check (f)."""
    t = t[t["role"] == "time"] if "role" in t.columns else t
    if "flags" not in t.columns:
        t = with_flags(t, benchmarks)
    h = Health()
    pairs, paired = null_test(h, t, comparisons)
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
    h.lines.append(in_process_line(rm))
    flagged = flagged_table(t)
    h.lines.append(f"(e) Flagged cases: {len(flagged)} of {c['cases']}. {FLAG_LEGEND}")
    var = variance.rows(comparisons, set(zip(t["machine"], t["commit"])) if len(t) else set())
    h.lines.append(variance.line(variance.summary(var)))
    missed = int((~var["reached"]).sum()) if len(var) else 0
    h.tables = [("null", null_table(pairs), "(a) Device vs explicit null test: device median / explicit median"
                 + (" (paired comparisons; asv's cross-process ratio beside it)" if paired else "")),
                ("calls", cases_table(calls),
                 "(b, c) Per case: calls per sample, samples per round, round spread (max/min of round medians)"),
                ("remeasure", in_process_table(rm), "(d) asv median vs the in-process median of the comparisons"),
                ("flagged", flagged, "(e) Flagged cases"),
                ("variance", variance.table(var), f"(f) The comparisons that missed their target ({missed} "
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


__all__ = ["FLAGS", "FLAG_LEGEND", "Health", "with_flags", "flag_codes", "null_pairs", "null_summary",
           "calls_per_sample", "calls_summary", "spread_summary", "comparison_null_pairs", "in_process_rows",
           "null_test", "report", "to_markdown", "to_latex", "doc", "band_of", "min_repeat", "sample_time"]
