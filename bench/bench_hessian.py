"""asv benchmarks of the ``hessian`` kernel: time, compile, transfer, peak memory (bench/common.py)."""
from . import common

globals().update(common.suite("hessian"))
