"""Kernel ``fgsm``: Lab 10's adversarial attack, x_adv = clip(x + eps sign(grad_x J), 0, 1), eps 0.1.

Size = how many images are attacked at once (the lab attacks one; the validation set is 1,000).
JAX: ``jax.grad`` of the loss with respect to the image (``has_aux=True``), as in the lab; NumPy:
the backward pass of ``kernels/cnn_numpy.py`` carried down to the input. Timing cases use the
network's initial parameters and synthetic images of MNIST's shape; the accuracy drop on the real
digits with trained parameters is measured in tests/test_cnn.py and docs/cnn.md.
Inputs, in the order passed: ``(images, labels, params)``; ``params`` stay resident on the device.
"""
from __future__ import annotations

import numpy as np

from . import cnn_model, cnn_numpy
from ._case import VerificationError
from ._spec import Kernel

EPSILON = 0.1
PARAM_COUNT = sum(int(np.prod(s)) + s[-1] for s in cnn_numpy.SHAPES.values())   # 824,458
# forward FLOPs, then the backward pass down to the input (dx of every layer, no dW)
FLOPS_PER_IMAGE = 2 * (2 * (28 * 28 * 9 * 32 + 14 * 14 * 288 * 64 + 3136 * 256 + 256 * 10))


def make_inputs(n, dtype, variant, rng):
    """NumPy inputs: initial params (Flax's init rule), n synthetic images, random one-hot labels."""
    params = cnn_numpy.init_params(rng, np.dtype(dtype))
    return {"images": rng.random((n, 28, 28, 1), dtype=np.dtype(dtype)),
            "labels": np.eye(10, dtype=np.dtype(dtype))[rng.integers(0, 10, n)],
            "params": params}


def device_inputs(n, dtype, variant, key):
    """The same made by JAX on the device (cnn.init params)."""
    import jax

    k_init, k_x, k_y = jax.random.split(key, 3)
    return {"images": jax.random.uniform(k_x, (n, 28, 28, 1), dtype),
            "labels": jax.nn.one_hot(jax.random.randint(k_y, (n,), 0, 10), 10, dtype=dtype),
            "params": cnn_model.init_params(k_init)}


def jax_fgsm(images, labels, params):
    """cnn_model.fgsm_attack(params, x, y, epsilon=0.1)."""
    return cnn_model.fgsm_attack(params, images, labels, EPSILON)


def numpy_fgsm(images, labels, params):
    """cnn_numpy.fgsm_attack(params, x, y, epsilon=0.1), the image only."""
    return cnn_numpy.fgsm_attack(params, images, labels, EPSILON)[0]


def reference(inputs, variant):
    """NumPy x_adv, with the input gradient it came from (the comparison needs it)."""
    x_adv, grad_x = cnn_numpy.fgsm_attack(inputs["params"], inputs["images"], inputs["labels"], EPSILON)
    return {"x_adv": x_adv, "grad_x": grad_x}


def compare(out, ref, rtol: float) -> float:
    """|x_adv - ref| <= rtol, except where sign(grad_x) is not determined at this precision.

    A gradient component within rounding of 0 (|g| <= rtol max|g|: 1e-4 in float32, 1e-2 with
    TF32 on a GPU) may take either sign, so its pixel may differ by eps or 2 eps (or not at all,
    where clipped); at most 5% of the pixels may do so. Returns the max |diff| over the other
    pixels (pixels lie in [0, 1], so absolute = relative error).
    """
    out = np.asarray(out)
    x_adv, grad = ref["x_adv"], ref["grad_x"]
    if out.shape != x_adv.shape or out.dtype != x_adv.dtype:
        raise VerificationError(f"fgsm: {out.dtype}{out.shape} != reference {x_adv.dtype}{x_adv.shape}")
    if not np.all(np.isfinite(out)):
        raise VerificationError("fgsm: non-finite values")
    diff = np.abs(out.astype(np.float64) - x_adv)
    undetermined = np.abs(grad) <= rtol * np.max(np.abs(grad))
    bad = (diff > rtol) & ~undetermined
    if bad.any():
        raise VerificationError(f"fgsm: {int(bad.sum())} pixels differ from the NumPy attack by up to "
                                f"{float(diff[bad].max()):.3g} where the gradient's sign is clear")
    if np.mean(diff > rtol) > 0.05:
        raise VerificationError(f"fgsm: {np.mean(diff > rtol):.2%} of pixels flipped (near-zero gradients)")
    return float(diff[~undetermined].max()) if (~undetermined).any() else 0.0


KERNEL = Kernel(
    name="fgsm",
    summary="FGSM adversarial images of Lab 10's CNN (eps 0.1): grad w.r.t. the input, size = images",
    size_name="images",
    sizes=(1, 64, 256, 1000),
    default_size=64,
    default_sizes=(64,),
    # the notes time no FGSM: the default run keeps NumPy and JAX eager/jit on one placement
    default_case=lambda c: c.placement in ("host", "explicit"),
    size_bounds=(1, 4096),
    numpy_transforms=("eager",),
    jax_transforms=("eager", "jit"),
    transform_notes={"eager": "fgsm_attack without jax.jit", "jit": "jax.jit(fgsm_attack)"},
    make_inputs=make_inputs,
    device_inputs=device_inputs,
    resident_inputs=("params",),
    reference=reference,
    numpy_fn=lambda transform, variant: numpy_fgsm,
    jax_fn=lambda transform, variant: jax_fgsm,
    footprint_bytes=lambda n, itemsize, variant: (2 * PARAM_COUNT + n * 400_000) * itemsize,
    flops=lambda n, variant: float(n * FLOPS_PER_IMAGE),
    compare=compare,
    uses_matmul=True,
    notes=lambda backend, variant: ("FGSM (eps 0.1) on synthetic images of MNIST shape with the "
                                    "network's initial parameters (timing only)."),
)
