"""``python -m runner --commits``: which commits a range names, how their passes interleave, and the
report's speed-up history over them (runner/commits.py, reports/sections/history.py). No asv is run: each
commit's ``asv run`` is a stand-in that records what it was asked and drops a comparison record."""
from __future__ import annotations

import argparse
import subprocess

import pandas as pd
import pytest

from runner import commits
from runner.asv_run import selection
from runner.cli import parse_args
from runner.run_log import RunLog
from jaxbench import declare
from kernels import settings
from results import records
from results.comparisons import CommitComparisons
from reports.sections import history


def _repo(tmp_path, n=4):
    def git(*a):
        return subprocess.run(["git", *a], cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip()

    git("init", "-q")
    for i in range(n):
        (tmp_path / "f").write_text(str(i))
        git("add", "f")
        git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", f"c{i}")
    return [git("rev-parse", f"HEAD~{n - 1 - i}") for i in range(n)]


def test_a_range_is_git_s_oldest_first_and_a_list_keeps_its_order(tmp_path):
    hashes = _repo(tmp_path)
    assert commits.resolve("HEAD~3..HEAD", tmp_path) == hashes[1:]          # A excluded, as git and asv read it
    assert commits.resolve(f"HEAD,{hashes[0][:8]}", tmp_path) == [hashes[3], hashes[0]]
    with pytest.raises(commits.CommitsError, match="holds no commit"):
        commits.resolve("HEAD..HEAD", tmp_path)
    with pytest.raises(commits.CommitsError, match="'nope' is not a commit"):
        commits.resolve("HEAD,nope", tmp_path)
    with pytest.raises(commits.CommitsError, match="named twice"):
        commits.resolve(f"HEAD,{hashes[3]}", tmp_path)
    with pytest.raises(commits.CommitsError, match="unknown revision"):
        commits.resolve("nope..HEAD", tmp_path)


def test_too_many_commits_are_refused(tmp_path, monkeypatch):
    _repo(tmp_path)
    monkeypatch.setattr(commits, "MAX_COMMITS", 2)
    with pytest.raises(commits.CommitsError, match="3 commits; at most 2.*asv run HEAD~3..HEAD"):
        commits.resolve("HEAD~3..HEAD", tmp_path)


def test_cli_refuses_commits_with_commit_and_names_bad_ranges(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--commits", "HEAD~1..HEAD", "--commit", "abc"])
    assert "give one" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse_args(["--commits", "HEAD..HEAD"])
    assert "holds no commit" in capsys.readouterr().err


def _runners(commit_list, env, calls):
    """Stand-ins for ``asv run <commit>^!``: record (commit, what), drop one selu record in a comparison pass."""
    comps = declare.for_kernel("selu", devices=1)[:1]

    def runner(c):
        def run_asv(regexes, append, on_line=None):
            what = ("comparisons" if any("Comparisons" in rx for rx in regexes)
                    else "calibration" if any("calibration" in rx for rx in regexes) else "cases")
            calls.append((c, what, append))
            if what == "comparisons":
                rec = {"pid": len(calls), "groups": [{"sides": [comps[0].num.key, comps[0].den.key],
                                                      "numbers": [1, 1], "missing": {}, "stopped": "fake",
                                                      "passes": [[2e-3, 1e-3]] * 5}]}
                records.drop(rec, "SeluComparisons", 1, declare.entries(comps), env[settings.COMPARISONS_OUT.var])
            return 0
        return run_asv
    return {c: runner(c) for c in commit_list}


def test_passes_go_round_the_commits_reversing_each_time(tmp_path):
    cs = ["a" * 40, "b" * 40, "c" * 40]
    args = argparse.Namespace(rounds=2, processes=3, kernel_list=["selu"], full=False, timed_only=False,
                              append=False, comparisons=True)
    env, calls = {}, []
    run_log = RunLog()
    commits.measure_commits(args, cs, False, _runners(cs, env, calls), env, tmp_path, selection, run_log,
                            say=lambda *a, **k: None)
    assert run_log.kept[:3] == [f"{c[:10]} round 1" for c in cs] and len(run_log.kept) == 2 * 3 + 3 * 3
    cases = [(c[0], append) for c, what, append in calls if what == "cases"]
    assert cases == [("a", False), ("b", False), ("c", False), ("c", True), ("b", True), ("a", True)]
    passes = [c[0] for c, what, _ in calls if what == "comparisons"]
    assert passes == list("abc" + "cba" + "abc")        # after 2 rounds: forward, back, forward
    assert sorted(c[0] for c, what, _ in calls if what == "calibration") == list("abc")
    data = records.load(tmp_path)["commits"]
    assert {c: len(data[c]["processes"]) for c in cs} == {c: 3 for c in cs}   # each pass kept under its commit
    assert settings.COMPARISONS_OUT.var not in env


def test_speedup_history_reads_each_commit_s_lecture_comparisons_in_commit_order():
    comp = next(c for c in declare.for_kernel("selu", devices=1) if "lecture" in c.kinds)
    other = next(c for c in declare.for_kernel("selu", devices=1) if "lecture" not in c.kinds)
    entries = {}
    for commit, ratio in (("old", 2.0), ("new", 4.0)):
        groups = [{"sides": [c.num.key, c.den.key], "numbers": [1, 1], "missing": {},
                   "passes": [[ratio * 1e-3 * (1 + 0.01 * i), 1e-3] for i in range(6)]} for c in (comp, other)]
        entries[commit] = {"comparisons": {c.id: declare.comparison_entry(c) for c in (comp, other)},
                           "processes": [{"pid": p, "groups": groups} for p in range(3)]}
    rows = pd.DataFrame({"machine": ["vm", "vm"], "commit": ["new", "old"],
                         "date": [pd.Timestamp("2026-11-30"), pd.Timestamp("2026-11-29")]})
    h = history.speedup_history(CommitComparisons({"vm": {"commits": entries}}), rows)
    assert list(h["commit"]) == ["old", "new"] and list(h["position"]) == [0, 1]
    assert set(h["id"]) == {comp.id}                                            # lecture ratios only
    assert h["ratio"].tolist() == pytest.approx([2.05, 4.1], rel=0.03)
    assert all(lo <= r <= hi for r, lo, hi in zip(h["ratio"], h["lo"], h["hi"])) and (h["processes"] == 3).all()
    assert h["label"].iloc[0].startswith("selu ")


def test_a_commit_is_run_in_asv_s_virtualenv_and_the_checkout_in_this_python(monkeypatch, tmp_path):
    import io

    from runner import asv_run

    seen = []
    monkeypatch.setattr(subprocess, "run",
                        lambda cmd, **kw: seen.append(cmd) or subprocess.CompletedProcess(cmd, 0))
    args = argparse.Namespace(launch_method="forkserver", full=False)
    log = io.StringIO()
    asv_run.asv_runner(args, tmp_path / "conf.json", "a" * 40, "vm", {}, log, in_env=True)(["^x"], True)
    asv_run.asv_runner(args, tmp_path / "conf.json", "b" * 40, "vm", {}, log)(["^x"], False)
    in_env, here = seen
    assert "a" * 40 + "^!" in in_env and "--python=same" not in in_env and "--append-samples" in in_env
    assert here[here.index("--set-commit-hash") + 1] == "b" * 40 and "--python=same" in here
    assert all("repeat=(3,10,0.4)" in cmd for cmd in seen) and log.getvalue().count("$ ") == 2


def test_a_commit_measured_in_two_environments_is_read_once_latest_run_first():
    from results.files import ResultsWarning
    from results.frame import latest_env

    base = {"machine": "vm", "commit": "c" * 40, "benchmark": "bench_selu.Selu.time_selu"}
    df = pd.DataFrame([dict(base, env="existing-py", params='{"size": 1000}', median=2.0, started=100.0),
                       dict(base, env="virtualenv-py", params='{"size": 1000}', median=3.0, started=200.0),
                       dict(base, env="existing-py", params='{"size": 99}', median=5.0, started=100.0),
                       dict(base, commit="d" * 40, env="existing-py", params='{"size": 1000}', median=7.0,
                            started=50.0)])
    problems = []
    with pytest.warns(ResultsWarning, match="measured in 2 asv environments"):
        out = latest_env(df, problems)
    assert sorted(out["median"]) == [3.0, 5.0, 7.0]       # the later run of the shared case; the rest kept
    assert len(problems) == 1 and "cccccccc was measured in 2 asv environments" in problems[0]
    one = df[df["env"] == "existing-py"]
    assert latest_env(one, []) is one                      # one environment: untouched


def test_the_run_log_counts_every_asv_runs_cases_and_names_the_failed_ones():
    run_log = RunLog()
    run_log.asv_run(("selu", 1), 0, {"bench_selu.time_selu": {"a": "ok", "b": "skipped"}}, "selu (round 1)")
    run_log.asv_run(("grad", 1), 2, {"bench_grad.time_grad": {"a": "failed", "b": "missing"}}, "grad (round 1)")
    run_log.failed_run("calibration", 0)
    assert run_log.totals() == {"ok": 1, "failed": 1, "skipped": 1, "missing": 1}
    assert run_log.failed == [("grad (round 1)", 2)] and run_log.kept_text() == "none"
    run_log.keep("selu round 1")
    assert run_log.kept_text() == "selu round 1"
