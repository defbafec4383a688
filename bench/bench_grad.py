"""asv benchmarks of the ``grad`` kernel: time, compile, transfer, peak memory (bench/common.py), the declared comparisons (bench/paired_suite.py)."""
from . import common, paired_suite

globals().update(common.suite("grad"))
globals().update(paired_suite.comparison_classes(common.kernels.kernel("grad"), common.size_mode() == "full"))
