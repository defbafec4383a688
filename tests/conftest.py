"""Shared pytest configuration: quiet JAX, and the case lists the tests are parametrised over."""
import os

os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
os.environ.setdefault("JAX_PLATFORMS", os.environ.get("JAX_PLATFORMS", ""))

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
    """The report fixtures (tests/fixtures/results) as jaxbench.load reads them, warnings silenced."""
    import warnings
    from pathlib import Path

    from jaxbench.load import ResultsWarning, load_results

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

from _support import FIXTURE_RESULTS, REPORT_GROUP, quiet_report_run, results_digest  # noqa: E402


@pytest.fixture(scope="session")
def fixtures_report(tmp_path_factory):
    """``python -m reports`` (its main, in this process) over a copy of tests/fixtures/results, built
    once for the golden copies, tests/test_reports.py, tests/test_lecture.py and
    tests/test_scaling_report.py (a build takes over a minute on 2 cores): results (the copy), out,
    rc (main's exit status), before and after (the copy's digest around the build)."""
    import shutil
    from types import SimpleNamespace

    from reports.__main__ import main

    base = tmp_path_factory.mktemp("fixtures-report")
    results = base / "results"
    shutil.copytree(FIXTURE_RESULTS, results)
    before = results_digest(results)
    out = base / "out"
    with quiet_report_run():
        rc = main(["--results", str(results), "--out", str(out), "--no-progress"])
    return SimpleNamespace(results=results, out=out, rc=rc, before=before, after=results_digest(results))


@pytest.hookimpl(tryfirst=True)      # before xdist reads the groups into the test ids
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (make test TEST_WORKERS=n: --dist loadgroup) the tests that read the
    shared report go to one worker as one group, so it is built once there. xdist hands out the
    groups with the most tests first (its default --loadscope-reorder)."""
    for item in items:
        if "fixtures_report" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group(REPORT_GROUP))
