"""One ``-b`` selection builder (runner/asv_selection.py) for the suite's ordinary classes and its
comparison classes: the same regexes, counts and wanted keys as the two builders it replaced
(``runner.asv_run.selection`` and ``runner.comparison_sweeps.comparison_selection`` before 28), the
expected values below computed with those before they were folded (selu, no GPU, default run)."""
from __future__ import annotations

from runner import asv_run, asv_selection, comparison_sweeps

COMPILE = (r"^bench_selu\.SeluCompile\.(track_compile_seconds)\(('jax\-cpu',\ 'explicit',\ 'jit',\ 100000,\ "
           r"'float32',\ 'lecture',\ 1)\)$")
TRANSFER = (r"^bench_selu\.SeluTransfer\.(track_transfer_seconds)\(('jax\-cpu',\ 'explicit',\ 'eager',\ 100000,\ "
            r"'float32',\ 'lecture',\ 1)\)$")
DEVICES2 = (r"^bench_selu\.SeluComparisonsDevices2\.track_ratio\(('selu\|jax\-cpu\|explicit\|jit\|100000\|float32\|"
            r"lecture\|1\ /\ selu\|jax\-cpu\|explicit\|jit\|100000\|float32\|lecture\|2')\)$")


def test_the_ordinary_classes_select_as_before(monkeypatch):
    monkeypatch.setenv("JAXBENCH_SIZES", "default")
    assert asv_run.selection is asv_selection.selection
    regexes, chosen, total, wanted = asv_selection.selection("selu", gpu=False, full=False)
    assert (len(regexes), chosen, total) == (4, 19, 112)
    assert regexes[1] == COMPILE and regexes[3] == TRANSFER
    assert regexes[0].startswith(r"^bench_selu\.Selu\.(time_selu)\(('numpy\-cpu',\ 'host',\ 'eager',\ 1000,\ ")
    assert {k: len(v) for k, v in wanted.items()} == {
        "bench_selu.Selu.time_selu": 15, "bench_selu.SeluCompile.track_compile_seconds": 1,
        "bench_selu.SeluPeakmem.peakmem_selu": 2, "bench_selu.SeluTransfer.track_transfer_seconds": 1}
    assert asv_selection.selection("selu", gpu=False, full=False, timed_only=True)[:3] == (regexes[:1], 15, 96)
    assert asv_selection.selection("selu", gpu=False, full=False, steady=False)[:3] == (regexes[1:], 4, 16)


def test_the_comparison_classes_select_as_before(monkeypatch):
    monkeypatch.setenv("JAXBENCH_SIZES", "default")
    selections, live = comparison_sweeps.selections_of(["selu"], gpu=False)
    assert live == ["selu"]
    regexes, chosen, _, wanted = selections["selu"]
    assert (len(regexes), chosen) == (2, 23)
    assert regexes[1] == DEVICES2
    assert regexes[0].startswith(r"^bench_selu\.SeluComparisons\.track_ratio\(('selu\|jax\-cpu\|device\|eager\|1000\|")
    assert {k: len(v) for k, v in wanted.items()} == {"bench_selu.SeluComparisons.track_ratio": 22,
                                                      "bench_selu.SeluComparisonsDevices2.track_ratio": 1}
    assert wanted["bench_selu.SeluComparisons.track_ratio"][0] == (
        "'selu|jax-cpu|device|eager|1000|float32|lecture|1 / selu|jax-cpu|device|jit|1000|float32|lecture|1'")
