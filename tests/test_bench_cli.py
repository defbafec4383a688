"""python -m runner as a user drives it: Ctrl-C keeps what finished and says so; results elsewhere
get their report beside them; the console shows outcomes, not asv's grid."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import runner.__main__ as runner_main
from runner.cli import parse_args

ROOT = Path(__file__).resolve().parents[1]


def test_ctrl_c_stops_at_once_and_keeps_finished_rounds(tmp_path, short_tmp):
    """SIGINT to the whole process group (what Ctrl-C does) after the round (one asv invocation:
    selu's fresh-process cases and the calibration) has finished and while the comparison sweeps
    start: exit 130, no sweep finished, the round's results kept and named."""
    results = tmp_path / "results"
    env = dict(os.environ, HOME=str(tmp_path / "home"), JAXBENCH_JAX_CACHE="", TMPDIR=str(short_tmp))
    (tmp_path / "home").mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "runner", "--kernels", "selu", "--rounds", "1",
                             "--machine", "ctrlc-box", "--results-dir", str(results)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    out = []
    deadline = time.monotonic() + 600
    try:
        for line in proc.stdout:
            out.append(line)
            if line.lstrip().startswith("selu, calibration") and " ok" in line:   # the round is done
                time.sleep(1)                                # the worker server starts, sweep 1 begins
                os.killpg(proc.pid, signal.SIGINT)
                break
            assert time.monotonic() < deadline, "".join(out)
        rest, _ = proc.communicate(timeout=120)     # a hang past this fails the test
        out.append(rest)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    text = "".join(out)
    assert proc.returncode == 130, text
    assert "interrupted" in text and "that finished: selu round 1, calibration (asv JSON" in text, text
    assert "Not done: health, report." in text, text            # the calibration ran in the round
    files = [p for p in (results / "ctrlc-box").glob("*.json") if p.name != "machine.json"]
    kept = {name.split(".")[0] for p in files for name in json.loads(p.read_text())["results"]}
    assert {"bench_selu", "bench_calibration"} <= kept, (kept, text)
    # stopped at once: no sweep finished (the kept list above ends at the calibration), nothing after
    assert "sweep 2/5" not in text and "== measurement health" not in text
    assert not (tmp_path / "report").exists()
    # the console shows outcomes per round, not asv's grid of n/a lines
    assert "n/a" not in text.split("interrupted")[0].replace("n/a (skipped)", ""), text
    assert (results.parent / "jaxbench-asv.log").read_text().count("bench_selu") > 0
    assert list(short_tmp.iterdir()) == []    # its temporary files (asv config, asv's forkserver folder) went with it
    from runner import children
    assert children.marked(f"TMPDIR={short_tmp}") == []   # and every process it started (asv's forkserver too)


class _Process:
    """A stand-in for subprocess.Popen that logs what happens to it."""

    def __init__(self, log, cmd, said="", rc=0):
        self.log, self.cmd, self.said, self.returncode = log, cmd, said, rc

    def wait(self):
        self.log.append(("wait", self.cmd[3]))
        return self.returncode

    def communicate(self):
        self.log.append(("output", self.cmd[3]))
        return self.said, None


def test_results_elsewhere_get_their_report_beside_them(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(runner_main.subprocess, "Popen", lambda cmd, **kw: calls.append(cmd) or _Process([], cmd))
    runner_main.report(Path("conf"), tmp_path / "results", tmp_path / "html", tmp_path / "report")
    assert calls[-1][-2:] == ["--out", str(tmp_path / "report")]
    runner_main.report(Path("conf"), tmp_path / "results", tmp_path / "html")
    assert "--out" not in calls[-1]


def test_health_prints_first_while_the_report_builds_beside_it(monkeypatch, tmp_path, capsys):
    log = []

    def popen(cmd, **kw):
        log.append(("start", cmd[3]))
        said = "report: 9 files in out\n" if "--health" not in cmd else ""
        return _Process(log, cmd, said)
    monkeypatch.setattr(runner_main.subprocess, "Popen", popen)
    runner_main.health_and_report(tmp_path, "box", "abc", (Path("conf"), tmp_path / "html", None))
    # both started before either is waited for; the report's output printed after the health ended
    assert log[:3] == [("start", "--health"), ("start", "--results"), ("wait", "--health")]
    assert log.index(("output", "--results")) > log.index(("wait", "--health"))
    out = capsys.readouterr().out
    assert out.index("== measurement health") < out.index("report: 9 files in out") < out.index("report:  written")
    log.clear()
    runner_main.health_and_report(tmp_path, "box", "abc", None)        # --no-report: the health only
    assert log == [("start", "--health"), ("wait", "--health")]


@pytest.mark.parametrize("argv, message", [
    (["--kernels", "selu,nope"], "unknown kernel(s) nope"),
    (["--rounds", "0"], "--rounds 0: at least 1"),
    (["--machine", "a b"], "machine name 'a b'"),
])
def test_bad_arguments_are_refused(argv, message, capsys):
    with pytest.raises(SystemExit):
        parse_args(argv)
    assert message in capsys.readouterr().err
