"""pytest-benchmark timings of registry cases, grouped by kernel.

    pytest tests/benchmarks --benchmark-only                      # lecture sizes
    JAXBENCH_PYTEST_SIZES=grid pytest tests/benchmarks --benchmark-only -k selu
"""
import pytest

import kernels


def test_case(benchmark, bench_case):
    try:
        p = kernels.prepare(bench_case)
    except kernels.Unavailable as exc:
        pytest.skip(exc.reason)
    benchmark.group = bench_case.kernel + (f"[{bench_case.variant}]" if bench_case.variant else "") + f" size={bench_case.size}"
    benchmark.extra_info.update(
        backend=bench_case.backend, placement=bench_case.placement, transform=bench_case.transform,
        compile_seconds=p.compile_seconds, transfer_seconds=p.transfer_seconds, flops=p.flops,
        bytes=p.bytes, device=p.device, precision=p.precision, notes=p.notes)
    out = benchmark(p.run)  # p.run blocks until the result is ready
    p._compare(out)  # the timed result is still right
