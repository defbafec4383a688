"""The `python -m kernels` CLI and the README's kernel table (generated from the registry)."""
import subprocess
import sys
from pathlib import Path

from _support import gpu_present
from kernels.__main__ import kernel_table, main

ROOT = Path(__file__).resolve().parents[1]


def test_readme_kernel_table_matches_the_registry():
    assert kernel_table() in (ROOT / "README.md").read_text(), \
        "README's kernel table is stale: paste the output of `python -m kernels list`"


def test_time_command_prints_steady_state_and_compile(capsys):
    assert main(["time", "selu", "--size", "1000", "--transform", "jit"]) == 0
    out = capsys.readouterr().out
    assert "steady state" in out and "compile" in out and "transfer" in out


def test_time_command_refuses_invalid_transform_with_valid_list(capsys):
    assert main(["time", "selu", "--transform", "vmap"]) == 2
    assert "valid transforms: eager, jit" in capsys.readouterr().err


def test_gpu_unavailable_is_reported_not_run():
    res = subprocess.run([sys.executable, "-m", "kernels", "time", "selu", "--backend", "jax-gpu", "--size", "1000"],
                         capture_output=True, text=True, cwd=ROOT)
    if gpu_present():
        assert res.returncode == 0
    else:
        assert res.returncode == 2 and "unavailable" in res.stderr


def test_every_command_the_docs_name_runs():
    """Each ``python -m MODULE`` of the README, docs/ and the Makefile names a module that runs (a
    package: its __main__), so a command that moved (``python -m bench`` -> ``python -m runner``,
    ``bench.gate`` -> ``runner.gate``) leaves no stale instruction behind."""
    import importlib.util
    import re

    texts = [ROOT / "README.md", ROOT / "Makefile", *sorted((ROOT / "docs").glob("*.md"))]
    pattern = r"(?:python3?|\$\(PY\)|\$\(PYTHON\)) -m\s+([A-Za-z_][\w.]*\w)"
    named = {m for p in texts for m in re.findall(pattern, p.read_text())}
    assert {"runner", "runner.gate", "runner.gpu", "runner.measuring_process", "reports", "kernels"} <= named, named
    for module in sorted(named):
        spec = importlib.util.find_spec(module)
        assert spec is not None, f"the docs name `python -m {module}`, which does not exist"
        if spec.submodule_search_locations is not None:
            assert importlib.util.find_spec(module + ".__main__") is not None, f"{module} has no __main__"
