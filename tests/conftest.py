"""Shared pytest configuration: quiet JAX, and the case lists the tests are parametrised over."""
import os

os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
os.environ.setdefault("JAX_PLATFORMS", os.environ.get("JAX_PLATFORMS", ""))

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def split():
    """The lab's MovieLens split (seed 0); skipped with the reason where the data is absent."""
    import kernels
    from kernels import movielens

    try:
        return movielens.load_split(seed=0)
    except kernels.Unavailable as exc:
        pytest.skip(exc.reason)
