"""What one asv pass did to the cases it was asked to run: ok, failed or skipped (n/a).

``python -m runner`` keeps asv's own console output in a log file and prints this instead: one line
per pass, the failed cases by name. Read from the results JSON, where asv writes a number for an
ok case, ``null`` for a failure and NaN for a skip (``SkipNotImplemented``: no GPU, missing data).
"""
from __future__ import annotations

import re
import time
from pathlib import Path

from results.asv_json import cell, commit_results, params_key, status_of


def statuses(machine_dir: Path, commit: str, wanted: dict) -> dict:
    """{benchmark: {params key: "ok" | "failed" | "skipped" | "missing"}} of the ``wanted`` cases
    ({benchmark: [params key, ...]}) in the results of ``commit``."""
    found: dict = {}
    for name, row, combos in commit_results(machine_dir, commit):
        if name not in wanted:
            continue
        for j, combo in enumerate(combos):
            found.setdefault(name, {})[params_key(combo)] = status_of(cell(row, "result", j))
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


# asv's line for a benchmark it finished: "[ 5.26%] ··· bench_x.Class.time_x      ok" (the name may
# be cut on the left, "..._x.Class.time_x"); one per benchmark, after all its parameter cases ran
ASV_DONE = re.compile(r"^\[\s*[\d.]+%\] ·{3} (\S+)\s+(ok|failed|n/a|skipped)\s*$")


def asv_progress(wanted: dict, phase):
    """``on_line(line)`` for asv's output: each finished benchmark advances ``phase`` by its
    selected cases (``wanted``: {benchmark: [params key, ...]})."""
    seen = set()

    def on_line(line: str) -> None:
        m = ASV_DONE.match(line.strip())
        if not m:
            return
        shown = m.group(1).lstrip(".")
        for name, keys in wanted.items():
            if name not in seen and name.endswith(shown):
                seen.add(name)
                phase.advance(len(keys))
                return
    return on_line


def run_pass(label: str, cases: int, run, machine_dir: Path, commit: str, wanted: dict, say=print,
             deadline: float | None = None) -> tuple[int, dict]:
    """One asv pass (``run(on_line) -> exit code``, ``on_line`` fed asv's output) with its console
    line, ``<label> <cases> cases ... <s> s: <outcome>``, and the failed cases by name; (exit code,
    :func:`statuses` of ``wanted``). On a terminal a bar shows the cases done while it runs
    (:class:`jaxbench.progress.Phase`) and the line is printed whole at the end; in a log the line's
    start is printed first, as the pass begins."""
    from jaxbench.progress import Phase

    head = f"  {label:10s} {cases:4d} cases ..."
    t0 = time.monotonic()
    with Phase(label, cases, deadline=deadline) as phase:
        if not phase.enabled:
            say(head, end="", flush=True)
        rc = run(asv_progress(wanted, phase))
    status = statuses(machine_dir, commit, wanted)
    say((head if phase.enabled else "") + f" {time.monotonic() - t0:5.0f} s: {line(status)}"
        + (f" (asv exit {rc})" if rc else ""), flush=True)
    for name in failures(status)[:5]:
        say(f"      failed: {name}")
    return rc, status
