"""asv benchmarks of hard singular-value thresholding (MovieLens-100k): time, compile, transfer,
peak memory (bench/common.py), the declared comparisons (bench/paired_suite.py), accuracy after a fixed number
of iterations, and the trivial recommender's RMSE and rho (the lecture's baseline figures)."""
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
            return {b: f"the full grid only ({common.settings.SIZES.var}=full)" for b in common.kernels.BACKENDS}
        return common.accuracy_cache("svt_hard", "track_errors", iterations=10, seed=0)

    setup_cache.timeout = 900

    def track_rmse(self, cache, backend):
        return common.accuracy_value(cache, backend, "rmse")

    def track_one_minus_rho(self, cache, backend):
        return common.accuracy_value(cache, backend, "one_minus_rho")


class TrivialRecommender:
    """The lab's trivial recommender (each user's mean training rating) on the seed-0 MovieLens
    split: test RMSE and Pearson rho (kernels.data.movielens.trivial_metrics; NumPy, a second).
    The report's lecture figures of the trivial recommender read these tracks: it loads no data."""

    params = [["numpy-cpu"]]
    param_names = ["backend"]

    def setup_cache(self):
        import kernels
        from kernels.data import movielens

        try:
            rmse, rho = movielens.trivial_metrics(movielens.load_split(seed=0))
        except kernels.Unavailable as exc:
            return {"numpy-cpu": f"unavailable here: {exc.reason}"}
        return {"numpy-cpu": {"rmse": rmse, "rho": rho}}

    def track_trivial_rmse(self, cache, backend):
        return common.accuracy_value(cache, backend, "rmse")

    track_trivial_rmse.unit = "RMSE (rating points)"

    def track_trivial_rho(self, cache, backend):
        return common.accuracy_value(cache, backend, "rho")

    track_trivial_rho.unit = "Pearson rho"
