"""asv benchmarks of soft singular-value thresholding (the Mondrian image): time, compile, transfer,
peak memory (bench/common.py), the declared comparisons (bench/paired_suite.py) and accuracy after a fixed number of iterations."""
from . import common, paired_suite

globals().update(common.suite("svt_soft"))
globals().update(paired_suite.comparison_classes(common.kernels.kernel("svt_soft"), common.size_mode() == "full"))


class SvtSoftAccuracy:
    """Relative error after 50 soft-SVT iterations, per backend (lower is better)."""

    params = [list(common.kernels.BACKENDS)]
    param_names = ["backend"]
    unit = "error"

    def setup_cache(self):
        return common.accuracy_cache("svt_soft", "track_relative_error", iterations=50, seed=0)

    setup_cache.timeout = 900

    def track_relative_error(self, cache, backend):
        return common.accuracy_value(cache, backend)
