"""Why the asv suite times calls back to back: a gap between two calls slows JAX's next call.

    .venv/bin/python docs/examples/gap_between_calls.py

Times each call on its own with asv_runner's per-call timer (what asv_runner 0.3.2 does when a
class has a setup), with a busy-wait of 0-100 us between calls instead of the setup. Measured on
the 2-core AMD EPYC box (jax 0.10.2): jit SELU n=1000 5.6 / 5.0 / 24.6 / 56.5 / 65.5 us for gaps of
0 / 2 / 10 / 30 / 100 us; NumPy 4.9 us throughout (docs/asv.md, "Calls per sample").
"""
import statistics
import time
import timeit

from asv_runner.benchmarks.time import _SetupInterleavedTimer

import kernels

CASES = [("jax-cpu", "explicit", "jit"), ("jax-cpu", "device", "jit"), ("numpy-cpu", "host", "eager")]


def gap(us):
    def wait():
        end = time.perf_counter() + us * 1e-6
        while time.perf_counter() < end:
            pass
    return wait


for backend, placement, transform in CASES:
    p = kernels.prepare(kernels.Case("selu", backend, placement, transform, 1000))
    row = []
    for us in (0, 2, 10, 30, 100):
        s = [_SetupInterleavedTimer(p.run, gap(us), timeit.default_timer).timeit(1000) / 1000 for _ in range(7)]
        row.append(f"gap {us} us: {statistics.median(s) * 1e6:.1f} us")
    print(f"{backend} {placement} {transform}:", ", ".join(row))
