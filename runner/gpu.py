"""A GPU box in one command: is there a usable NVIDIA GPU, and which asv machine name says so.

    python -m runner.gpu check                # exit 0 with a summary, or 1 with what is missing
    python -m runner.gpu check --driver-only  # nvidia-smi only: needs no JAX, runs before any install
    python -m runner.gpu machine              # the asv machine name, e.g. "lab7-h100x1"

``make bench GPU=1`` runs ``check --driver-only`` with the system Python before installing anything
(so a box without a GPU is refused at once, not after downloading the CUDA wheels), installs the
``cuda`` extra into .venv, runs ``check`` (JAX must see the GPU) and passes ``machine`` to
``python -m runner --machine``. See docs/multi_device.md.

Three things can be missing, checked in this order, each named by the refusal:
1. the NVIDIA driver's ``nvidia-smi`` (not on PATH),
2. a GPU (``nvidia-smi`` fails or lists none: no device, driver/library mismatch, ...),
3. JAX's CUDA backend (``jax.devices("gpu")`` raises: JAX installed without ``jax[cuda12]``,
   or ``JAX_PLATFORMS`` excludes the GPU).

Standard library only at import time, runner/__init__ included (``--driver-only`` runs with the
system Python before the virtualenv exists); JAX is imported by ``jax_gpus`` alone.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys

QUERY = ("nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader")
SMI_TIMEOUT_S = 20
INSTALL_HINT = ".venv/bin/pip install -e '.[cuda]'   (make bench GPU=1 does it)"
# Words of a GPU name that are vendor, brand, memory or form factor, not the model.
_NOT_MODEL = re.compile(r"^(nvidia|tesla|geforce|quadro|\d+gb|hbm\d*e?|sxm\d*|pcie|\d+w)$")


class GpuUnavailable(RuntimeError):
    """A GPU run was asked for and cannot happen here; the message names what is missing."""


# ---------------------------------------------------------------- nvidia-smi
def parse_nvidia_smi(text: str) -> list[dict]:
    """``[{"name": "NVIDIA H100 80GB HBM3", "memory_mib": 81559}, ...]`` from the CSV of ``QUERY``.

    One line per GPU, ``<name>, <memory.total>`` with memory as ``81559 MiB`` (``[N/A]`` ->
    None). Blank lines are skipped; a line without the two fields is a ValueError.
    """
    gpus = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, sep, memory = line.rpartition(",")
        if not sep or not name.strip():
            raise ValueError(f"nvidia-smi: cannot read {line!r} as '<name>, <memory.total>'")
        m = re.fullmatch(r"\s*(\d+)\s*MiB\s*", memory)
        gpus.append({"name": name.strip(), "memory_mib": int(m.group(1)) if m else None})
    return gpus


def query_nvidia_smi(which=shutil.which, run=subprocess.run) -> tuple[list[dict] | None, str]:
    """(GPUs, "") when ``nvidia-smi`` answers; (None, what went wrong) when it is absent or fails."""
    exe = which("nvidia-smi")
    if exe is None:
        return None, "nvidia-smi is not on PATH (no NVIDIA driver installed on this machine?)"
    try:
        res = run([exe, *QUERY[1:]], capture_output=True, text=True, timeout=SMI_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, f"nvidia-smi did not answer within {SMI_TIMEOUT_S} s"
    except OSError as exc:
        return None, f"nvidia-smi could not be run: {exc}"
    if res.returncode != 0:
        said = (res.stderr or res.stdout or "").strip().splitlines()
        return None, f"nvidia-smi failed (exit {res.returncode}): {said[-1] if said else 'no message'}"
    try:
        gpus = parse_nvidia_smi(res.stdout)
    except ValueError as exc:
        return None, str(exc)
    if not gpus:
        return None, "nvidia-smi lists no GPU"
    return gpus, ""


def nvidia_smi_gpus(which=shutil.which, run=subprocess.run) -> list[dict] | None:
    """The GPUs ``nvidia-smi`` lists (``parse_nvidia_smi``), or None when it is missing or fails."""
    return query_nvidia_smi(which, run)[0]


# ---------------------------------------------------------------- machine name
def gpu_model(name: str) -> str:
    """A short lower-case model from a GPU name: "NVIDIA H100 80GB HBM3" -> "h100",
    "NVIDIA A100-SXM4-40GB" -> "a100", "NVIDIA GeForce RTX 4090" -> "rtx4090", "Tesla T4" -> "t4".

    Vendor and brand words, memory size and type and form factor are dropped (the facts file keeps
    the full name and memory); what is left is joined: "NVIDIA H100 NVL" -> "h100nvl".
    """
    words = [w for w in re.split(r"[\s\-_/]+", name.lower()) if w and not _NOT_MODEL.match(w)]
    model = re.sub(r"[^a-z0-9.]", "", "".join(words))
    return model or "gpu"


def gpu_machine_name(gpus: list[dict], hostname: str) -> str:
    """``<host>-<model>x<count>`` per model, in nvidia-smi's order: "lab7-h100x1", "node3-a100x8",
    "ws-rtx4090x1-t4x1" for mixed GPUs.

    ``host`` is the host name's first label (``gpu01.cluster.local`` -> ``gpu01``), reduced to the
    characters ``python -m runner --machine`` accepts (letters, digits, '.', '_', '-').
    """
    if not gpus:
        raise ValueError("gpu_machine_name: no GPU given")
    counts: dict[str, int] = {}
    for gpu in gpus:
        model = gpu_model(gpu["name"])
        counts[model] = counts.get(model, 0) + 1
    host = re.sub(r"[^A-Za-z0-9_-]+", "-", hostname.split(".")[0]).strip("-") or "host"
    return "-".join([host] + [f"{model}x{n}" for model, n in counts.items()])


# ---------------------------------------------------------------- the check
def jax_gpus() -> list:
    """``jax.devices("gpu")``; raises GpuUnavailable naming JAX's reason when it has no GPU backend."""
    try:
        import jax
    except ImportError as exc:
        raise GpuUnavailable(f"JAX is not installed in {sys.executable}: {exc}. Install: {INSTALL_HINT}") from None
    try:
        devices = jax.devices("gpu")
    except RuntimeError as exc:
        platforms = os.environ.get("JAX_PLATFORMS")
        hint = (f"JAX_PLATFORMS={platforms!r} excludes it; unset it" if platforms and "cuda" not in platforms
                and "gpu" not in platforms else f"install JAX's CUDA backend: {INSTALL_HINT}")
        raise GpuUnavailable(f"JAX {jax.__version__} has no CUDA backend: jax.devices('gpu') failed "
                             f"({str(exc).splitlines()[0]}); {hint}") from None
    if not devices:
        raise GpuUnavailable(f"JAX {jax.__version__}: jax.devices('gpu') is empty")
    return devices


def check_gpu_request(with_jax: bool = True, which=shutil.which, run=subprocess.run) -> list[dict]:
    """The GPUs ``nvidia-smi`` lists, after checking that a GPU run can happen here.

    Raises GpuUnavailable whose message names the first thing missing: nvidia-smi, a GPU, or
    (``with_jax``) JAX's CUDA backend.
    """
    gpus, problem = query_nvidia_smi(which, run)
    if gpus is None:
        raise GpuUnavailable(f"no usable NVIDIA GPU: {problem}")
    if with_jax:
        jax_gpus()
    return gpus


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m runner.gpu", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="exit 0 when a GPU run can happen here, else 1 with what is missing")
    check.add_argument("--driver-only", action="store_true",
                       help="check nvidia-smi and the GPU only, not JAX (needs only the standard library)")
    sub.add_parser("machine", help="print the asv machine name for this host's GPUs")
    args = parser.parse_args(argv)
    try:
        gpus = check_gpu_request(with_jax=args.command == "check" and not args.driver_only)
    except GpuUnavailable as exc:
        print(f"GPU run refused: {exc}", file=sys.stderr)
        return 1
    name = gpu_machine_name(gpus, socket.gethostname())
    if args.command == "machine":
        print(name)
    else:
        listed = "; ".join(f"{g['name']} ({g['memory_mib']} MiB)" for g in gpus)
        print(f"GPU ok: {len(gpus)} x [{listed}]"
              f"{'' if args.driver_only else ', seen by JAX'}; asv machine name {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
