"""A fork server for the comparison worker processes: each worker is a fork of one preloaded process.

    python -m runner.worker_server      (requests on stdin, answers on stdout, one JSON line each)

A fresh ``python -m runner.measuring_process`` pays ~3.2 s of imports (Python, NumPy, JAX, flax, optax,
the kernels and the asv suite) and re-reads MovieLens and MNIST before it times anything. The
server pays that once: it imports all of it and loads the data, but never starts a JAX backend
(it checks before every fork), then forks one child per request (~10 ms on the 2-core VM). A
child starts its own backend after forcing its host devices, exactly as a fresh worker does, and
measures with the worker's own code (:func:`runner.measuring_process.work`).

A request is ``{"devices": N, "kernels": [...], "reverse": bool, "env": {name: value}}``: the
child's whole environment is ``env`` (the runner's, at the request). The answer is ``{"pid": the
child's pid, "rc": its exit status}``. A request that would change a variable JAX reads at import
(``JAX_*``) is refused with rc 2: the server's JAX was imported under its own start environment.

What a child shares with its siblings: the server's imported modules and loaded data
(copy-on-write) and its address layout (ASLR is drawn per ``exec``, not per ``fork``).
docs/comparisons.md ("Cheap processes") measures whether fork children agree with each other more
than fresh processes do; they must not, or the intervals over processes would be too narrow.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback

REFUSED = 2          # a request the server cannot honour (an unknown kernel, a JAX_* variable changed)
CHILD_FAILED = 1     # the child raised; its traceback went to the log


def preload() -> list[str]:
    """Import everything a worker imports and load the data a kernel reads, without starting a JAX
    backend; the names of the data sets loaded (a missing data set is the child's to report)."""
    import importlib

    import flax.linen  # noqa: F401  (the CNN's model: a fresh worker imports it too)
    import optax  # noqa: F401

    import kernels
    from jaxbench import measure  # noqa: F401
    from results import records  # noqa: F401

    from bench import common, paired_suite  # noqa: F401

    from . import measuring_process  # noqa: F401

    for name in kernels.kernels():
        kernels.kernel(name)
        importlib.import_module(f"bench.bench_{name}")
    loaded = []
    from kernels.data import mnist, movielens

    for what, load in (("movielens", movielens.load_split), ("mnist", mnist.load_mnist)):
        try:
            load()
            loaded.append(what)
        except Exception:   # noqa: BLE001  (absent data: the child's prepare says so, as a fresh worker's does)
            pass
    common.enable_persistent_cache()   # configuration only: no backend starts
    return loaded


def backend_started() -> bool:
    """Whether this process has started a JAX backend (a fork would then share its threads)."""
    from kernels._devices import backends_started

    return backends_started()


def _jax_env_changed(env: dict) -> list[str]:
    """The ``JAX_*`` variables whose value in ``env`` differs from this process's."""
    names = {k for k in set(env) | set(os.environ) if k.startswith("JAX_")}
    return sorted(k for k in names if env.get(k) != os.environ.get(k))


def _child(request: dict, answers) -> None:
    """In the forked child: its environment, then the worker's measurement; never returns."""
    rc = CHILD_FAILED
    try:
        answers.close()
        os.environ.clear()
        os.environ.update(request["env"])
        from . import measuring_process

        rc = measuring_process.work(int(request["devices"]), list(request["kernels"]), bool(request.get("reverse")))
    except BaseException:   # noqa: BLE001  (a child must never return into the server's loop)
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(rc)


def serve(requests, answers) -> int:
    """Fork one child per request line of ``requests``, wait for it, answer on ``answers``."""
    for line in requests:
        if not line.strip():
            continue
        request = json.loads(line)
        changed = _jax_env_changed(request.get("env", {}))
        if changed or backend_started():
            why = (f"JAX_* variable(s) {', '.join(changed)} differ from the server's start environment"
                   if changed else "the server has started a JAX backend: a fork would share its threads")
            print(f"worker_server: refused: {why}", file=sys.stderr, flush=True)
            answers.write(json.dumps({"pid": None, "rc": REFUSED, "why": why}) + "\n")
            answers.flush()
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(request, answers)
        _, status = os.waitpid(pid, 0)
        answers.write(json.dumps({"pid": pid, "rc": os.waitstatus_to_exitcode(status)}) + "\n")
        answers.flush()
    return 0


def main() -> int:
    # the answers get a descriptor of their own; whatever the server or a child prints goes to stderr (the log)
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    loaded = preload()
    print(f"worker_server: pid {os.getpid()} ready (data loaded: {', '.join(loaded) or 'none'})",
          file=sys.stderr, flush=True)
    return serve(sys.stdin, answers)


class Server:
    """The runner's side: ``with Server(cwd, log) as run_worker: run_worker(devices, kernels, reverse, env)``.

    The server starts at the first request, in a process group of its own (an interrupted run
    stops it and its children together: runner/children.py), its stderr and its children's output
    in ``log``. A request returns the child's exit code, as a fresh worker's would."""

    def __init__(self, cwd, log, python: str = sys.executable, module: str = "runner.worker_server"):
        # module: the server's module in ``cwd`` (the gate starts a commit's own, which lived in
        # bench/ before the runner left the suite; the requests and answers have not changed since)
        self.cwd, self.log, self.python, self.module, self.proc = cwd, log, python, module, None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _start(self, env: dict) -> None:
        self.log.write(f"\n$ (cd {self.cwd}) {self.python} -m {self.module}   (one fork per comparison process)\n")
        self.log.flush()
        self.proc = subprocess.Popen([self.python, "-m", self.module], cwd=self.cwd, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
                                     text=True, start_new_session=True)

    def __call__(self, devices: int, kernel_names: list[str], reverse: bool, env: dict) -> int:
        if self.proc is None:
            self._start(env)
        request = {"devices": devices, "kernels": list(kernel_names), "reverse": reverse, "env": env}
        self.log.write(f"\n$ fork: python -m runner.measuring_process --devices {devices} --kernels "
                       f"{','.join(kernel_names)}{' --reverse' if reverse else ''}\n")
        self.log.flush()
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        except BaseException:   # interrupted: the server and the child in progress are stopped now
            self._stop()
            raise
        if not line:
            rc = self.proc.wait()
            self.proc = None
            raise RuntimeError(f"the worker server ended (exit {rc}) before answering; see {self.log.name}")
        return int(json.loads(line)["rc"])

    def close(self) -> None:
        """End the server (its stdin closed: it exits after the child in progress), stopped as a
        group if it does not."""
        if self.proc is None:
            return
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=5)
            self.proc = None
        finally:
            self._stop()

    def _stop(self) -> None:
        """SIGTERM, then SIGKILL, to the server's process group: the server and its child."""
        from .children import stop_group

        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            stop_group(proc)


if __name__ == "__main__":
    sys.exit(main())
