"""asv benchmarks of the ``norm`` kernel: time, compile, transfer, peak memory (bench/common.py), the declared comparisons (bench/paired_suite.py)."""
from . import common, paired_suite

globals().update(common.suite("norm"))
globals().update(paired_suite.comparison_classes(common.kernels.kernel("norm"), common.size_mode() == "full"))
