"""asv benchmarks of the ``rowdot`` kernel: time, compile, transfer, peak memory (bench/common.py)."""
from . import common

globals().update(common.suite("rowdot"))
