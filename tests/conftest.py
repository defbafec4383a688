"""Shared pytest configuration: quiet JAX, and the case lists the tests are parametrised over."""
import os

os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
os.environ.setdefault("JAX_PLATFORMS", os.environ.get("JAX_PLATFORMS", ""))
# One OpenBLAS thread in every test process and every process the tests start (NumPy's, SciPy's and
# through SciPy jaxlib's LAPACK; read when the library loads, and no test has imported NumPy yet):
# make test runs two workers on two cores, and each library's idle threads spin. make test, 2-core
# Zen 3 EPYC at 2445 MHz, 2026-12-07: 373 s and 675 user-s with the default (one run; 380-411 s in
# the runs of the day before), 308, 321 and 287 s with one thread (three runs, the figure fix of the
# same commits included; 391-403 s in a slower hour of the VM). threadpoolctl limits per test file
# missed jaxlib's OpenBLAS, which SciPy loads after the limit is set.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# The tests compile with XLA's backend optimisations off, with XLA's older CPU loop emitters and with
# one LLVM code-generation thread (every process they start inherits XLA_FLAGS): they check results
# against NumPy within tolerances, not speed, and compiling is most of their time (tests/test_kernels.py
# compiles 1,235 XLA programs, 51 ms each at level 0 under cProfile). tests/test_kernels.py alone,
# one process, `pytest -p no:xdist`, 2-core Zen 3 EPYC at 2445 MHz, one run each: 104 s at level 0,
# 69 s with the fusion emitters off, 63 s with one code-generation thread too (84 CPU-s instead of
# 140: the split compiles in threads that the other test worker needs). On a 2-core Xeon, level 0
# alone took tests/test_kernels.py + test_norm_hessian.py from 184 s to 122 s. The optimised code is
# checked where it is timed: kernels.prepare verifies every case against its NumPy reference in
# every benchmark process of make bench and asv run. JAXBENCH_TEST_XLA_OPTIMISED=1 compiles as make bench does
# (kernels/settings.py; importing kernels imports no JAX, so XLA_FLAGS is still set before JAX starts).
from kernels import settings  # noqa: E402

FAST_COMPILE = ("--xla_backend_optimization_level=0", "--xla_cpu_use_fusion_emitters=false",
                "--xla_cpu_parallel_codegen_split_count=1")
if not settings.xla_optimised_in_tests():
    _flags = os.environ.get("XLA_FLAGS", "")
    _missing = [f for f in FAST_COMPILE if f.split("=")[0] not in _flags]
    os.environ["XLA_FLAGS"] = " ".join([_flags, *_missing]).strip()

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def split():
    """The lab's MovieLens split (seed 0); skipped with the reason where the data is absent."""
    import kernels
    from kernels.data import movielens

    try:
        return movielens.load_split(seed=0)
    except kernels.Unavailable as exc:
        pytest.skip(exc.reason)


@pytest.fixture(scope="session")
def loaded():
    """The report fixtures (tests/fixtures/results) as results.frame reads them, warnings silenced."""
    import warnings
    from pathlib import Path

    from results.files import ResultsWarning
    from results.frame import load_results

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResultsWarning)
        return load_results(Path(__file__).resolve().parent / "fixtures" / "results")


@pytest.fixture
def short_tmp():
    """A TMPDIR of a short path (asv's forkserver socket lives inside it: <= 107 bytes)."""
    import shutil
    import tempfile
    from pathlib import Path

    d = Path(tempfile.mkdtemp(prefix="jbt-", dir="/tmp"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


# --------------------------------------------------------------------------- one report, many tests

from _support import FIXTURE_RESULTS, quiet_report_run, results_digest  # noqa: E402


@pytest.fixture(scope="session")
def fixtures_report(tmp_path_factory):
    """``python -m reports`` (its main, in this process) over a copy of tests/fixtures/results, built
    once for the golden copies, tests/test_reports.py, tests/test_lecture.py and
    tests/test_scaling_report.py (a build takes ~40 s on 2 cores): results (the copy), out, rc
    (main's exit status), before and after (the copy's digest around the build).

    Once for the whole run, under pytest-xdist too (make test: ``-n 2 --dist loadfile``): the first
    worker to ask builds it into the folder the workers share, under a lock, and writes ``built.json``
    last; the others wait on the lock and read it (xdist's own recipe for a session fixture made once)."""
    import fcntl
    import json
    import shutil
    from types import SimpleNamespace

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent                      # the run's folder, above each worker's own
    base = root / "fixtures-report"
    with open(root / "fixtures-report.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = base / "built.json"
        if not done.exists():
            from reports.__main__ import main

            shutil.rmtree(base, ignore_errors=True)
            shutil.copytree(FIXTURE_RESULTS, base / "results")
            before = results_digest(base / "results")
            with quiet_report_run():
                rc = main(["--results", str(base / "results"), "--out", str(base / "out"), "--no-progress"])
            done.write_text(json.dumps({"rc": rc, "before": before, "after": results_digest(base / "results")}))
        built = json.loads(done.read_text())
    return SimpleNamespace(results=base / "results", out=base / "out", **built)


# --------------------------------------------------------------------------- longest files first

# The test files that take longest, longest first (seconds of one worker's time, summed per file, from
# `make test PYTEST_ARGS=--junitxml=...` on a 2-core Zen 3 EPYC at 2445 MHz, 2026-12-07 15:12; an
# order, not a bar). make test hands whole files to its workers in collection order (--dist loadfile
# --no-loadscope-reorder): longest first, the others after in their usual order, so no long file
# starts last and leaves one worker idle at the end (xdist's own order, most tests first, sent these
# last). A file missing here only runs later.
LONGEST_FIRST = (
    "test_reports.py",          # 76 s, and the files of its unit (SHARE_A_WORKER) ~31 s more
    "test_kernels.py",          # 62 s, and the files of its unit ~19 s more
    "test_cnn.py",              # 57 s
    "test_svt_hard.py",         # 51 s
    "test_compare.py",          # 48 s
    "test_nothing_lost.py",     # 44 s
    "test_asv_suite.py",        # 29 s
    "test_sharded.py",          # 24 s
    "test_bench_cli.py",        # 21 s
    "test_distributed.py",      # 18 s
    "test_worker_server.py",    # 14 s
    "test_health.py",           # 13 s
    "test_measuring_process.py",  # 13 s
    "test_svt_soft.py",         # 12 s
)


# Files that share one costly set-up run on one worker, one after the other, as one unit of work:
# - the fixtures report is built once, in line, by the worker that then runs every test reading it
#   (with a file per unit the other worker sat waiting on the build's lock: 28 s + 12 s of one run);
# - the files that prepare the registry's cases at each kernel's smallest default-run size share
#   one process's compiled programs: JAX keeps an eager operation's compiled program per process,
#   and an eager Hessian case prepared a second time there took 0.10 s where the first took 5.33 s
#   (one run, 2-core Zen 3 EPYC, 2026-12-07).
# By hand because xdist's own way, ``--dist loadgroup`` with ``xdist_group`` marks, loses the marks
# under pytest 9.2 (see the Makefile); the hook below is xdist's documented way to group otherwise.
SHARE_A_WORKER = {
    **{name: "fixtures report" for name in
       ("test_reports.py", "test_report_golden.py", "test_lecture.py", "test_scaling_report.py")},
    **{name: "compiled cases" for name in ("test_kernels.py", "test_norm_hessian.py", "test_bench_kernels.py")},
}


def unit_of(nodeid: str) -> str:
    """The unit of work a test belongs to: its file, or the group its file shares a worker with."""
    path = nodeid.split("::", 1)[0]
    return SHARE_A_WORKER.get(path.rsplit("/", 1)[-1], path)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile`` with the files of :data:`SHARE_A_WORKER` as one unit (None: xdist's own)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class FilesAndGroups(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

    return FilesAndGroups(config, log)


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))   # stable: a file's own order kept
