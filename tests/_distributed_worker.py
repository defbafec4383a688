"""One process of the data-parallel CNN step (tests/test_distributed.py starts it; not a test).

    python tests/_distributed_worker.py --out P.npz [--coordinator 127.0.0.1:PORT --num-processes 2
                                        --process-id I] [--batch 64 --seed 0]

With ``--coordinator`` it joins a multi-process JAX job first (``jax.distributed.initialize`` with
CPU collectives "gloo"), before anything touches a JAX backend; without it, it runs alone on
this process's devices (the parent sets ``XLA_FLAGS=--xla_force_host_platform_device_count=N``).
Every process builds the same seeded inputs (``kernels.cnn_step.make_inputs``), keeps only the
rows of the global batch its devices own, makes the global arrays from them and runs ONE
data-parallel step (``kernels._sharding``). It writes the step's output, flattened leaf by leaf as
``kernels.cnn_step.flatten_output`` names them, plus ``meta/*`` facts (process and device ids,
the rows it fed, the output's device set, the collectives in the compiled step) to ``--out``.
Any failure exits non-zero with the traceback on stderr.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:      # run as a script: tests/ is sys.path[0], the project is not
    sys.path.insert(0, str(ROOT))


def _parse(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--coordinator", default=None, help="host:port of process 0's coordinator service")
    p.add_argument("--num-processes", type=int, default=1)
    p.add_argument("--process-id", type=int, default=0)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--init-timeout", type=int, default=120, help="seconds to wait for the other processes")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = _parse(argv)
    t0 = time.perf_counter()
    import jax

    if args.coordinator:
        # gloo is JAX's default for CPU collectives; said explicitly so a changed default or a
        # JAX_CPU_COLLECTIVES_IMPLEMENTATION in the environment cannot change what is tested.
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
        jax.distributed.initialize(
            coordinator_address=args.coordinator, num_processes=args.num_processes,
            process_id=args.process_id, cluster_detection_method="deactivate",
            coordinator_bind_address=args.coordinator,      # loopback only, not [::]:port
            initialization_timeout=args.init_timeout)
    import numpy as np

    from kernels import _sharding, cnn_step

    if jax.process_count() != args.num_processes or jax.process_index() != args.process_id:
        raise SystemExit(f"JAX reports process {jax.process_index()} of {jax.process_count()}, "
                         f"expected {args.process_id} of {args.num_processes}")
    devices = jax.devices()                      # global, listed process by process
    m = _sharding.mesh(devices)
    inputs = cnn_step.make_inputs(args.batch, "float32", None, np.random.default_rng(args.seed))
    rows = _sharding.process_rows(m, args.batch)
    step = _sharding.data_parallel_step(m)
    call_args = (_sharding.global_batch(m, inputs["images"][rows]),
                 _sharding.global_batch(m, inputs["labels"][rows]),
                 _sharding.global_replicated(m, inputs["opt_state"]),
                 _sharding.global_replicated(m, inputs["params"]))
    compiled = step.lower(*call_args).compile()
    out = jax.block_until_ready(compiled(*call_args))

    sets = _sharding.device_sets(out)
    if len(sets) != 1:
        raise SystemExit(f"output leaves live on different device sets: {sets}")
    (out_devices,) = sets
    flat = cnn_step.flatten_output(out)          # replicated leaves: readable in every process
    meta = {
        "process_id": jax.process_index(), "num_processes": jax.process_count(),
        "devices": [d.id for d in devices], "local_devices": [d.id for d in jax.local_devices()],
        "out_devices": sorted(d.id for d in out_devices), "rows": [rows.start, rows.stop],
        "collectives": _sharding.collectives(compiled.as_text()),
        "cpu_collectives": jax.config.jax_cpu_collectives_implementation,
        "jax": jax.__version__, "seconds": round(time.perf_counter() - t0, 2),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.out, **flat, meta=np.array(json.dumps(meta)))
    print(json.dumps(meta), flush=True)
    if args.coordinator:
        jax.distributed.shutdown()               # waits for the other process: a clean exit for both
    return 0


if __name__ == "__main__":
    sys.exit(main())
