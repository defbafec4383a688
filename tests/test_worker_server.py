"""The worker server: every comparison process is a fork of one preloaded process (runner/worker_server.py)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from jaxbench import declare
from kernels import settings

ROOT = Path(__file__).resolve().parents[1]


def test_each_fork_is_a_process_of_its_own_with_its_own_devices_environment_and_exit(tmp_path):
    """One server, four requests: a one-device process given its calls per sample, a two-device one
    (its host devices forced in the child: the server never started JAX), a request changing a JAX_*
    variable (refused, rc 2), a failing child (rc 1, traceback in the log), and the server goes on."""
    from runner.worker_server import Server, REFUSED, CHILD_FAILED

    base = dict(os.environ, **settings.env(jax_cache="", passes=2))   # 2 passes a group: sampling is not the point
    base.pop("XLA_FLAGS", None)
    one, two = declare.for_kernel("norm", devices=1)[0], declare.for_kernel("norm", devices=2)[0]
    numbers = tmp_path / "numbers.jsonc"
    group = next(g for g in declare.groups(declare.for_kernel("norm", devices=1)) if one in g)   # what the process times
    sides = {k for c in group for k in (c.num.key, c.den.key)}
    numbers.write_text(json.dumps({**{k: 7 for k in sides}, one.num.key: 3, one.den.key: 5}))   # used when it names every side

    def request(devices, comp, **extra):
        only = tmp_path / f"only{devices}.txt"
        only.write_text(comp.id)
        env = dict(base, **settings.env(comparisons_out=tmp_path / f"d{devices}", comparisons_only=only), **extra)
        return devices, ["norm"], False, env

    log_path = tmp_path / "log"
    with open(log_path, "w") as log, Server(ROOT, log) as run:
        assert run(*request(1, one, **settings.env(calls_per_sample=numbers))) == 0
        assert run(*request(2, two)) == 0
        assert run(*request(1, one, JAX_ENABLE_X64="1")) == REFUSED
        assert run(2, ["no such kernel"], False, base) == CHILD_FAILED
        assert run(*request(2, two)) == 0                                  # the server went on
        server_pid = run.proc.pid
    log = log_path.read_text()
    assert "ready (data loaded" in log and "JAX_ENABLE_X64" in log and "unknown kernel" in log
    (rec1,) = [json.loads(p.read_text()) for p in (tmp_path / "d1").glob("*.json")]
    recs2 = [json.loads(p.read_text()) for p in (tmp_path / "d2").glob("*.json")]
    assert len(recs2) == 2 and all(r["devices"] == 2 for r in recs2)
    assert all("|jax-gpu|" in k for r in recs2 for k in r["groups"][0]["missing"])   # only what needs a GPU
    pids = {rec1["pid"]} | {r["pid"] for r in recs2}
    assert len(pids) == 3 and server_pid not in pids                     # a process each, none the server
    (group,) = rec1["groups"]
    got = dict(zip(group["sides"], group["numbers"]))       # its whole group: the sides named get the file's numbers
    assert got[one.num.key] == 3 and got[one.den.key] == 5
    assert run.proc is None                                              # closed with the block


def test_a_dead_server_is_an_error_not_a_hang(tmp_path):
    from runner.worker_server import Server

    with open(tmp_path / "log", "w") as log, Server(ROOT, log, python=str(tmp_path / "no-python")) as run:
        with pytest.raises(OSError):
            run(1, ["norm"], False, dict(os.environ))
