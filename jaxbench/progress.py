"""Progress of a long phase: a live bar on a terminal, silence in a log.

On a terminal (standard output is a TTY and ``TERM`` is not ``dumb``), :class:`Phase` draws a
tqdm bar on standard error: done / total, the elapsed time and the time left of the run's budget,
redrawn every second by a thread so that the clock moves between updates; it erases itself when
the phase ends, and the caller prints its one summary line. Anywhere else (``make bench > log``,
CI, a pipe) it writes nothing: the log gets the caller's one line per phase and no carriage
return.
"""
from __future__ import annotations

import os
import sys
import threading
import time


def interactive(stream=None) -> bool:
    """Whether ``stream`` (default: standard output) is a terminal a person watches."""
    stream = sys.stdout if stream is None else stream
    try:
        return stream.isatty() and os.environ.get("TERM", "") != "dumb"
    except (AttributeError, ValueError):
        return False


def clock(seconds: float) -> str:
    """Seconds as 'm:ss'."""
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class Phase:
    """A bar for one phase (a context manager): ``advance(n)`` as work is done, or ``poll()``
    returning the count done, read every second; ``deadline`` (``time.monotonic()``) adds the time
    left of the run's budget. Draws only where :func:`interactive` (or ``enabled``) says so."""

    def __init__(self, label: str, total: int, unit: str = "cases", deadline: float | None = None,
                 poll=None, enabled: bool | None = None, stream=None):
        self.label, self.total, self.unit, self.deadline, self.poll = label, total, unit, deadline, poll
        self.enabled = interactive() if enabled is None else enabled
        self.stream = sys.stderr if stream is None else stream
        self.done, self._bar, self._stop = 0, None, threading.Event()
        self._lock = threading.Lock()

    def __enter__(self) -> "Phase":
        if self.enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, desc=self.label, unit=f" {self.unit}", leave=False,
                             file=self.stream, dynamic_ncols=True,
                             bar_format="{desc} {n_fmt}/{total_fmt}{unit} |{bar}| {elapsed}{postfix}")
            self._thread = threading.Thread(target=self._tick, daemon=True)
            self._thread.start()
        return self

    def advance(self, n: int = 1) -> None:
        """``n`` more units done."""
        with self._lock:
            self.done = min(self.total, self.done + n)
            self._draw()

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            with self._lock:
                if self.poll is not None:
                    self.done = min(self.total, max(self.done, int(self.poll())))
                self._draw()

    def _draw(self) -> None:
        if self._bar is None:
            return
        self._bar.n = self.done
        if self.deadline is not None:
            self._bar.set_postfix_str(f"budget: {clock(self.deadline - time.monotonic())} left", refresh=False)
        self._bar.refresh()

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._bar is not None:
            self._thread.join()
            self._bar.close()
