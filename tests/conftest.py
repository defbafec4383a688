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
