"""Every available case of every kernel equals its NumPy reference, on the device its label names."""
import jax
import numpy as np
import pytest

import kernels
from _support import gpu_present
from kernels import Case


def _quick_cases():
    out = []
    for name, spec in kernels.kernels().items():
        smallest = min(spec.default_grid())
        for case in kernels.cases(kernel=name, size=smallest):
            if case.backend != "jax-gpu" and case.devices == 1:   # sharded: tests/test_sharded.py
                out.append(case)
    return out


@pytest.mark.parametrize("case", _quick_cases(), ids=lambda c: c.label)
def test_case_matches_reference(case):
    p = kernels.prepare(case)
    assert p.error <= p.tolerance
    assert p.check() <= p.tolerance  # a second, steady-state call is still right


def test_gpu_cases_are_unavailable_with_reason_and_never_run_on_cpu():
    if gpu_present():
        pytest.skip("this machine has a GPU")
    for case in kernels.cases(kernel="selu", backend="jax-gpu", size=1000):
        with pytest.raises(kernels.Unavailable, match="gpu") as info:
            kernels.prepare(case)
        assert "gpu" in info.value.reason


def test_wrong_output_device_is_detected():
    p = kernels.prepare(Case("selu", "jax-cpu", "explicit", "jit", 1000, "float32", "lecture"))
    with pytest.raises(kernels.VerificationError, match="NumPy"):
        kernels._devices.check_output_device(Case("selu", "numpy-cpu", "host", "eager", 1000, "float32", "lecture"),
                                             p.run(), None)


def test_dtype_mismatch_is_a_failure_not_a_pass():
    ref = np.ones(3, np.float64)
    with pytest.raises(kernels.VerificationError, match="dtype"):
        kernels._check.max_relative_error(ref.astype(np.float32), ref, 1e-3)


@pytest.mark.parametrize("formula", ["lecture", "expm1"])
def test_float64_case_really_runs_in_float64(formula):
    p = kernels.prepare(Case("selu", "jax-cpu", "explicit", "jit", 1000, "float64", formula))
    assert p.run().dtype == np.float64 and p.error < 1e-12


def test_selu_expm1_formula_large_positive_inputs_do_not_overflow_or_warn():
    from kernels.selu import selu_expm1_jax, selu_expm1_numpy
    x = np.array([-1e4, -1.0, 0.0, 1.0, 1e4, 3e38], np.float32)
    with np.errstate(all="raise"):
        y = selu_expm1_numpy(x)
    assert np.all(np.isfinite(y)) and y[-1] == np.float32(1.05) * x[-1]
    g = jax.vmap(jax.grad(selu_expm1_jax))(x)
    assert np.all(np.isfinite(np.asarray(g)))
    np.testing.assert_allclose(np.asarray(g)[3:5], 1.05, rtol=1e-6)


def test_grad_at_lecture_point():
    p = kernels.prepare(Case("grad", "jax-cpu", "explicit", "jit", 1, "float64"))
    assert float(p.run()) == pytest.approx(0.050694, abs=1e-6)  # the notebook's df(0.13)


def test_batching_variants_agree_with_lecture_shapes():
    p = kernels.prepare(Case("batching", "jax-cpu", "device", "jit_vmap", 10))
    assert p.run().shape == (10, 150)


def test_rowdot_loop_equals_einsum():
    for tr in ("loop", "eager"):
        p = kernels.prepare(Case("rowdot", "numpy-cpu", "host", tr, 50))
        assert p.run().shape == (50,)


class _FakeTimer:
    """timeit.Timer stand-in: every call of the timed function 'takes' PER_CALL seconds."""

    PER_CALL = 0.0

    def __init__(self, run):
        self.run = run

    COLD = []          # per-call times of the first calls (then PER_CALL)

    def timeit(self, number):
        if self.COLD:
            return number * self.COLD.pop(0)
        return number * self.PER_CALL


@pytest.mark.parametrize("per_call, expected", [
    (0.021, 2),        # just above sample_time: noise could put the median below it -> 2 calls
    (0.030, 1),        # clearly slower than sample_time: one call per sample
    (0.001, 20),       # autorange: 1 -> 10 (10 ms) -> 20 (20 ms)
    (0.0004, 80),      # 1 -> 10 -> 20 -> 40 -> 80 (32 ms)
])
def test_calls_per_sample_never_one_call_near_sample_time(monkeypatch, per_call, expected):
    from kernels import timing

    monkeypatch.setattr(timing.timeit, "Timer", _FakeTimer)
    monkeypatch.setattr(_FakeTimer, "PER_CALL", per_call)
    number = timing.calls_per_sample(lambda: None, 0.02)
    assert number == expected
    assert number * per_call >= 0.02


def test_calls_per_sample_sees_through_a_cold_first_call(monkeypatch):
    """A first call of 30 ms after preparation, then 11.5 ms calls (hard SVT, truncated): not one
    call per sample."""
    from kernels import timing

    monkeypatch.setattr(timing.timeit, "Timer", _FakeTimer)
    monkeypatch.setattr(_FakeTimer, "PER_CALL", 0.0115)
    monkeypatch.setattr(_FakeTimer, "COLD", [0.030])
    assert timing.calls_per_sample(lambda: None, 0.02) == 2


def test_calls_per_sample_waits_out_a_longer_cold_spell(monkeypatch):
    """The CNN step on device-resident images: five calls of 30 ms, then 14.5 ms (measured:
    asv gave it one call per sample in both rounds with the fastest-of-three rule)."""
    from kernels import timing

    monkeypatch.setattr(timing.timeit, "Timer", _FakeTimer)
    monkeypatch.setattr(_FakeTimer, "PER_CALL", 0.0145)
    monkeypatch.setattr(_FakeTimer, "COLD", [0.030] * 5)
    assert timing.calls_per_sample(lambda: None, 0.02) == 2


def test_calls_per_sample_stops_probing_slow_calls(monkeypatch):
    """A call that is really slow (150 ms: matmul 3000) costs three calls of probing, no more."""
    from kernels import timing

    calls = []

    class Counting(_FakeTimer):
        PER_CALL = 0.150

        def timeit(self, number):
            calls.append(number)
            return super().timeit(number)

    monkeypatch.setattr(timing.timeit, "Timer", Counting)
    assert timing.calls_per_sample(lambda: None, 0.02) == 1
    assert len(calls) == 3
    calls.clear()      # a call as long as the whole probe (PROBE_S): one call per sample after that call
    monkeypatch.setattr(Counting, "PER_CALL", timing.PROBE_S)
    assert timing.calls_per_sample(lambda: None, 0.02) == 1 and calls == [1]


def _leaves(x):
    if isinstance(x, dict):
        return [leaf for v in x.values() for leaf in _leaves(v)]
    if isinstance(x, (list, tuple)):
        return [leaf for v in x for leaf in _leaves(v)]
    return [x]


@pytest.mark.parametrize("case", [Case("rowdot", "jax-cpu", "implicit", "jit_vmap", 100),
                                  Case("rowdot", "numpy-cpu", "host", "eager", 100),
                                  Case("cnn_step", "jax-cpu", "implicit", "jit", 32)], ids=lambda c: c.label)
def test_host_inputs_are_64_byte_aligned_copies_of_the_seeded_inputs(case):
    """XLA's CPU client reads a NumPy input in place only at a 64-byte aligned address (else it copies
    it each call): every host input starts at a multiple of 64, in every process, with the same values."""
    p = kernels.prepare(case)
    spec = kernels.kernels()[case.kernel]
    want = _leaves(spec.make_inputs(case.size, case.dtype, case.variant, np.random.default_rng(0)))
    got = [leaf for leaf in _leaves(p.inputs) if isinstance(leaf, np.ndarray)]
    assert got, "no NumPy inputs found"
    assert all(a.ctypes.data % 64 == 0 for a in got)
    numpy_want = [w for w in want if isinstance(w, np.ndarray)]
    if case.placement in ("host", "implicit") and case.kernel != "cnn_step":
        assert len(got) == len(numpy_want)
        for a, w in zip(got, numpy_want):
            np.testing.assert_array_equal(a, w)


def test_aligned_copy_keeps_values_shape_and_dtype():
    from kernels._prepare import aligned
    for offset in range(0, 64, 8):
        raw = np.frombuffer(bytes(8000 + 64), dtype=np.uint8)[offset:offset + 8000].view(np.float64).reshape(100, 10)
        a = aligned(raw + 1.5)
        assert a.ctypes.data % 64 == 0 and a.shape == (100, 10) and a.dtype == np.float64
        assert a.flags.c_contiguous and a.flags.writeable
        np.testing.assert_array_equal(a, raw + 1.5)


def test_blocker_uses_an_arrays_own_method_and_jax_for_a_pytree(monkeypatch):
    """kernels.timing.blocker: one array -> its block_until_ready (no pytree walk: 3-5 us a call),
    anything else -> jax.block_until_ready; the value itself comes back either way."""
    import jax
    import jax.numpy as jnp

    from kernels import timing

    walked = []
    real = jax.block_until_ready
    monkeypatch.setattr(jax, "block_until_ready", lambda tree: walked.append(tree) or real(tree))
    block = timing.blocker()
    a = jnp.arange(3.0)
    assert block(a) is a and block(a) is a and walked == []
    pair = (a, jnp.ones(2))
    assert block(pair) is pair and len(walked) == 1
    host = np.arange(3)
    assert block(host) is host and len(walked) == 2
