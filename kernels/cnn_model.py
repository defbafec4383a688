"""Lab 10's CNN in Flax (linen) and Optax: CNN, TrainState, train_step, eval_model, train_epoch, FGSM.

Names follow the lab. The lab's ``loss_fn``/``train_step`` take an ``rng_key`` for dropout; this
network has no dropout, so the key is dropped (the step is deterministic given params and batch).
"""
from __future__ import annotations

import functools
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax.training import train_state

LEARNING_RATE = 1e-3
BATCH_SIZE = 64
EPSILON = 0.1
IMAGE_SHAPE = (28, 28, 1)
TrainState = train_state.TrainState


class CNN(nn.Module):
    """Conv(32,3x3)-relu-avgpool-Conv(64,3x3)-relu-avgpool-flatten-Dense(256)-relu-Dense(10)."""

    @nn.compact
    def __call__(self, x):
        x = nn.Conv(features=32, kernel_size=(3, 3))(x)
        x = nn.relu(x)
        x = nn.avg_pool(x, window_shape=(2, 2), strides=(2, 2))
        x = nn.Conv(features=64, kernel_size=(3, 3))(x)
        x = nn.relu(x)
        x = nn.avg_pool(x, window_shape=(2, 2), strides=(2, 2))
        x = x.reshape((x.shape[0], -1))  # flatten (h, w, c)
        x = nn.Dense(features=256)(x)
        x = nn.relu(x)
        x = nn.Dense(features=10)(x)
        return x


cnn = CNN()


def init_params(rng) -> dict:
    """params = cnn.init(rng, ones((1, 28, 28, 1)))["params"] (lecun_normal kernels, zero biases)."""
    return cnn.init(rng, jnp.ones((1, *IMAGE_SHAPE), jnp.float32))["params"]


@functools.cache
def adam(learning_rate: float = LEARNING_RATE) -> optax.GradientTransformation:
    """optax.adam(learning_rate), one object per rate. A TrainState's tx is static to jit (compared by
    identity): a new one per state made jit trace and compile train_step again for every fit."""
    return optax.adam(learning_rate)


def create_train_state(rng=None, params=None, learning_rate: float = LEARNING_RATE) -> TrainState:
    """TrainState.create(apply_fn=cnn.apply, params, tx=optax.adam(1e-3))."""
    params = init_params(rng) if params is None else params
    return TrainState.create(apply_fn=cnn.apply, params=params, tx=adam(learning_rate))


def compute_metrics(logits, labels) -> dict:
    """loss = mean_i CE(softmax(logits_i), y_i); accuracy = mean(argmax logits == argmax y)."""
    loss = optax.softmax_cross_entropy(logits, labels).mean()
    accuracy = jnp.mean(jnp.argmax(logits, -1) == jnp.argmax(labels, -1))
    return {"loss": loss, "accuracy": accuracy}


def loss_fn(params, apply_fn, x, y):
    """J(theta) = mean_i -sum_k y_ik log softmax(f_theta(x_i))_k; returns (loss, logits) for has_aux."""
    logits = apply_fn({"params": params}, x)
    loss = optax.softmax_cross_entropy(logits, y).mean()
    return loss, logits


def train_step(state: TrainState, x, y):
    """(loss, logits), grads = value_and_grad(loss_fn, has_aux=True); state.apply_gradients (Adam)."""
    grad_fn = jax.value_and_grad(loss_fn, has_aux=True)
    (loss, logits), grads = grad_fn(state.params, state.apply_fn, x, y)
    state = state.apply_gradients(grads=grads)
    return state, compute_metrics(logits, y)


train_step_jit = jax.jit(train_step)


def eval_model(state: TrainState, x, y) -> dict:
    """Metrics of logits = state.apply_fn({"params": params}, x), no gradient."""
    return compute_metrics(state.apply_fn({"params": state.params}, x), y)


eval_model_jit = jax.jit(eval_model)


PLACEMENTS = ("device", "implicit", "explicit")


def train_epoch(state: TrainState, x_train, y_train, batch_size: int, rng, step=None,
                placement: str = "device"):
    """One epoch: perms = jax.random.permutation(rng, n) cut into batches; metrics averaged over them.

    ``placement``: "device" gathers each batch from ``x_train``/``y_train`` where they live (on the
    device after ``fit``: no transfer); "implicit" gathers a NumPy batch and passes it to the step
    (the transfer happens inside the call); "explicit" gathers it in NumPy and ``device_put``s it.
    """
    if placement not in PLACEMENTS:
        raise ValueError(f"placement {placement!r} is not valid here; valid placements: {', '.join(PLACEMENTS)}")
    step = step or train_step_jit       # looked up per call, not bound at definition
    train_size = len(x_train)
    steps_per_epoch = train_size // batch_size
    perms = jax.random.permutation(rng, train_size)
    perms = perms[:steps_per_epoch * batch_size].reshape((steps_per_epoch, batch_size))
    if placement != "device":
        perms = np.asarray(perms)
    batch_metrics = []
    for perm in perms:
        x_batch, y_batch = x_train[perm, ...], y_train[perm, ...]
        if placement == "explicit":
            x_batch, y_batch = jax.device_put((x_batch, y_batch))
        state, metrics = step(state, x_batch, y_batch)
        batch_metrics.append(metrics)
    epoch_metrics = {k: float(jnp.mean(jnp.stack([m[k] for m in batch_metrics]))) for k in batch_metrics[0]}
    return state, epoch_metrics


def fit(x_train, y_train, x_val, y_val, epochs: int, batch_size: int = BATCH_SIZE, seed: int = 0,
        device=None, placement: str = "device") -> tuple[TrainState, list[dict]]:
    """The lab's training loop: init from PRNGKey(seed), train_epoch per epoch, eval on validation.

    Runs on ``device`` (default: JAX's default device). With placement "device" the training set
    is put there once and batches are gathered there; otherwise it stays in NumPy (see train_epoch).
    Returns the final state and one dict per epoch (train_loss, train_accuracy, val_loss, val_accuracy).
    """
    device = device or jax.devices()[0]
    x_val, y_val = jax.device_put((x_val, y_val), device)
    if placement == "device":
        x_train, y_train = jax.device_put((x_train, y_train), device)
    else:
        x_train, y_train = np.asarray(x_train), np.asarray(y_train)
    with jax.default_device(device):
        rng = jax.random.PRNGKey(seed)
        rng, init_rng = jax.random.split(rng)
        state = create_train_state(init_rng)
        history = []
        for _ in range(epochs):
            rng, epoch_rng = jax.random.split(rng)
            state, train_metrics = train_epoch(state, x_train, y_train, batch_size, epoch_rng,
                                               placement=placement)
            val = eval_model_jit(state, x_val, y_val)
            history.append({"train_loss": train_metrics["loss"], "train_accuracy": train_metrics["accuracy"],
                            "val_loss": float(val["loss"]), "val_accuracy": float(val["accuracy"])})
    return state, history


def fgsm_attack(params, x, y, epsilon: float = EPSILON, apply_fn=cnn.apply):
    """FGSM: x_adv = clip(x + epsilon * sign(grad_x J(theta, x, y)), 0, 1)."""

    def loss_wrapper(x_input):
        logits = apply_fn({"params": params}, x_input)
        return optax.softmax_cross_entropy(logits, y).mean(), logits

    grads, _ = jax.grad(loss_wrapper, has_aux=True)(x)
    return jnp.clip(x + epsilon * jnp.sign(grads), 0.0, 1.0)


def adam_state(count, mu, nu) -> Any:
    """optax.adam's state, (ScaleByAdamState(count, mu, nu), EmptyState()), from its three parts."""
    return (optax.ScaleByAdamState(count=count, mu=mu, nu=nu), optax.EmptyState())


def state_from(params, opt_state: dict, learning_rate: float = LEARNING_RATE) -> TrainState:
    """A TrainState from a params tree and {"count", "mu", "nu"} (the registry's plain-pytree inputs)."""
    return TrainState(step=jnp.asarray(opt_state["count"]), apply_fn=cnn.apply, params=params,
                      tx=adam(learning_rate),
                      opt_state=adam_state(opt_state["count"], opt_state["mu"], opt_state["nu"]))


def to_numpy(tree):
    """Every leaf as a NumPy array (for comparisons with the NumPy implementation)."""
    return jax.tree_util.tree_map(np.asarray, jax.device_get(tree))
