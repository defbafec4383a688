"""The batching kernel's two forms: mat as an argument (default) and the lecture's closed-over global."""
from __future__ import annotations

import jax
import numpy as np
import pytest

import kernels
from jaxbench import declare
from kernels import Case, batching
from kernels.lecture_figures import load_figures


def test_closed_form_is_a_constant_of_the_jitted_program():
    """The lecture's jit closes over the global mat: a constant in the compiled program, one parameter
    (v_batched); the argument form takes mat as a second parameter and has no constant."""
    vb = np.ones((10, 100), np.float32)
    closed = jax.jit(batching._jax_fn("jit", "closed")).lower(vb).compile().as_text()
    argument = jax.jit(batching._jax_fn("jit", "argument")).lower(np.ones((150, 100), np.float32), vb).compile().as_text()
    assert "constant(" in closed and "f32[100,150]" in closed        # mat.T folded at compile time
    assert "constant(" not in argument and "parameter(1)" in argument


@pytest.mark.parametrize("transform", ["loop", "jit", "jit_vmap"])
def test_closed_form_equals_the_lecture_math(transform):
    """v_batched @ mat.T with the seeded global mat, to float32 rounding (1e-5 relative)."""
    p = kernels.prepare(Case("batching", "jax-cpu", "device", transform, 10, "float32", "closed"))
    assert list(p.inputs) == ["v_batched"]
    vb = np.asarray(p.inputs["v_batched"])
    want = vb.astype(np.float64) @ batching.lecture_mat_host().astype(np.float64).T
    np.testing.assert_allclose(np.asarray(p.run()), want, rtol=1e-5, atol=1e-5)


def test_closed_loop_looks_mat_up_once_a_call_as_the_lecture_global_is(monkeypatch):
    """The lecture's loop reads a global mat; the kernel's loop asks ``lecture_mat`` once a call, not
    once a row (each lookup ~3 us, ~11% of the loop at 10 rows)."""
    asked = []
    real = batching.lecture_mat
    monkeypatch.setattr(batching, "lecture_mat", lambda like: asked.append(1) or real(like))
    vb = jax.device_put(np.ones((10, 100), np.float32))
    out = batching._jax_fn("loop", "closed")(vb)
    assert out.shape == (10, 150) and len(asked) == 1


def test_forms_share_v_batched_and_the_default_is_the_argument_form():
    a = batching._make_inputs(10, "float32", "argument", np.random.default_rng(0))
    c = batching._make_inputs(10, "float32", "closed", np.random.default_rng(0))
    np.testing.assert_array_equal(a["v_batched"], c["v_batched"])
    assert batching.KERNEL.variants[0] == "argument"   # results from before the axis read as this form


def test_default_run_times_the_closed_form_where_the_lecture_does():
    closed = {(c.backend, c.placement, c.transform) for c in declare.run_cases("batching") if c.variant == "closed"}
    assert ("jax-cpu", "device", "jit") in closed and ("jax-cpu", "device", "loop") in closed
    assert not any(b == "numpy-cpu" or pl != "device" for b, pl, _ in closed)


def test_lecture_ratios_judge_the_closed_form():
    lecture = [c for c in declare.declared_for_cases(declare.run_cases("batching")) if c.num.variant == "closed"]
    pairs = {(c.num.transform, c.den.transform) for c in lecture}
    assert ("loop", "jit") in pairs and ("loop", "jit_vmap") in pairs
    figures = {f.id: f for f in load_figures()}
    assert all(figures[i].case["variant"] == "closed" for i in ("batching-loop", "batching-manual", "batching-vmap"))


def test_from_key_reads_back_what_key_writes():
    c = Case("batching", "jax-cpu", "device", "jit", 10, "float32", "closed", 1)
    assert Case.from_key(c.key) == c
    with pytest.raises(ValueError, match="kernel.backend.placement"):
        Case.from_key("batching|jax-cpu|device")
