"""The ``norm`` and ``hessian`` kernels: every variant equals its reference, the Hessian is the
Hessian (symmetric, equal to finite differences), the declarations and the default run are sound,
and invalid cases are refused with the valid values. Numbers only, never wall-clock time."""
import numpy as np
import pytest

import kernels
from kernels import Case
from kernels import hessian as hessian_mod
from kernels import norm as norm_mod

# each kernel's smallest default-run size, the size tests/test_kernels.py prepares: the same worker
# (tests/conftest.py SHARE_A_WORKER) has compiled their eager operations already
SMALL = {name: min(kernels.kernel(name).default_grid()) for name in ("norm", "hessian")}


def _small_cases():
    return [c for name, size in SMALL.items() for c in kernels.cases(kernel=name, size=size)
            if c.backend != "jax-gpu" and c.devices == 1]   # sharded: tests/test_sharded.py


@pytest.mark.parametrize("case", _small_cases(), ids=lambda c: c.label)
def test_every_variant_equals_the_reference_at_a_small_size(case):
    p = kernels.prepare(case)
    assert p.tolerance == {"float32": 1e-3 if case.kernel == "norm" else 1e-4, "float64": 1e-10}[case.dtype]
    assert p.error <= p.tolerance
    assert p.check() <= p.tolerance            # a second, steady-state call is still right
    assert np.asarray(p.run()).dtype == np.dtype(case.dtype)


def test_the_grid_covers_every_mode_placement_and_transform():
    cs = kernels.cases(kernel="hessian", size=10, dtype="float32")
    assert {c.variant for c in cs} == {"fwd_rev", "rev_fwd", "fwd_fwd", "rev_rev"}
    jax_cpu = {(c.placement, c.transform, c.variant) for c in cs if c.backend == "jax-cpu"}
    assert len(jax_cpu) == 3 * 2 * 4
    assert {(c.placement, c.transform) for c in kernels.cases(kernel="norm", backend="jax-cpu", size=1000)} == \
        {(p, t) for p in ("device", "implicit", "explicit") for t in ("eager", "jit")}


# --------------------------------------------------------------------------- norm

def test_norm_standardises_every_column_with_population_std():
    p = kernels.prepare(Case("norm", "jax-cpu", "explicit", "jit", 1000, "float64"))
    out = np.asarray(p.run())
    assert out.shape == (1000, norm_mod.COLUMNS)
    np.testing.assert_allclose(out.mean(0), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.std(0), 1.0, rtol=1e-12)        # ddof = 0, as in the lecture


def test_norm_float32_is_far_tighter_than_its_tolerance_at_small_sizes():
    """The 1e-3 float32 tolerance is for NumPy's sequential column sums at 1e6 rows (module
    docstring); at 1000 rows both sides are within 1e-5, which a wrong ddof (5e-4 here) is not."""
    for backend, placement in (("numpy-cpu", "host"), ("jax-cpu", "explicit")):
        p = kernels.prepare(Case("norm", backend, placement, "eager", 1000))
        assert p.error < 1e-5
    X = kernels.prepare(Case("norm", "numpy-cpu", "host", "eager", 1000)).inputs["X"]
    ref = norm_mod.norm_reference({"X": X}, "")
    ddof1 = ((X - X.mean(0)) / X.std(0, ddof=1)).astype(np.float32)
    assert np.max(np.abs(ddof1 - ref)) / np.max(np.abs(ref)) > 1e-4


def test_norm_numpy_float32_error_grows_with_rows_but_stays_within_tolerance():
    rng = np.random.default_rng(0)
    X = rng.random((1_000_000, norm_mod.COLUMNS), dtype=np.float32)
    ref = norm_mod.norm_reference({"X": X}, "").astype(np.float64)
    err = np.max(np.abs(norm_mod.norm(X) - ref)) / np.max(np.abs(ref))
    assert 1e-5 < err < norm_mod.KERNEL.tolerance("float32")


def test_norm_implicit_placement_runs_jax_not_numpy():
    p = kernels.prepare(Case("norm", "jax-cpu", "implicit", "eager", 1000))
    assert isinstance(p.inputs["X"], np.ndarray)             # NumPy passed on every call
    assert type(p.run()).__module__.startswith("jax")         # and JAX computes the result


def test_norm_converts_only_a_numpy_input_as_the_lecture_code_does(monkeypatch):
    """The lecture's ``norm(X)`` on a JAX X makes no ``jnp.asarray`` call, which slows the eager
    operations after it (kernels._spec.as_jax); a NumPy X (implicit) is still converted."""
    import jax
    import jax.numpy as jnp

    X = np.random.default_rng(0).random((50, 10), dtype=np.float32)
    on_device = jax.device_put(X)
    assert kernels._spec.as_jax(on_device) is on_device

    calls = []
    real = jnp.asarray
    monkeypatch.setattr(jnp, "asarray", lambda x, *a, **k: calls.append(type(x)) or real(x, *a, **k))
    np.testing.assert_allclose(np.asarray(norm_mod.norm_jax(on_device)), norm_mod.norm(X), rtol=0, atol=1e-5)
    assert calls == []
    assert isinstance(norm_mod.norm_jax(X), jax.Array) and calls == [np.ndarray]


# --------------------------------------------------------------------------- hessian

def _grad_numpy(x, A):
    """Gradient of logsumexp(A x): A^T softmax(A x), in NumPy float64 (independent of JAX)."""
    z = A @ x
    p = np.exp(z - z.max())
    return A.T @ (p / p.sum())


@pytest.mark.parametrize("mode", list(hessian_mod.MODES))
def test_hessian_is_symmetric_and_equals_central_differences_in_float64(mode):
    p = kernels.prepare(Case("hessian", "jax-cpu", "explicit", "jit", 8, "float64", mode))
    H = np.asarray(p.run())
    x, A = (np.asarray(v) for v in p.inputs.values())
    assert H.dtype == np.float64 and H.shape == (8, 8)
    scale = np.max(np.abs(H))
    assert scale > 1e-2 and np.max(np.abs(H - H.T)) <= 1e-14 * scale
    h = 1e-5
    fd = np.stack([(_grad_numpy(x + h * e, A) - _grad_numpy(x - h * e, A)) / (2 * h) for e in np.eye(8)], axis=1)
    assert np.max(np.abs(H - fd)) <= 1e-8 * scale               # O(h^2) + O(eps / h)
    assert np.count_nonzero(np.abs(H) > 1e-3 * scale) > 0.9 * H.size   # dense, unlike sum_logistic's


def test_hessian_float32_modes_agree_and_are_symmetric_at_the_default_size():
    out = {}
    for mode in hessian_mod.MODES:
        p = kernels.prepare(Case("hessian", "jax-cpu", "explicit", "jit", 100, "float32", mode))
        out[mode] = np.asarray(p.run(), np.float64)
        scale = np.max(np.abs(out[mode]))
        assert np.max(np.abs(out[mode] - out[mode].T)) <= 1e-5 * scale
    for mode, H in out.items():
        assert np.max(np.abs(H - out["fwd_rev"])) <= 1e-5 * np.max(np.abs(H))


def test_hessian_modes_are_the_jacobian_orders_they_name():
    import jax

    assert hessian_mod.MODES == {"fwd_rev": (jax.jacfwd, jax.jacrev), "rev_fwd": (jax.jacrev, jax.jacfwd),
                                 "fwd_fwd": (jax.jacfwd, jax.jacfwd), "rev_rev": (jax.jacrev, jax.jacrev)}
    assert hessian_mod.KERNEL.variants[0] == "fwd_rev"     # the lecture's and jax.hessian's order
    x, A = np.linspace(-1, 1, 6, dtype=np.float32), np.eye(6, dtype=np.float32)[::-1]
    np.testing.assert_allclose(np.asarray(hessian_mod.hessian_jax("fwd_rev")(x, A)),
                               np.asarray(jax.hessian(hessian_mod.f)(x, A)), rtol=1e-6, atol=1e-7)


def test_hessian_numpy_side_is_the_analytic_formula_for_every_mode():
    spec = hessian_mod.KERNEL
    assert {spec.numpy_fn("eager", m) for m in spec.variants} == {hessian_mod.hessian_exact}
    inputs = spec.make_inputs(5, "float64", "fwd_rev", np.random.default_rng(1))
    H = hessian_mod.hessian_exact(*inputs.values())
    x, A = inputs.values()
    z = A @ x
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    np.testing.assert_allclose(H, A.T @ (np.diag(p) - np.outer(p, p)) @ A, rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------- declarations, default run

@pytest.mark.parametrize("name", ["norm", "hessian"])
def test_declaration_is_sound(name):
    spec = kernels.kernel(name)
    assert kernels.check_declaration(spec) == []
    assert spec.lecture_baseline == "eager" and spec.default_size in spec.sizes
    assert spec.flops(spec.default_size, spec.variants[0]) > 0
    assert spec.bytes_moved(spec.default_size, 4, spec.variants[0]) > 0


def test_norm_default_run_is_the_lecture_size():
    spec = norm_mod.KERNEL
    assert spec.lecture_size == 10_000 and spec.default_grid() == (10_000,)
    for case in (Case("norm", "numpy-cpu", "host", "eager", 10_000),
                 Case("norm", "jax-cpu", "device", "eager", 10_000),
                 Case("norm", "jax-cpu", "explicit", "jit", 10_000)):
        assert kernels.in_default_run(case)
    assert not kernels.in_default_run(Case("norm", "jax-cpu", "explicit", "jit", 1000))
    assert not kernels.in_default_run(Case("norm", "jax-cpu", "explicit", "jit", 10_000, "float64"))
    assert kernels.in_default_run(Case("norm", "jax-cpu", "explicit", "jit", 10_000), "compile")
    assert not kernels.in_default_run(Case("norm", "jax-cpu", "implicit", "jit", 10_000), "compile")


def test_hessian_default_run_is_fwd_rev_jitted_everywhere_and_each_mode_jitted_once():
    spec = hessian_mod.KERNEL
    assert spec.lecture_size is None and spec.default_grid() == (100,)
    timed = [c for c in kernels.cases(kernel="hessian", size=100) if c.backend != "jax-gpu"
             and kernels.in_default_run(c)]
    assert {(c.backend, c.placement, c.transform, c.variant) for c in timed} == (
        {("numpy-cpu", "host", "eager", "fwd_rev")}
        | {("jax-cpu", p, "jit", "fwd_rev") for p in ("device", "implicit", "explicit")}
        | {("jax-cpu", "explicit", "eager", "fwd_rev")}
        | {("jax-cpu", "explicit", "jit", m) for m in ("rev_fwd", "fwd_fwd", "rev_rev")})
    assert all(c.dtype == "float32" for c in timed)
    assert not any(kernels.in_default_run(c) for c in kernels.cases(kernel="hessian", size=300))


# --------------------------------------------------------------------------- refusals

@pytest.mark.parametrize("case, message", [
    (Case("norm", "jax-cpu", "explicit", "jit", 1), r"outside \[2, 2000000\].*rows"),
    (Case("norm", "numpy-cpu", "host", "eager", 0), "must be positive"),
    (Case("norm", "numpy-cpu", "host", "eager", 3_000_000), r"outside \[2, 2000000\]"),
    (Case("norm", "jax-cpu", "explicit", "jit", 1000, "float32", "fwd_rev"), "valid variants: $"),
    (Case("norm", "jax-cpu", "explicit", "vmap", 1000), "valid transforms: eager, jit"),
    (Case("hessian", "jax-cpu", "explicit", "jit", 1), r"outside \[2, 1000\].*\(n\)"),
    (Case("hessian", "jax-cpu", "explicit", "jit", 5000), r"outside \[2, 1000\]"),
    (Case("hessian", "jax-cpu", "explicit", "jit", 10, "float32", "hessian"),
     "valid variants: fwd_rev, rev_fwd, fwd_fwd, rev_rev"),
    (Case("hessian", "jax-cpu", "explicit", "jit", 10, "float16", "fwd_rev"), "valid dtypes: float32, float64"),
    (Case("hessian", "numpy-cpu", "device", "eager", 10, "float32", "fwd_rev"), "valid placements: host"),
])
def test_invalid_cases_are_refused_with_the_valid_values(case, message):
    with pytest.raises(ValueError, match=message):
        kernels.prepare(case)
