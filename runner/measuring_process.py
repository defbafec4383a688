"""One comparison process outside asv: every kernel's comparisons of one device count, in turn.

    python -m runner.measuring_process --devices N --kernels matmul,selu [--reverse]

Under ``asv run`` a kernel's comparisons are measured in its comparison class's ``setup_cache``
(bench/paired_suite.py), one process per class: 16 processes a pass in the default run, each paying
~3.5 s of start-up (Python, JAX, the suite) for 0.2-16 s of measuring. ``python -m runner``'s
comparison passes run this module's :func:`work` instead, in a fork of the preloaded worker
server (runner/worker_server.py; ``python -m runner.measuring_process`` runs it in a fresh process):
one process measures the same classes' comparisons, kernel after kernel, with the same code (:func:`jaxbench.measure.measure`),
and drops one record per class into the folder the setting ``settings.COMPARISONS_OUT`` names,
exactly as the class's ``setup_cache`` does, so each comparison still gets one record per process (runner/asv_record.py
then writes the pooled ratios into asv's results). ``settings.COMPARISONS_ONLY`` narrows it to
the sides of some comparisons (the extra sweeps).
Forced host devices (N > 1) are set before JAX starts, as in the asv class's process; the grid
(default run or full) follows ``settings.SIZES``, as the suite's does (kernels/settings.py).
"""
from __future__ import annotations

import argparse
import sys


def classes(kernel_list, devices: int, full: bool) -> list[tuple[str, tuple]]:
    """[(class name, comparisons)] of ``kernel_list``'s comparison classes with ``devices`` devices,
    in kernel order (the asv suite's classes, bench/paired_suite.py)."""
    import kernels

    from bench import paired_suite

    out = []
    for k in kernel_list:
        for name, cls in paired_suite.comparison_classes(kernels.kernel(k), full).items():
            if cls.devices == devices:
                out.append((name, cls.comparisons))
    return out


def measure_classes(chosen, devices: int, only: set | None) -> int:
    """Measure and drop each class's comparisons (the whole groups of those of ``only``, if given:
    :func:`jaxbench.declare.with_their_groups`); the classes measured."""
    from jaxbench import declare, measure
    from results import records

    done = 0
    for name, comps in chosen:
        comps = declare.with_their_groups(comps, only)
        if comps:
            records.drop(measure.measure(comps), name, devices, declare.entries(comps))
            done += 1
    return done


def work(devices: int, names: list[str], reverse: bool = False) -> int:
    """This process's measurement: ``devices`` host devices forced (before JAX starts), then the
    comparison classes of ``names`` with that many devices, in order (reversed with ``reverse``),
    each dropped into the folder ``settings.COMPARISONS_OUT`` names; 0. Also a fork's whole job (runner/worker_server.py)."""
    import kernels
    from results import records

    from bench import common

    if devices > 1:
        kernels.force_host_devices(devices)   # before JAX starts: read once per process
    common.enable_persistent_cache()
    chosen = classes(names[::-1] if reverse else names, devices, common.size_mode() == "full")
    measure_classes(chosen, devices, records.only_ids())
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m runner.measuring_process", description=__doc__.split("\n")[0])
    ap.add_argument("--devices", type=int, default=1, help="host devices forced in this process (default 1)")
    ap.add_argument("--kernels", required=True, help="comma-separated kernel names, measured in this order")
    ap.add_argument("--reverse", action="store_true", help="measure the kernels in reverse order")
    args = ap.parse_args(argv)
    import kernels
    from kernels import settings

    names = [k for k in args.kernels.split(",") if k]
    unknown = sorted(set(names) - set(kernels.kernels()))
    if unknown or args.devices < 1:
        ap.error(f"unknown kernel(s) {', '.join(unknown)}" if unknown else f"--devices {args.devices}: need >= 1")
    if settings.path(settings.COMPARISONS_OUT) is None:
        ap.error(f"{settings.COMPARISONS_OUT.var} is not set: the records would go nowhere")
    return work(args.devices, names, args.reverse)


if __name__ == "__main__":
    sys.exit(main())
