"""Lab 10's CNN, loss, backward pass and Adam, by hand in NumPy (float32 throughout).

Why by hand: NumPy has no autodiff, convolution layer or optimizer, and no NumPy library computes
this network's gradients and optax's Adam update; writing them out is what gives the benchmark its
NumPy-CPU column and an independent check of the JAX gradients.

Layout as in Flax: images NHWC, conv kernels HWIO, SAME padding, stride 1, cross-correlation
(no kernel flip); params is the same tree as Flax's: {"Conv_0": {"kernel", "bias"}, ..., "Dense_1"}.
Convolution = im2col (the 9 shifted copies of the padded input side by side) + one matrix product.
"""
from __future__ import annotations

import numpy as np

LEARNING_RATE = 1e-3
B1, B2, EPS = 0.9, 0.999, 1e-8          # optax.adam defaults
LAYERS = ("Conv_0", "Conv_1", "Dense_0", "Dense_1")
SHAPES = {"Conv_0": (3, 3, 1, 32), "Conv_1": (3, 3, 32, 64), "Dense_0": (7 * 7 * 64, 256), "Dense_1": (256, 10)}


# ---------------------------------------------------------------- parameters
def lecun_normal(rng: np.random.Generator, shape, dtype=np.float32) -> np.ndarray:
    """Flax's default kernel init: truncated normal on [-2, 2], std sqrt(1/fan_in) / 0.8796."""
    fan_in = int(np.prod(shape[:-1]))
    z = rng.standard_normal(shape)
    while np.any(out := np.abs(z) > 2):
        z[out] = rng.standard_normal(int(out.sum()))
    return (z * np.sqrt(1.0 / fan_in) / 0.87962566103423978).astype(dtype)


def init_params(rng: np.random.Generator, dtype=np.float32) -> dict:
    """params like cnn.init: lecun_normal kernels, zero biases, Flax's names and shapes."""
    return {name: {"kernel": lecun_normal(rng, shape, dtype), "bias": np.zeros(shape[-1], dtype)}
            for name, shape in SHAPES.items()}


def tree_map(fn, *trees):
    """fn applied leaf by leaf over params-shaped trees {layer: {"kernel", "bias"}}."""
    return {layer: {k: fn(*(t[layer][k] for t in trees)) for k in trees[0][layer]} for layer in trees[0]}


# ---------------------------------------------------------------- layers, forward and backward
def im2col(x: np.ndarray, k: int = 3) -> np.ndarray:
    """cols[n, h, w, (i, j, c)] = x_pad[n, h + i, w + j, c]: SAME padding, stride 1 -> (N*H*W, k*k*C)."""
    n, h, w, c = x.shape
    p = k // 2
    xp = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
    cols = np.empty((n, h, w, k, k, c), dtype=x.dtype)
    for i in range(k):
        for j in range(k):
            cols[:, :, :, i, j, :] = xp[:, i:i + h, j:j + w, :]
    return cols.reshape(n * h * w, k * k * c)


def col2im(dcols: np.ndarray, x_shape, k: int = 3) -> np.ndarray:
    """Adjoint of im2col: dx[n, h+i-p, w+j-p, c] += dcols[n, h, w, i, j, c] (the padding dropped)."""
    n, h, w, c = x_shape
    p = k // 2
    dcols = dcols.reshape(n, h, w, k, k, c)
    dxp = np.zeros((n, h + 2 * p, w + 2 * p, c), dtype=dcols.dtype)
    for i in range(k):
        for j in range(k):
            dxp[:, i:i + h, j:j + w, :] += dcols[:, :, :, i, j, :]
    return dxp[:, p:p + h, p:p + w, :]


def conv_forward(x, kernel, bias):
    """y = im2col(x) @ K.reshape(k*k*C, F) + b, as (N, H, W, F); returns (y, cols) for backward."""
    n, h, w, _ = x.shape
    cols = im2col(x, kernel.shape[0])
    y = cols @ kernel.reshape(-1, kernel.shape[-1]) + bias
    return y.reshape(n, h, w, -1), cols


def conv_backward(dy, cols, kernel, x_shape, need_dx: bool = True, need_dk: bool = True):
    """dK = cols^T dy, db = sum dy, dx = col2im(dy K^T) (each skipped where not needed)."""
    f = kernel.shape[-1]
    dy2 = dy.reshape(-1, f)
    if not need_dk:
        dk = db = None
    elif cols.shape[1] * f <= 4096:
        # A tiny (9 x 32) result contracted over N*28*28 rows: OpenBLAS's threads have almost no
        # output to divide between them and spend such a GEMM synchronising, slowly and erratically
        # when the machine has other load; per-image products, summed, avoid that shape.
        n = x_shape[0]
        dk = np.matmul(cols.reshape(n, -1, cols.shape[1]).transpose(0, 2, 1), dy2.reshape(n, -1, f))
        dk = dk.sum(axis=0).reshape(kernel.shape)
    else:
        dk = (cols.T @ dy2).reshape(kernel.shape)
    db = dy2.sum(axis=0) if need_dk else None
    dx = col2im(dy2 @ kernel.reshape(-1, f).T, x_shape, kernel.shape[0]) if need_dx else None
    return dk, db, dx


def relu(x):
    """relu(x) = max(x, 0)."""
    return np.maximum(x, 0)


def avg_pool(x):
    """2x2 average pool, stride 2: mean of the four pixels of each window."""
    return (x[:, 0::2, 0::2] + x[:, 0::2, 1::2] + x[:, 1::2, 0::2] + x[:, 1::2, 1::2]) * x.dtype.type(0.25)


def avg_pool_backward(dy):
    """d(avg_pool)/dx: each input pixel gets a quarter of its window's gradient."""
    n, h, w, c = dy.shape
    q = dy * dy.dtype.type(0.25)
    return np.broadcast_to(q[:, :, None, :, None, :], (n, h, 2, w, 2, c)).reshape(n, 2 * h, 2 * w, c)


def forward(params, x):
    """logits = Dense_1(relu(Dense_0(flat(pool(relu(Conv_1(pool(relu(Conv_0(x))))))))), plus a cache."""
    z1, cols1 = conv_forward(x, params["Conv_0"]["kernel"], params["Conv_0"]["bias"])
    p1 = avg_pool(relu(z1))
    z2, cols2 = conv_forward(p1, params["Conv_1"]["kernel"], params["Conv_1"]["bias"])
    p2 = avg_pool(relu(z2))
    flat = p2.reshape(p2.shape[0], -1)
    z3 = flat @ params["Dense_0"]["kernel"] + params["Dense_0"]["bias"]
    a3 = relu(z3)
    logits = a3 @ params["Dense_1"]["kernel"] + params["Dense_1"]["bias"]
    cache = dict(x_shape=x.shape, z1=z1, cols1=cols1, p1_shape=p1.shape, z2=z2, cols2=cols2,
                 p2_shape=p2.shape, flat=flat, z3=z3, a3=a3)
    return logits, cache


def softmax_cross_entropy(logits, labels):
    """CE_i = -sum_k y_ik log softmax(z_i)_k, stably: log softmax = z - max z - log sum exp(z - max z)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -(labels * log_softmax).sum(axis=1), log_softmax


def backward(params, cache, dlogits, need_dx: bool = False, need_grads: bool = True):
    """Gradients of every leaf from dJ/dlogits (chain rule layer by layer); dJ/dx if asked (FGSM)."""
    g = {}
    if need_grads:
        g["Dense_1"] = {"kernel": cache["a3"].T @ dlogits, "bias": dlogits.sum(axis=0)}
    dz3 = (dlogits @ params["Dense_1"]["kernel"].T) * (cache["z3"] > 0)
    if need_grads:
        g["Dense_0"] = {"kernel": cache["flat"].T @ dz3, "bias": dz3.sum(axis=0)}
    dp2 = (dz3 @ params["Dense_0"]["kernel"].T).reshape(cache["p2_shape"])
    dz2 = avg_pool_backward(dp2) * (cache["z2"] > 0)
    dk2, db2, dp1 = conv_backward(dz2, cache["cols2"], params["Conv_1"]["kernel"], cache["p1_shape"],
                                  need_dk=need_grads)
    dz1 = avg_pool_backward(dp1) * (cache["z1"] > 0)
    dk1, db1, dx = conv_backward(dz1, cache["cols1"], params["Conv_0"]["kernel"], cache["x_shape"],
                                 need_dx, need_grads)
    if not need_grads:
        return None, dx
    g["Conv_1"] = {"kernel": dk2, "bias": db2}
    g["Conv_0"] = {"kernel": dk1, "bias": db1}
    return {layer: g[layer] for layer in LAYERS}, dx


def loss_and_grads(params, x, y, need_dx: bool = False, need_grads: bool = True):
    """(J, logits, dJ/dtheta[, dJ/dx]) with J = mean CE and dJ/dlogits = (softmax(z) - y) / N."""
    logits, cache = forward(params, x)
    ce, log_softmax = softmax_cross_entropy(logits, y)
    n = x.shape[0]
    dlogits = (np.exp(log_softmax) * y.sum(axis=1, keepdims=True) - y) / x.dtype.type(n)
    grads, dx = backward(params, cache, dlogits, need_dx, need_grads)
    return ce.mean(dtype=x.dtype), logits, grads, dx


def compute_metrics(logits, labels) -> dict:
    """loss = mean CE; accuracy = mean(argmax logits == argmax y) (float32 scalars)."""
    ce, _ = softmax_cross_entropy(logits, labels)
    acc = np.mean(logits.argmax(axis=-1) == labels.argmax(axis=-1), dtype=logits.dtype)
    return {"loss": ce.mean(dtype=logits.dtype), "accuracy": acc}


# ---------------------------------------------------------------- Adam (optax.adam semantics)
def adam_init(params) -> dict:
    """Adam state: count = 0 (int32), mu = nu = 0 like every leaf."""
    zeros = tree_map(np.zeros_like, params)
    return {"count": np.zeros((), np.int32), "mu": zeros, "nu": tree_map(np.zeros_like, params)}


def adam_update(grads, opt_state, params, learning_rate: float = LEARNING_RATE):
    """mu = b1 mu + (1-b1) g; nu = b2 nu + (1-b2) g^2; theta -= lr mu_hat / (sqrt(nu_hat) + eps)."""
    dtype = params["Dense_1"]["kernel"].dtype.type
    b1, b2, eps, lr = dtype(B1), dtype(B2), dtype(EPS), dtype(learning_rate)
    count = opt_state["count"] + np.int32(1)
    c1 = dtype(1) - b1 ** dtype(count)          # bias corrections 1 - b^t, in float32 as in optax
    c2 = dtype(1) - b2 ** dtype(count)

    def leaf(p, g, m, v):
        # same operations and order as optax, with few temporaries (the step is memory-bound)
        m = (dtype(1) - b1) * g + b1 * m
        v2 = g * g
        v2 *= dtype(1) - b2
        v2 += b2 * v
        denom = v2 / c2
        np.sqrt(denom, out=denom)
        denom += eps
        upd = m / c1
        upd /= denom
        upd *= -lr
        upd += p
        return upd, m, v2

    out = tree_map(leaf, params, grads, opt_state["mu"], opt_state["nu"])
    pick = lambda i: {layer: {k: out[layer][k][i] for k in out[layer]} for layer in out}
    return pick(0), {"count": np.asarray(count, np.int32), "mu": pick(1), "nu": pick(2)}


# ---------------------------------------------------------------- the lab's functions
def train_step(params, opt_state, x, y, learning_rate: float = LEARNING_RATE):
    """One step: loss, grads by the backward pass, Adam update; returns (params, opt_state, metrics)."""
    _, logits, grads, _ = loss_and_grads(params, x, y)
    params, opt_state = adam_update(grads, opt_state, params, learning_rate)
    return params, opt_state, compute_metrics(logits, y)


def eval_model(params, x, y, chunk: int = 500) -> dict:
    """Metrics of the forward pass over x (in chunks to bound memory)."""
    logits = np.concatenate([forward(params, x[i:i + chunk])[0] for i in range(0, len(x), chunk)])
    return compute_metrics(logits, y)


def train_epoch(params, opt_state, x_train, y_train, batch_size: int, rng: np.random.Generator):
    """One epoch over a seeded permutation cut into batches (the last partial batch dropped)."""
    steps = len(x_train) // batch_size
    perms = rng.permutation(len(x_train))[:steps * batch_size].reshape(steps, batch_size)
    batch_metrics = []
    for perm in perms:
        params, opt_state, metrics = train_step(params, opt_state, x_train[perm], y_train[perm])
        batch_metrics.append(metrics)
    return params, opt_state, {k: float(np.mean([m[k] for m in batch_metrics])) for k in batch_metrics[0]}


def fit(x_train, y_train, x_val, y_val, epochs: int, batch_size: int = 64, seed: int = 0, params=None):
    """Train from init_params(default_rng(seed)) (or given params); history of per-epoch metrics."""
    rng = np.random.default_rng(seed)
    params = init_params(rng) if params is None else params
    opt_state = adam_init(params)
    history = []
    for _ in range(epochs):
        params, opt_state, train_metrics = train_epoch(params, opt_state, x_train, y_train, batch_size, rng)
        val = eval_model(params, x_val, y_val)
        history.append({"train_loss": train_metrics["loss"], "train_accuracy": train_metrics["accuracy"],
                        "val_loss": float(val["loss"]), "val_accuracy": float(val["accuracy"])})
    return params, history


def fgsm_attack(params, x, y, epsilon: float = 0.1):
    """x_adv = clip(x + epsilon * sign(dJ/dx), 0, 1); also returns dJ/dx."""
    _, _, _, dx = loss_and_grads(params, x, y, need_dx=True, need_grads=False)
    return np.clip(x + x.dtype.type(epsilon) * np.sign(dx), 0, 1), dx
