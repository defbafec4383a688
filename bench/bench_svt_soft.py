"""asv benchmarks of soft singular-value thresholding (MovieLens-100k): time, compile, transfer,
peak memory (bench/common.py) and accuracy after a fixed number of iterations."""
from . import common

globals().update(common.suite("svt_soft"))


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
