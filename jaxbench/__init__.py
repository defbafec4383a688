"""The measuring engine and its notebook face.

The engine times the sides of a comparison in one process, interleaved, pass after pass
(:mod:`jaxbench.passes`), in groups declared once from the registry (:mod:`jaxbench.declare`,
:mod:`jaxbench.measure`), with the processes and passes allocated where they pay
(:mod:`jaxbench.allocation`); the asv suite (bench/) and the runner (runner/) call it, and the
results it records are read and written by results/. Its notebook face is paired, replicated
timing of any functions::

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
