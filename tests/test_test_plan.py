"""The plan make test runs by (tests/conftest.py): every file that reads the shared fixtures report
runs on the worker that builds it, and the order names files that exist."""
import importlib.util
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# By path: under xdist the name ``conftest`` may be tests/benchmarks/conftest.py
_spec = importlib.util.spec_from_file_location("tests_conftest", TESTS / "conftest.py")
conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(conftest)


def test_every_reader_of_the_fixtures_report_shares_the_builder_s_worker():
    readers = {p.name for p in TESTS.glob("test_*.py") if "fixtures_report" in p.read_text()} - {Path(__file__).name}
    assert readers and readers <= set(conftest.SHARE_A_WORKER), readers - set(conftest.SHARE_A_WORKER)
    units = {conftest.unit_of(f"tests/{name}::test_x") for name in readers}
    assert units == {"fixtures report"}


def test_other_files_are_units_of_their_own():
    assert conftest.unit_of("tests/test_stats.py::test_a[1]") == "tests/test_stats.py"
    assert conftest.unit_of("tests/benchmarks/test_bench_kernels.py::test_case") == "compiled cases"
    assert conftest.unit_of("tests/test_kernels.py::test_x") == conftest.unit_of("tests/test_norm_hessian.py::t")


def test_the_longest_first_order_names_files_that_exist():
    present = {p.name for p in TESTS.rglob("test_*.py")}
    assert set(conftest.LONGEST_FIRST) <= present, set(conftest.LONGEST_FIRST) - present
