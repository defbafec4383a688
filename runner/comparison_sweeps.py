"""``python -m runner``'s comparison sweeps: every kernel's declared comparisons, in several processes.

Words: a **sweep** is one measuring process per kernel and device count; a **pass** (inside a
process, :mod:`jaxbench.passes`) is one sample of every side of a group; a **round** is one asv
process per case (what only a fresh process measures).

A sweep is one worker process per kernel and device count (runner/measuring_process.py, forked by the
preloaded worker server, runner/worker_server.py), which measures that kernel's comparison classes
of the asv suite (bench/paired_suite.py) with the classes' own code and drops one record per class
into a temporary folder, collected into
``jaxbench-comparisons.jsonc`` after the sweep (an interrupted run keeps every sweep already
collected); after each sweep the pooled ratios go into asv's results as the ``track_ratio`` values
(runner/asv_record.py), with every steady-state time the processes measured. After ``processes``
sweeps (default ``PROCESSES``), the comparisons whose 95% interval is still wider than their
target (``LECTURE_TARGET`` for the lecture ratios, ``TARGET`` for the others) get more
processes (lecture ratios up to ``LECTURE_MAX_PROCESSES``, the others up to ``MAX_PROCESSES``),
in extra rounds: the time left of the comparisons' ``BUDGET_S`` (all sweeps together) and the
run's deadline is planned one process at a time to the group whose next process narrows its wide
comparisons most per second, lecture ratios first (:mod:`runner.extra_plan`: a cheap group gets
many processes where a dear one gets few), half of the plan runs, and the rest is planned again
from what those processes measured. Such a process
measures the whole groups of those comparisons (``settings.COMPARISONS_ONLY``: the same sides as a full process), each group in the
passes that Kalibera & Jones's rule finds cheapest for the variance measured so far
(``settings.PASSES``, :mod:`jaxbench.allocation`; the settings: kernels/settings.py): with the spread between processes dominating,
few passes, more processes. ``--commits`` runs its sweeps through asv instead (:func:`asv_sweep`):
each commit's code lives in asv's virtualenv.

Why 5 processes at least: every absolute time and every ratio of the report then rests on 5
processes, and the interval resamples processes first (with two there is almost nothing to
resample: DESIGN.md, asv facts); docs/comparisons.md gives the re-run coverage measured. Only the
first sweep samples until each group is precise in-process (which measures the within-process
variance); the 2nd to 5th take ``BASE_PASSES`` (2: one forward pass and its reverse, the balanced
pair a ratio's unit is: :func:`results.comparison_stats.pair_ratios`) per group, so that the time
left goes to the extra processes of the comparisons that need them, where Kalibera & Jones's rule
chooses the passes. Measured on the 2-core VM (13d831a): with the rule's median for every
comparison (8 passes) sweeps 3-5 took 103 s each and left no time for the lecture's extra
processes (lecture median half-width 10.7%); at 3 passes a sweep took ~53-60 s.
Why forked worker processes rather than asv's: asv starts one ``setup_cache`` process per comparison
class, 16 a sweep in the default run, each paying ~3.5 s of start-up (a sweep through asv took
107-122 s on the 2-core VM); a fork of the preloaded server costs ~0.05 s beyond its measuring, and
its processes vary between each other as much as fresh ones (docs/comparisons.md, "Cheap
processes"), so processes, the unit the interval needs more of, are cheap.
"""
from __future__ import annotations

import contextlib
import json
import math
import shutil
import tempfile
import time
from pathlib import Path

from jaxbench import allocation
from results import records
from results.comparisons import Comparisons, Measured
from kernels import settings

from bench import paired_suite

from . import asv_selection, extra_plan, outcome
from .extra_plan import PROCESS_START_S, UNKNOWN_SIDE_S  # noqa: F401  (the cost model's constants)
from .run_log import RunLog

PROCESSES = 5          # processes per comparison, at least (the rest: jaxbench.allocation, while time lasts)
BASE_PASSES = allocation.MIN_PASSES   # passes per group in the 2nd to ``processes``-th process: one balanced pair (module doc)
COMMITS_PROCESSES = 3  # ... in a --commits run, whose sweeps go through asv (~110 s each): runner/commits.py
MAX_PROCESSES = 12     # at most, for the imprecise ones
LECTURE_MAX_PROCESSES = 48   # at most, for an imprecise lecture ratio (they go first); batching's ~0.6 s processes need ~40 for +-5%
TARGET, LECTURE_TARGET = allocation.TARGET, allocation.LECTURE_TARGET   # half-widths of the 95% intervals aimed for
BUDGET_S = 480.0       # seconds all sweeps may take; an extra sweep starts only if it fits (the first PROCESSES always run)


def suite_classes(kernel: str) -> list[tuple[str, type]]:
    """[(name, class)] of the comparison classes of the asv suite's ``bench_<kernel>`` module, by name."""
    return [(name, cls) for name, cls in asv_selection.classes(kernel) if hasattr(cls, "comparisons")]


def _target(row: Measured, target: float = TARGET) -> float:
    """The half-width aimed for: the comparison's own (``LECTURE_TARGET`` for a lecture ratio), at most ``target``."""
    return min(target, row.target)


def _row_costs(row: Measured, costs: dict) -> tuple[float, float]:
    """(overhead, seconds per pass) of a comparison's sides in one process (records.side_costs)."""
    got = [costs.get(k, (UNKNOWN_SIDE_S, UNKNOWN_SIDE_S / 4)) for k in row.sides()]
    return sum(a for a, _ in got), sum(b for _, b in got)


def wide_comparisons(rows, target: float = TARGET, max_processes: int = MAX_PROCESSES,
                     lecture_max: int = LECTURE_MAX_PROCESSES) -> list[Measured]:
    """The comparisons that may get extra processes, of ``rows`` (a commit's
    :class:`results.comparisons.Comparisons`): those still wider than their target (``LECTURE_TARGET``
    for a lecture ratio, +-``target`` for the others) with fewer processes than their maximum
    (``lecture_max``, ``max_processes``); lecture ratios first, then the widest.
    :func:`runner.extra_plan.plan` decides which get how many."""
    wide = [r for r in rows if r.processes and not r.half_width <= _target(r, target)
            and r.processes < (lecture_max if r.is_lecture else max_processes)]
    return sorted(wide, key=lambda r: (not r.is_lecture, -r.half_width, r.id))


EXTRA_MAX_PASSES = 8   # passes per group in an extra process, at most: processes, not passes, are what is short


def extra_passes_per_process(chosen: list[Measured], costs: dict) -> int:
    """Passes per group for an extra process: the median of the chosen comparisons' optimal passes
    (:func:`jaxbench.allocation.optimal_passes`, with a comparison's own preparation as the cost of
    a process: the process start is paid once for all of them; even: balanced pairs), 2 to
    ``EXTRA_MAX_PASSES`` (``MIN_PASSES`` where nothing is known yet). ``costs``: :func:`results.records.side_costs`."""
    want = []
    for row in chosen:
        if row.components is not None:
            over, per_pass = _row_costs(row, costs)
            want.append(allocation.optimal_passes(row.components, over, per_pass, hi=EXTRA_MAX_PASSES))
    return int(sorted(want)[len(want) // 2]) if want else allocation.MIN_PASSES


def extra_passes_by_class(rows: list[Measured], costs: dict) -> dict[tuple[str, int], int]:
    """{process class (kernel, devices): passes per group in its extra processes}:
    :func:`extra_passes_per_process` of the class's wide lecture ratios (else its wide comparisons).
    Each class is a process of its own, so a process-bound group (batching: its between-process
    variance dominates, a pass costs ~0.09 s) takes the 2 passes its variance asks for, where one
    round-wide count (the median over every class, 8 at 235caf3) spent 0.95 s a batching process
    on passes that narrowed nothing; a pass-bound one (rowdot at 10,000, SELU) keeps more."""
    by: dict[tuple[str, int], list[Measured]] = {}
    for r in rows:
        by.setdefault(_process_class(r), []).append(r)
    return {c: extra_passes_per_process([r for r in rs if r.is_lecture] or rs, costs) for c, rs in by.items()}


def planned_seconds(entry: dict, passes: int) -> dict[str, float]:
    """{side key: seconds a process spends on it at ``passes`` passes}: its recorded overhead plus
    ``passes`` times its recorded seconds per pass (:func:`results.records.side_costs`)."""
    return {k: over + passes * per_pass for k, (over, per_pass) in records.side_costs(entry).items()}


def _process_class(row: Measured) -> tuple[str, int]:
    """(kernel, forced devices) of the class measuring a comparison: its widest side's devices."""
    num, den = row.num_case, row.den_case
    return num.kernel, max(num.devices, den.devices)


def asv_sweep(p: int, label: str, kernels_now: list[str], selections: dict, run_asv, drops: Path, machine_dir: Path,
          commit: str, run: str | None, say) -> None:
    """One comparison sweep through asv (``--commits``: each commit's code in asv's virtualenv): one
    asv invocation over ``selections`` of ``kernels_now``, each class's ``setup_cache`` a process; then collect."""
    regexes = [rx for k in kernels_now for rx in selections[k][0]]
    wanted = {name: keys for k in kernels_now for name, keys in selections[k][3].items()}
    count = sum(selections[k][1] for k in kernels_now)
    say(f"\n== comparisons, sweep {p}{label}: {', '.join(kernels_now)} ({count} comparisons) ...", end="", flush=True)
    t0 = time.monotonic()
    rc = run_asv(regexes, False)
    added = records.collect(drops, machine_dir, commit, run=run)
    status = outcome.statuses(machine_dir, commit, wanted)
    say(f" {time.monotonic() - t0:.0f} s: {outcome.line(status)}, {added} process(es) recorded"
        + (f" (asv exit {rc})" if rc else ""), flush=True)


def device_counts(kernel_list, gpu: bool, only: set | None = None) -> dict[int, list[str]]:
    """{forced devices: the kernels with a comparison class of that count that can run here}
    (those holding a comparison of ``only``, if given), kernels in ``kernel_list``'s order."""
    out: dict[int, list[str]] = {}
    for k in kernel_list:
        for _, cls in suite_classes(k):
            if any(only is None or c in only for c in paired_suite.runnable(cls, gpu)) and k not in out.get(cls.devices, []):
                out.setdefault(cls.devices, []).append(k)
    return dict(sorted(out.items()))


def sweep_classes(per_devices: dict[int, list[str]], only: set | None = None) -> int:
    """How many class records a worker sweep drops: the comparison classes of each device count's
    kernels (those holding a comparison of ``only``, if given)."""
    return sum(1 for n, ks in per_devices.items() for k in ks for _, cls in suite_classes(k)
               if cls.devices == n and any(only is None or c.id in only for c in cls.comparisons))


def worker_sweep(p: int, label: str, per_devices: dict[int, list[str]], run_worker, drops: Path, machine_dir: Path,
                commit: str, run: str | None, say, only: set | None = None, deadline: float | None = None) -> None:
    """One comparison sweep outside asv: one worker process per kernel and device count
    (runner/measuring_process.py, forked by the worker server), kernels in reverse order on even sweeps
    (so no kernel always runs first after another); then
    collect (on Ctrl-C too: the records of the classes already measured are kept). On a terminal a
    bar counts the class records dropped (:class:`jaxbench.progress.Phase`)."""
    from jaxbench.progress import Phase

    reverse = p % 2 == 0
    kernels_now = list(dict.fromkeys(k for ks in per_devices.values() for k in ks))
    count = sum(len(ks) for ks in per_devices.values())
    head = (f"\n== comparisons, sweep {p}{label}: {count} process(es) ({', '.join(kernels_now)}"
            f"{', in reverse' if reverse else ''}) ...")
    t0 = time.monotonic()
    phase = Phase(f"  sweep {p}", sweep_classes(per_devices, only), unit="classes", deadline=deadline,
                  poll=lambda: len(list(drops.glob("*.json"))))
    say(head, **({"flush": True} if phase.enabled else {"end": "", "flush": True}))
    with phase:
        try:   # one process per kernel and device count: a fork costs ~0.05 s (runner/worker_server.py)
            failed = [f"{k}, {n} device(s): exit {rc}" for n, ks in per_devices.items()
                      for k in (ks[::-1] if reverse else ks) if (rc := run_worker(n, [k], False))]
        except KeyboardInterrupt:   # nothing lost: the classes this sweep finished are kept
            added = records.collect(drops, machine_dir, commit, run=run)
            say(f" interrupted; kept the {added} class record(s) this sweep had finished", flush=True)
            raise
    asked = sum(len(json.loads(f.read_text(encoding="utf-8")).get("comparisons", {})) for f in drops.glob("*.json"))
    added = records.collect(drops, machine_dir, commit, run=run)
    say(("  " if phase.enabled else "") + f" {time.monotonic() - t0:.0f} s: {asked} comparisons in {added} class record(s)"
        + (f" (worker {'; '.join(failed)}: see the log)" if failed else ""), flush=True)


def run(kernel_list, gpu: bool, run_worker, env: dict, machine_dir: Path, commit: str, *, append: bool = False,
        processes: int = PROCESSES, max_processes: int = MAX_PROCESSES, lecture_max: int = LECTURE_MAX_PROCESSES,
        budget_s: float = BUDGET_S, deadline: float | None = None, say=print, run_log: RunLog | None = None,
        record=None) -> RunLog:
    """The checkout's comparison sweeps; ``run_log`` (returned; a new one where none is given) keeps
    one entry per sweep collected, also when a Ctrl-C ends the run.

    A sweep is one worker process per kernel and device count (``run_worker(devices, [kernel],
    reverse) -> exit code``, with ``env``: runner/measuring_process.py, forked by the worker server);
    after the first sweep, ``env`` names the calls per sample its processes chose
    (``settings.CALLS_PER_SAMPLE``), so later processes skip the probe. ``record(entry)``, if given, is called after every base sweep and
    once after the extra ones with the commit's comparisons (runner/asv_record.py writes them into asv's results). Extra sweeps
    (comparisons still wider than their target) must end within ``budget_s`` of the first sweep's
    start and before ``deadline`` (a ``time.monotonic()`` value: the whole run's budget)."""
    run_log = RunLog() if run_log is None else run_log
    per_devices = device_counts(kernel_list, gpu)
    measured = list(dict.fromkeys(k for ks in per_devices.values() for k in ks))

    def recorded():
        if record is not None:
            record(records.load(machine_dir)["commits"].get(commit) or {})

    run = None if append else records.run_id()   # this run renews the classes it measures, keeps the rest
    started = time.monotonic()
    with drop_folder(env) as drops:
        for p in range(1, processes + 1 if measured else 1):
            if p > 1:   # the floor every figure rests on, at the fewest passes (see the module doc)
                env.update(settings.env(passes=BASE_PASSES))
            worker_sweep(p, f"/{processes}", per_devices, run_worker, drops, machine_dir, commit, run=run, say=say,
                        deadline=deadline)
            run_log.keep(f"comparisons sweep {p}")
            recorded()
            if p == 1:   # later processes reuse the first one's calls per sample: no probe again
                env.update(settings.env(calls_per_sample=_calls_per_sample(drops, machine_dir, commit)))
        settings.unset(env, settings.PASSES)
        base = len(run_log.kept)
        try:
            _extra_rounds(processes, measured, gpu, run_worker, env, drops, machine_dir, commit, run, say, run_log,
                          max_processes, lecture_max, deadline,
                          lambda: min(budget_s - (time.monotonic() - started),
                                      math.inf if deadline is None else deadline - time.monotonic()))
        finally:   # the extra processes' figures into asv's results once (2 s a time), also after a Ctrl-C
            if len(run_log.kept) > base:
                recorded()
    return run_log


def _extra_rounds(processes: int, measured: list[str], gpu: bool, run_worker, env: dict, drops: Path,
                  machine_dir: Path, commit: str, run, say, run_log: RunLog, max_processes: int, lecture_max: int,
                  deadline, left) -> None:
    """The extra processes, in rounds: plan the time ``left()`` leaves (:func:`runner.extra_plan.plan`),
    run half the plan as sweeps of one process per kernel and device count (:func:`runner.extra_plan.stages`),
    plan again from what they measured; until nothing is planned. One line per round; a sweep's
    line only where a worker failed."""
    p, rounds = processes, 0
    while True:
        stages, passes, rows = _next_extra(machine_dir, commit, measured, max_processes, lecture_max, left())
        if not stages:
            break
        rounds += 1
        only = drops / "only.txt"   # not a drop: store.collect reads *.json
        what = "lecture ratio" if all(r.is_lecture for r in rows) else "comparison"
        per_kernel: dict[str, int] = {}
        t0 = time.monotonic()
        said: list[str] = []
        planned = set(i for s in stages for i in s)
        count = len(planned)
        say(f"\n== comparisons, extra round {rounds}: {count} imprecise {what}{'s' if count > 1 else ''}, "
            f"passes a group: {_passes_text([r for r in rows if r.id in planned], passes)} ...", end="", flush=True)
        for stage in stages:
            p += 1
            for n in sorted(set(passes[i] for i in stage)):   # the classes of one passes count: one sweep
                chosen = [i for i in stage if passes[i] == n]
                only.write_text("\n".join(chosen), encoding="utf-8")
                env.update(settings.env(comparisons_only=only, passes=n))
                per_devices = device_counts(measured, gpu, set(chosen))
                for k in (k for ks in per_devices.values() for k in ks):
                    per_kernel[k] = per_kernel.get(k, 0) + 1
                worker_sweep(p, "", per_devices, run_worker, drops, machine_dir, commit, run=run,
                             say=lambda *a, **kw: said.append(" ".join(map(str, a))), only=set(chosen),
                             deadline=deadline)
                settings.unset(env, settings.COMPARISONS_ONLY, settings.PASSES)
            run_log.keep(f"comparisons sweep {p}")
        say(f" {time.monotonic() - t0:.0f} s: {sum(per_kernel.values())} process(es) ("
            + ", ".join(f"{k} {n}" for k, n in sorted(per_kernel.items(), key=lambda kv: -kv[1])) + ")", flush=True)
        for line in said:
            if "see the log" in line:
                say(line.strip(), flush=True)
    wide = len(rows)
    if wide:
        say(f"  {wide} comparison(s) still wider than their target (lecture +-{LECTURE_TARGET:.0%}, others "
            f"+-{TARGET:.0%}) get no more processes ({max(left(), 0):.0f} s left of the time budget): the report "
            f"shows the widths reached", flush=True)


def _passes_text(rows: list[Measured], passes: dict[str, int]) -> str:
    """"batching 2, norm 4, selu 8": each kernel's passes per group in this round's extra processes."""
    by: dict[str, set] = {}
    for r in rows:
        by.setdefault(_process_class(r)[0], set()).add(passes[r.id])
    return ", ".join(f"{k} {'/'.join(map(str, sorted(v)))}" for k, v in sorted(by.items()))


def _calls_per_sample(drops: Path, machine_dir: Path, commit: str) -> Path:
    """The calls per sample the first sweep's processes chose (one-call sides that read faster than
    the probe's threshold there get more: ``records.calls_per_sample``), written into ``drops`` for
    the later processes (``settings.CALLS_PER_SAMPLE``); the file."""
    from jaxbench.passes import MIN_SAMPLE_S

    numbers = drops / "calls-per-sample.jsonc"   # not a drop: store.collect reads *.json
    entry = records.load(machine_dir)["commits"].get(commit)
    numbers.write_text(json.dumps(records.calls_per_sample(entry, MIN_SAMPLE_S)), encoding="utf-8")
    return numbers


def _next_extra(machine_dir: Path, commit: str, measured: list[str], max_processes: int, lecture_max: int,
                left: float) -> tuple[list[list[str]], dict[str, int], list[Measured]]:
    """(the comparisons of each process stage of the next round, {comparison id: passes per group
    of the process measuring it} (:func:`extra_passes_by_class`), the rows still too wide): the
    time ``left`` planned over the comparisons still imprecise (:func:`runner.extra_plan.plan`),
    half of it now (:func:`runner.extra_plan.stages`)."""
    entry = records.load(machine_dir)["commits"].get(commit) or {}
    found = Comparisons(entry)
    rows = [r for r in wide_comparisons(found, max_processes=max_processes, lecture_max=lecture_max)
            if _process_class(r)[0] in measured]
    by_class = extra_passes_by_class(rows, records.side_costs(entry))
    at = {n: planned_seconds(entry, n) for n in set(by_class.values())}
    seconds = {}
    for r in rows:   # each side's planned seconds at the passes of its row's process class
        per_side = at[by_class[_process_class(r)]]
        seconds.update({k: per_side[k] for k in found.group_sides(r) if k in per_side})
    plans = extra_plan.plan(rows, found.group_sides, seconds, left, _target,
                            lambda r: lecture_max if r.is_lecture else max_processes)
    return extra_plan.stages(plans), {r.id: by_class[_process_class(r)] for r in rows}, rows


def selections_of(kernel_list, gpu: bool) -> tuple[dict, list[str]]:
    """({kernel: its comparisons' :func:`runner.asv_selection.selection`}, the kernels with a
    comparison that can run here)."""
    selections = {k: asv_selection.selection(k, gpu, comparisons=True) for k in kernel_list}
    return selections, [k for k in kernel_list if selections[k][0]]


@contextlib.contextmanager
def drop_folder(env: dict):
    """A temporary folder named in ``env`` (``settings.COMPARISONS_OUT``) where the measuring
    processes drop their records; removed, and ``env`` cleaned, however the block ends."""
    drops = Path(tempfile.mkdtemp(prefix="jaxbench-drops-"))
    env.update(settings.env(comparisons_out=drops))
    try:
        yield drops
    finally:
        settings.unset(env, settings.COMPARISONS_OUT, settings.COMPARISONS_ONLY, settings.PASSES,
                       settings.CALLS_PER_SAMPLE)
        shutil.rmtree(drops, ignore_errors=True)
