"""Which registry cases the pytest-benchmark module times (a filter over kernels.cases, not a list).

JAXBENCH_PYTEST_SIZES: ``default`` (each kernel's lecture size; the default when benchmarking),
``quick`` (smallest quick size; the default under --benchmark-disable, as in `make test`),
``grid`` (every size of the benchmark grid). Placements: host and explicit; float32.
"""
import kernels
from kernels import settings


def _sizes(spec, mode):
    return {"quick": (min(spec.default_grid()),), "default": (spec.default_size,), "grid": spec.sizes}[mode]


def selected_cases(mode):
    out = []
    for name, spec in kernels.kernels().items():
        for size in _sizes(spec, mode):
            # one device: a sharded case needs a process started with its devices (python -m runner)
            out += [c for c in kernels.cases(kernel=name, size=size, dtype="float32", devices=1)
                    if c.placement in ("host", "explicit") and c.backend != "jax-gpu" or
                    (c.backend == "jax-gpu" and c.placement == "explicit")]
    return out


def pytest_generate_tests(metafunc):
    if "bench_case" in metafunc.fixturenames:
        disabled = metafunc.config.getoption("benchmark_disable", False)
        mode = settings.pytest_sizes(disabled)   # JAXBENCH_PYTEST_SIZES (kernels/settings.py)
        cases = selected_cases(mode)
        metafunc.parametrize("bench_case", cases, ids=[c.label for c in cases])
