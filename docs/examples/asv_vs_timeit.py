"""asv median (from a `make bench` run) vs kernels.measure (timeit) of the same case.

    .venv/bin/python docs/examples/asv_vs_timeit.py .asv/results/<machine>
"""
import glob, json, sys, itertools
import kernels
from kernels import Case
res = [p for p in glob.glob(sys.argv[1] + "/*.json") if not p.endswith("machine.json")][0]
d = json.load(open(res)); cols = d["result_columns"]
def asv_median(bench, want):
    row = dict(zip(cols, d["results"][bench]))
    for vals, r in zip(itertools.product(*row["params"]), row["result"]):
        if tuple(v.strip("'") for v in vals) == want:
            return r, dict(zip(cols, d["results"][bench]))
targets = [
    ("bench_selu.Selu.time_selu", ("jax-cpu", "explicit", "jit", "1000", "float32"), Case("selu", "jax-cpu", "explicit", "jit", 1000)),
    ("bench_selu.Selu.time_selu", ("jax-cpu", "explicit", "jit", "100000", "float32"), Case("selu", "jax-cpu", "explicit", "jit", 100000)),
    ("bench_grad.Grad.time_grad", ("jax-cpu", "explicit", "jit", "1", "float32"), Case("grad", "jax-cpu", "explicit", "jit", 1)),
    ("bench_matmul.Matmul.time_matmul", ("jax-cpu", "explicit", "jit", "1024", "float32", "x@y"), Case("matmul", "jax-cpu", "explicit", "jit", 1024, "float32", "x@y")),
    ("bench_rowdot.Rowdot.time_rowdot", ("jax-cpu", "explicit", "jit_vmap", "100"), Case("rowdot", "jax-cpu", "explicit", "jit_vmap", 100)),
]
for bench, want, case in targets:
    a, _ = asv_median(bench, want)
    p = kernels.prepare(case)
    ts = [kernels.measure(p, repeat=7).median for _ in range(3)]
    t = sorted(ts)[1]
    print(f"{case.label:55s} asv {kernels.format_seconds(a):>9s}  timeit {kernels.format_seconds(t):>9s} (3 runs: {', '.join(kernels.format_seconds(x) for x in ts)})  asv/timeit {a/t:.2f}")
