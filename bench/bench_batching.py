"""asv benchmarks of the ``batching`` kernel: time, compile, transfer, peak memory (bench/common.py)."""
from . import common

globals().update(common.suite("batching"))
