"""Data parallelism with JAX's own engine: a 1-D mesh, two shardings, the CNN step jitted over them.

Core module (no ``KERNEL``): the groundwork of the kernels' sharded variants. Small pure functions:

    m = mesh(jax.devices()[:2])                 # 1-D Mesh, axis "data"
    batch_sharding(m), replicated(m)            # NamedSharding(m, P("data")), NamedSharding(m, P())
    step = data_parallel_step(m)                # jax.jit(batch_step, in_shardings=..., out_shardings=...)
    state, metrics = step(global_batch(m, images), global_batch(m, labels),
                          global_replicated(m, opt_state), global_replicated(m, params))

Data parallel, as the lecture draws it: the batch is split along axis 0 over the mesh, the
parameters and Adam's state are replicated on every device, every device computes the gradient of
its share, the shares are summed, and every device applies the same Adam update. No collective is
written by hand: ``jax.jit`` with these in/out shardings lets XLA's SPMD partitioner split the
step, and because the loss is a mean over the (sharded) batch axis while the gradients and the
outputs are declared replicated, XLA inserts the cross-device reductions itself: ``all-reduce``
ops in the compiled HLO (``collectives(compiled_text)`` counts them; the tests assert they are
there). Across processes (``jax.distributed.initialize``) the same program runs unchanged; on the
CPU its all-reduces go through the collectives named by ``jax_cpu_collectives_implementation``
(gloo, JAX's default), on GPUs through NCCL.

The same functions work in one process (one or more local devices: forced host devices on a CPU)
and across processes (``global_batch`` builds the global array from each process's own rows with
``jax.make_array_from_process_local_data``). JAX is imported inside the functions, as in the kernel
modules, so importing this module costs nothing where JAX is not wanted.
"""
from __future__ import annotations

import inspect
import re

AXIS = "data"                      # the mesh axis the batch is split over
BATCH_ARGNUMS = (0, 1)             # batch_step's sharded arguments: images, labels


def mesh(devices):
    """A 1-D ``Mesh`` over ``devices`` (in the order given) with the one axis ``"data"``.

    The axis type is ``Auto`` (the partitioner decides what is not pinned by in/out shardings),
    written out because newer JAX helpers such as ``jax.make_mesh`` default to ``Explicit``.
    """
    import numpy as np
    from jax.sharding import AxisType, Mesh

    devices = list(devices)
    if not devices:
        raise ValueError("mesh: no devices given")
    if len(set(devices)) != len(devices):
        raise ValueError(f"mesh: a device is listed twice: {devices}")
    return Mesh(np.asarray(devices, dtype=object), (AXIS,), axis_types=(AxisType.Auto,))


def batch_sharding(m):
    """Axis 0 split over the mesh axis ``"data"``, every other axis whole: ``P("data")``."""
    from jax.sharding import NamedSharding, PartitionSpec

    return NamedSharding(m, PartitionSpec(AXIS))


def replicated(m):
    """A full copy on every device of the mesh: ``P()``."""
    from jax.sharding import NamedSharding, PartitionSpec

    return NamedSharding(m, PartitionSpec())


def batch_step(images, labels, opt_state, params):
    """state, metrics = the lab's ``train_step`` on a batch that is already gathered.

    ``kernels.cnn_step.jax_step`` without its ``idx`` argument: with the batch sharded, indexing
    ``images[idx]`` by a sharded ``idx`` would make XLA gather rows across devices, which is not
    the lesson. ``opt_state`` is the registry's plain pytree ``{"count", "mu", "nu"}``.
    """
    from . import cnn_model

    return cnn_model.train_step(cnn_model.state_from(params, opt_state), images, labels)


def data_parallel_step(m, step=batch_step, batch_argnums=BATCH_ARGNUMS, donate: bool = False):
    """``jax.jit(step)`` with the arguments in ``batch_argnums`` split on axis 0, the rest replicated.

    Every output (new TrainState: params, Adam state, step count; metrics) is replicated: one
    ``NamedSharding`` given as ``out_shardings`` is a prefix for the whole output pytree. The
    gradient reduction is XLA's (see the module docstring); nothing here calls ``psum``.
    ``step`` may be any function of positional array pytrees, e.g. ``kernels.cnn_step.jax_step``
    with ``batch_argnums=(0,)``: ``idx`` split, a resident training set replicated.
    ``donate``: donate the replicated inputs (params and Adam state are overwritten each step).
    """
    import jax

    n_args = len(inspect.signature(step).parameters)
    if not batch_argnums or any(not 0 <= i < n_args for i in batch_argnums):
        raise ValueError(f"batch_argnums {batch_argnums} must name some of the {n_args} arguments of {step.__name__}")
    batch, full = batch_sharding(m), replicated(m)
    in_shardings = tuple(batch if i in batch_argnums else full for i in range(n_args))
    donate_argnums = tuple(i for i in range(n_args) if i not in batch_argnums) if donate else ()
    return jax.jit(step, in_shardings=in_shardings, out_shardings=full, donate_argnums=donate_argnums)


# ---------------------------------------------------------------- the registry's sharded cases
def split_on(m, axis: int | None):
    """``NamedSharding`` of an array split over the mesh on ``axis`` (``P(None, .., "data")``);
    ``None``: replicated."""
    from jax.sharding import NamedSharding, PartitionSpec

    if axis is None:
        return replicated(m)
    return NamedSharding(m, PartitionSpec(*([None] * axis), AXIS))


def input_shardings(decl, m, placement: str, names) -> dict:
    """{input: NamedSharding} of a kernel's ``Sharding`` declaration: the named inputs split on
    their axis, every other input (parameters, a resident training set) replicated."""
    split = dict(decl.inputs(placement))
    unknown = set(split) - set(names)
    if unknown:
        raise ValueError(f"sharding names inputs {sorted(unknown)} that the kernel does not make ({', '.join(names)})")
    return {k: split_on(m, split.get(k)) for k in names}


def check_even(label: str, shapes: dict, decl, placement: str, devices: int) -> None:
    """ValueError unless every split input's axis divides evenly over ``devices`` (JAX refuses
    uneven splits; the message names the input, its length and the devices)."""
    for name, axis in decl.inputs(placement).items():
        length = shapes[name][axis]
        if length % devices:
            raise ValueError(f"{label}: input {name!r} has {length} along axis {axis}, which does not split "
                             f"evenly over {devices} devices; choose a size divisible by {devices}")


# ---------------------------------------------------------------- global arrays from local data
def process_rows(m, n_rows: int) -> slice:
    """The rows of a global batch of ``n_rows`` that this process's devices hold under ``P("data")``.

    One process: ``slice(0, n_rows)``. Across processes each one feeds only its own rows to
    ``global_batch``; they are contiguous because ``mesh`` keeps the device order given, and
    ``jax.devices()`` lists devices process by process.
    """
    if n_rows % m.size:
        raise ValueError(f"a batch of {n_rows} does not split evenly over {m.size} devices")
    index_map = batch_sharding(m).addressable_devices_indices_map((n_rows,))
    bounds = sorted((idx[0].start or 0, n_rows if idx[0].stop is None else idx[0].stop)
                    for idx in index_map.values())
    start, stop = bounds[0][0], bounds[-1][1]
    if any(a[1] != b[0] for a, b in zip(bounds, bounds[1:])):
        raise ValueError(f"this process's rows are not contiguous: {bounds} (order the mesh's devices by process)")
    return slice(start, stop)


def global_batch(m, local):
    """A pytree of global arrays split on axis 0 from this process's rows (``process_rows``).

    ``jax.make_array_from_process_local_data``: in one process ``local`` is the whole batch.
    """
    import jax

    sharding = batch_sharding(m)
    return jax.tree_util.tree_map(lambda x: jax.make_array_from_process_local_data(sharding, x), local)


def global_replicated(m, tree):
    """A pytree of global arrays replicated on every device of the mesh (the same values in
    every process: ``global_shape`` = the local shape, as ``make_array_from_process_local_data``
    documents for replicas)."""
    import jax
    import numpy as np

    sharding = replicated(m)
    return jax.tree_util.tree_map(
        lambda x: jax.make_array_from_process_local_data(sharding, np.asarray(x), np.shape(x)), tree)


# ---------------------------------------------------------------- checks
def device_sets(tree) -> set[frozenset]:
    """The distinct ``sharding.device_set``s of a pytree's leaves (one element when they agree)."""
    import jax

    return {frozenset(leaf.sharding.device_set) for leaf in jax.tree_util.tree_leaves(tree)}


def collectives(hlo_text: str) -> dict[str, int]:
    """How many of each cross-device op a compiled HLO text holds, e.g. ``{"all-reduce": 3}``.

    Counts instruction definitions (``= f32[..] all-reduce(``), async ``-start`` forms included.
    """
    ops = ("all-reduce", "all-gather", "reduce-scatter", "all-to-all", "collective-permute")
    found = {}
    for op in ops:
        n = len(re.findall(rf"\s{op}(?:-start)?\(", hlo_text))
        if n:
            found[op] = n
    return found
