"""asv benchmarks of the ``rowdot`` kernel: time, compile, transfer, peak memory (bench/common.py), the declared comparisons (bench/paired_suite.py)."""
from . import common, paired_suite

globals().update(common.suite("rowdot"))
globals().update(paired_suite.comparison_classes(common.kernels.kernel("rowdot"), common.size_mode() == "full"))
