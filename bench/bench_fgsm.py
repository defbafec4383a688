"""asv benchmarks of the ``fgsm`` kernel: time, compile, transfer, peak memory (bench/common.py)."""
from . import common

globals().update(common.suite("fgsm"))
