"""Paired, replicated timing of functions, for a notebook::

    import jaxbench
    jaxbench.compare(selu_np, selu_jit, x)           # shows "selu_jit is 5.4x [4.9, 6.3] faster than selu_np (...)"
    jaxbench.compare(loop, vmap, jit_vmap, x)        # a Ladder: each against the first, every ratio paired
    %load_ext jaxbench
    %compare selu_np(x) vs selu_jit(x)
"""
from .compare import Ladder, Result, compare

__all__ = ["Ladder", "Result", "compare", "load_ipython_extension"]


def load_ipython_extension(ipython) -> None:
    """``%load_ext jaxbench``: registers the ``%compare`` magic (IPython is imported only now)."""
    from .magic import load_ipython_extension as load

    load(ipython)
