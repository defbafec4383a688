"""Helpers shared by the tests (fixtures live in conftest.py)."""
import contextlib
from pathlib import Path


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

    from reports.formats import writers

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


FIXTURE_RESULTS = Path(__file__).resolve().parent / "fixtures" / "results"


def results_digest(folder) -> dict:
    """{relative path: sha256} of every file below ``folder``."""
    import hashlib

    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@contextlib.contextmanager
def quiet_report_run():
    """Results warnings silenced, the repository as working folder (asv.conf.json's thresholds)."""
    import warnings

    import pytest

    from results.files import ResultsWarning

    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
        warnings.simplefilter("ignore", ResultsWarning)
        mp.chdir(FIXTURE_RESULTS.parents[2])
        yield
