"""The gate's schedule: which worker processes run, in what order, and while what budget lasts.

A *pair* is one process of each side (per device count the kernels need), BASE then HEAD on even
pairs and HEAD then BASE on odd ones: A B B A A B ..., so that a slow spell of the machine falls
on both sides. The first ``initial`` pairs measure every kernel; each later pair measures only the
kernels (per device count) that still hold an ambiguous case (:func:`runner.gate.rule.ambiguous`)
with fewer than ``max_processes`` processes, the device counts whose process is worth its cost
(:func:`worth_running`), and starts only if its estimated cost fits the time left
(:func:`pair_seconds`: the mean cost of each part in the processes run so far).
"""
from __future__ import annotations

from . import rule as gate_rule
from .records import devices_of, kernel_of

SIDES = ("base", "head")
UNKNOWN_S = 20.0       # a part (a kernel, or a process's start) no process has measured yet
WORTH = 0.25           # a device count's process joins a pair if it resolves this share of the best one's cases per second


def pair_order(k: int) -> tuple[str, str]:
    """The sides of pair ``k`` in the order they run: base, head on even pairs, head, base on odd."""
    return SIDES if k % 2 == 0 else SIDES[::-1]


def device_counts(kernel_list, full: bool = False) -> dict[int, list[str]]:
    """{forced host devices: the kernels with a comparison class of that count}, kernels in
    ``kernel_list``'s order (the asv suite's classes, bench/paired_suite.py, as the worker's)."""
    import kernels

    from bench import paired_suite

    out: dict[int, list[str]] = {}
    for k in kernel_list:
        for cls in paired_suite.comparison_classes(kernels.kernel(k), full).values():
            if k not in out.get(cls.devices, []):
                out.setdefault(cls.devices, []).append(k)
    return dict(sorted(out.items()))


def measured_plan(full_plan: dict[int, list[str]], rows: dict) -> dict[int, list[str]]:
    """``full_plan`` less the (devices, kernel) parts with no case measured on either side (a
    class of jax-gpu cases without a GPU): no later pair starts a process for nothing."""
    have = {(devices_of(k), kernel_of(k)) for k, r in rows.items() if r["verdict"] != "missing"}
    out = {d: [k for k in ks if (d, k) in have] for d, ks in full_plan.items()}
    return {d: ks for d, ks in out.items() if ks}


def ambiguous_plan(rows: dict, full_plan: dict[int, list[str]], factor: float, max_processes: int) -> dict[int, list[str]]:
    """{devices: kernels} of ``full_plan`` holding an ambiguous case (:func:`gate_rule.ambiguous`)
    measured by fewer than ``max_processes`` processes on a side."""
    want = {(devices_of(k), kernel_of(k)) for k, r in rows.items()
            if gate_rule.ambiguous(r, factor) and min(r["processes"]) < max_processes}
    out = {d: [k for k in ks if (d, k) in want] for d, ks in full_plan.items()}
    return {d: ks for d, ks in out.items() if ks}


def process_seconds(devices: int, kernel_list: list[str], history: list[dict]) -> float:
    """Estimated seconds of one process of ``devices`` measuring ``kernel_list``: its start (a
    process's wall less its kernels' seconds) plus each kernel's seconds, means over ``history``
    (``UNKNOWN_S`` for a part never measured)."""
    mine = [p for p in history if p["devices"] == devices]
    starts = [p["wall"] - sum(p["kernel_seconds"].values()) for p in mine]
    total = sum(starts) / len(starts) if starts else UNKNOWN_S
    for k in kernel_list:
        spent = [p["kernel_seconds"][k] for p in mine if k in p["kernel_seconds"]]
        total += sum(spent) / len(spent) if spent else UNKNOWN_S
    return total


def worth_running(plan: dict[int, list[str]], rows: dict, factor: float, history: list[dict]) -> dict[int, list[str]]:
    """``plan`` less the device counts whose process would resolve fewer than ``WORTH`` times as
    many ambiguous cases per second as the best one's (a process of 2 forced devices that holds
    one sharded case waits while the one-device process holds a dozen)."""
    rate = {}
    for d, ks in plan.items():
        cases = sum(1 for k, r in rows.items() if devices_of(k) == d and kernel_of(k) in ks and gate_rule.ambiguous(r, factor))
        rate[d] = cases / max(process_seconds(d, ks, history), 1e-9)
    best = max(rate.values(), default=0.0)
    return {d: ks for d, ks in plan.items() if rate[d] >= WORTH * best}


def pair_seconds(plan: dict[int, list[str]], history: list[dict]) -> float:
    """Estimated seconds of one pair of ``plan``: two of each device count's process
    (:func:`process_seconds`)."""
    return 2 * sum(process_seconds(d, ks, history) for d, ks in plan.items())
