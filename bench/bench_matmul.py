"""asv benchmarks of the ``matmul`` kernel: time, compile, transfer, peak memory (bench/common.py)."""
from . import common

globals().update(common.suite("matmul"))
