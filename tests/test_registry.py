"""The case registry: enumeration, validation, refusals with useful messages."""
import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import kernels
from kernels import Case

LECTURE_KERNELS = ("matmul", "batching", "selu", "rowdot", "grad")


def test_lecture_kernels_are_registered():
    assert set(LECTURE_KERNELS) <= set(kernels.kernels())


def _declares_kernel(path: Path) -> bool:
    """Whether a module assigns ``KERNEL`` at top level, read from its source (nothing imported)."""
    for node in ast.parse(path.read_text()).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if any(isinstance(t, ast.Name) and t.id == "KERNEL" for t in targets):
            return True
    return False


def test_registry_lists_exactly_the_kernel_modules_and_no_data_loader():
    package = Path(kernels.__file__).parent
    declared = {m.name for m in pkgutil.iter_modules([str(package)])
                if not m.ispkg and not m.name.startswith("_") and _declares_kernel(package / f"{m.name}.py")}
    assert set(kernels.kernels()) == declared          # a kernel's module is named after it
    data = importlib.import_module("kernels.data")
    assert not hasattr(data, "KERNEL") and "data" not in kernels.kernels()
    assert not {m.name for m in pkgutil.iter_modules(data.__path__)} & set(kernels.kernels())
    with pytest.raises(ValueError, match="valid kernels"):
        kernels.kernel("data")


def test_data_package_imports_no_loader():
    """Discovery imports ``kernels.data`` (a subpackage of the registry's directory): it must stay free."""
    code = "import sys, kernels.data; print(sorted(m for m in sys.modules if m.startswith('kernels.data.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cases_enumerate_every_axis_and_filter():
    all_cases = kernels.cases()
    assert len(all_cases) == len(set(all_cases)), "duplicate cases"
    matmul = kernels.cases(kernel="matmul", backend="jax-cpu", size=3000)
    # 3 placements x 2 transforms x 2 dtypes x 2 operands on one device, + jit on 2 and 4 devices
    assert len(matmul) == 24 + 3 * 2 * 2 * 2
    assert len([c for c in matmul if c.devices == 1]) == 24
    assert len(kernels.cases(kernel="matmul", backend="jax-cpu", size=3000, devices=1)) == 24
    assert {c.placement for c in matmul} == {"device", "implicit", "explicit"}
    assert {c.variant for c in matmul} == {"x@x.T", "x@y"}
    numpy_cases = kernels.cases(backend="numpy-cpu")
    assert numpy_cases and all(c.placement == "host" for c in numpy_cases)
    assert kernels.cases(kernel="selu", transform="jit", dtype="float64", backend="jax-gpu")


def test_jit_loop_sizes_are_bounded_in_the_grid():
    assert all(c.size <= 1000 for c in kernels.cases(kernel="rowdot", transform="jit_loop"))
    assert kernels.cases(kernel="rowdot", transform="loop", size=10_000)


@pytest.mark.parametrize("field,value,listed", [
    ("backend", "jax-tpu", "numpy-cpu"),
    ("placement", "device", "host"),
    ("transform", "vmap", "eager"),
    ("dtype", "float16", "float32"),
    ("variant", "x@z", "x@y"),
])
def test_invalid_combination_lists_valid_values(field, value, listed):
    base = dict(kernel="matmul", backend="numpy-cpu", placement="host", transform="eager",
                size=256, dtype="float32", variant="x@y")
    base[field] = value
    with pytest.raises(ValueError, match=listed):
        kernels.prepare(Case(**base))


def test_unknown_kernel_lists_kernels():
    with pytest.raises(ValueError, match="matmul"):
        kernels.cases(kernel="nope")


@pytest.mark.parametrize("size,match", [(0, "positive"), (-5, "positive"), (10**10, "outside"),
                                        (2.5, "integer")])
def test_bad_sizes_are_refused(size, match):
    with pytest.raises(ValueError, match=match):
        kernels.prepare(Case("selu", "numpy-cpu", "host", "eager", size))


def test_size_that_does_not_fit_in_memory_is_refused_before_allocating(monkeypatch):
    monkeypatch.setattr(kernels._registry, "available_memory_bytes", lambda: 2**30)
    with pytest.raises(ValueError, match="GiB available"):
        kernels.prepare(Case("matmul", "numpy-cpu", "host", "eager", 16384, "float32", "x@y"))


def test_jit_loop_above_bound_is_refused():
    with pytest.raises(ValueError, match=r"\[1, 1000\]"):
        kernels.prepare(Case("rowdot", "jax-cpu", "explicit", "jit_loop", 10_000))


def test_compile_budget_breach_is_a_clear_error():
    case = Case("rowdot", "jax-cpu", "explicit", "jit_loop", 200)
    with pytest.raises(kernels.CompileBudgetExceeded, match="budget") as info:
        kernels.prepare(case, compile_budget_s=0.05)
    info.value.worker.join()  # let the abandoned compile finish: XLA aborts if killed mid-compile


def test_numpy_case_metadata():
    p = kernels.prepare(Case("matmul", "numpy-cpu", "host", "eager", 256, "float32", "x@x.T"))
    assert "SYRK" in p.notes
    assert p.flops == 2 * 256 ** 3 and p.bytes == 2 * 256 * 256 * 4
    assert p.compile_seconds is None and p.transfer_seconds is None and p.device == "numpy"


@pytest.fixture
def compiles():
    """The XLA backend compiles of the test, one entry each (JAX's compile-duration events)."""
    from jax import monitoring
    seen = []

    def listen(name, secs, **kw):
        if name == "/jax/core/compile/backend_compile_duration":
            seen.append(name)
    monitoring.register_event_duration_secs_listener(listen)
    yield seen
    monitoring.unregister_event_duration_listener(listen)


def test_jit_case_reports_compile_and_transfer_time(compiles):
    p = kernels.prepare(Case("selu", "jax-cpu", "explicit", "jit", 1000))
    assert p.compile_seconds > 0 and p.transfer_seconds > 0
    assert p.first_call_seconds >= p.compile_seconds
    before = len(compiles)
    kernels.prepare(Case("selu", "jax-cpu", "implicit", "jit", 1000))
    # a second compile of the same kernel in the process is a real XLA compile, not a cache hit
    assert len(compiles) > before


@pytest.mark.parametrize("case", [Case("selu", "jax-cpu", "explicit", "jit", 1000),
                                  Case("grad", "jax-cpu", "implicit", "jit", 1),
                                  Case("selu", "jax-cpu", "device", "jit", 1000, dtype="float64")], ids=lambda c: c.label)
def test_jit_case_calls_the_jitted_function_which_reuses_the_compiled_executable(case, compiles, monkeypatch):
    """The timed calls go through the jitted function, as the lecture calls ``selu_jit(x)``, not the
    AOT ``Compiled`` object; its first call reuses what the timed compilation built: one XLA compile
    per prepare (its inputs' own programs compiled by a first prepare), none in the calls after."""
    kernels.prepare(case)
    before = len(compiles)
    p = kernels.prepare(case)
    assert len(compiles) - before == 1
    assert p.compile_seconds > 0
    before = len(compiles)
    for _ in range(3):
        p.run()
    assert len(compiles) == before

    import jax.stages

    def aot_call(self, *args, **kwargs):
        raise AssertionError("a timed call went through the AOT Compiled object")
    monkeypatch.setattr(jax.stages.Compiled, "__call__", aot_call)
    kernels.prepare(case).run()


def test_an_unchecked_case_computes_no_reference_and_refuses_a_check(monkeypatch):
    """prepare(checked=False) (a later process of a run: the first one checked the case) runs the
    same computation without the NumPy reference; its error is NaN and check() says why it cannot."""
    case = Case("selu", "jax-cpu", "explicit", "jit", 1000)
    out = np.asarray(kernels.prepare(case).run())

    def no_reference(*a, **kw):
        raise AssertionError("the NumPy reference was computed")

    monkeypatch.setattr(kernels._prepare, "_reference", no_reference)
    p = kernels.prepare(case, checked=False)
    assert np.isnan(p.error) and p.reference is None
    np.testing.assert_array_equal(np.asarray(p.run()), out)
    with pytest.raises(ValueError, match="checked=False"):
        p.check()
    with pytest.raises(AssertionError, match="reference was computed"):
        kernels.prepare(case)


def test_measure_reports_median_within_quartiles():
    p = kernels.prepare(Case("selu", "jax-cpu", "explicit", "jit", 1000))
    t = kernels.measure(p, repeat=5, min_sample_s=0.005)
    assert t.q25 <= t.median <= t.q75 and t.number >= 1 and t.repeat == 5
    assert kernels.format_seconds(746e-6) == "746 us" and kernels.format_seconds(2.94e-3) == "2.94 ms"


def test_matmul_precision_is_part_of_the_record(monkeypatch):
    monkeypatch.setenv("JAXBENCH_MATMUL_PRECISION", "highest")
    p = kernels.prepare(Case("matmul", "jax-cpu", "explicit", "jit", 64, "float32", "x@y"))
    assert p.precision == "highest"
    monkeypatch.delenv("JAXBENCH_MATMUL_PRECISION")
    assert kernels.prepare(Case("matmul", "jax-cpu", "explicit", "jit", 64, "float32", "x@y")).precision == "default"


def _register(monkeypatch, spec):
    """Register ``spec`` into a copy of the registry, for the calling test only."""
    registry = dict(kernels.kernels(), **{spec.name: spec})
    monkeypatch.setattr(kernels._registry, "kernels", lambda: registry)


def _order_kernel():
    import jax.numpy as jnp
    import numpy as np
    return kernels.Kernel(
        name="order", summary="z - a", size_name="n", sizes=(3,), default_size=3, size_bounds=(1, 10),
        numpy_transforms=("eager",), jax_transforms=("eager", "jit"), resident_inputs=("a",),
        make_inputs=lambda n, dt, v, rng: {"z": np.full(n, 2.0, dt), "a": np.ones(n, dt)},
        device_inputs=lambda n, dt, v, key: {"z": jnp.full(n, 2.0, dt), "a": jnp.ones(n, dt)},
        reference=lambda inputs, v: (lambda z, a: z - a)(*inputs.values()),  # positional on purpose
        numpy_fn=lambda t, v: (lambda z, a: z - a), jax_fn=lambda t, v: (lambda z, a: z - a),
        footprint_bytes=lambda n, itemsize, v: n * itemsize)


@pytest.mark.parametrize("placement", ["device", "implicit", "explicit"])
def test_inputs_are_passed_in_declared_order_and_resident_inputs_stay_on_device(monkeypatch, placement):
    import jax
    import numpy as np
    _register(monkeypatch, _order_kernel())
    p = kernels.prepare(Case("order", "jax-cpu", placement, "jit", 3))  # z - a; swapped would be -1
    np.testing.assert_array_equal(np.asarray(p.run()), np.ones(3, np.float32))
    assert isinstance(p.inputs["a"], jax.Array)  # resident whatever the placement
    assert isinstance(p.inputs["z"], np.ndarray) == (placement == "implicit")


def test_the_kernel_template_is_a_valid_declaration_that_matches_its_reference(monkeypatch):
    """kernels/_template.py (docs/adding_a_kernel.md) is never registered; registered into a copy of
    the registry, it is a valid declaration, the default run takes its smallest size, and every case
    of that size (NumPy and JAX, every placement, transform and dtype) matches its NumPy reference."""
    from kernels import _template

    spec = _template.KERNEL
    assert spec.name not in kernels.kernels() and kernels.check_declaration(spec) == []
    with monkeypatch.context() as m:
        _register(m, spec)
        cases = [c for c in kernels.cases(spec.name, size=min(spec.default_grid())) if c.backend != "jax-gpu"]
        assert {(c.backend, c.placement) for c in cases} == {("numpy-cpu", "host"), ("jax-cpu", "device"),
                                                             ("jax-cpu", "implicit"), ("jax-cpu", "explicit")}
        for case in cases:
            assert kernels.in_default_run(case) == (case.dtype == spec.dtypes[0]), case.label
            p = kernels.prepare(case)
            assert p.error <= p.tolerance and p.check() <= p.tolerance and p.notes, case.label
    with pytest.raises(ValueError, match="valid kernels"):
        kernels.kernel(spec.name)                       # not left registered
