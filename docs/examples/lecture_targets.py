"""The lecture's targets (matmul, SELU, rowdot, grad), interleaved rounds in one process: median of per-round medians.

    .venv/bin/python docs/examples/lecture_targets.py
"""
import statistics, kernels
from kernels import Case as C
pairs = {
 "matmul x@y 3000": (C("matmul","numpy-cpu","host","eager",3000,"float32","x@y"), C("matmul","jax-cpu","explicit","jit",3000,"float32","x@y")),
 "matmul x@x.T 3000": (C("matmul","numpy-cpu","host","eager",3000,"float32","x@x.T"), C("matmul","jax-cpu","explicit","jit",3000,"float32","x@x.T")),
 "selu 1e5": (C("selu","numpy-cpu","host","eager",100000), C("selu","jax-cpu","explicit","jit",100000)),
 "selu 1e5 eager": (C("selu","numpy-cpu","host","eager",100000), C("selu","jax-cpu","explicit","eager",100000)),
 "selu 1e7": (C("selu","numpy-cpu","host","eager",10**7), C("selu","jax-cpu","explicit","jit",10**7)),
 "selu 1e7 eager": (C("selu","numpy-cpu","host","eager",10**7), C("selu","jax-cpu","explicit","eager",10**7)),
 "rowdot 10000 loop->jit_vmap": (C("rowdot","jax-cpu","explicit","loop",10000), C("rowdot","jax-cpu","explicit","jit_vmap",10000)),
 "rowdot 10000 loop->vmap": (C("rowdot","jax-cpu","explicit","loop",10000), C("rowdot","jax-cpu","explicit","vmap",10000)),
 "rowdot 10000 numpy loop->einsum": (C("rowdot","numpy-cpu","host","loop",10000), C("rowdot","numpy-cpu","host","eager",10000)),
 "grad x0 eager->jit": (C("grad","jax-cpu","explicit","eager",1), C("grad","jax-cpu","explicit","jit",1)),
}
prepared = {}
for a, b in pairs.values():
    for c in (a, b):
        if c not in prepared: prepared[c] = kernels.prepare(c)
times = {c: [] for c in prepared}
for r in range(3):
    for c, p in prepared.items():
        times[c].append(kernels.measure(p, repeat=5, min_sample_s=0.1).median)
med = {c: statistics.median(v) for c, v in times.items()}
for name, (a, b) in pairs.items():
    pa, pb = prepared[a], prepared[b]
    extra = f", {pb.flops/med[b]/1e9:.0f} vs {pa.flops/med[a]/1e9:.0f} GFLOP/s" if pa.flops and a.kernel=="matmul" else ""
    comp = f", compile {kernels.format_seconds(pb.compile_seconds)}" if pb.compile_seconds else ""
    print(f"{name:32s} {kernels.format_seconds(med[a]):>9s} -> {kernels.format_seconds(med[b]):>9s}  ratio {med[a]/med[b]:8.1f}x{extra}{comp}   rounds a={[kernels.format_seconds(x) for x in times[a]]} b={[kernels.format_seconds(x) for x in times[b]]}")
