"""``python -m reports`` over the fixture results gives the same text outputs as the golden copy.

The golden copies were written by ``python -m reports`` before reports/ was restructured into
sections: ``tests/fixtures/golden/`` from tests/fixtures/results, ``tests/fixtures/golden/sharded/``
from the results with a devices axis that ``make_fixtures.write_sharded`` writes. Every table, the
lecture's verdicts, data.csv, the page and ``python -m reports --health``'s output must stay as they
were. Regenerate (only when an output is meant to change) with::

    .venv/bin/python tests/test_report_golden.py

Masked before comparing, and only these: the results folder's path (warnings.txt, the page's
command line), the output folder, the page's "Generated <time>" stamp, the base64 PNG data (figures
are not text; their file names are compared in files.txt) and the order of the page's "Files" and
"Not drawn" lists (sorted: the page lists files in the order they were written). Numbers are
compared as numbers to 1e-9 relative (:func:`first_difference`), the rest exactly: a float's last digit
depends on the CPU (NumPy chooses its SIMD kernels at run time: the fixtures' data.csv read
speedup_lo 0.3649062337891068 on the AMD EPYC that wrote the golden copy and ...067 on a Zen 3
EPYC without AVX-512, both NumPy 2.4.6; which function differs was not traced). The trivial
recommender's metrics are asv tracks of the fixtures (the report computes nothing), so nothing
depends on the data sets installed. Nothing here asserts on wall-clock time.
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import math
import re
import sys
import warnings
from pathlib import Path

import pytest

from _support import quiet_report_run

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "results"
GOLDEN = ROOT / "tests" / "fixtures" / "golden"
SETS = {"fixtures": GOLDEN, "sharded": GOLDEN / "sharded"}   # results set -> its golden copy
TEXT = (".md", ".tex", ".csv", ".txt", ".html")


def _sorted_list(match: re.Match) -> str:
    """A <ul> of the page with its items sorted (the Files and Not drawn lists: order is incidental)."""
    items = re.findall(r"<li>.*?</li>", match.group(2))
    return match.group(1) + "".join(sorted(items)) + match.group(3)


def mask(text: str, results: Path, out: Path) -> str:
    """The run-dependent parts of one output file replaced by placeholders."""
    text = text.replace(str(results), "<results>").replace(str(out), "<out>")
    text = re.sub(r"Generated \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", "Generated <time>", text)
    text = re.sub(r'src="data:image/png;base64,[A-Za-z0-9+/=]*"', 'src="<png>"', text)
    text = re.sub(r'(<section id="files"><h2>Files</h2>\n<ul>)(.*?)(</ul>)', _sorted_list, text, flags=re.S)
    return re.sub(r"(<p class=note>Not drawn:</p><ul>)(.*?)(</ul>)", _sorted_list, text, flags=re.S)


NUMBER = re.compile(r"(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)")
REL_TOL = 1e-9


def _same_number(a: str, b: str) -> bool:
    """Two number tokens that are equal, or equal to :data:`REL_TOL` relative."""
    return a == b or math.isclose(float(a), float(b), rel_tol=REL_TOL)


def first_difference(got: str, want: str) -> str | None:
    """None where ``got`` and ``want`` are the same text with numbers equal to :data:`REL_TOL`
    relative; otherwise the first line that differs, both ways, numbered."""
    got_lines, want_lines = got.split("\n"), want.split("\n")
    if len(got_lines) != len(want_lines):
        return f"{len(got_lines)} lines, the golden copy has {len(want_lines)}"
    for number, (g, w) in enumerate(zip(got_lines, want_lines), start=1):
        if g == w:
            continue
        gs, ws = NUMBER.split(g), NUMBER.split(w)
        if len(gs) != len(ws) or any(a != b if i % 2 == 0 else not _same_number(a, b)
                                     for i, (a, b) in enumerate(zip(gs, ws))):
            return f"line {number}:\n  got    {g[:2000]}\n  golden {w[:2000]}"
    return None


def results_of(which: str, tmp: Path) -> Path:
    """The results folder of a set: the committed fixtures, or the sharded ones written into ``tmp``."""
    if which == "fixtures":
        return FIXTURES
    spec = importlib.util.spec_from_file_location("make_fixtures", ROOT / "tests" / "fixtures" / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write_sharded(tmp / "results")


def build_report(results: Path, out: Path) -> dict:
    """Build the report of ``results`` into ``out`` with ``python -m reports``'s main (in this
    process), then :func:`report_texts`."""
    from reports.__main__ import main

    with quiet_report_run():
        assert main(["--results", str(results), "--out", str(out), "--no-progress"]) == 0
    return report_texts(results, out)


def report_texts(results: Path, out: Path) -> dict:
    """Relative path -> masked text of every text output in ``out`` (the report of ``results``),
    plus files.txt (every file written, sorted) and health-cli.md (what ``python -m reports --health``
    prints, then with --summary)."""
    from reports.__main__ import main

    printed = io.StringIO()
    with quiet_report_run(), contextlib.redirect_stdout(printed):
        for extra in ([], ["--summary"]):
            assert main(["--health", "--results", str(results), *extra]) == 0
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    texts = {name: mask((out / name).read_text(encoding="utf-8"), results, out)
             for name in files if name.endswith(TEXT)}
    texts["files.txt"] = "".join(f"{name}\n" for name in files)
    texts["health-cli.md"] = mask(printed.getvalue(), results, out)
    return texts


def golden_names(which: str) -> list[str]:
    """The golden files of a set (the sharded set's folder is left out of the fixtures' set)."""
    folder = SETS[which]
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and (which != "fixtures" or SETS["sharded"] not in p.parents))


@pytest.fixture(scope="module", params=sorted(SETS))
def built(request, tmp_path_factory, fixtures_report):
    """The fixtures' set: the session's shared report (conftest.py, the same main() call over a
    copy of the fixtures); the sharded set: built here."""
    if request.param == "fixtures":
        assert fixtures_report.rc == 0
        return request.param, report_texts(fixtures_report.results, fixtures_report.out)
    tmp = tmp_path_factory.mktemp(request.param)
    return request.param, build_report(results_of(request.param, tmp), tmp / "out")


def test_the_golden_copies_exist():
    for which in SETS:
        assert {"files.txt", "lecture.md", "health-cli.md", "data.csv"} <= set(golden_names(which)), which
    assert "tables/scaling.csv" in golden_names("sharded")


def test_same_text(built):
    which, texts = built
    assert sorted(texts) == golden_names(which)
    for name in golden_names(which):
        difference = first_difference(texts[name], (SETS[which] / name).read_text(encoding="utf-8"))
        assert difference is None, f"{which}: {name}: {difference}"


@pytest.mark.parametrize("got, want, same", [
    ("0.3649062337891068,x", "0.3649062337891067,x", True),    # the last digit, as two CPUs wrote it
    ("1.5e-05 us", "1.5000000000001e-05 us", True),
    ("0.365 [0.35, 0.39]", "0.366 [0.35, 0.39]", False),       # a printed digit is not noise
    ("12.5x", "12.5", False),
    ("a\nb", "a\nb\n", False),
])
def test_golden_numbers_compare_to_a_relative_tolerance(got, want, same):
    assert (first_difference(got, want) is None) == same


def write_golden() -> None:
    """Rewrite the golden copies from the code ``reports`` imports."""
    import tempfile

    for which in sorted(SETS, reverse=True):     # the fixtures' folder holds the sharded one
        with tempfile.TemporaryDirectory() as tmp:
            texts = build_report(results_of(which, Path(tmp)), Path(tmp) / "out")
        folder = SETS[which]
        for old in golden_names(which):
            (folder / old).unlink()
        for name, text in texts.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
        print(f"{len(texts)} golden files in {folder}")


if __name__ == "__main__":
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))
    write_golden()
