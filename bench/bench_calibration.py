"""Calibration: the machine's measured limits, so reports can print "percent of peak".

Benchmarks, each timed per backend where it runs:

- ``GemmPeak.time_gemm_peak``: one float32 GEMM ``a @ b`` of two n x n matrices (2 n^3 FLOPs);
  the report turns the median time into GFLOP/s = 2 n^3 / median / 1e9.
- ``GemmPeakFloat64.time_gemm_peak_float64``: the same in float64 (param ``dtype``,
  n = ``GEMM_N_FLOAT64``), the limit of the float64 cases.
- ``CopyBandwidth.time_copy_bandwidth``: one copy of a float32 array of ``nbytes`` bytes into a
  second array (reads and writes ``nbytes`` each); the report turns the median time into
  GB/s = 2 * nbytes / median / 1e9. One ``nbytes`` per memory level (:func:`copy_sizes`): a
  quarter of each CPU cache level's size (L1, L2, L3 data/unified caches of
  ``/sys/devices/system/cpu/cpu0/cache``, :data:`DEFAULT_CACHES` where unreadable), so source +
  destination fill half of that level, then the DRAM size, max(``COPY_NBYTES``, the last-level
  cache): source + destination at least twice the LLC. ``reports.derived.limits`` reads the sizes back
  in that order (largest: DRAM; the others L1, L2, L3; a level's capacity = 4 * nbytes).

Backends: ``numpy-cpu`` (``np.copyto``, NumPy's BLAS), ``jax-cpu`` (jitted, XLA's CPU GEMM runs
~2x OpenBLAS on some CPUs) and ``jax-gpu`` (the GPU limits, jitted and blocked until ready;
skipped, n/a, where ``jax.devices("gpu")`` finds nothing). JAX's copy is ``x + 1.0`` under jit
(one read, one write per element). The CPU limits are the best of NumPy and JAX.
jax is imported inside ``setup`` only: a top-level ``import jax`` breaks asv's forkserver.
The parameter values are read back by ``reports/`` to compute the rates: change them here only.
The whole calibration runs in ~20-30 s on 2 cores (``python -m runner`` runs it once per run).
"""
from pathlib import Path

import numpy as np

from . import common  # noqa: F401  (back-to-back calls in a sample: see the top of bench/common.py)

GEMM_N = 2048
GEMM_N_FLOAT64 = 1024        # float64: 1/8 of the work (2048 took 0.5 s a call on 2 cores)
COPY_NBYTES = 64 * 2**20     # the smallest DRAM copy (the only size before the per-level sizes)
BACKENDS = ["numpy-cpu", "jax-cpu", "jax-gpu"]
CACHE_DIR = Path("/sys/devices/system/cpu/cpu0/cache")
DEFAULT_CACHES = {1: 32 * 2**10, 2: 256 * 2**10, 3: 16 * 2**20}   # bytes, where sysfs says nothing
LEVEL_PER_NBYTES = 4         # a cache level's copy: nbytes = level size / 4 (src + dst: half the level)


def _parse_size(text: str) -> int:
    """sysfs cache size ('48K', '2048K', '32M') -> bytes."""
    text = text.strip().upper()
    scale = {"K": 2**10, "M": 2**20, "G": 2**30}.get(text[-1:], 1)
    return int(text.rstrip("KMG")) * scale


def cache_sizes() -> dict:
    """level (1, 2, 3) -> size in bytes of cpu0's data or unified cache there; the defaults of
    :data:`DEFAULT_CACHES` where ``/sys`` has no cache information."""
    found = {}
    for index in sorted(CACHE_DIR.glob("index*")):
        try:
            level = int((index / "level").read_text())
            kind = (index / "type").read_text().strip()
            size = _parse_size((index / "size").read_text())
        except (OSError, ValueError):
            continue
        if kind in ("Data", "Unified") and 1 <= level <= 3 and size > 0:
            found[level] = max(found.get(level, 0), size)
    return found or dict(DEFAULT_CACHES)


def copy_sizes(caches: dict | None = None) -> list:
    """The copy's ``nbytes``, ascending: a quarter of each cache level, then the DRAM size."""
    caches = cache_sizes() if caches is None else caches
    per_level = [max(4096, size // LEVEL_PER_NBYTES // 64 * 64) for _, size in sorted(caches.items())]
    dram = max(COPY_NBYTES, max(caches.values()) // 64 * 64)
    return sorted(set(per_level) - {dram}) + [dram]


COPY_SIZES = copy_sizes()
_PREPARED = {}   # asv_runner re-runs setup before every sample: prepare once per process


def _prepared(key, make):
    """``make()`` once per process and ``key`` (a 480 MiB copy takes 2 s to set up)."""
    if key not in _PREPARED:
        _PREPARED[key] = make()
    return _PREPARED[key]


def _gpu():
    """The first GPU device, or skip (NotImplementedError in setup is n/a in asv)."""
    try:
        import jax
        return jax.devices("gpu")[0]
    except Exception as exc:  # RuntimeError: no GPU backend; ImportError: no jax
        raise NotImplementedError(f"jax-gpu not available: {exc}")


def _device(backend):
    """The JAX device of ``backend`` (jax-cpu / jax-gpu)."""
    if backend == "jax-gpu":
        return _gpu()
    import jax
    return jax.devices("cpu")[0]


def _gemm(backend, n, dtype):
    """A function running one ``a @ b`` of two n x n matrices of ``dtype`` on ``backend``."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    if backend == "numpy-cpu":
        return lambda: a @ b
    import jax
    if dtype == "float64":
        jax.config.update("jax_enable_x64", True)
    dev = _device(backend)
    with jax.default_matmul_precision("highest"):
        f = jax.jit(lambda x, y: x @ y)
        a_d, b_d = jax.device_put(a, dev), jax.device_put(b, dev)
        jax.block_until_ready(f(a_d, b_d))
    return lambda: jax.block_until_ready(f(a_d, b_d))


def _copy(backend, nbytes):
    """A function copying a float32 array of ``nbytes`` into a second one on ``backend``."""
    src = np.arange(nbytes // 4, dtype=np.float32)
    if backend == "numpy-cpu":
        dst = np.empty_like(src)
        dst.fill(0.0)    # first touch outside the timing
        return lambda: np.copyto(dst, src)
    import jax
    dev = _device(backend)
    f = jax.jit(lambda x: x + 1.0)  # one read, one write of every element
    x = jax.device_put(src, dev)
    jax.block_until_ready(f(x))
    return lambda: jax.block_until_ready(f(x))


class GemmPeak:
    """Peak GFLOP/s of a float32 matrix product (the GEMM the kernels are compared with)."""

    params = [BACKENDS, [GEMM_N]]
    param_names = ["backend", "n"]
    warmup_time = 0.5

    def setup(self, backend, n):
        self.run = _prepared(("gemm", backend, n, "float32"), lambda: _gemm(backend, n, "float32"))

    def time_gemm_peak(self, backend, n):
        self.run()


class GemmPeakFloat64:
    """Peak GFLOP/s of a float64 matrix product (the limit of the float64 cases)."""

    params = [BACKENDS, [GEMM_N_FLOAT64], ["float64"]]
    param_names = ["backend", "n", "dtype"]
    warmup_time = 0.3

    def setup(self, backend, n, dtype):
        self.run = _prepared(("gemm", backend, n, dtype), lambda: _gemm(backend, n, dtype))

    def time_gemm_peak_float64(self, backend, n, dtype):
        self.run()


class CopyBandwidth:
    """Copy bandwidth in GB/s, one working set per memory level: bytes read + bytes written per
    second by one array copy of ``nbytes`` (:func:`copy_sizes`)."""

    params = [BACKENDS, COPY_SIZES]
    param_names = ["backend", "nbytes"]
    warmup_time = 0.2

    def setup(self, backend, nbytes):
        self.run = _prepared(("copy", backend, nbytes), lambda: _copy(backend, nbytes))

    def time_copy_bandwidth(self, backend, nbytes):
        self.run()
