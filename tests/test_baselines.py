"""Fair baselines (issue 9, part 7): SELU's NumPy side runs the lecture's formula by default.

The lecture writes ``lmbda * where(x > 0, x, alpha * exp(x) - alpha)``; the ``expm1(min(x, 0))``
form is kept as the ``expm1`` variant of the ``formula`` axis, on both sides. Numbers only, never
wall-clock time.
"""
import warnings

import jax
import numpy as np
import pytest

import kernels
from kernels import Case
from kernels.selu import ALPHA, FORMULAS, JAX_FORMULAS, KERNEL, LAMBDA, NUMPY_FORMULAS, selu_numpy

F32_EXP_MAX = float(np.log(np.finfo(np.float32).max))   # ~88.72: exp overflows above it in float32


def _inputs_f32():
    x = np.random.default_rng(0).standard_normal(100_000, dtype=np.float32)
    edges = np.array([-80.0, -20.0, -1e-3, -1e-7, 0.0, 1e-7, 1e-3, 20.0, 80.0], np.float32)
    return np.concatenate([x, edges])


def _reference_f64(x):
    """SELU in float64, independent of both formulas under test."""
    x = x.astype(np.float64)
    return LAMBDA * np.where(x > 0, x, ALPHA * np.expm1(np.minimum(x, 0.0)))


def test_lecture_names_and_defaults_are_kept():
    assert (LAMBDA, ALPHA) == (1.05, 1.67)
    assert KERNEL.variant_name == "formula" and KERNEL.variants == ("lecture", "expm1") == FORMULAS


def test_default_formula_is_the_lectures():
    assert KERNEL.variants[0] == "lecture"
    x = _inputs_f32()
    with np.errstate(over="ignore"):
        lecture = np.float32(1.05) * np.where(x > 0, x, np.float32(1.67) * np.exp(x) - np.float32(1.67))
        literal = 1.05 * np.where(x > 0, x, 1.67 * np.exp(x) - 1.67)  # the lecture's code, in NumPy
    np.testing.assert_array_equal(selu_numpy(x), literal)
    np.testing.assert_array_equal(selu_numpy(x), lecture)
    assert KERNEL.numpy_fn("eager", KERNEL.variants[0]) is selu_numpy


@pytest.mark.parametrize("formula", FORMULAS)
@pytest.mark.parametrize("side", ["numpy", "jax eager", "jax jit"])
def test_formula_equals_float64_reference_within_float32_tolerance(formula, side):
    x = _inputs_f32()
    if side == "numpy":
        out = NUMPY_FORMULAS[formula](x)
    else:
        fn = JAX_FORMULAS[formula]
        out = np.asarray((jax.jit(fn) if side == "jax jit" else fn)(x))
    assert out.dtype == np.float32
    ref = _reference_f64(x)
    err = np.max(np.abs(out.astype(np.float64) - ref)) / np.max(np.abs(ref))
    assert err <= KERNEL.tolerance("float32")
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)  # elementwise too, near 0 included


@pytest.mark.parametrize("backend", ["numpy-cpu", "jax-cpu", "jax-gpu"])
def test_registry_offers_both_formulas_on_every_backend(backend):
    cs = kernels.cases(kernel="selu", backend=backend)
    assert {c.variant for c in cs} == set(FORMULAS)
    # every (placement, transform, size, dtype) comes in both formulas
    by_formula = {f: {(c.placement, c.transform, c.size, c.dtype) for c in cs if c.variant == f} for f in FORMULAS}
    assert by_formula["lecture"] == by_formula["expm1"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_both_formulas_prepare_and_verify_on_numpy_and_jax(formula):
    for case in (Case("selu", "numpy-cpu", "host", "eager", 1000, "float32", formula),
                 Case("selu", "jax-cpu", "explicit", "jit", 1000, "float32", formula)):
        p = kernels.prepare(case)
        assert p.error <= p.tolerance and p.notes


def test_numpy_does_not_warn_on_the_benchmark_inputs():
    """Every NumPy SELU case of the grid (both formulas, both dtypes, up to 1e7) runs without a
    RuntimeWarning: prepare() makes the seeded inputs and calls the function (warm-up, reference)."""
    for case in kernels.cases(kernel="selu", backend="numpy-cpu"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            p = kernels.prepare(case)
            assert float(np.max(p.inputs["x"])) < F32_EXP_MAX / 10
            p.run()


def test_lecture_formula_edge_behaviour_is_what_its_notes_say():
    """Above ~88.7 (float32) NumPy warns in the unselected exp branch (value still right) and JAX's
    gradient of the lecture form is NaN; the expm1 form neither warns nor gives NaN."""
    x = np.array([1.0, 89.0, 1e4], np.float32)
    with pytest.warns(RuntimeWarning, match="overflow"):
        y = NUMPY_FORMULAS["lecture"](x)
    np.testing.assert_array_equal(y, np.float32(1.05) * x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(NUMPY_FORMULAS["expm1"](x), y)
    np.testing.assert_array_equal(np.asarray(JAX_FORMULAS["lecture"](x)), y)   # values are right
    g_lecture = np.asarray(jax.vmap(jax.grad(JAX_FORMULAS["lecture"]))(x))
    g_expm1 = np.asarray(jax.vmap(jax.grad(JAX_FORMULAS["expm1"]))(x))
    assert g_lecture[0] == pytest.approx(1.05) and np.isnan(g_lecture[1:]).all()
    np.testing.assert_allclose(g_expm1, 1.05, rtol=1e-6)
    notes = {(b, f): KERNEL.notes(b, f) for b in ("numpy-cpu", "jax-cpu") for f in FORMULAS}
    assert "overflow" in notes["numpy-cpu", "lecture"] and "NaN" in notes["jax-cpu", "lecture"]
    assert "not SIMD" in notes["numpy-cpu", "expm1"] or "scalar" in notes["numpy-cpu", "expm1"]
    assert KERNEL.notes("numpy-cpu", "") == ""   # results recorded before the formula axis existed


def test_other_lecture_baselines_are_vectorised_numpy():
    """rowdot, batching: the NumPy baseline of the reports ('eager') is vectorised NumPy, and the
    Python loops are their own transform; grad: NumPy's side is the analytic derivative."""
    from kernels import batching, grad, rowdot
    for spec in (batching.KERNEL, rowdot.KERNEL):
        assert spec.numpy_transforms == ("loop", "eager")
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((50, 100), dtype=np.float32), rng.standard_normal((50, 100), dtype=np.float32)
    out = rowdot.KERNEL.numpy_fn("eager", "")(X, Y)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, np.sum(X.astype(np.float64) * Y, axis=1) ** 2, rtol=1e-4)
    x = np.float64(grad.X0)
    assert grad.df_exact(x) == pytest.approx(0.050694, abs=1e-6)
