"""Machine facts that asv does not record, written beside its results.

Contract with ``reports/``: ``<results_dir>/<machine>/jaxbench-facts.jsonc``, one per machine,
rewritten by every ``python -m runner`` run (``python -m runner.facts --results-dir D --machine M``
writes it alone). Keys: ``machine``, ``written_at``, ``cpu`` (model, flags, cores), ``memory_bytes``,
``blas`` (threadpoolctl: vendor, library, threads), ``versions`` (python, numpy, scipy, jax, jaxlib,
flax, optax, asv, asv_runner, jaxbench), ``jax`` (backend, devices with kind, GPU name and driver
where present, x64, default matmul precision, XLA-related environment), ``env`` (variables that
change numbers: thread counts, XLA_FLAGS, ...).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from kernels import settings
from results import atomic
from results.files import FACTS_FILE

ENV_KEYS = ("XLA_FLAGS", "XLA_PYTHON_CLIENT_PREALLOCATE", "XLA_PYTHON_CLIENT_MEM_FRACTION",
            "JAX_PLATFORMS", "JAX_ENABLE_X64", "JAX_DEFAULT_MATMUL_PRECISION",
            "JAX_ENABLE_COMPILATION_CACHE", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
            "MKL_NUM_THREADS", "CUDA_VISIBLE_DEVICES") + settings.recorded()   # ours: kernels/settings.py


def _cpu() -> dict:
    info = {"model": platform.processor() or platform.machine(), "flags": [],
            "logical_cores": os.cpu_count(),
            "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None}
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name":
                    info["model"] = value.strip()
                elif key == "flags" and not info["flags"]:
                    info["flags"] = value.split()
    except OSError:
        pass
    return info


def _memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _versions() -> dict:
    out = {"python": platform.python_version()}
    for dist in ("numpy", "scipy", "jax", "jaxlib", "flax", "optax", "asv", "asv_runner",
                 "threadpoolctl", "jaxbench", "jax-cuda12-plugin", "jax-cuda13-plugin"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def _blas() -> list[dict]:
    try:
        import numpy  # noqa: F401  (loads its BLAS so threadpoolctl sees it)
        import scipy.linalg  # noqa: F401
        from threadpoolctl import threadpool_info
    except ImportError as exc:
        return [{"error": str(exc)}]
    keep = ("user_api", "internal_api", "prefix", "version", "num_threads", "threading_layer",
            "architecture", "filepath")
    return [{k: pool.get(k) for k in keep} for pool in threadpool_info()]


def _nvidia_smi() -> list[dict]:
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,driver_version,memory.total,compute_cap",
             "--format=csv,noheader"], capture_output=True, text=True, timeout=20, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    rows = []
    for line in out.strip().splitlines():
        parts = [p.strip() for p in line.split(",")]
        rows.append(dict(zip(("name", "driver", "memory", "compute_capability"), parts)))
    return rows


def _jax() -> dict:
    try:
        import jax
    except ImportError as exc:
        return {"error": str(exc)}
    devices = []
    for dev in jax.devices():
        devices.append({"id": dev.id, "platform": dev.platform,
                        "kind": getattr(dev, "device_kind", None), "str": str(dev)})
    gpus = []
    try:
        gpus = [str(d) for d in jax.devices("gpu")]
    except RuntimeError:
        pass
    return {
        "default_backend": jax.default_backend(),
        "devices": devices,
        "gpu_devices": gpus,
        "nvidia_smi": _nvidia_smi() if gpus else [],
        "x64_enabled_by_default": bool(jax.config.jax_enable_x64),
        "x64_note": "float64 cases enable x64 for that case only (kernels/_devices.py)",
        "default_matmul_precision": str(jax.config.jax_default_matmul_precision or "default"),
        "default_dtype": "float32",
    }


def collect(machine: str | None = None) -> dict:
    return {
        "machine": machine,
        "written_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "hostname": platform.node(),
        "os": f"{platform.system()} {platform.release()}",
        "cpu": _cpu(),
        "memory_bytes": _memory_bytes(),
        "blas": _blas(),
        "versions": _versions(),
        "jax": _jax(),
        "env": {k: os.environ.get(k) for k in ENV_KEYS},
    }


def _previous(path: Path) -> dict:
    """The facts file as it is ({} when absent or unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write(results_dir: str | os.PathLike, machine: str, measurement: dict | None = None) -> Path:
    """Write ``<results_dir>/<machine>/jaxbench-facts.jsonc``; returns its path.

    ``measurement``: how python -m runner ran asv (launch method, rounds, samples, kernels), kept
    with the facts; ``measured_kernels`` keeps it per kernel across runs of some kernels."""
    path = Path(results_dir) / machine / FACTS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    facts = collect(machine)
    if measurement:
        facts["measurement"] = measurement
        # a run of some kernels keeps how the others were measured (the latest run of each)
        facts["measured_kernels"] = dict(_previous(path).get("measured_kernels") or {},
                                         **{k: dict(measurement, written_at=facts["written_at"])
                                            for k in measurement.get("kernels", [])})
    return atomic.write_text(path, json.dumps(facts, indent=2, sort_keys=True) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m runner.facts", description=__doc__.splitlines()[0])
    parser.add_argument("--results-dir", required=True)
    parser.add_argument("--machine", required=True)
    args = parser.parse_args(argv)
    print(write(args.results_dir, args.machine))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
