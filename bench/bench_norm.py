"""asv benchmarks of the ``norm`` kernel: time, compile, transfer, peak memory (bench/common.py)."""
from . import common

globals().update(common.suite("norm"))
