"""Calibration: the machine's measured peaks, so reports can print "percent of peak".

Two benchmarks, each timed per backend where it runs:

- ``time_gemm_peak``: one float32 GEMM ``a @ b`` of two n x n matrices (2 n^3 FLOPs);
  the report turns the median time into GFLOP/s = 2 n^3 / median / 1e9.
- ``time_copy_bandwidth``: one copy of a float32 array of ``nbytes`` bytes into a second,
  preallocated array (reads and writes ``nbytes`` each); the report turns the median time
  into GB/s = 2 * nbytes / median / 1e9.

Backends: ``numpy-cpu`` (the CPU peak, what NumPy/BLAS reach) and ``jax-gpu`` (the GPU peak,
jitted and blocked until ready; skipped, n/a, where ``jax.devices("gpu")`` finds nothing).
jax is imported inside ``setup`` only: a top-level ``import jax`` breaks asv's forkserver.
The parameter values are read back by ``reports/`` to compute the rates: change them here only.
"""
import numpy as np

from . import common  # noqa: F401  (back-to-back calls in a sample: see the top of bench/common.py)

GEMM_N = 2048
COPY_NBYTES = 64 * 2**20
BACKENDS = ["numpy-cpu", "jax-gpu"]


def _gpu():
    """The first GPU device, or skip (NotImplementedError in setup is n/a in asv)."""
    try:
        import jax
        return jax.devices("gpu")[0]
    except Exception as exc:  # RuntimeError: no GPU backend; ImportError: no jax
        raise NotImplementedError(f"jax-gpu not available: {exc}")


class GemmPeak:
    """Peak GFLOP/s of a float32 matrix product (the GEMM the kernels are compared with)."""

    params = [BACKENDS, [GEMM_N]]
    param_names = ["backend", "n"]
    warmup_time = 0.5

    def setup(self, backend, n):
        rng = np.random.default_rng(0)
        a = rng.standard_normal((n, n), dtype=np.float32)
        b = rng.standard_normal((n, n), dtype=np.float32)
        if backend == "numpy-cpu":
            self.run = lambda: a @ b
        else:
            import jax
            dev = _gpu()
            with jax.default_matmul_precision("highest"):
                f = jax.jit(lambda x, y: x @ y)
                a_d, b_d = jax.device_put(a, dev), jax.device_put(b, dev)
                jax.block_until_ready(f(a_d, b_d))
            self.run = lambda: jax.block_until_ready(f(a_d, b_d))

    def time_gemm_peak(self, backend, n):
        self.run()


class CopyBandwidth:
    """Copy bandwidth in GB/s: bytes read + bytes written per second by one array copy."""

    params = [BACKENDS, [COPY_NBYTES]]
    param_names = ["backend", "nbytes"]
    warmup_time = 0.5

    def setup(self, backend, nbytes):
        src = np.arange(nbytes // 4, dtype=np.float32)
        if backend == "numpy-cpu":
            dst = np.empty_like(src)
            self.run = lambda: np.copyto(dst, src)
        else:
            import jax
            dev = _gpu()
            f = jax.jit(lambda x: x + 1.0)  # one read, one write of every element
            x = jax.device_put(src, dev)
            jax.block_until_ready(f(x))
            self.run = lambda: jax.block_until_ready(f(x))

    def time_copy_bandwidth(self, backend, nbytes):
        self.run()
