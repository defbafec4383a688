"""jaxbench.compare and the %compare magic: behaviour only, never wall-clock speed.

Kept small (well under a minute on 2 cores): workloads of ~0.1 ms, budgets under a second, fresh
processes run one after the other; the notebook test starts one Jupyter kernel.
"""
import functools
import html
import math
import pickle
import re
import subprocess
import sys
import threading

import pytest

import jaxbench
from jaxbench import compare_send, compare_show, magic
from jaxbench.compare import Ladder, Result, _paired

N = 20_000


def once():
    return sum(range(N))


def twice():
    return sum(range(N)) + sum(range(N))


def thrice():
    return sum(range(N)) * 3


def add(a, b=0):
    return sum(range(a)) + b


class _Wrapped:
    """A callable that, like a ``jax.jit`` function, refuses the standard pickler but is importable
    under the name it wraps."""

    def __init__(self, fn):
        functools.update_wrapper(self, fn)
        self.fn = fn

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def __reduce__(self):
        raise TypeError("cannot pickle 'PjitFunction' object")


@_Wrapped
def wrapped_once():
    return sum(range(N))


QUICK = {"budget_s": 1.0, "target": 0.03, "min_passes": 5, "max_passes": 60}
TINY = {"budget_s": 0.3, "min_passes": 3, "max_passes": 10}

NOTEBOOK_CODE = """
def f(n):
    return sum(range(n))

def g(n):
    return sum(range(n // 2))

def h(n):
    return sum(i for i in range(n // 2))
"""


def in_main(code: str) -> dict:
    """The names ``code`` defines, as a notebook cell defines them: functions of ``__main__``."""
    ns = {"__name__": "__main__"}
    exec(code, ns)
    return ns


def test_planted_2x_difference_is_detected_across_fresh_processes():
    # 5 processes, not 3: with 3 (t(0.975, 2) = 4.3) one process of a busy make test read the
    # interval 0.77-5.36 around 2.03; alone, 3 processes of 6 passes read per-process 1.65-2.36
    r = jaxbench.compare(twice, once, processes=5, **dict(QUICK, budget_s=2.0))
    assert isinstance(r, Result)
    assert r.processes == 5 and len(r.per_process) == 5 and all(len(p) >= 5 for p in r.per_process)
    assert r.passes == sum(len(p) for p in r.per_process)
    assert 1.6 <= r.ratio <= 2.5, r
    assert 1.0 < r.lo <= r.ratio <= r.hi
    assert r.verdict == "faster"
    text = str(r)
    assert text.startswith("once is ") and "faster than twice" in text, text
    assert "5 processes x" in text and "paired" in text
    assert r.note == "" and "\n" not in text
    assert r.median_f > r.median_g > 0
    assert math.isfinite(r.half_width) and r.half_width > 0
    assert [len(m) for m in r.process_medians] == [5, 5] and all(t > 0 for m in r.process_medians for t in m)


def test_importable_callables_that_refuse_pickle_still_go_to_fresh_processes():
    with pytest.raises(TypeError):
        pickle.dumps(wrapped_once)
    r = jaxbench.compare(wrapped_once, once, processes=2, budget_s=0.4, min_passes=3, max_passes=10)
    assert r.processes == 2 and r.note == "" and r.f_name == "wrapped_once"


def test_identical_functions_give_a_finite_interval_around_the_point():
    r = jaxbench.compare(once, once, processes=1, **QUICK)
    assert r.processes == 1 and r.passes >= 5
    assert (r.f_name, r.g_name) == ("once", "once #2")
    assert 0 < r.lo <= r.ratio <= r.hi < math.inf
    assert 0.8 < r.ratio < 1.25, r        # identical work: any difference is noise
    # Usually "no measurable difference"; a 95% interval may miss 1 now and then, so only the
    # consistency of the text with the interval is asserted here (the wording is tested below).
    expected = "no measurable difference" if r.lo <= 1 <= r.hi else ("faster" if r.lo > 1 else "slower")
    assert expected in str(r)
    assert "processes=1" in r.note and "process-to-process noise not sampled" in str(r)


def test_arguments_and_keyword_arguments_are_passed_to_both():
    r = jaxbench.compare(add, add, 5000, b=3, processes=1, budget_s=0.3, min_passes=3, max_passes=10,
                         names=("first", "second"))
    assert r.f_name == "first" and r.g_name == "second"
    assert "first" in str(r) and "second" in str(r)


def _result(ratio, lo, hi, note=""):
    return Result(ratio, lo, hi, 3, 36, [[ratio] * 12] * 3, "f", "g", note, 2.94e-3, 544e-6)


def test_the_text_says_faster_slower_or_no_difference():
    assert str(_result(5.4, 4.9, 6.3)) == "g is 5.4x [4.9, 6.3] faster than f (3 processes x 12 passes, paired; f 2.94 ms, g 544 us)"
    assert str(_result(0.5, 0.4, 0.625)).startswith("g is 2x [1.6, 2.5] slower than f (")
    assert str(_result(1.01, 0.97, 1.05)).startswith("no measurable difference between f and g: 1.01x [0.97, 1.05] (")
    assert str(_result(1.0, 0.9, 1.1, note="1 process: why")).endswith("\n1 process: why")
    r = _result(2.0, 1.5, 2.5)
    assert r.half_width == pytest.approx(0.25)
    assert _result(math.nan, math.nan, math.nan).verdict == "unknown"


# --- functions of a notebook (__main__) go to fresh processes by value -----------------------

def test_functions_defined_in_main_are_measured_in_three_processes():
    nb = in_main(NOTEBOOK_CODE)
    f, g, h = nb["f"], nb["g"], nb["h"]
    assert f.__module__ == "__main__"
    r = jaxbench.compare(f, g, 4000, **TINY)
    assert isinstance(r, Result) and r.processes == 3 and r.note == ""
    page = r._repr_html_()
    assert compare_show.ratio_text(r) in page and "3 processes x" in page
    lad = jaxbench.compare(f, g, h, 4000, **TINY)
    assert isinstance(lad, Ladder) and len(lad) == 2 and lad.note == ""
    assert [(x.f_name, x.g_name) for x in lad] == [("f", "g"), ("f", "h")]
    assert all(x.processes == 3 for x in lad) and lad.processes == 3
    # paired: both ratios come from the same passes of the same processes
    assert [len(p) for p in lad.rungs[0].per_process] == [len(p) for p in lad.rungs[1].per_process] == \
        [len(p) for p in lad.samples]
    assert all(len(row) == 3 for p in lad.samples for row in p)


@pytest.mark.parametrize("kind", ["lambda", "local"])
def test_lambdas_and_local_functions_are_sent_by_value(kind):
    if kind == "lambda":
        f, g = (lambda: sum(range(N))), (lambda: sum(range(N)))
    else:
        def f():
            return sum(range(N))

        def g():
            return sum(range(N))
    r = jaxbench.compare(f, g, processes=2, **TINY)
    assert r.processes == 2 and len(r.per_process) == 2 and r.note == ""


def test_what_cannot_be_sent_is_measured_here_and_named():
    lock = threading.Lock()

    def holds_a_lock():
        with lock:
            return sum(range(N))

    r = jaxbench.compare(once, holds_a_lock, processes=3, **TINY)
    assert r.processes == 1 and len(r.per_process) == 1
    assert r.note.startswith("1 process: cannot send to a fresh process: g (")
    assert "holds_a_lock" in r.note and "lock" in r.note and "f (" not in r.note
    assert r.note.endswith("process-to-process noise not sampled") and r.note in str(r)
    r = jaxbench.compare(lambda n, _: sum(range(n)), lambda n, _: sum(range(n)), args=(N, lock), processes=2, **TINY)
    assert r.processes == 1 and "argument 2 (lock)" in r.note and "g (" not in r.note


def test_a_module_the_fresh_process_cannot_import_is_said_and_measured_here(monkeypatch):
    import types

    mod = types.ModuleType("_jaxbench_nowhere")
    exec("def nowhere():\n    return sum(range(20000))\n", mod.__dict__)
    monkeypatch.setitem(sys.modules, "_jaxbench_nowhere", mod)
    r = jaxbench.compare(mod.nowhere, once, processes=2, **TINY)
    assert r.processes == 1
    assert r.note.startswith("1 process: a fresh process could not load what was sent (")
    assert "_jaxbench_nowhere" in r.note


def test_a_failing_warm_up_in_a_fresh_process_is_reported():
    def boom():
        raise KeyError("nope")

    with pytest.raises(RuntimeError, match=r"in fresh process 1 of 2: .*g \(.*boom\) failed on its warm-up call: KeyError"):
        jaxbench.compare(once, boom, processes=2, **TINY)


# --- more than two functions; which arguments are functions ----------------------------------

def test_leading_callables_are_the_functions_and_args_gives_arguments_explicitly():
    lad = jaxbench.compare(add, add, add, 3000, b=1, names=("a", "b", "c"), processes=1, **TINY)
    assert isinstance(lad, Ladder) and lad.names == ("a", "b", "c") and len(lad) == 2
    assert lad["c"] is lad.rungs[1] and lad[0].g_name == "b"

    def apply(fn, n):
        return fn(n)

    r = jaxbench.compare(apply, apply, args=(add, 3000), processes=1, **TINY)
    assert isinstance(r, Result) and r.passes >= 3


def _ladder(samples, names=("loop", "vmap", "jit"), note=""):
    rungs = tuple(_paired(samples, 0, i, names, note) for i in range(1, len(names)))
    return Ladder(names, rungs, samples, note)


SAMPLES = [[[4e-3, 2e-3, 1e-4], [4.2e-3, 2.0e-3, 1.1e-4], [3.9e-3, 2.1e-3, 1e-4]],
           [[5e-3, 2.4e-3, 1.3e-4], [5.1e-3, 2.6e-3, 1.2e-4], [4.8e-3, 2.5e-3, 1.2e-4]],
           [[4.4e-3, 2.2e-3, 1e-4], [4.5e-3, 2.1e-3, 1.1e-4], [4.3e-3, 2.3e-3, 1.0e-4]]]


def test_a_ladder_holds_every_ratio_paired_as_plain_data():
    lad = _ladder(SAMPLES)
    assert lad.processes == 3 and lad.passes == 9
    assert [r.g_name for r in lad] == ["vmap", "jit"] and all(r.f_name == "loop" for r in lad)
    assert all(r.processes == 3 and r.passes == 9 and r.lo <= r.ratio <= r.hi for r in lad)
    assert lad.medians[0] == lad.rungs[0].median_f == lad.rungs[1].median_f
    assert lad.process_medians[2] == list(lad.rungs[1].process_medians[1])
    vj = lad.pair("vmap", "jit")
    assert (vj.f_name, vj.g_name, vj.processes) == ("vmap", "jit", 3)
    assert lad.pair(1, 2) == vj
    with pytest.raises(KeyError, match="reference"):
        lad["loop"]
    with pytest.raises(KeyError, match="no function 'scan'"):
        lad.pair("scan", "jit")
    df = lad.to_frame()
    assert list(df.columns) == list(compare_show.FRAME_COLUMNS) and len(df) == 2
    assert list(df["g"]) == ["vmap", "jit"] and list(df["processes"]) == [3, 3]
    assert df["ratio"].tolist() == [r.ratio for r in lad]


def test_ladder_text_and_html_hold_each_ratio_and_interval():
    lad = _ladder(SAMPLES, note="1 process: why")
    text = str(lad)
    assert text.splitlines()[0].startswith("3 functions against loop (3 processes x 3 passes, paired; loop ")
    assert all(r.headline() in text for r in lad) and text.endswith("\n1 process: why")
    page = lad._repr_html_()
    assert all(compare_show.ratio_text(r) in page for r in lad)
    assert "3 processes x 3 passes" in page and "1 process: why" in page and "<table>" in page


def test_html_shows_headline_interval_counts_medians_and_note_escaped():
    r = Result(2.0, 1.5, 2.5, 3, 36, [[2.0] * 12] * 3, "f(x) < 1", "g(x)", "a <note>", 2.94e-3, 544e-6,
               ((3e-3, 2.9e-3, 2.94e-3), (5e-4, 5.5e-4, 5.44e-4)))
    page = r._repr_html_()
    assert "g(x) is 2x [1.5, 2.5] faster than f(x) &lt; 1" in page
    assert "3 processes x 12 passes" in page and "2.94 ms" in page and "544 us" in page and "500 us" in page
    assert "a &lt;note&gt;" in page and "<note>" not in page
    nan = _result(math.nan, math.nan, math.nan)
    assert "could not be measured" in nan._repr_html_()
    row = nan.to_frame().iloc[0]
    assert row["verdict"] == "unknown" and math.isnan(row["ratio"]) and math.isnan(row["half_width"])


def test_pretty_shows_the_text():
    pretty = pytest.importorskip("IPython.lib.pretty", reason="IPython is not installed")
    r = _result(5.4, 4.9, 6.3)
    assert pretty.pretty(r) == str(r)
    assert pretty.pretty(_ladder(SAMPLES)) == str(_ladder(SAMPLES))


def test_plot_returns_one_matplotlib_figure(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib
    from matplotlib.figure import Figure

    matplotlib.use("Agg")
    for obj, n_rungs in ((_ladder(SAMPLES), 2), (_ladder(SAMPLES)[0], 1), (_result(math.nan, math.nan, math.nan), 1)):
        fig = obj.plot()
        assert isinstance(fig, Figure) and len(fig.axes) == 2 and fig._repr_png_().startswith(b"\x89PNG")
        assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == [r.g_name for r in getattr(obj, "rungs", [obj])]
        assert len(fig.axes[1].get_yticklabels()) == n_rungs
        fig.savefig(tmp_path / "c.png")


# --- errors ----------------------------------------------------------------------------------

def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="processes must be an integer >= 1"):
        jaxbench.compare(once, once, processes=0)
    with pytest.raises(ValueError, match="target"):
        jaxbench.compare(once, once, target=0)
    with pytest.raises(ValueError, match="budget_s"):
        jaxbench.compare(once, once, budget_s=-1)
    with pytest.raises(ValueError, match="min_passes"):
        jaxbench.compare(once, once, min_passes=1)
    with pytest.raises(TypeError, match="g must be a callable or a kernels.Case, not int.*at least two functions"):
        jaxbench.compare(once, 3)
    with pytest.raises(TypeError, match="f must be a callable"):
        jaxbench.compare("once()", once)
    with pytest.raises(TypeError, match="at least two functions to compare, got 1"):
        jaxbench.compare(once)
    with pytest.raises(TypeError, match="h must be a callable.*with args=, every positional argument is a function"):
        jaxbench.compare(once, once, 3, args=())
    with pytest.raises(ValueError, match="names must be 3 names"):
        jaxbench.compare(once, once, once, names=("a", "b"))


def test_a_failing_warm_up_call_is_reported():
    def boom():
        raise KeyError("nope")

    with pytest.raises(RuntimeError, match=r"g \(.*boom\) failed on its warm-up call: KeyError"):
        jaxbench.compare(once, boom, processes=1, budget_s=0.3)


def test_kernels_cases_are_prepared_and_timed():
    import kernels

    case = kernels.Case("selu", "numpy-cpu", "host", "eager", 1000)
    r = jaxbench.compare(case, case, processes=1, budget_s=0.3, min_passes=3, max_passes=10)
    assert r.f_name == case.label and r.passes >= 3 and 0 < r.lo <= r.ratio <= r.hi
    with pytest.raises(TypeError, match="take no arguments"):
        jaxbench.compare(case, case, 1)


def test_import_jaxbench_imports_nothing_heavy():
    code = ("import sys, jaxbench; bad = [m for m in ('jax', 'kernels', 'IPython', 'numpy', 'cloudpickle', "
            "'matplotlib', 'pandas') if m in sys.modules]; assert not bad, bad; "
            "assert callable(jaxbench.compare) and callable(jaxbench.load_ipython_extension)")
    subprocess.run([sys.executable, "-c", code], check=True)


# --- %compare --------------------------------------------------------------------------------

def test_magic_parsing_without_ipython():
    assert magic.split("f(x) vs g(x, y)") == ("f(x)", "g(x, y)")
    assert magic.split("f(x)\nvs\n  g(x)") == ("f(x)", "g(x)")
    assert magic.split("f(x) vs g(x) vs h(x)") == ("f(x)", "g(x)", "h(x)")
    for bad in ("f(x)", "f(x) vs ", "vs g(x)"):
        with pytest.raises(ValueError, match="at least two expressions separated by ' vs '"):
            magic.split(bad)
    default = {"n": magic.PROCESSES, "p": magic.MAX_PASSES, "t": magic.BUDGET_S, "o": False}
    assert magic._options("-p 20 -t 0.5 f() vs g()") == (dict(default, p=20, t=0.5), "f() vs g()")
    assert magic._options("-o -n 2 f() vs g()") == (dict(default, n=2, o=True), "f() vs g()")
    assert magic._options("f(-t) vs g()") == (default, "f(-t) vs g()")
    with pytest.raises(ValueError, match="-t needs a number"):
        magic._options("-t soon f() vs g()")
    with pytest.raises(ValueError, match="-n must be >= 1"):
        magic._options("-n 0 f() vs g()")


def test_magic_run_evaluates_in_the_namespace_and_sends_the_expressions():
    ns = {"once": once, "twice": twice, "thrice": thrice}
    shown = []
    r = magic.run("-n 2 -t 0.6 -p 10 twice() vs once() vs thrice()", ns, out=shown.append)
    assert isinstance(r, Ladder) and r.names == ("twice()", "once()", "thrice()")
    assert r.processes == 2 and r.note == "" and shown == [r]
    lock = threading.Lock()
    r = magic.run("-t 0.3 -p 10 twice() vs (lock, once())[1]", dict(ns, lock=lock), out=shown.append)
    assert r.processes == 1 and "g ((lock, once())[1])" in r.note


def test_ipython_magic():
    pytest.importorskip("IPython", reason="IPython is not installed (pip install ipython): %compare untested")
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "jaxbench")
    shell.user_ns.update(f=twice, g=once)
    with capture_output() as shown:
        r = shell.run_line_magic("compare", "-o -n 1 -t 0.5 f() vs g()")
    assert isinstance(r, Result) and r.f_name == "f()" and r.g_name == "g()"
    assert r.processes == 1 and "processes=1" in r.note and r.lo <= r.ratio <= r.hi
    assert [o.data["text/html"] for o in shown.outputs] == [r._repr_html_()]
    with capture_output() as shown:
        assert shell.run_cell_magic("compare", "-n 1 -t 0.3", "g()\nvs\nf()") is None
    assert len(shown.outputs) == 1 and "g()" in shown.outputs[0].data["text/plain"]
    from IPython.core.error import UsageError

    with pytest.raises(UsageError, match="at least two expressions"):
        shell.run_line_magic("compare", "f()")


def test_in_a_jupyter_kernel_the_last_expression_shows_html_from_three_processes():
    nbformat = pytest.importorskip("nbformat", reason="nbformat/nbclient not installed: notebook display untested")
    nbclient = pytest.importorskip("nbclient", reason="nbclient not installed: notebook display untested")
    pytest.importorskip("ipykernel", reason="ipykernel not installed: notebook display untested")
    cells = [NOTEBOOK_CODE, "import jaxbench",
             "r = jaxbench.compare(f, g, 4000, budget_s=0.3, min_passes=3, max_passes=10)\nr",
             "lad = jaxbench.compare(f, g, h, 4000, budget_s=0.3, min_passes=3, max_passes=10)\n"
             "print(len(lad.rungs), [x.processes for x in lad.rungs])\nlad", "lad.plot()"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    pair = nb.cells[2].outputs[-1]["data"]
    headline = pair["text/plain"].split(" (")[0]
    assert re.search(r"[\d.]+x \[[\d.]+, [\d.]+\]", headline), headline     # the ratio and its interval
    assert html.escape(headline) in pair["text/html"] and "3 processes x" in pair["text/html"]
    assert nb.cells[3].outputs[0]["text"].strip() == "2 [3, 3]"
    assert nb.cells[3].outputs[-1]["data"]["text/plain"].startswith("3 functions against f (3 processes x")
    assert "image/png" in nb.cells[4].outputs[-1]["data"]      # the figure shows itself, no pyplot needed


# --- JAX (last: once jax is imported here, every fresh process imports it too, for its options) ---

def test_jitted_notebook_functions_are_re_jitted_with_their_options():
    jax = pytest.importorskip("jax")
    nb = in_main("import jax, jax.numpy as jnp\n"
                 "def power(x, n):\n    return x ** n\n"
                 "power_jit = jax.jit(power, static_argnums=(1,))\n")
    loaded = pickle.loads(compare_send.dumps(nb["power_jit"]))
    assert compare_send.is_jitted(loaded) and loaded._jit_info.static_argnums == (1,)
    assert float(loaded(2.0, 3)) == 8.0
    r = jaxbench.compare(nb["power"], nb["power_jit"], 2.0, 3, processes=2, **TINY)
    assert r.processes == 2 and r.note == "" and r.g_name == "jit(power)"
    sharded = jax.jit(nb["power"], static_argnums=(1,), in_shardings=jax.sharding.SingleDeviceSharding(jax.devices()[0]))
    r = jaxbench.compare(nb["power_jit"], sharded, 2.0, 3, processes=2, **TINY)
    assert r.processes == 1 and "g (jit(power) #2): jitted with in_shardings" in r.note


def _x64_there():
    import jax

    return bool(jax.config.values["jax_enable_x64"])


def _jax_imported_there():
    return "jax" in sys.modules


def _dtype_there(x):
    return str(x.dtype)


def test_a_call_that_needs_no_jax_does_not_import_it_there():
    pytest.importorskip("jax")                  # imported here: its options are sent
    assert compare_send.run_fresh(compare_send.dumps((_jax_imported_there, ()))) is False


def test_a_jax_array_sent_under_x64_is_loaded_after_the_options_are_set():
    jax = pytest.importorskip("jax")
    before = jax.config.values["jax_enable_x64"]
    try:
        jax.config.update("jax_enable_x64", True)
        x = jax.numpy.arange(3, dtype="float64")
        assert compare_send.run_fresh(compare_send.dumps((_dtype_there, (x,)))) == "float64"
    finally:
        jax.config.update("jax_enable_x64", before)


def test_the_fresh_process_gets_this_process_s_jax_options():
    jax = pytest.importorskip("jax")
    before = jax.config.values["jax_enable_x64"]
    try:
        jax.config.update("jax_enable_x64", not before)
        assert compare_send.run_fresh(compare_send.dumps((_x64_there, ()))) is (not before)
    finally:
        jax.config.update("jax_enable_x64", before)
