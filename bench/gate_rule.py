"""The gate's decision rule, and the per-round samples it decides on (``python -m bench.gate``;
docs/gate.md): a case regresses when HEAD's median is at least ``factor`` times BASE's and a
one-sided exact Mann-Whitney test over the processes' medians (processes, not samples, are the
unit) says so; a suggestive first set gets a second one, decided together with the first.
"""
from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

ALPHA = 0.03         # one-sided, per case and direction; 4 rounds: at most one process out of order
COMBINED_ALPHA = 0.005   # the decision over both sets together (2R processes per side; 8 vs 8: <= 7 of 64 pairs out of order)
LOOK_AGAIN_P = 0.25      # a first set this suggestive (ratio >= 1 + (factor - 1) / 2) gets a second set
LEVEL = 0.95
ASV_P = 0.002          # asv's own Mann-Whitney threshold (asv._stats.is_different), for contrast


# --------------------------------------------------------------------------- the decision rule

def slower_p(low, high) -> float:
    """One-sided exact Mann-Whitney p-value that the values ``high`` are larger than ``low``.

    U counts the pairs (l, h) with h < l (ties count 1/2); p is the share of all C(m+n, m)
    ways of labelling the pooled values whose U is as small or smaller. Exact enumeration
    (round counts are small); 1.0 when a side is empty.
    """
    m, n = len(low), len(high)
    if not m or not n:
        return 1.0

    def u(lo_vals, hi_vals):
        return sum((h < l) + 0.5 * (h == l) for l in lo_vals for h in hi_vals)

    observed = u(low, high)
    if math.comb(m + n, n) > 20000:                     # many rounds: normal approximation
        mean, sd = m * n / 2, math.sqrt(m * n * (m + n + 1) / 12)
        return 0.5 * math.erfc((mean - observed - 0.5) / sd / math.sqrt(2))
    pooled = list(low) + list(high)
    ranks = range(m + n)
    total = hits = 0
    for chosen in itertools.combinations(ranks, n):
        picked = set(chosen)
        total += 1
        hits += u([pooled[i] for i in ranks if i not in picked], [pooled[i] for i in chosen]) <= observed
    return hits / total


def min_p(rounds: int) -> float:
    """The smallest p-value :func:`slower_p` can give with ``rounds`` processes per side."""
    return 1 / math.comb(2 * rounds, rounds)


def compare_case(base_rounds, head_rounds, factor: float, key: str = "", alpha: float = None) -> dict:
    """Compare one case: per-round (per-process) samples of BASE and of HEAD -> verdict.

    ``ratio``: HEAD's median / BASE's median, over all samples (the values asv reports).
    ``p_slower`` / ``p_faster``: one-sided exact Mann-Whitney p-values over the processes'
    medians (one value per round and commit: processes, not samples, are the unit).
    ``boot_lo``, ``boot_hi``: 95% two-level bootstrap interval of the ratio (rounds, then samples
    within them; ``jaxbench.stats``), shown for information.
    ``verdict``: "regression" when ratio >= factor and p_slower <= alpha, "improvement" when
    ratio <= 1/factor and p_faster <= alpha, "same" otherwise, "missing" without data.
    """
    from jaxbench import stats
    import numpy as np

    alpha = ALPHA if alpha is None else alpha
    b, h = stats.clean_rounds(base_rounds), stats.clean_rounds(head_rounds)
    if not b or not h:
        return {"ratio": math.nan, "p_slower": math.nan, "p_faster": math.nan, "boot_lo": math.nan,
                "boot_hi": math.nan, "verdict": "missing", "rounds": [len(b), len(h)]}
    med_b = float(np.median(np.concatenate(b)))
    med_h = float(np.median(np.concatenate(h)))
    ratio = med_h / med_b
    bm, hm = stats.round_medians(base_rounds), stats.round_medians(head_rounds)
    p_slower, p_faster = slower_p(bm, hm), slower_p(hm, bm)
    boot_lo, boot_hi = stats.ratio_interval(stats.bootstrap_medians(head_rounds, key + "|head"),
                                            stats.bootstrap_medians(base_rounds, key + "|base"), ratio)
    if ratio >= factor and p_slower <= alpha:
        verdict = "regression"
    elif ratio <= 1.0 / factor and p_faster <= alpha:
        verdict = "improvement"
    else:
        verdict = "same"
    return {"ratio": ratio, "p_slower": p_slower, "p_faster": p_faster, "boot_lo": boot_lo,
            "boot_hi": boot_hi, "verdict": verdict, "rounds": [len(b), len(h)],
            "base_median": med_b, "head_median": med_h,
            "base_round_medians": bm, "head_round_medians": hm}


def second_look(row: dict, factor: float) -> bool:
    """Whether a first set is ambiguous enough to measure again: slower by at least half the factor's
    margin, with a one-sided p of at most ``LOOK_AGAIN_P``."""
    return row.get("ratio", math.nan) >= 1.0 + (factor - 1.0) / 2.0 and row.get("p_slower", 1.0) <= LOOK_AGAIN_P


def decide_both(first: dict, base_rounds, head_rounds, factor: float, key: str = "") -> dict:
    """The verdict over both sets' processes together (``COMBINED_ALPHA``): the first set's row
    updated; a case the first set flagged and both sets do not is "unconfirmed"."""
    both = compare_case(base_rounds, head_rounds, factor, key=key, alpha=COMBINED_ALPHA)
    if both["verdict"] == "missing":
        return first
    out = dict(first, **{k: both[k] for k in ("ratio", "p_slower", "p_faster", "boot_lo", "boot_hi", "base_median",
                                               "head_median", "base_round_medians", "head_round_medians", "rounds")})
    out["first_set"] = first["verdict"]
    out["verdict"] = "unconfirmed" if both["verdict"] == "same" and first["verdict"] == "regression" else both["verdict"]
    return out


def asv_pooled_verdict(base_rounds, head_rounds, factor: float) -> tuple[str, float]:
    """What ``asv continuous``/``asv compare`` would say (for contrast, not used by the gate):
    Mann-Whitney U over the pooled samples at p < 0.002 (``asv._stats.is_different``), then the
    ratio of medians against ``factor``. Returns (verdict, p-value)."""
    from asv import _stats
    import numpy as np

    a = [x for r in base_rounds for x in r if x == x]
    b = [x for r in head_rounds for x in r if x == x]
    if not a or not b:
        return "missing", math.nan
    p_min = 1 / _stats.binom(len(a) + len(b), min(len(a), len(b)))
    if p_min >= ASV_P:
        return "same", math.nan      # too few samples for the test (asv then falls back to its CIs)
    _, p = _stats.mann_whitney_u(a, b)
    ratio = float(np.median(b) / np.median(a))
    if p >= ASV_P:
        return "same", p
    return ("regression" if ratio > factor else ("improvement" if ratio < 1 / factor else "same")), p


# --------------------------------------------------------------------------- results

def load_rounds(results_dir: Path, machine: str, commit: str, kernels=None) -> dict:
    """{(benchmark, params key): [round samples, ...]} of the ``time_`` results of ``commit``
    (of the modules ``bench_<kernel>`` of ``kernels`` when given: not the calibration)."""
    from jaxbench import rounds as rounds_file

    machine_dir = Path(results_dir) / machine
    counts = rounds_file.load(machine_dir)["commits"].get(commit, {})
    modules = None if kernels is None else {f"bench_{k}" for k in kernels}
    names = _param_names(Path(results_dir))
    return {(name, one_device_key(names.get(name, []), key)): rounds_file.split(samples, counts.get(name, {}).get(key))
            for name, key, samples in rounds_file.timed_samples(machine_dir, commit)
            if modules is None or name.split(".")[0] in modules}


def _param_names(results_dir: Path) -> dict:
    """{benchmark: asv param names} from the results folder's benchmarks.json ({} without one)."""
    try:
        data = json.loads((results_dir / "benchmarks.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v.get("param_names", []) for k, v in data.items() if isinstance(v, dict)}


def one_device_key(param_names, key: str) -> str:
    """The key a one-device case had before the ``devices`` axis existed (its trailing ``1`` dropped),
    so that the gate compares commits from before and after the devices axis; sharded keys are kept whole."""
    if param_names and param_names[-1] == "devices" and key.endswith(", 1"):
        return key[:-len(", 1")]
    return key
