"""Kernel ``cnn_step``: one Adam training step of Lab 10's MNIST CNN (size = the batch size).

JAX: the lab's ``train_step`` (Flax CNN, ``value_and_grad(has_aux=True)``, ``optax.adam(1e-3)``,
TrainState); NumPy: the same step by hand (``kernels/cnn_numpy.py``). Both start from the same
parameters and Adam state and see the same batch; the output is the new state and the metrics.

The registry passes inputs positionally, in the order ``make_inputs`` names them, so the step
takes ``(idx, images, labels, opt_state, params)`` and gathers the batch ``images[idx]`` itself:

- ``device``: ``images``/``labels`` are a 4,000-image training set created on the device (the
  size of the 5k split's training part), ``idx`` a random batch of indices; the batch is gathered
  on the device, as in the lab's ``train_epoch`` with ``x_train`` on the GPU.
- ``implicit`` / ``explicit`` / NumPy: ``images`` is the batch itself and ``idx = arange(batch)``.
  ``params`` and ``opt_state`` are the kernel's ``resident_inputs``: on the device once, whatever
  the placement, as in the lab's loop where the TrainState stays on the device. So ``implicit``
  passes only the NumPy batch (images, labels, idx) on each call, and ``explicit`` puts the batch
  on the device once before timing.

Timing cases use synthetic images of MNIST's shape (uniform pixels, random labels), so they run
without the data set; accuracy (``track_validation_error``, tests) uses the real digits.
"""
from __future__ import annotations

import numpy as np

from . import cnn_model, cnn_numpy
from ._case import Unavailable, VerificationError
from ._spec import Kernel, Sharding

N_TRAIN = 4000            # images resident on the device for placement "device" (80% of 5k)
BATCH_SIZES = (32, 64, 128, 256)
PARAM_COUNT = sum(int(np.prod(s)) + s[-1] for s in cnn_numpy.SHAPES.values())   # 824,458
# 2mnk of every matrix product (conv as im2col) per image: forward, and backward (dW + dx,
# no dx for the input layer); Adam ~10 flops per parameter per step.
FORWARD_FLOPS = 2 * (28 * 28 * 9 * 32 + 14 * 14 * 288 * 64 + 3136 * 256 + 256 * 10)
STEP_FLOPS_PER_IMAGE = 3 * FORWARD_FLOPS - 2 * 28 * 28 * 9 * 32


# ---------------------------------------------------------------- inputs
def _one_hot(digits) -> np.ndarray:
    return np.eye(10, dtype=np.float32)[digits]


def make_inputs(batch, dtype, variant, rng):
    """NumPy inputs: init params (Flax's init rule), zero Adam state, a synthetic batch."""
    params = cnn_numpy.init_params(rng, np.dtype(dtype))
    images = rng.random((batch, 28, 28, 1), dtype=np.dtype(dtype))
    labels = _one_hot(rng.integers(0, 10, batch)).astype(dtype)
    return {"idx": np.arange(batch, dtype=np.int32), "images": images, "labels": labels,
            "opt_state": cnn_numpy.adam_init(params), "params": params}


def device_inputs(batch, dtype, variant, key):
    """Inputs made by JAX on the device: cnn.init params, a 4,000-image training set, batch indices."""
    import jax
    import jax.numpy as jnp

    k_init, k_x, k_y, k_idx = jax.random.split(key, 4)
    params = cnn_model.init_params(k_init)
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    return {"idx": jax.random.permutation(k_idx, N_TRAIN)[:batch].astype(jnp.int32),
            "images": jax.random.uniform(k_x, (N_TRAIN, 28, 28, 1), dtype),
            "labels": jax.nn.one_hot(jax.random.randint(k_y, (N_TRAIN,), 0, 10), 10, dtype=dtype),
            "opt_state": {"count": jnp.zeros((), jnp.int32), "mu": zeros,
                          "nu": jax.tree_util.tree_map(jnp.zeros_like, params)},
            "params": params}


# ---------------------------------------------------------------- the step on both sides
def jax_step(idx, images, labels, opt_state, params):
    """state, metrics = train_step(TrainState(params, adam state), images[idx], labels[idx])."""
    return cnn_model.train_step(cnn_model.state_from(params, opt_state), images[idx], labels[idx])


def numpy_step(idx, images, labels, opt_state, params):
    """params, opt_state, metrics = cnn_numpy.train_step(params, opt_state, images[idx], labels[idx])."""
    return cnn_numpy.train_step(params, opt_state, images[idx], labels[idx])


# ---------------------------------------------------------------- comparison, leaf by leaf
def flatten_output(out) -> dict:
    """{"loss", "accuracy", "count", "params/<layer>/<leaf>", "mu/...", "nu/..."} from either side.

    JAX returns (TrainState, metrics) with Adam's moments in ``state.opt_state[0]``; NumPy returns
    (params, {"count", "mu", "nu"}, metrics). Flax's and NumPy's trees share layer and leaf names.
    """
    if hasattr(out[0], "opt_state"):
        state, metrics = out
        adam = state.opt_state[0]
        params, mu, nu, count = state.params, adam.mu, adam.nu, adam.count
    else:
        params, opt_state, metrics = out
        mu, nu, count = opt_state["mu"], opt_state["nu"], opt_state["count"]
    flat = {"loss": metrics["loss"], "accuracy": metrics["accuracy"], "count": count}
    for prefix, tree in (("params", params), ("mu", mu), ("nu", nu)):
        for layer in cnn_numpy.LAYERS:
            for leaf in ("kernel", "bias"):
                flat[f"{prefix}/{layer}/{leaf}"] = tree[layer][leaf]
    return {k: np.asarray(v) for k, v in flat.items()}


def param_allowance(r: dict, name: str, rtol: float) -> np.ndarray:
    """Elementwise |diff| allowed for a new-params leaf: rtol * max|p|, plus Adam's conditioning.

    The update lr * m_hat / (sqrt(v_hat) + eps) is ill-conditioned where sqrt(v_hat) is near
    eps = 1e-8 (a gradient component ~0): rounding in g there can move the update by up to a
    step lr either way (2 lr for a flipped sign). Elsewhere 1% of a step is generous (the
    sensitivity is lr eps / g^2).
    """
    leaf = name.split("/", 1)[1]
    t = float(r["count"])
    v_hat = r[f"nu/{leaf}"].astype(np.float64) / (1.0 - cnn_numpy.B2 ** t)
    ill = np.sqrt(v_hat) < 1e3 * cnn_numpy.EPS
    lr = cnn_numpy.LEARNING_RATE
    return rtol * float(np.max(np.abs(r[name]))) + np.where(ill, 2 * lr, 1e-2 * lr)


def compare(out, ref, rtol: float) -> float:
    """Error vs the NumPy step over loss, accuracy, Adam moments and new params, leaf by leaf.

    Returns max(|diff| / allowed) * rtol, i.e. the max relative error |diff| / max|ref| where the
    allowance is rtol * max|ref| (loss, mu, nu), so the result is <= rtol exactly when it passes.
    mu = (1-b1) g after a first step, so the mu leaves check every gradient leaf. Two allowances,
    both float32 facts, not slack: new params get ``param_allowance`` (Adam divides by
    sqrt(v_hat) + eps); the accuracy may differ by one sample at the smallest benchmarked batch,
    1/32 (a near-tie of two logits flips one prediction; the batch size is not in the output).
    """
    o, r = flatten_output(out), flatten_output(ref)
    if o.keys() != r.keys():
        raise VerificationError(f"cnn_step: output leaves {sorted(o)} != reference {sorted(r)}")
    worst = 0.0
    for name, rv in r.items():
        ov = o[name]
        if ov.shape != rv.shape or ov.dtype != rv.dtype:
            raise VerificationError(f"cnn_step {name}: {ov.dtype}{ov.shape} != reference {rv.dtype}{rv.shape}")
        if not np.all(np.isfinite(ov)):
            raise VerificationError(f"cnn_step {name}: non-finite values")
        diff = np.abs(ov.astype(np.float64) - rv.astype(np.float64))
        scale = float(np.max(np.abs(rv))) if rv.size else 0.0
        if name == "count":
            allowed = 0.0
        elif name == "accuracy":
            allowed = 1.0 / min(BATCH_SIZES) + rtol
        elif name.startswith("params/"):
            allowed = param_allowance(r, name, rtol)
        else:
            allowed = rtol * scale
        if np.any(diff > allowed):
            i = np.unravel_index(np.argmax(diff - allowed), diff.shape) if diff.ndim else ()
            raise VerificationError(f"cnn_step {name}: |diff| {float(diff[i]):.3g} exceeds "
                                    f"{float(np.broadcast_to(allowed, diff.shape)[i]):.3g} at {i} "
                                    f"(max |ref| {scale:.3g}, rtol {rtol:g})")
        if diff.size and np.any(allowed > 0):
            worst = max(worst, rtol * float(np.max(diff / np.maximum(allowed, 1e-300))))
    return worst


# ---------------------------------------------------------------- accuracy for asv (fixed contract)
def _jax_device(backend: str):
    import jax

    platform = {"jax-cpu": "cpu", "jax-gpu": "gpu"}[backend]
    try:
        devices = jax.devices(platform)
    except RuntimeError as exc:
        raise Unavailable(f"{backend}: no {platform} device visible to JAX: {exc}") from None
    if not devices:
        raise Unavailable(f"{backend}: jax.devices({platform!r}) is empty")
    return devices[0]


def train_history(backend: str, epochs: int = 1, seed: int = 0, batch_size: int = 64) -> list[dict]:
    """Per-epoch metrics of training on the real MNIST split (seeded) with ``backend``'s trainer."""
    from .data import mnist

    if backend not in ("numpy-cpu", "jax-cpu", "jax-gpu"):
        raise ValueError(f"backend {backend!r} is not valid here; valid backends: numpy-cpu, jax-cpu, jax-gpu")
    device = None if backend == "numpy-cpu" else _jax_device(backend)
    train, val = mnist.train_val(seed)
    if backend == "numpy-cpu":
        _, history = cnn_numpy.fit(train.images, train.labels, val.images, val.labels, epochs,
                                   batch_size, seed)
    else:
        _, history = cnn_model.fit(train.images, train.labels, val.images, val.labels, epochs,
                                   batch_size, seed, device)
    return history


def track_validation_error(backend: str, epochs: int = 1, seed: int = 0) -> float:
    """1 - validation accuracy after ``epochs`` epochs (batch 64) on the real MNIST 5k split.

    Raises kernels.Unavailable when the backend's device or the data is missing.
    """
    return 1.0 - train_history(backend, epochs, seed, 64)[-1]["val_accuracy"]


def _sharded_inputs(placement):
    """Split on axis 0: the batch indices over a resident (replicated) training set for ``device``,
    else the batch itself (idx, images, labels)."""
    return {"idx": 0} if placement == "device" else {"idx": 0, "images": 0, "labels": 0}


def _sharded_step(transform, variant, placement):
    """``jax_step`` for ``device`` (each device gathers its rows from its replica of the training
    set); the batch-in-hand step elsewhere: indexing a split batch by split indices would make XLA
    gather rows across devices, which is not data parallelism."""
    from . import _sharding

    if placement == "device":
        return jax_step
    return lambda idx, images, labels, opt_state, params: _sharding.batch_step(images, labels, opt_state, params)


def _notes(backend, variant):
    base = ("One Adam train step of the Lab 10 CNN on a synthetic batch of MNIST shape (uniform "
            "pixels, random labels); accuracy is tracked on the real digits by track_validation_error.")
    if backend == "numpy-cpu":
        return base + " NumPy: im2col convolutions, hand-written backward pass and Adam."
    return base + (" Params and Adam moments stay on the device (resident inputs). device: 4,000 "
                   "images resident, batch gathered in the step; implicit: the NumPy batch is passed "
                   "each call (transferred inside the step); explicit: the batch is device_put once.")


KERNEL = Kernel(
    name="cnn_step",
    summary="one Adam train step of Lab 10's MNIST CNN (Flax/Optax vs NumPy by hand), size = batch",
    size_name="batch",
    sizes=BATCH_SIZES,
    default_size=64,
    default_sizes=(64,),
    # the lab's train step is jitted: the default run keeps jit on every placement, eager on one
    default_case=lambda c: (c.transform == "jit" or c.placement in ("host", "explicit")) and (
        c.devices == 1 or c.placement == "explicit"),
    size_bounds=(1, N_TRAIN),
    null_test=False,   # the step updates its state: device and explicit placements differ by design
    numpy_transforms=("eager",),
    jax_transforms=("eager", "jit"),
    transform_notes={"eager": "train_step without jax.jit: Flax and Optax run op by op",
                     "jit": "jax.jit(train_step), as in the lab"},
    make_inputs=make_inputs,
    device_inputs=device_inputs,
    resident_inputs=("opt_state", "params"),
    numpy_fn=lambda transform, variant: numpy_step,
    jax_fn=lambda transform, variant: jax_step,
    footprint_bytes=lambda batch, itemsize, variant: (8 * PARAM_COUNT + N_TRAIN * 794 + batch * 500_000) * itemsize,
    flops=lambda batch, variant: float(batch * STEP_FLOPS_PER_IMAGE + 10 * PARAM_COUNT),
    compare=compare,
    uses_matmul=True,
    notes=_notes,
    # data parallel (kernels/_sharding.py): batch split, params and Adam state replicated, the
    # gradients all-reduced by XLA, the new state replicated
    sharding=Sharding(
        what=("data parallel: the batch split over the devices, params and Adam state replicated, the gradients "
              "summed by an all-reduce XLA inserts, the new state replicated."),
        inputs=_sharded_inputs, output=None, fn=_sharded_step),
)
