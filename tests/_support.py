"""Helpers shared by the tests (fixtures live in conftest.py)."""


def gpu_present() -> bool:
    """Whether JAX sees a GPU (tests of the jax-gpu label branch on it)."""
    import jax

    try:
        return bool(jax.devices("gpu"))
    except RuntimeError:
        return False
