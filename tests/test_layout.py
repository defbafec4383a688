"""Which package may do what (issue 28): bench/ is the asv suite only, runner/ runs it, reports/
reads results. Checked on the source (imports), so the test costs nothing."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# what only a runner does: start processes, parse a command line, handle signals, lock files
RUNNER_ONLY = {"argparse", "subprocess", "signal", "fcntl", "runner"}


def _imports(path: Path) -> set[str]:
    """The top-level names of every module ``path`` imports (absolute imports; relative ones are
    reported as the file's own package)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module.split(".")[0] if node.level == 0 and node.module else path.parent.name)
    return names


def test_bench_is_the_asv_suite_only():
    bad = {p.name: sorted(_imports(p) & RUNNER_ONLY) for p in sorted((ROOT / "bench").glob("*.py"))}
    assert not {k: v for k, v in bad.items() if v}, bad


def test_reports_import_neither_the_suite_nor_the_runner():
    bad = {str(p.relative_to(ROOT)): sorted(_imports(p) & {"bench", "runner"})
           for p in sorted((ROOT / "reports").rglob("*.py"))}
    assert not {k: v for k, v in bad.items() if v}, bad


def test_the_runner_lives_in_runner():
    """The commands the Makefile and docs name are runner modules; bench/ holds none of them."""
    for name in ("__main__", "gpu", "forced_devices", "worker_server", "measuring_process", "facts"):
        assert (ROOT / "runner" / f"{name}.py").is_file() and not (ROOT / "bench" / f"{name}.py").exists()
    assert (ROOT / "runner" / "gate" / "__main__.py").is_file() and not list((ROOT / "bench").glob("gate*.py"))


def test_results_sit_above_kernels_only():
    """results/ (the data model on disk) imports nothing of the engine, the suite, the runner or the
    report: they all ask it, never the other way round."""
    bad = {str(p.relative_to(ROOT)): sorted(_imports(p) & {"jaxbench", "bench", "runner", "reports"})
           for p in sorted((ROOT / "results").rglob("*.py"))}
    assert not {k: v for k, v in bad.items() if v}, bad


def test_the_results_layer_left_jaxbench():
    """jaxbench/ is the engine and its notebook face: the results layer's modules live in results/."""
    for name in ("load", "store", "rounds", "stats", "pairstats", "atomic", "asv_atomic"):
        assert not (ROOT / "jaxbench" / f"{name}.py").exists()
    for name in ("files", "asv_json", "frame", "rows", "registry", "rounds", "records", "bootstrap",
                 "median_intervals", "comparison_stats", "atomic", "asv_atomic"):
        assert (ROOT / "results" / f"{name}.py").is_file()


def _calls(path: Path) -> set[str]:
    """``module.function`` of every attribute call in ``path`` (``records.per_process(...)`` -> records.per_process)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
            out.add(f"{node.func.value.id}.{node.func.attr}")
    return out


def test_a_commits_comparisons_are_pooled_in_one_place():
    """The runner, asv's track_ratio values and the report read a comparison's ratio and interval
    from results.comparisons.Comparisons: nobody else splits the records into processes."""
    pooling = {"records.per_process", "records.summary"}
    bad = {str(p.relative_to(ROOT)): sorted(_calls(p) & pooling)
           for pkg in ("results", "runner", "reports", "jaxbench", "bench") for p in sorted((ROOT / pkg).rglob("*.py"))
           if p != ROOT / "results" / "comparisons.py"}
    assert not {k: v for k, v in bad.items() if v}, bad


def test_reports_read_the_kernels_rules_not_the_engine():
    """The baselines and the null-test exclusions are kernels' data: reports/ imports nothing of
    jaxbench/ but the progress bar's terminal check (jaxbench.progress)."""
    def modules(path):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                yield node.module
            elif isinstance(node, ast.Import):
                yield from (a.name for a in node.names)

    bad = {str(p.relative_to(ROOT)): sorted(m for m in modules(p) if m.split(".")[0] == "jaxbench" and m != "jaxbench.progress")
           for p in sorted((ROOT / "reports").rglob("*.py"))}
    assert not {k: v for k, v in bad.items() if v}, bad
