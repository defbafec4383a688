"""asv benchmarks of the ``hessian`` kernel: time, compile, transfer, peak memory (bench/common.py), the declared comparisons (bench/paired_suite.py)."""
from . import common, paired_suite

globals().update(common.suite("hessian"))
globals().update(paired_suite.comparison_classes(common.kernels.kernel("hessian"), common.size_mode() == "full"))
