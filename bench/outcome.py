"""What one asv pass did to the cases it was asked to run: ok, failed or skipped (n/a).

``python -m bench`` keeps asv's own console output in a log file and prints this instead: one line
per pass, the failed cases by name. Read from the results JSON, where asv writes a number for an
ok case, ``null`` for a failure and NaN for a skip (``SkipNotImplemented``: no GPU, missing data).
"""
from __future__ import annotations

import math
import time
from pathlib import Path

from jaxbench.rounds import commit_results, params_key


def statuses(machine_dir: Path, commit: str, wanted: dict) -> dict:
    """{benchmark: {params key: "ok" | "failed" | "skipped" | "missing"}} of the ``wanted`` cases
    ({benchmark: [params key, ...]}) in the results of ``commit``."""
    found: dict = {}
    for name, row, combos in commit_results(machine_dir, commit):
        if name not in wanted:
            continue
        result = row.get("result") or []
        for j, combo in enumerate(combos):
            value = result[j] if j < len(result) else None
            found.setdefault(name, {})[params_key(combo)] = (
                "failed" if value is None else "skipped" if isinstance(value, float) and math.isnan(value)
                else "ok")
    return {name: {key: found.get(name, {}).get(key, "missing") for key in keys} for name, keys in wanted.items()}


def tally(status: dict) -> dict:
    """Counts per outcome: {"ok": n, "failed": n, "skipped": n, "missing": n}."""
    out = {"ok": 0, "failed": 0, "skipped": 0, "missing": 0}
    for cases in status.values():
        for s in cases.values():
            out[s] += 1
    return out


def failures(status: dict) -> list[str]:
    """'bench_selu.Selu.time_selu(jax-cpu, device, jit, 1000)' for every failed or missing case."""
    return [f"{name}({key.replace(chr(39), '')})" for name, cases in status.items()
            for key, s in cases.items() if s in ("failed", "missing")]


def line(status: dict) -> str:
    """'18 ok, 1 failed, 2 n/a' (zero counts left out, except ok)."""
    t = tally(status)
    parts = [f"{t['ok']} ok"] + [f"{t[k]} {label}" for k, label in
                                 (("failed", "failed"), ("missing", "without a result"), ("skipped", "n/a (skipped)"))
                                 if t[k]]
    return ", ".join(parts)


def run_pass(label: str, cases: int, run, machine_dir: Path, commit: str, wanted: dict, say=print) -> tuple[int, dict]:
    """One asv pass (``run() -> exit code``) with its console line, ``<label> <cases> cases ... <s> s:
    <outcome>``, and the failed cases by name; (exit code, :func:`statuses` of ``wanted``)."""
    say(f"  {label:10s} {cases:4d} cases ...", end="", flush=True)
    t0 = time.monotonic()
    rc = run()
    status = statuses(machine_dir, commit, wanted)
    say(f" {time.monotonic() - t0:5.0f} s: {line(status)}" + (f" (asv exit {rc})" if rc else ""), flush=True)
    for name in failures(status)[:5]:
        say(f"      failed: {name}")
    return rc, status
