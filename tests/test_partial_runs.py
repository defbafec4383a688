"""Nothing lost, part two: a run of some kernels keeps every other record, every write is whole or
absent, a full disk is one line, and the folders of killed runs are removed at the next start."""
from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from results import atomic, files, records, rounds
from results.comparisons import Comparisons

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- atomic writes

def _crash(*args, **kwargs):
    raise KeyboardInterrupt("killed between write and rename")


def test_a_crash_between_write_and_rename_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "results.json"
    atomic.write_json(path, {"kept": 1})
    monkeypatch.setattr(atomic.os, "replace", _crash)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_json(path, {"kept": 2})
    assert json.loads(path.read_text()) == {"kept": 1}
    left = list(tmp_path.glob(".*" + atomic.PARTIAL))          # what a killed writer leaves behind...
    assert len(left) == 1 and not left[0].name.endswith(".json")   # ...is never read as a results file
    assert atomic.remove_partials(tmp_path) == left and not list(tmp_path.glob(".*" + atomic.PARTIAL))


def test_asv_writes_its_results_atomically_inside_asv_writes(tmp_path, monkeypatch):
    from asv import util

    path = tmp_path / "abc-env.json"
    util.write_json(str(path), {"results": {"a": 1}}, api_version=2)
    with atomic.asv_writes():
        util.write_json(str(path), {"results": {"a": 2}}, api_version=2, compact=True)
        assert util.load_json(str(path)) == {"results": {"a": 2}, "version": 2}   # asv reads what it wrote
        monkeypatch.setattr(atomic.os, "replace", _crash)
        with pytest.raises(KeyboardInterrupt):
            util.write_json(str(path), {"results": {"a": 3}}, api_version=2)
    assert util.load_json(str(path))["results"] == {"a": 2}
    assert util.write_json is not atomic._asv_write_json        # asv's own writer back afterwards


def test_enospc_from_the_write_helper_is_one_line_naming_the_folder(tmp_path, monkeypatch):
    path = tmp_path / "f.json"
    atomic.write_json(path, [1])

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(atomic.DiskError) as info:
        atomic.write_json(path, [2])
    text = str(info.value)
    assert "\n" not in text and str(tmp_path) in text and "No space left on device" in text and "free" in text
    assert json.loads(path.read_text()) == [1] and not list(tmp_path.glob(".*" + atomic.PARTIAL))


def _main_with_a_failing_write(tmp_path, monkeypatch, capsys, errno_):
    """``python -m runner``'s main, its measuring replaced by one write that fails with ``errno_``."""
    import runner.__main__ as cli

    def measure(args, config, results_dir, machine, commit, started):
        monkeypatch.setattr(atomic.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno_, os.strerror(errno_))))
        records.collect(tmp_path / "drops", results_dir / machine, commit, run="r")
    monkeypatch.setattr(cli, "measure", measure)
    rc = cli.main(["--kernels", "selu", "--results-dir", str(tmp_path / "results"), "--machine", "box",
                   "--no-report", "--commit", "c0ffee"])
    return rc, capsys.readouterr()


@pytest.mark.parametrize("errno_", [errno.ENOSPC, errno.EROFS])
def test_a_full_or_read_only_disk_ends_the_run_with_one_line(tmp_path, monkeypatch, capsys, errno_):
    rc, out = _main_with_a_failing_write(tmp_path, monkeypatch, capsys, errno_)
    err = [line for line in out.err.splitlines() if line.strip()]
    assert rc == 74 and len(err) == 1 and "Traceback" not in out.err + out.out
    assert err[0].startswith("jaxbench: cannot write ") and os.strerror(errno_) in err[0]
    assert str(tmp_path / "results" / "box") in err[0]


def test_a_disk_without_room_is_refused_before_anything_is_written(tmp_path, monkeypatch, capsys):
    import runner.__main__ as cli

    machine = tmp_path / "results" / "box"
    atomic.write_json(machine / files.COMPARISONS_FILE, {"version": 1, "commits": {"c": {"processes": [1]}}})
    before = {p: p.read_bytes() for p in machine.iterdir()}
    monkeypatch.setattr(atomic, "free_bytes", lambda path: 40 << 10)
    monkeypatch.setattr(cli, "measure", lambda *a: pytest.fail("measured on a full disk"))
    rc = cli.main(["--kernels", "selu", "--results-dir", str(tmp_path / "results"), "--machine", "box",
                   "--no-report", "--commit", "c0ffee"])
    err = capsys.readouterr().err.strip()
    assert rc == 74 and "\n" not in err and "40 KB free" in err and "needs about" in err
    assert {p: p.read_bytes() for p in machine.iterdir()} == before      # not even the lock file


# --------------------------------------------------------------------------- merge, never replace

def _drop(drops: Path, cls: str, cid: str, ratio: float) -> None:
    rec = {"pid": 1, "groups": [{"sides": [f"{cid}|a", f"{cid}|b"], "numbers": [1, 1], "missing": {},
                                 "passes": [[ratio * 1e-3, 1e-3]] * 4, "stopped": "precise"}]}

    entry = {"num": f"{cid}|a", "den": f"{cid}|b", "transfer": False, "kinds": ["numpy"]}
    records.drop(rec, cls, 1, {cid: entry}, drops)


def test_a_run_of_one_kernel_keeps_every_other_kernels_comparisons(tmp_path):
    drops, machine = tmp_path / "drops", tmp_path / "box"
    for cls, cid in (("bench_selu.SeluComparisons", "selu"), ("bench_grad.GradComparisons", "grad")):
        for _ in range(3):
            _drop(drops, cls, cid, 2.0)
    records.collect(drops, machine, "c", run="full run")
    _drop(drops, "bench_selu.SeluComparisons", "selu", 3.0)         # then: --kernels selu, pass 1
    records.collect(drops, machine, "c", run="selu run")
    _drop(drops, "bench_selu.SeluComparisons", "selu", 3.0)         # pass 2 of the same run adds to it
    records.collect(drops, machine, "c", run="selu run")
    entry = records.load(machine)["commits"]["c"]
    rows = {m.id: m for m in Comparisons(entry)}
    assert set(rows) == {"selu", "grad"}
    assert rows["grad"].processes == 3 and rows["grad"].point == pytest.approx(2.0)    # kept
    assert rows["selu"].processes == 2 and rows["selu"].point == pytest.approx(3.0)    # renewed
    _drop(drops, "bench_selu.SeluComparisons", "selu", 2.5)         # --append: keeps everything
    records.collect(drops, machine, "c", run=None)
    assert Comparisons(records.load(machine)["commits"]["c"])["selu"].processes == 3


def test_a_round_of_some_kernels_keeps_the_other_kernels_round_counts(tmp_path):
    machine = tmp_path / "box"
    asv = {"commit_hash": "c", "result_columns": ["result", "params", "samples"],
           "results": {"bench_selu.T.time_x": [[1.0], [["1"]], [[1.0, 1.1]]],
                       "bench_grad.T.time_x": [[1.0], [["1"]], [[1.0, 1.1, 1.2]]]}}
    atomic.write_json(machine / "c-env.json", asv)
    rounds.record(machine, "c", 1, ("bench_selu.", "bench_grad."))
    asv["results"]["bench_grad.T.time_x"][2] = [[1.0, 1.1, 1.2, 1.3]]
    atomic.write_json(machine / "c-env.json", asv)
    rounds.record(machine, "c", 2, "bench_grad.")
    asv["results"]["bench_selu.T.time_x"][2] = [[0.9]]             # selu measured afresh, alone
    atomic.write_json(machine / "c-env.json", asv)
    rounds.record(machine, "c", 1, ("bench_selu.",))
    got = rounds.load(machine)["commits"]["c"]
    assert got == {"bench_selu.T.time_x": {"1": [1]}, "bench_grad.T.time_x": {"1": [3, 1]}}


def test_the_facts_keep_how_each_kernel_was_last_measured(tmp_path, monkeypatch):
    from runner import facts

    monkeypatch.setattr(facts, "collect", lambda machine: {"machine": machine, "written_at": "t"})
    facts.write(tmp_path, "box", {"kernels": ["selu", "grad"], "rounds": 1})
    facts.write(tmp_path, "box", {"kernels": ["selu"], "rounds": 2})
    got = json.loads((tmp_path / "box" / files.FACTS_FILE).read_text())
    assert got["measurement"]["rounds"] == 2
    assert {k: v["rounds"] for k, v in got["measured_kernels"].items()} == {"selu": 2, "grad": 1}


# --------------------------------------------------------------------------- folders of dead runs

def test_the_folder_of_a_dead_run_is_removed_and_a_live_one_kept(tmp_path):
    from runner import run_folders

    made = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                           "from runner import run_folders; print(run_folders.make('jaxbench-run-', sys.argv[2]))",
                           str(ROOT), str(tmp_path)], capture_output=True, text=True, check=True)
    dead = Path(made.stdout.strip())                                 # its owner has exited
    live = run_folders.make("jaxbench-gate-", tmp_path)             # this process
    old = tmp_path / "jaxbench-run-old"                               # no owner file, two days old
    old.mkdir()
    os.utime(old, (time.time() - 2 * 86400,) * 2)
    other = tmp_path / "jaxbench-notes"                               # not a run folder
    other.mkdir()
    (tmp_path / "jaxbench-run-x.txt").write_text("a file, not a folder")
    removed = run_folders.remove_stale([tmp_path])
    assert sorted(removed) == sorted([dead, old])
    assert live.is_dir() and other.is_dir() and not dead.exists() and not old.exists()


def test_a_reused_pid_is_not_taken_for_the_owner(tmp_path):
    from runner import run_folders

    folder = run_folders.make("jaxbench-run-", tmp_path)
    assert run_folders.owner_alive(folder)
    (folder / run_folders.OWNER).write_text("1 not-its-start-time")
    assert not run_folders.owner_alive(folder)     # pid 1 runs, but started at another time


# --------------------------------------------------------------------------- progress: a bar on a terminal, silence in a log

def test_a_phase_draws_on_a_terminal_only_and_never_a_carriage_return_in_a_log():
    import io

    from jaxbench.progress import Phase

    quiet = io.StringIO()
    with Phase("round 1", 10, enabled=False, stream=quiet) as phase:
        phase.advance(3)
    assert quiet.getvalue() == ""
    shown = io.StringIO()
    with Phase("round 1", 10, deadline=time.monotonic() + 125, enabled=True, stream=shown) as phase:
        phase.advance(3)
        drawn = shown.getvalue()
    assert "round 1 3/10 cases" in drawn and "budget: 2:0" in drawn and "left" in drawn


def test_asv_output_advances_a_phase_by_each_finished_benchmarks_cases():
    from runner import outcome

    class Count:
        done = 0

        def advance(self, n):
            self.done += n
    wanted = {"bench_batching.Batching.time_batching": ["a", "b", "c"],
              "bench_cnn_step.CnnStepAccuracy.track_validation_error": ["x"]}
    phase = Count()
    on_line = outcome.asv_progress(wanted, phase)
    for line in ["[ 0.00%] · For jaxbench commit d9686a29 <main>:",
                 "[ 5.26%] ··· Running (bench_batching.Batching.time_batching--).",
                 "[ 5.26%] ··· bench_batching.Batching.time_batching                           ok",
                 "[ 5.26%] ··· =========== =========== ===========",
                 "[100.00%] ··· ..._step.CnnStepAccuracy.track_validation_error                 ok",
                 "[100.00%] ··· ..._step.CnnStepAccuracy.track_validation_error                 ok"]:
        on_line(line + "\n")
    assert phase.done == 4                       # 3 + 1, each benchmark once


def test_a_pass_in_a_log_prints_one_line_without_carriage_returns(tmp_path):
    from runner import outcome

    said = []
    say = lambda *a, **k: said.append("".join(a) + k.get("end", "\n"))   # noqa: E731
    rc, status = outcome.run_pass("selu", 2, lambda on_line: on_line("[50.00%] ··· bench_selu.S.time_s   ok\n") or 0,
                                  tmp_path, "c", {"bench_selu.S.time_s": ["1", "2"]}, say=say)
    text = "".join(said)
    first = text.splitlines()[0]                  # (then the cases without a result, by name)
    assert rc == 0 and "\r" not in text and first.startswith("  selu          2 cases ...") and " s: 0 ok" in first
