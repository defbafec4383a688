"""A GPU box in one command (runner/gpu.py, asv.gpu.conf.json), tested without a GPU.

nvidia-smi is faked by a shell script on a PATH of the test's own; JAX's CUDA backend is checked
for real (on a machine without one, the refusal; with one, the pass).
"""
from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from _support import gpu_present

from runner import gpu

ROOT = Path(__file__).resolve().parents[1]

H100 = "NVIDIA H100 80GB HBM3, 81559 MiB\n"
EIGHT_A100 = "".join("NVIDIA A100-SXM4-40GB, 40960 MiB\n" for _ in range(8))
MIXED = "NVIDIA GeForce RTX 4090, 24564 MiB\n\nTesla T4, [N/A]\n"
DRIVER_DOWN = ("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. "
               "Make sure that the latest NVIDIA driver is installed and running.")


def _fake_smi(folder: Path, stdout: str = H100, exit_code: int = 0) -> Path:
    """An executable ``nvidia-smi`` in ``folder`` that prints ``stdout`` and exits ``exit_code``.

    A Python script (absolute shebang): the tests' PATH holds only ``folder``, so no ``cat``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "nvidia-smi"
    script.write_text(f"#!{sys.executable}\nimport sys\nsys.stdout.write({stdout!r})\nsys.exit({exit_code})\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return folder


# ---------------------------------------------------------------- parsing nvidia-smi
def test_parse_one_h100():
    assert gpu.parse_nvidia_smi(H100) == [{"name": "NVIDIA H100 80GB HBM3", "memory_mib": 81559}]


def test_parse_eight_gpus_blank_lines_and_unknown_memory():
    assert len(gpu.parse_nvidia_smi(EIGHT_A100)) == 8
    assert gpu.parse_nvidia_smi(MIXED) == [{"name": "NVIDIA GeForce RTX 4090", "memory_mib": 24564},
                                           {"name": "Tesla T4", "memory_mib": None}]
    assert gpu.parse_nvidia_smi("") == []


def test_parse_refuses_a_line_it_cannot_read():
    with pytest.raises(ValueError, match="cannot read"):
        gpu.parse_nvidia_smi("No devices were found\n")


def test_nvidia_smi_gpus_is_none_when_missing_or_failing():
    absent = lambda name: None  # noqa: E731
    assert gpu.nvidia_smi_gpus(which=absent) is None

    def failing(cmd, **kw):
        return subprocess.CompletedProcess(cmd, 9, stdout="", stderr=DRIVER_DOWN)

    def hanging(cmd, **kw):
        raise subprocess.TimeoutExpired(cmd, kw["timeout"])

    present = lambda name: "/usr/bin/nvidia-smi"  # noqa: E731
    assert gpu.nvidia_smi_gpus(which=present, run=failing) is None
    assert gpu.nvidia_smi_gpus(which=present, run=hanging) is None
    gpus, problem = gpu.query_nvidia_smi(which=present, run=failing)
    assert gpus is None and "exit 9" in problem and "couldn't communicate" in problem


def test_nvidia_smi_gpus_runs_the_real_command(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(_fake_smi(tmp_path / "bin", EIGHT_A100)))
    gpus = gpu.nvidia_smi_gpus()
    assert [g["name"] for g in gpus] == ["NVIDIA A100-SXM4-40GB"] * 8


# ---------------------------------------------------------------- machine name
@pytest.mark.parametrize("name, model", [
    ("NVIDIA H100 80GB HBM3", "h100"), ("NVIDIA H200", "h200"), ("NVIDIA A100-SXM4-40GB", "a100"),
    ("NVIDIA A100-PCIE-40GB", "a100"), ("Tesla V100-SXM2-16GB", "v100"), ("Tesla T4", "t4"),
    ("NVIDIA GeForce RTX 4090", "rtx4090"), ("NVIDIA RTX A6000", "rtxa6000"), ("NVIDIA L4", "l4"),
    ("NVIDIA H100 NVL", "h100nvl"), ("NVIDIA GH200 480GB", "gh200"),
])
def test_gpu_model(name, model):
    assert gpu.gpu_model(name) == model


def test_gpu_machine_name_says_which_gpu_and_how_many():
    assert gpu.gpu_machine_name(gpu.parse_nvidia_smi(H100), "lab7") == "lab7-h100x1"
    assert gpu.gpu_machine_name(gpu.parse_nvidia_smi(EIGHT_A100), "node3.cluster.local") == "node3-a100x8"
    assert gpu.gpu_machine_name(gpu.parse_nvidia_smi(MIXED), "ws") == "ws-rtx4090x1-t4x1"
    name = gpu.gpu_machine_name(gpu.parse_nvidia_smi(H100), "Lab PC (2)")
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", name), name          # what `python -m runner --machine` accepts
    with pytest.raises(ValueError):
        gpu.gpu_machine_name([], "lab7")


# ---------------------------------------------------------------- the refusal
def test_refusal_names_missing_nvidia_smi(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))                    # an empty folder: no nvidia-smi
    with pytest.raises(gpu.GpuUnavailable, match="nvidia-smi is not on PATH"):
        gpu.check_gpu_request()


def test_refusal_names_a_failing_driver(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(_fake_smi(tmp_path, DRIVER_DOWN + "\n", exit_code=9)))
    with pytest.raises(gpu.GpuUnavailable, match="nvidia-smi failed .exit 9.: NVIDIA-SMI has failed"):
        gpu.check_gpu_request(with_jax=False)


def test_refusal_names_jax_without_cuda_backend(tmp_path, monkeypatch):
    """nvidia-smi answers (faked), so the check reaches JAX: without a CUDA backend it refuses."""
    monkeypatch.setenv("PATH", str(_fake_smi(tmp_path)))
    monkeypatch.delenv("JAX_PLATFORMS", raising=False)
    if gpu_present():
        assert gpu.check_gpu_request()[0]["name"] == "NVIDIA H100 80GB HBM3"
        return
    with pytest.raises(gpu.GpuUnavailable, match=r"no CUDA backend: jax.devices\('gpu'\) failed .*\[cuda\]"):
        gpu.check_gpu_request()
    assert gpu.check_gpu_request(with_jax=False) == gpu.parse_nvidia_smi(H100)


def _cli(args, path: Path):
    env = dict(os.environ, PATH=str(path))
    return subprocess.run([sys.executable, "-m", "runner.gpu", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_check_stops_at_once_without_nvidia_smi(tmp_path):
    for args in (["check"], ["check", "--driver-only"], ["machine"]):
        res = _cli(args, tmp_path)
        assert res.returncode == 1, (args, res.stdout, res.stderr)
        assert res.stderr.startswith("GPU run refused: no usable NVIDIA GPU: nvidia-smi is not on PATH"), res.stderr
        assert res.stdout == ""


def test_cli_driver_check_and_machine_name_with_a_gpu_listed(tmp_path):
    bin_dir = _fake_smi(tmp_path)
    res = _cli(["check", "--driver-only"], bin_dir)
    assert res.returncode == 0, res.stderr
    assert "GPU ok: 1 x [NVIDIA H100 80GB HBM3 (81559 MiB)]" in res.stdout
    res = _cli(["machine"], bin_dir)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == gpu.gpu_machine_name(gpu.parse_nvidia_smi(H100), socket.gethostname())


def test_driver_check_needs_only_the_standard_library():
    """``check --driver-only`` runs with the system Python before .venv exists: runner.gpu (and
    bench/__init__) import nothing outside the standard library."""
    code = ("import sys, runner.gpu\n"
            "print(sorted(m for m in ('jax', 'numpy', 'asv', 'kernels') if m in sys.modules))\n")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


# ---------------------------------------------------------------- asv.gpu.conf.json
def _load_conf(name: str) -> dict:
    from asv import util

    return util.load_json(str(ROOT / name), js_comments=True)


def test_gpu_asv_config_loads_with_asvs_loader():
    from asv.config import Config

    conf = Config.load(str(ROOT / "asv.gpu.conf.json"))
    assert conf.benchmark_dir == "bench" and conf.launch_method == "spawn"


def test_gpu_asv_config_differs_from_the_cpu_one_only_where_intended():
    cpu, gpu_conf = _load_conf("asv.conf.json"), _load_conf("asv.gpu.conf.json")
    changed = {k for k in cpu.keys() | gpu_conf.keys() if cpu.get(k) != gpu_conf.get(k)}
    assert changed == {"env_dir", "install_command", "launch_method"}, changed   # CUDA needs spawn
    assert gpu_conf["env_dir"] != cpu["env_dir"]                 # asv would reuse CPU-only environments
    assert gpu_conf["install_command"][:-1] == cpu["install_command"]
    extra = gpu_conf["install_command"][-1]
    jax_pin = cpu["matrix"]["req"]["jax"][0]
    assert extra == f"in-dir={{env_dir}} python -m pip install jax[cuda12]=={jax_pin}", extra


def test_cuda_pins_agree_with_the_matrix():
    """The CUDA wheels asv installs and the `cuda` extra `make bench GPU=1` installs are the jax
    version the matrix pins (the extra is checked once pyproject.toml declares it)."""
    jax_pin = _load_conf("asv.conf.json")["matrix"]["req"]["jax"][0]
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get("optional-dependencies", {})
    if "cuda" in extras:
        assert extras["cuda"] == [f"jax[cuda12]=={jax_pin}"], extras["cuda"]
