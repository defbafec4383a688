"""Helpers shared by the tests (fixtures live in conftest.py)."""


def gpu_present() -> bool:
    """Whether JAX sees a GPU (tests of the jax-gpu label branch on it)."""
    import jax

    try:
        return bool(jax.devices("gpu"))
    except RuntimeError:
        return False


def compile_latex(tex_file, tmp) -> str:
    """Compile a written table in \\documentclass[a4paper]{article} with booktabs; return the log.

    Skips where pdflatex or booktabs is missing (texlive-latex-recommended); fails on a LaTeX error."""
    import shutil
    import subprocess

    import pytest

    from reports import writers

    exe = shutil.which("pdflatex")
    if exe is None:
        pytest.skip("pdflatex not installed (apt-get install -y texlive-latex-recommended)")
    if shutil.which("kpsewhich") and not subprocess.run(["kpsewhich", "booktabs.sty"], capture_output=True,
                                                        text=True).stdout.strip():
        pytest.skip("booktabs.sty not installed (texlive-latex-recommended)")
    doc = tmp / f"{tex_file.stem}-doc.tex"
    doc.write_text(writers.latex_document(tex_file.read_text()))
    run = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", doc.name], cwd=tmp,
                         capture_output=True, text=True, timeout=300)
    log = (tmp / f"{tex_file.stem}-doc.log").read_text(errors="replace")
    assert run.returncode == 0, log[-3000:]
    return log
