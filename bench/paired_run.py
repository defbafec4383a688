"""``python -m bench``'s comparison passes: every kernel's declared comparisons, in several processes.

Pass p runs, kernel after kernel, the comparison classes of the asv suite (bench/paired_suite.py):
one asv ``setup_cache`` process per class measures all the kernel's comparisons paired and drops
its raw passes into a temporary folder, which is collected into ``jaxbench-comparisons.jsonc``
after each kernel (an interrupted run keeps every kernel already collected). After ``processes``
passes (default ``PROCESSES``), kernels holding a comparison whose 95% interval is still wider than
+-``TARGET`` get more passes, up to ``MAX_PROCESSES``, when the next pass fits the comparisons'
``BUDGET_S`` (all passes together).

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
BUDGET_S = 300.0       # seconds all passes may take; an extra pass starts only if it fits (the first PROCESSES always run)


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


def wide_kernels(machine_dir: Path, commit: str, target: float = TARGET) -> dict[str, int]:
    """{kernel: comparisons measured whose interval is wider than +-target}."""
    entry = store.load(machine_dir)["commits"].get(commit)
    out: dict[str, int] = {}
    for row in store.summary(entry) if entry else []:
        if row["processes"] and not row["half_width"] <= target:
            kernel = row["num"].split("|", 1)[0]
            out[kernel] = out.get(kernel, 0) + 1
    return out


def run(kernel_list, gpu: bool, run_asv, env: dict, machine_dir: Path, commit: str, *, append: bool = False,
        processes: int = PROCESSES, max_processes: int = MAX_PROCESSES, budget_s: float = BUDGET_S,
        say=print, kept: list | None = None) -> list[str]:
    """The comparison passes (``run_asv(regexes, append)`` runs asv with ``env``); ``kept`` (returned)
    gains one entry per pass collected, also when a Ctrl-C ends the run.

    One asv invocation per pass covers every kernel still to measure (asv's start-up and benchmark
    discovery cost ~8 s an invocation here); each class's ``setup_cache`` is its own process."""
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
            last = time.monotonic() - t0
            if p >= processes and not any(done[k] < todo[k] for k in todo):
                # more processes for the kernels still imprecise, while the comparisons' budget lasts
                wide = {k: n for k, n in wide_kernels(machine_dir, commit).items() if k in todo}
                more = [k for k in wide if done[k] < max_processes]
                guess = last * len(more) / max(len(now), 1)
                if more and time.monotonic() - started + guess <= budget_s:
                    for k in more:
                        todo[k] = done[k] + 1
                    say(f"  wider than +-{TARGET:.0%}: " + ", ".join(f"{k} ({wide[k]})" for k in more), flush=True)
                elif wide:
                    why = (f"the comparisons' budget of {budget_s:.0f} s is spent" if more
                           else f"at most {max_processes} processes")
                    say(f"  wider than +-{TARGET:.0%} after {p} processes: " + ", ".join(f"{k} ({n})" for k, n in wide.items())
                        + f" ({why}: the report shows the widths reached)", flush=True)
    finally:
        env.pop(store.OUT_ENV, None)
        shutil.rmtree(drops, ignore_errors=True)
    return kept
