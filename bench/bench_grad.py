"""asv benchmarks of the ``grad`` kernel: time, compile, transfer, peak memory (bench/common.py)."""
from . import common

globals().update(common.suite("grad"))
