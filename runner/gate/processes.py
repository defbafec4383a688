"""The gate's worker processes: forks of a worker server per side, or fresh processes (docs/gate.md).

Each side's processes run that side's own code (cwd and PYTHONPATH = its worktree). Where both
worktrees hold the worker server (``SERVERS``: runner/worker_server.py, bench/worker_server.py
before the runner left the suite), each side's processes are forks of a server started in its
worktree (:class:`runner.worker_server.Server`): a fork skips the ~3 s of imports and data
loading a fresh ``python -m runner.measuring_process`` pays (SELU at 2 forced devices: 3.3-3.6 s
fresh, 0.7-0.9 s forked, on the 2-core VM, two runs), so more pairs fit the budget. Both sides are forked
or neither is: a fork reads slightly faster than a fresh process (docs/comparisons.md, "Cheap
processes"), and the sides must differ only in their code. Both servers start again every
``SERVER_PAIRS`` pairs, so a side's processes are not all children of one address layout
(4 servers x 6 forks, SELU and grad, two runs each: 1 of 50 cases with p < 0.05: docs/gate.md).
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from kernels import settings

from .. import children
from . import records as gate_records

# the engine's worker, as (file, module): its name now, its name before the rename, and bench/ in the
# commits from before the runner moved out of the suite (issue 28); the command line is the same
WORKERS = (("runner/measuring_process.py", "runner.measuring_process"), ("runner/paired_worker.py", "runner.paired_worker"),
           ("bench/paired_worker.py", "bench.paired_worker"))
# the worker server, as (file, module), where a commit has one (the same requests and answers in each)
SERVERS = (("runner/worker_server.py", "runner.worker_server"), ("bench/worker_server.py", "bench.worker_server"))
SERVER_PAIRS = 8          # pairs of processes forked from the same two servers before both start again


class GateError(RuntimeError):
    """A run of the gate could not be completed (exit 2)."""


def _module_in(worktree: Path, names, default=None):
    """The module of the first (file, module) of ``names`` whose file the worktree holds."""
    return next((module for path, module in names if (worktree / path).is_file()), default)


def worker_module(worktree: Path) -> str:
    """The worker's module in a side's worktree: ``runner.measuring_process``, or its older name
    (``WORKERS``) in a commit from before the rename (either way the same command line)."""
    return _module_in(worktree, WORKERS, WORKERS[0][1])


def server_module(worktree: Path) -> str | None:
    """The worker server's module in a side's worktree (``SERVERS``); None in a commit without one."""
    return _module_in(worktree, SERVERS)


class Launchers:
    """``with Launchers(worktrees, log) as launch: launch.at_pair(k); launch.get(side)``: each side's
    worker server (None: fresh processes), started again every ``SERVER_PAIRS`` pairs and stopped
    at the end (an interrupt stops each server's process group with it)."""

    def __init__(self, worktrees: dict[str, Path], log):
        modules = {side: server_module(wt) for side, wt in worktrees.items()}
        self.worktrees, self.log = worktrees, log
        self.modules = modules if all(modules.values()) else {}
        self.servers: dict = {}

    @property
    def forked(self) -> bool:
        return bool(self.modules)

    def at_pair(self, k: int) -> None:
        """Before pair ``k``: new servers where ``k`` starts a block of ``SERVER_PAIRS`` pairs."""
        if self.forked and k % SERVER_PAIRS == 0:
            from ..worker_server import Server

            self.close()
            self.servers = {side: Server(self.worktrees[side], self.log, module=m) for side, m in self.modules.items()}

    def get(self, side: str):
        return self.servers.get(side)

    def close(self) -> None:
        for server in self.servers.values():
            server.close()
        self.servers = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def run_process(wt: Path, side: str, pair: int, devices: int, kernel_list: list[str], passes: int | None,
                env: dict, out_dir: Path, log, server=None) -> dict:
    """One worker process of one side (``passes`` per group when given, else the worker's own
    rule), a fork of ``server`` or a fresh process: its records read back
    (:func:`gate_records.load_process`) with its side, pair, devices, kernels, passes asked and
    wall seconds."""
    drop = out_dir / side / f"{pair:02d}-d{devices}"
    cmd = [sys.executable, "-m", worker_module(wt), "--devices", str(devices), "--kernels", ",".join(kernel_list)]
    if pair % 2:
        cmd.append("--reverse")          # the kernels' order alternates too, the same on both sides of a pair
    given = settings.env(comparisons_out=drop, passes=passes or None)
    env = dict(env, **given)
    log.write(f"\n$ (cd {wt}) {' '.join(f'{k}={v}' for k, v in given.items())} {' '.join(cmd)}"
              f"{'   (a fork of the worker server)' if server is not None else ''}\n")
    log.flush()
    t0 = time.monotonic()
    if server is not None:
        try:
            rc = server(devices, list(kernel_list), bool(pair % 2), env)
        except RuntimeError as exc:          # the server ended before answering
            raise GateError(str(exc)) from None
    else:   # its own process group: an interrupted gate stops it and everything it started (children.py)
        rc = children.run_group(cmd, cwd=wt, env=env, stdout=log, stderr=subprocess.STDOUT)
    wall = time.monotonic() - t0
    if rc != 0:
        raise GateError(f"the worker failed (exit {rc}) in {wt}; see {log.name}")
    return dict(gate_records.load_process(drop, devices), side=side, pair=pair, devices=devices,
                kernels=list(kernel_list), passes_asked=passes, wall=wall, forked=server is not None)


__all__ = ["WORKERS", "SERVERS", "SERVER_PAIRS", "GateError", "Launchers", "worker_module", "server_module", "run_process"]
