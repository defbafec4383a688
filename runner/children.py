"""Stopping a run and everything it started: SIGTERM handled like Ctrl-C, children in their own
process group, stopped as a group.

``subprocess.run`` kills only its direct child when the parent is interrupted: the grandchildren
(asv, asv's benchmark processes) outlive it. A child started here gets a process group of its
own; on an interrupt the whole group gets SIGTERM (its Python processes clean up as on Ctrl-C),
then SIGKILL after ``GRACE_S`` for whatever is left.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from contextlib import contextmanager

GRACE_S = 8.0


def _interrupt(signum, frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextmanager
def interrupts_as_keyboard_interrupt():
    """SIGINT and SIGTERM raise KeyboardInterrupt inside the block (also where a shell started this
    process with SIGINT ignored, as ``cmd &`` does in a script); the previous handlers come back after."""
    previous = {s: signal.signal(s, _interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def stop_group(proc: subprocess.Popen, grace_s: float = GRACE_S) -> None:
    """SIGTERM to ``proc``'s process group, ``grace_s`` for it to exit, then SIGKILL to the group
    (members that outlived their leader too)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            break
        try:
            proc.wait(grace_s if sig == signal.SIGTERM else 5.0)
        except subprocess.TimeoutExpired:
            continue
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def run_group(cmd, **kwargs) -> int:
    """``subprocess.run(cmd, **kwargs).returncode`` with the child in a process group of its own,
    stopped as a group (``stop_group``) when the caller is interrupted or fails."""
    proc = subprocess.Popen(cmd, start_new_session=True, **kwargs)
    try:
        return proc.wait()
    except BaseException:
        stop_group(proc)
        raise


def marked(mark: str) -> list[int]:
    """Pids of this user's processes with ``mark`` in their environment, or a path below it (e.g.
    ``TMPDIR=<a run's folder>``: everything a run started, at any depth, also what left its process
    group). Linux ``/proc``; [] elsewhere."""
    want, below, found = mark.encode(), mark.encode() + b"/", []
    for p in Path("/proc").glob("[0-9]*"):
        try:
            env = (p / "environ").read_bytes().split(b"\0")
            if int(p.name) != os.getpid() and any(e == want or e.startswith(below) for e in env):
                found.append(int(p.name))
        except (OSError, ValueError):
            pass
    return found


def kill_marked(mark: str, wait_s: float = 5.0) -> list[int]:
    """SIGKILL every process ``marked(mark)`` and wait (at most ``wait_s``) until none is left;
    the pids that were still running."""
    pids = marked(mark)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    deadline = time.monotonic() + wait_s
    while marked(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    return pids


def run_logged(cmd, log, on_line=None, **kwargs) -> int:
    """``subprocess.run(cmd, stdout=log, stderr=STDOUT).returncode``, each output line also handed
    to ``on_line`` as it comes (progress); the child is killed if the caller is interrupted."""
    if on_line is None:
        return subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, **kwargs).returncode
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                          bufsize=1, **kwargs) as proc:
        try:
            for line in proc.stdout:
                log.write(line)
                on_line(line)
            return proc.wait()
        except BaseException:
            proc.kill()
            raise
