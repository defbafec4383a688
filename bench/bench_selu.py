"""asv benchmarks of the ``selu`` kernel: time, compile, transfer, peak memory (bench/common.py), the declared comparisons (bench/paired_suite.py)."""
from . import common, paired_suite

globals().update(common.suite("selu"))
globals().update(paired_suite.comparison_classes(common.kernels.kernel("selu"), common.size_mode() == "full"))
