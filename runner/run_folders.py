"""The temporary folders of runs (``jaxbench-run-*`` of ``python -m runner``, ``jaxbench-gate-*`` of
the gate): each made with its owner recorded, and those of dead owners removed when a run starts.

A run removes its folder however it ends, except when it is killed outright (``kill -9``, a lost
machine): then the folder stays, and what the run had started may still be running. :func:`make`
writes the owner's pid and start time (``/proc/<pid>/stat``, so that a reused pid is not taken for
the owner) into the folder; :func:`remove_stale` stops the processes still working for a dead
owner (marked by ``TMPDIR=<its folder>``: runner/children.py) and removes its folder.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from . import children

OWNER = ".owner"
PREFIXES = ("jaxbench-run-", "jaxbench-gate-")
NO_OWNER_AGE_S = 86400.0   # a folder without an owner file (made before owners were recorded): stale after a day


def _start_time(pid: int) -> str:
    """Field 22 of ``/proc/<pid>/stat`` (start time in clock ticks since boot); '' where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]   # fields after the command name: state is 3, starttime 22


def make(prefix: str, base: str | os.PathLike | None = None) -> Path:
    """A new temporary folder ``<base>/<prefix>*`` with this process recorded as its owner."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    (folder / OWNER).write_text(f"{os.getpid()} {_start_time(os.getpid())}", encoding="utf-8")
    return folder


def owner_alive(folder: Path, now: float | None = None) -> bool:
    """Whether the process that made ``folder`` still runs (the same process: pid and start time)."""
    try:
        pid_text, _, started = (folder / OWNER).read_text(encoding="utf-8").partition(" ")
        pid = int(pid_text)
    except FileNotFoundError:
        try:
            return (now or time.time()) - folder.stat().st_mtime < NO_OWNER_AGE_S
        except OSError:
            return True
    except (OSError, ValueError):
        return True                 # unreadable: leave it alone
    if pid == os.getpid():
        return True
    current = _start_time(pid)
    return bool(current) and (not started.strip() or current == started.strip())


def remove_stale(bases=None, prefixes=PREFIXES) -> list[Path]:
    """Remove the run folders under ``bases`` (default: the temporary folder and /tmp) whose owner
    is gone, after stopping what still runs for them; the folders removed."""
    bases = bases if bases is not None else {tempfile.gettempdir(), "/tmp"}
    removed = []
    for base in sorted({str(b) for b in bases}):
        for folder in sorted(Path(base).glob("jaxbench-*")):
            if not folder.is_dir() or not folder.name.startswith(tuple(prefixes)) or owner_alive(folder):
                continue
            children.kill_marked(f"TMPDIR={folder}", wait_s=2.0)
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
