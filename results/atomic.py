"""Every file the project writes under a results folder is written whole or not at all: one helper.

:func:`write_text` writes a temporary file in the same folder (``.<name>.<pid>.partial``: no
``*.json`` name, so asv's readers never see it), flushes and fsyncs it, renames it over the old
file (``os.replace``: atomic on POSIX) and fsyncs the folder, so a kill, a crash or a power cut at
any moment leaves the old file or the new one, never a part of either. asv writes its own JSON in
place (``asv.util.write_json`` opens the file with "w"); :func:`asv_writes` routes those writes
through :func:`write_text` for as long as it is active, in this process, and ``python -m
results.asv_atomic`` runs asv's command line that way (``python -m runner`` starts asv so).

A write that fails for want of room or rights (full disk, quota, read-only folder) removes its
temporary file and raises :class:`DiskError`: one line that names the folder, what went wrong and
the free space (:func:`check_room` says the same before a run starts writing).
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
from pathlib import Path

PARTIAL = ".partial"
# errors of the disk or of the folder's rights: reported as one line (DiskError), never a traceback
DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}


class DiskError(OSError):
    """A results folder cannot be written (full, read-only, no rights): the message is one line."""

    def __str__(self) -> str:
        return self.strerror or super().__str__()


def free_bytes(path: str | os.PathLike) -> int | None:
    """Free bytes on the disk of ``path`` (its nearest existing parent); None when unknown."""
    p = Path(path).absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    try:
        return shutil.disk_usage(p).free
    except OSError:
        return None


def human(n: int | None) -> str:
    """Bytes as '40 KB', '12.3 MB' (powers of 1024)."""
    if n is None:
        return "unknown"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit in ("B", "KB") else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def disk_error(folder: str | os.PathLike, exc: OSError, need: int | None = None) -> DiskError:
    """The one-line :class:`DiskError` for ``exc`` raised while writing into ``folder``."""
    what = os.strerror(exc.errno) if exc.errno else str(exc)
    room = f"; {human(free_bytes(folder))} free" + (f", a run needs about {human(need)}" if need else "")
    return DiskError(exc.errno, f"cannot write {folder}: {what}{room}. What was there before is unchanged")


def write_text(path: str | os.PathLike, text: str | bytes) -> Path:
    """Write ``text`` to ``path`` atomically (temporary file, fsync, rename, fsync of the folder)."""
    path = Path(path)
    folder = path.parent
    tmp = folder / f".{path.name}.{os.getpid()}{PARTIAL}"
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_folder(folder)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if exc.errno in DISK_ERRNOS and not isinstance(exc, DiskError):
            raise disk_error(folder, exc) from exc
        raise
    return path


def write_json(path: str | os.PathLike, data, **dumps) -> Path:
    """:func:`write_text` of ``json.dumps(data, **dumps)``."""
    return write_text(path, json.dumps(data, **dumps))


def _fsync_folder(folder: Path) -> None:
    """fsync a folder, so that a rename in it is on disk (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_partials(folder: str | os.PathLike) -> list[Path]:
    """Remove the temporary files that killed writers left in ``folder`` (call it holding the
    folder's lock: no live writer of ours is then writing there); the paths removed."""
    gone = []
    for p in Path(folder).glob(f".*{PARTIAL}"):
        with contextlib.suppress(OSError):
            p.unlink()
            gone.append(p)
    return gone


def check_room(folder: str | os.PathLike, need: int) -> None:
    """Raise :class:`DiskError` unless ``folder`` can be written and its disk has ``need`` bytes
    free: checked before a run writes anything, so that a refused run changes nothing."""
    folder = Path(folder)
    free = free_bytes(folder)
    if free is not None and free < need:
        raise disk_error(folder, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), need)
    probe = folder if folder.exists() else next(p for p in folder.absolute().parents if p.exists())
    if not os.access(probe, os.W_OK | os.X_OK):
        raise disk_error(probe, OSError(errno.EACCES, os.strerror(errno.EACCES)))


def _asv_write_json(path, data, api_version=None, compact=False):
    """``asv.util.write_json`` as asv writes it (same layout), through :func:`write_text`."""
    if api_version is not None:
        data = dict(data, version=api_version)
    text = json.dumps(data) if compact else json.dumps(data, indent=4, sort_keys=True)
    write_text(os.path.abspath(path), text)


@contextlib.contextmanager
def asv_writes():
    """While active, asv's JSON writes in this process (results, benchmarks.json, machine.json)
    are atomic. asv calls ``util.write_json`` through its module, so replacing it there is enough
    (checked against asv 0.6.6: results.py, machine.py, benchmarks.py and util.py itself)."""
    from asv import util

    saved = util.write_json
    util.write_json = _asv_write_json
    try:
        yield
    finally:
        util.write_json = saved
