"""Nothing lost, nothing left behind: one writer per results folder (the lock), a gate stopped by
Ctrl-C leaves no worktree, process or temporary folder, and a run removes its temporary files."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runner import lock

ROOT = Path(__file__).resolve().parents[1]
HOLD = ("import sys, time; sys.path.insert(0, {root!r}); from runner import lock\n"
        "with lock.results_lock({folder!r}):\n"
        "    print('held', flush=True); time.sleep({seconds})\n")


def _holder(folder: Path, seconds: float) -> subprocess.Popen:
    """Another process holding the lock of ``folder`` for ``seconds``; returns once it holds it."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD.format(root=str(ROOT), folder=str(folder), seconds=seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_writer_waits_for_the_first_and_says_who_holds_the_folder(tmp_path):
    folder = tmp_path / "results" / "box"
    other = _holder(folder, 2.0)
    said = []
    t0 = time.monotonic()
    with lock.results_lock(folder, poll_s=0.1, say=lambda *a, **k: said.append(" ".join(a))):
        waited = time.monotonic() - t0
        assert json.loads((folder / lock.NAME).read_text())["pid"] == os.getpid()
    other.wait()
    assert waited > 1.0                                       # held for 2 s by the other
    assert f"pid {other.pid}" in said[0] and "waiting" in said[0] and "-c" in said[0]   # its pid and command
    assert (folder / lock.NAME).read_text() == ""             # released: no holder recorded


def test_a_writer_that_will_not_wait_refuses_with_the_holder_named(tmp_path):
    folder = tmp_path / "box"
    other = _holder(folder, 5.0)
    try:
        with pytest.raises(lock.Busy, match=f"pid {other.pid}.*nothing was run"):
            with lock.results_lock(folder, wait_s=0.3, poll_s=0.1, say=lambda *a, **k: None):
                pytest.fail("entered a folder another run holds")
    finally:
        other.kill()
        other.wait()


def test_the_lock_of_a_killed_run_is_taken_over(tmp_path):
    folder = tmp_path / "box"
    other = _holder(folder, 60.0)
    other.kill()                                              # dies holding it: no cleanup ran
    other.wait()
    assert json.loads((folder / lock.NAME).read_text())["pid"] == other.pid
    said = []
    with lock.results_lock(folder, wait_s=1.0, say=lambda *a, **k: said.append(" ".join(a))):
        pass
    assert said and f"taking over the results lock of pid {other.pid}" in said[0]


def _our_processes(tmpdir: Path) -> list[int]:
    """Processes whose TMPDIR is tmpdir or a folder below it: everything a run started, at any depth
    (python -m runner and the gate give their children TMPDIRs inside their own)."""
    from runner import children

    return [pid for pid in children.marked(f"TMPDIR={tmpdir}") if pid != os.getpid()]


def _env(tmp_path: Path, tmpdir: Path, **extra) -> dict:
    (tmp_path / "home").mkdir(exist_ok=True)
    return dict(os.environ, HOME=str(tmp_path / "home"), TMPDIR=str(tmpdir), JAXBENCH_JAX_CACHE="", **extra)


def test_two_runs_into_one_folder_keep_both_kernels(tmp_path, short_tmp):
    """Two python -m runner of different kernels started together on one results folder: the second
    waits for the first (and says so), both kernels' results are in the folder, no temporary file left."""
    results = tmp_path / "results"
    tmpdir = short_tmp
    env = _env(tmp_path, tmpdir, JAXBENCH_COMPARISONS="0", JAXBENCH_TIMED_ONLY="1")
    procs = [subprocess.Popen([sys.executable, "-m", "runner", "--kernels", k, "--machine", "shared-box",
                               "--results-dir", str(results), "--no-report"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for k in ("svt_soft", "norm")]     # the two kernels of fewest timed cases without data: 7 and 8
    outs = [p.communicate(timeout=900)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert sum("is being written by" in o for o in outs) == 1, outs
    files = [p for p in (results / "shared-box").glob("*.json") if p.name != "machine.json"]
    kept = {name.split(".")[0] for p in files for name in json.loads(p.read_text())["results"]}
    assert {"bench_svt_soft", "bench_norm"} <= kept, (kept, outs)
    assert list(tmpdir.iterdir()) == [], list(tmpdir.iterdir())
    assert _our_processes(tmpdir) == []


def _worktrees() -> list[str]:
    out = subprocess.run(["git", "worktree", "list", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    return [line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("worktree ")]


def test_ctrl_c_stops_a_gate_and_leaves_nothing_behind(tmp_path, short_tmp):
    """SIGINT to the gate's process group while a round runs: exit 130 within 15 s, no worktree
    left registered, no process of the gate left, no temporary folder left, and it says what it kept."""
    tmpdir = short_tmp
    env = _env(tmp_path, tmpdir)
    before = _worktrees()
    out_dir = tmp_path / "gate"
    proc = subprocess.Popen([sys.executable, "-m", "runner.gate", "HEAD", "HEAD", "--kernels", "grad",
                             "--results-dir", str(out_dir)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        log = out_dir / "gate.log"
        while not (log.exists() and "$ (cd" in log.read_text()):   # a round has started
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[0]
            time.sleep(0.5)
        time.sleep(8)                                               # inside asv, benchmark processes running
        assert len(_worktrees()) == len(before) + 2 and _our_processes(tmpdir)
        os.killpg(proc.pid, signal.SIGINT)
        t0 = time.monotonic()
        out, _ = proc.communicate(timeout=60)
        took = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, out
    assert took < 15, (took, out)
    assert "interrupted" in out and f"kept: the rounds that finished are in {out_dir}" in out, out
    assert _worktrees() == before
    assert _our_processes(tmpdir) == []                             # at once: nothing left running
    assert list(tmpdir.iterdir()) == [], list(tmpdir.iterdir())
