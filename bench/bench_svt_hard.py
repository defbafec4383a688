"""asv benchmarks of hard singular-value thresholding (MovieLens-100k): time, compile, transfer,
peak memory (bench/common.py), the declared comparisons (bench/paired_suite.py) and accuracy after a fixed number of iterations."""
from . import common, paired_suite

globals().update(common.suite("svt_hard"))
globals().update(paired_suite.comparison_classes(common.kernels.kernel("svt_hard"), common.size_mode() == "full"))


class SvtHardAccuracy:
    """Test RMSE and 1 - rho after 10 hard-SVT iterations, per backend (lower is better)."""

    default_run = False      # ~80 s of SVT iterations on MovieLens: the full grid only (FULL=1)
    params = [list(common.kernels.BACKENDS)]
    param_names = ["backend"]
    unit = "error"

    def setup_cache(self):
        if common.size_mode() != "full":   # a plain `asv run` of the default run: n/a, not 80 s
            return {b: "the full grid only (JAXBENCH_SIZES=full)" for b in common.kernels.BACKENDS}
        return common.accuracy_cache("svt_hard", "track_errors", iterations=10, seed=0)

    setup_cache.timeout = 900

    def track_rmse(self, cache, backend):
        return common.accuracy_value(cache, backend, "rmse")

    def track_one_minus_rho(self, cache, backend):
        return common.accuracy_value(cache, backend, "one_minus_rho")
