"""asv benchmarks of the ``selu`` kernel: time, compile, transfer, peak memory (bench/common.py)."""
from . import common

globals().update(common.suite("selu"))
