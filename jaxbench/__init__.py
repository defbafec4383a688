"""Paired, replicated timing of two functions, for a notebook::

    import jaxbench
    print(jaxbench.compare(selu_np, selu_jit, x))   # "selu_jit is 5.4x [4.9, 6.3] faster than selu_np (...)"
    %load_ext jaxbench
    %compare selu_np(x) vs selu_jit(x)
"""
from .compare import Result, compare

__all__ = ["Result", "compare", "load_ipython_extension"]


def load_ipython_extension(ipython) -> None:
    """``%load_ext jaxbench``: registers the ``%compare`` magic (IPython is imported only now)."""
    from .magic import load_ipython_extension as load

    load(ipython)
