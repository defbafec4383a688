"""One writer per results folder and machine: ``python -m runner`` holds this lock while asv and the
comparison passes write ``<results>/<machine>/``.

asv rewrites a commit's whole results file at the end of each ``asv run``: two runs writing one
folder at once keep only the last writer's benchmarks. The lock is a POSIX ``flock`` on
``<results>/<machine>/.jaxbench.lock``: the kernel releases it when its holder exits, however it
exits, so a lock of a dead run is never stale; the file names the holder (pid, command, start) for
the message a second run prints while it waits. (filelock or portalocker would add a dependency
for the same ``flock`` call.)
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

NAME = ".jaxbench.lock"
EXIT_BUSY = 75   # EX_TEMPFAIL: try again later


class Busy(RuntimeError):
    """The results folder stayed locked by another run for longer than the caller would wait."""


def _alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except (OSError, ValueError, TypeError) as exc:
        return isinstance(exc, OSError) and exc.errno == errno.EPERM
    return True


def holder(path: Path) -> dict:
    """What the lock file says of its last holder ({} when empty or unreadable)."""
    try:
        return json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}


def describe(info: dict) -> str:
    if not info:
        return "another run (no details recorded)"
    return f"pid {info.get('pid')}, started {info.get('started', '?')}: {info.get('command', '?')}"


def _try(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return False
        raise


@contextmanager
def results_lock(folder: str | os.PathLike, wait_s: float | None = None, poll_s: float = 1.0, say=print):
    """Hold the lock of ``folder`` (``<results>/<machine>``) for the ``with`` block.

    Held elsewhere: say who holds it and wait, at most ``wait_s`` seconds (None: as long as it
    takes), then raise ``Busy``. A holder that died left no lock (flock); the message says so when
    its details are still in the file."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try(fd):
            info = holder(path)
            limit = "" if wait_s is None else f" (at most {wait_s:g} s)"
            say(f"jaxbench: {folder} is being written by {describe(info)}; waiting for it to finish{limit}, "
                f"so that neither run loses the other's results", flush=True)
            deadline = None if wait_s is None else time.monotonic() + wait_s
            while not _try(fd):
                if deadline is not None and time.monotonic() >= deadline:
                    raise Busy(f"{folder} is still being written by {describe(holder(path))} after {wait_s:g} s; "
                               f"nothing was run. Run again when it has finished, or use another --results-dir "
                               f"or --machine.")
                time.sleep(poll_s)
            say(f"jaxbench: {folder} is free now; going on", flush=True)
        else:
            info = holder(path)
            if info.get("pid") and info.get("pid") != os.getpid() and not _alive(info["pid"]):
                say(f"jaxbench: taking over the results lock of pid {info['pid']} (no longer running)", flush=True)
        mine = {"pid": os.getpid(), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                "command": " ".join([Path(sys.executable).name] + sys.argv)}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(mine).encode("utf-8"), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
