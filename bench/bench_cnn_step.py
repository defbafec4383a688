"""asv benchmarks of one CNN training step (MNIST 5k): time, compile, transfer, peak memory
(bench/common.py) and the validation error after one epoch."""
from . import common, paired_suite

globals().update(common.suite("cnn_step"))
globals().update(paired_suite.comparison_classes(common.kernels.kernel("cnn_step"), common.size_mode() == "full"))


class CnnStepAccuracy:
    """Validation error (1 - accuracy) after one epoch on MNIST 5k, per backend (lower is better)."""

    params = [list(common.kernels.BACKENDS)]
    param_names = ["backend"]
    unit = "error"

    def setup_cache(self):
        return common.accuracy_cache("cnn_step", "track_validation_error", epochs=1, seed=0)

    setup_cache.timeout = 900

    def track_validation_error(self, cache, backend):
        return common.accuracy_value(cache, backend)
