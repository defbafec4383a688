"""Command line: list the kernels and their variants, or time one case.

    python -m kernels list                 # Markdown table of kernels, variants, sizes
    python -m kernels time selu --backend jax-cpu --placement explicit --transform jit --size 100000
    python -m kernels time matmul --size 1024 --devices 2   # sharded over 2 (forced host) devices
"""
from __future__ import annotations

import argparse
import sys

from . import BACKENDS, DTYPES, PLACEMENTS, TRANSFORMS, Case, Unavailable, force_host_devices, kernels, measure, prepare
from .timing import format_seconds


def kernel_table() -> str:
    """Markdown table of every registered kernel and the variants it offers."""
    rows = ["| kernel | what | size | sizes (grid) | `make bench` sizes | lecture: size, baseline | NumPy-CPU | "
            "JAX (cpu/gpu) | placements | dtypes | variants | devices (`make bench`) |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for spec in kernels().values():
        variants = f"{spec.variant_name}: {', '.join(spec.variants)}" if spec.variant_name else "-"
        lecture = f"{spec.lecture_size:,}" if spec.lecture_size is not None else "-"
        rows.append(f"| `{spec.name}` | {spec.summary} | {spec.size_name} (default {spec.default_size:,}) | "
                    f"{', '.join(f'{s:,}' for s in spec.sizes)} | {', '.join(f'{s:,}' for s in spec.default_grid())}"
                    f"{' (' + ', '.join(spec.default_variants) + ')' if spec.default_variants else ''} | "
                    f"{lecture}, {spec.lecture_baseline} | {', '.join(spec.numpy_transforms)} | "
                    f"{', '.join(spec.jax_transforms)} | {', '.join(spec.jax_placements)} | "
                    f"{', '.join(spec.dtypes)} | {variants} | {_devices_cell(spec)} |")
    return "\n".join(rows)


def _devices_cell(spec) -> str:
    """'1' for a one-device kernel; '1, 2, 4 (1, 2): jit' for a kernel that shards."""
    sh = spec.sharding
    if sh is None:
        return "1"
    return (f"{', '.join(map(str, sh.device_counts))} ({', '.join(map(str, sh.default_device_counts))}): "
            f"{', '.join(sh.transforms)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kernels", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="Markdown table of kernels and variants")
    t = sub.add_parser("time", help="prepare, verify and time one case")
    t.add_argument("kernel", choices=list(kernels()))
    t.add_argument("--backend", choices=BACKENDS, default="jax-cpu")
    t.add_argument("--placement", choices=PLACEMENTS, default=None, help="default: host for NumPy, explicit for JAX")
    t.add_argument("--transform", choices=TRANSFORMS, default=None,
                   help="default: the kernel's first (its first sharded one with --devices > 1)")
    t.add_argument("--size", type=int, default=None, help="default: the kernel's lecture size")
    t.add_argument("--dtype", choices=DTYPES, default="float32")
    t.add_argument("--variant", default=None)
    t.add_argument("--devices", type=int, default=1,
                   help="devices to shard over (jax-cpu: forced host devices in this process)")
    args = parser.parse_args(argv)
    if args.command == "list":
        print(kernel_table())
        return 0
    spec = kernels()[args.kernel]
    case = Case(args.kernel, args.backend,
                args.placement or ("host" if args.backend == "numpy-cpu" else "explicit"),
                args.transform or (spec.sharding.transforms[0] if args.devices > 1 and spec.sharding
                                   else spec.transforms_for(args.backend)[0]),
                args.size or spec.default_size, args.dtype,
                spec.variants[0] if args.variant is None else args.variant, args.devices)
    try:
        if args.devices > 1 and args.backend == "jax-cpu":
            force_host_devices(args.devices)
        p = prepare(case)
    except Unavailable as exc:
        print(f"unavailable: {exc.reason}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    t = measure(p)
    print(case.label)
    print(f"  steady state : {t}")
    if p.compile_seconds is not None:
        print(f"  compile      : {format_seconds(p.compile_seconds)}")
    if p.transfer_seconds is not None:
        print(f"  transfer     : {format_seconds(p.transfer_seconds)} (host -> {p.device})")
    if p.flops:
        print(f"  rate         : {p.flops / t.median / 1e9:.1f} GFLOP/s")
    if p.bytes:
        print(f"  bandwidth    : {p.bytes / t.median / 1e9:.2f} GB/s")
    print(f"  max rel error: {p.error:.2g} (tolerance {p.tolerance:.0e}), precision {p.precision}")
    if p.notes:
        print(f"  note         : {p.notes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
