"""``python -m bench``'s comparison passes: every kernel's declared comparisons, in several processes.

Pass p runs, kernel after kernel, the comparison classes of the asv suite (bench/paired_suite.py):
one asv ``setup_cache`` process per class measures all the kernel's comparisons paired and drops
its raw passes into a temporary folder, which is collected into ``jaxbench-comparisons.jsonc``
after each kernel (an interrupted run keeps every kernel already collected). After ``processes``
passes (default ``PROCESSES``), kernels holding a comparison whose 95% interval is still wider than
+-``TARGET`` get more passes, up to ``MAX_PROCESSES``: those with wide lecture ratios first, as many
as fit the comparisons' ``BUDGET_S`` (all passes together) and the run's deadline.

Why 3 processes at least: the interval resamples processes first, and with two there is almost
nothing to resample (DESIGN.md, asv facts); docs/comparisons.md gives the re-run coverage measured.
"""
from __future__ import annotations

import importlib
import re
import shutil
import tempfile
import time
from pathlib import Path

from jaxbench import store

from . import outcome, paired_suite
from .rounds import params_key

PROCESSES = 3          # processes per comparison, at least
MAX_PROCESSES = 5      # at most, for the imprecise ones
TARGET = 0.10          # half-width of the 95% interval aimed for
BUDGET_S = 330.0       # seconds all passes may take; an extra pass starts only if it fits (the first PROCESSES always run)


def comparison_selection(kernel: str, gpu: bool) -> tuple[list[str], int, dict]:
    """asv ``-b`` regexes selecting the comparisons of one kernel that can run here; (regexes,
    selected, wanted) as :func:`selection`."""
    module = importlib.import_module(f"bench.bench_{kernel}")
    regexes, chosen, wanted = [], 0, {}
    for cls_name, cls in sorted(vars(module).items()):
        if not (isinstance(cls, type) and hasattr(cls, "comparisons") and cls.__module__ == module.__name__):
            continue
        keep = paired_suite.runnable(cls, gpu)
        if keep:
            alts = "|".join(re.escape(repr(c)) for c in keep)
            regexes.append(f"^{re.escape(f'bench_{kernel}.{cls_name}.track_ratio')}\\(({alts})\\)$")
            wanted[f"bench_{kernel}.{cls_name}.track_ratio"] = [params_key([repr(c)]) for c in keep]
            chosen += len(keep)
    return regexes, chosen, wanted


def wide_kernels(machine_dir: Path, commit: str, target: float = TARGET) -> dict[str, tuple[int, int]]:
    """{kernel: (lecture comparisons, all comparisons) measured whose interval is wider than +-target}."""
    entry = store.load(machine_dir)["commits"].get(commit)
    out: dict[str, tuple[int, int]] = {}
    for row in store.summary(entry) if entry else []:
        if row["processes"] and not row["half_width"] <= target:
            kernel = row["num"].split("|", 1)[0]
            lecture, every = out.get(kernel, (0, 0))
            out[kernel] = (lecture + ("lecture" in row["kinds"].split(",")), every + 1)
    return out


PROCESS_START_S = 2.0   # a setup_cache process's start beyond its prepare and sampling (JAX import): measured 1.5-3 s


def process_seconds(machine_dir: Path, commit: str) -> dict[str, float]:
    """{kernel: seconds one more process of each of its comparison classes is expected to take}:
    the mean prepare + sampling time its processes recorded, plus ``PROCESS_START_S`` per class."""
    entry = store.load(machine_dir)["commits"].get(commit) or {}
    per: dict[str, list] = {}
    for proc in entry.get("processes", []):
        kernel = next((g["sides"][0].split("|", 1)[0] for g in proc.get("groups", []) if g.get("sides")), None)
        if kernel:
            work = sum((g.get("prepare_seconds") or 0.0) + (g.get("sample_seconds") or 0.0) for g in proc["groups"])
            per.setdefault(kernel, {}).setdefault(proc.get("class", ""), []).append(work + PROCESS_START_S)
    return {k: sum(sum(v) / len(v) for v in classes.values()) for k, classes in per.items()}


def extra_pass(wide: dict[str, tuple[int, int]], seconds: dict[str, float], left_s: float) -> list[str]:
    """The kernels that get one more process: those with wide lecture comparisons first (the
    lecture table's verdicts), then the most wide comparisons, as many as fit ``left_s``
    (one asv invocation, ``INVOCATION_S``, plus each kernel's ``seconds``)."""
    chosen, spent = [], INVOCATION_S
    for k in sorted(wide, key=lambda k: (-wide[k][0], -wide[k][1], k)):
        cost = seconds.get(k, 10.0)
        if spent + cost <= left_s:
            chosen.append(k)
            spent += cost
    return chosen


INVOCATION_S = 10.0     # asv's start-up and benchmark discovery, per invocation (~8 s measured)


def run(kernel_list, gpu: bool, run_asv, env: dict, machine_dir: Path, commit: str, *, append: bool = False,
        processes: int = PROCESSES, max_processes: int = MAX_PROCESSES, budget_s: float = BUDGET_S,
        deadline: float | None = None, say=print, kept: list | None = None) -> list[str]:
    """The comparison passes (``run_asv(regexes, append)`` runs asv with ``env``); ``kept`` (returned)
    gains one entry per pass collected, also when a Ctrl-C ends the run.

    One asv invocation per pass covers every kernel still to measure (asv's start-up and benchmark
    discovery cost ~8 s an invocation here); each class's ``setup_cache`` is its own process.
    Extra passes (kernels still wider than ``TARGET``) must end within ``budget_s`` of the first
    pass's start and before ``deadline`` (a ``time.monotonic()`` value: the whole run's budget)."""
    drops = Path(tempfile.mkdtemp(prefix="jaxbench-drops-"))
    env[store.OUT_ENV] = str(drops)
    kept = [] if kept is None else kept
    fresh = not append
    selections = {k: comparison_selection(k, gpu) for k in kernel_list}
    todo = {k: processes for k, sel in selections.items() if sel[0]}
    done = {k: 0 for k in todo}
    started = time.monotonic()
    try:
        p = 0
        while any(done[k] < todo[k] for k in todo):
            p += 1
            now = [k for k in todo if done[k] < todo[k]]
            regexes = [rx for k in now for rx in selections[k][0]]
            wanted = {name: keys for k in now for name, keys in selections[k][2].items()}
            chosen = sum(selections[k][1] for k in now)
            say(f"\n== comparisons, pass {p}" + (f"/{processes}" if p <= processes else " (imprecise ones)")
                + f": {', '.join(now)} ({chosen} comparisons) ...", end="", flush=True)
            t0 = time.monotonic()
            rc = run_asv(regexes, False)
            added = store.collect(drops, machine_dir, commit, fresh=fresh)
            fresh = False
            status = outcome.statuses(machine_dir, commit, wanted)
            say(f" {time.monotonic() - t0:.0f} s: {outcome.line(status)}, {added} process(es) recorded"
                + (f" (asv exit {rc})" if rc else ""), flush=True)
            for k in now:
                done[k] += 1
            kept.append(f"comparisons pass {p}")
            if p >= processes and not any(done[k] < todo[k] for k in todo):
                # more processes for the kernels still imprecise, lecture ones first, while the budget lasts
                wide = {k: n for k, n in wide_kernels(machine_dir, commit).items() if k in todo}
                candidates = {k: n for k, n in wide.items() if done[k] < max_processes}
                now_t = time.monotonic()
                left = min(budget_s - (now_t - started), float("inf") if deadline is None else deadline - now_t)
                more = extra_pass(candidates, process_seconds(machine_dir, commit), left)
                for k in more:
                    todo[k] = done[k] + 1
                if more:
                    say("  wider than +-{:.0%} (lecture, all): ".format(TARGET)
                        + ", ".join(f"{k} ({wide[k][0]}, {wide[k][1]})" for k in more), flush=True)
                left_out = [k for k in wide if k not in more]
                if left_out:
                    why = (f"at most {max_processes} processes" if not candidates
                           else f"the time budget is spent ({max(left, 0):.0f} s left)")
                    say(f"  wider than +-{TARGET:.0%} after {done[left_out[0]]} processes: "
                        + ", ".join(f"{k} ({wide[k][1]})" for k in left_out)
                        + f" ({why}: the report shows the widths reached)", flush=True)
    finally:
        env.pop(store.OUT_ENV, None)
        shutil.rmtree(drops, ignore_errors=True)
    return kept
