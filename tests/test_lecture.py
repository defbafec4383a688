"""The lecture, reproduced (reports/sections/lecture/, kernels/lecture_figures.toml), the lecture's baselines,
no n/a clutter (reports/derived/coverage.py), the ladder and placement figures, and LaTeX that fits A4.

Fixture results: tests/fixtures/results (make_fixtures.py): ``cpu-box`` a default run without a GPU
(no facts file), ``gpu-box`` a full run with one. Their numbers are constructed so that lecture
claims hold, fail and are not measurable (see make_fixtures.py's docstring). The trivial
recommender's metrics are the fixtures' asv tracks (changed in the rows where a test needs other
numbers), so nothing depends on the data sets installed here. Nothing asserts on wall-clock time.
"""
from __future__ import annotations

import math
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pandas as pd
import pytest

from _support import compile_latex
from reports import ratios
from reports.derived import coverage, speedup
from reports.figures import plots
from reports.formats import tables, writers
from reports.sections.kernels import kernel_table
from reports.sections.lecture import short_table as S, verdicts as L
from reports.build import DEFAULT_FORMATS, build
from results.files import ResultsWarning
from results.frame import current, latest_commits, load_results, select

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "results"
SEEDS = {"000_f13da3dcac7f2fcb.txt", "001_ad415b752342291e.txt", "002_cb8354f4c2b02692.txt",
         "003_d0d266454441b17d.txt"}


def _load():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResultsWarning)
        return load_results(FIXTURES)


@pytest.fixture(scope="module")
def res():
    return _load()


@pytest.fixture(scope="module")
def rows(res):
    """(classified timing rows with speedups, every row) of the latest commits."""
    df = select(current(res.df), commits=latest_commits(res.df))
    rates = speedup.with_rates(speedup.with_transfer(speedup.with_speedups(df, ratios.Lookup(res.comparisons)), df),
                               speedup.peaks(df))
    return coverage.classify(rates, res.facts), df


@pytest.fixture(scope="module")
def lec(res, rows):
    t, df = rows
    return L.evaluate(L.load_figures(), t, df, ["cpu-box", "gpu-box"], res.facts, comparisons=ratios.Lookup(res.comparisons))


def _state(lec, fid, machine):
    return lec.cells[(fid, machine)]


def _build(tmp, machines=None, capture=None, formats=DEFAULT_FORMATS):
    """Build a report from a copy of the fixtures; ``capture``: a list that receives every figure
    drawn (before it is saved; without an image format in ``formats`` none is saved, nor laid out)."""
    res_dir = tmp / "results"
    shutil.copytree(FIXTURES, res_dir)
    out = tmp / "out"
    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
        warnings.simplefilter("ignore", ResultsWarning)
        if capture is not None:
            real = plots.save

            def save(fig, stem, formats=("png",)):
                capture.append((stem.name, _figure_texts(fig)))
                return real(fig, stem, formats)
            mp.setattr(plots, "save", save)
            if not set(formats) & {"png", "svg", "pdf"}:     # none saved: their layout is never seen
                mp.setattr(plots.plt.Figure, "tight_layout", lambda self, *a, **k: None)
        build(load_results(res_dir), out, machines=machines, formats=formats, progress=False)
    return out


def _figure_texts(fig) -> list[str]:
    """Every piece of text a figure shows: titles, tick labels, bar labels, notes, legends."""
    out = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        out += [t.get_text() for t in ax.get_yticklabels() + ax.get_xticklabels() + ax.texts]
        if ax.get_legend() is not None:
            out += [t.get_text() for t in ax.get_legend().get_texts()]
    if getattr(fig, "_suptitle", None) is not None:
        out.append(fig._suptitle.get_text())
    return out


@pytest.fixture(scope="module")
def report(fixtures_report):
    """The report of a copy of the fixtures (python -m reports' main, built once for the session:
    conftest.py)."""
    assert fixtures_report.rc == 0
    return fixtures_report.out


@pytest.fixture(scope="module")
def cpu_only(tmp_path_factory):
    """A report of the cpu-box alone: its tables, and its figures drawn but not saved nor laid out
    (their texts are what the tests read). The build took 21.3 s with them saved, 13.9 s without
    (one run each); 13.0 and 11.8 s with their layout, 11.0 and 8.4 s without (2-core Zen 3 EPYC,
    2026-12-07, two runs each)."""
    drawn = []
    out = _build(tmp_path_factory.mktemp("cpu_only"), machines=["cpu-box"], capture=drawn,
                 formats=("md", "tex", "csv"))
    return out, drawn


# --------------------------------------------------------------------------- the data file

REQUIRED = {  # id -> the notes' figure as the data file prints it
    "matmul-001-device": "489 ms", "matmul-001-implicit": "435 ms", "matmul-001-explicit": "428 ms",
    "matmul-000-gpu": "~15 ms; NumPy > 10x slower", "matmul-000-implicit": "~35 ms", "matmul-000-explicit": "~17 ms",
    "selu-001-eager": "2.94 ms", "selu-001-jit": "746 us", "selu-000-jit": "~10x",
    "batching-loop": "1.4 ms", "batching-manual": "10.9 us", "batching-vmap": "32.5 us",
    "norm-eager": "4.3 ms", "norm-jit": "452 us", "grad-eager": "3.27 ms", "grad-jit": "6.42 us", "grad-f": "15.4 us",
    "rowdot-loop": "~0.5 s", "rowdot-jit_loop": "just under 1 ms", "rowdot-vmap": "~500x vs loop",
    "rowdot-jit_vmap": "~5000x vs loop", "trivial-rmse": "RMSE ~1.0", "trivial-rho": "rho ~0.34",
    "cnn-accuracy": "~98%",
}


def test_data_file_lists_every_figure_of_the_notes():
    figs = {f.id: f for f in L.load_figures()}
    for fid, shown in REQUIRED.items():
        assert figs[fid].figure == shown, fid
    for f in figs.values():
        assert f.source in SEEDS and f.setting and f.quote
        if f.claim:
            assert f.claim["kind"] in L.KINDS and f.claim.get("why"), f.id     # each rule says why
    # the case each figure corresponds to
    assert figs["matmul-001-implicit"].case == {"kernel": "matmul", "backends": ["jax-cpu"], "placement": "implicit",
                                                "transform": "eager", "size": "lecture", "variant": "x@x.T"}
    assert figs["rowdot-jit_vmap"].case["size"] == "lecture" and figs["rowdot-jit_vmap"].claim["threshold"] == 2500
    assert figs["selu-001-jit"].value == pytest.approx(746e-6) and figs["selu-001-jit"].notes_ratio == pytest.approx(3.94)


def test_data_file_refuses_bad_entries(tmp_path):
    bad = tmp_path / "f.toml"
    bad.write_text('[[figure]]\nid = "x"\ndemo = "d"\nsource = "s"\nsetting = "t"\nquote = "q"\nfigure = "1 ms"\n'
                   'case = { kernel = "selu" }\nratio = { label = "a / b" }\n'
                   'claim = { text = "t", kind = "roughly", threshold = 1 }\n')
    with pytest.raises(ValueError, match="claim kind 'roughly'"):
        L.load_figures(bad)
    bad.write_text('[[figure]]\nid = "x"\ndemo = "d"\nsource = "s"\nsetting = "t"\nquote = "q"\nfigure = "1"\n')
    with pytest.raises(ValueError, match="needs a case, a metric"):
        L.load_figures(bad)


# --------------------------------------------------------------------------- the rules

@pytest.mark.parametrize("kind, bound, point, lo, hi, state", [
    ("above", 1.0, 8.1, 7.2, 9.0, L.HOLDS),
    ("above", 1.0, 0.94, 0.92, 0.96, L.FAILS),
    ("above", 1.0, 1.01, 0.97, 1.05, L.UNSURE),            # the interval contains the threshold
    ("above", 2500, 2500.0, 2451, 2545, L.UNSURE),
    ("above", 10, 27.0, math.nan, math.nan, L.HOLDS),       # no interval: the point alone
    ("about", 0.2, 1.0, 0.98, 1.02, L.HOLDS),
    ("about", 0.2, 1.5, 1.4, 1.6, L.FAILS),
    ("about", 0.2, 1.18, 1.1, 1.3, L.UNSURE),               # straddles the band's edge 1.2
    ("about", 0.2, 0.7, 0.6, 0.8, L.FAILS),
])
def test_judge(kind, bound, point, lo, hi, state):
    assert L.judge(kind, bound, point, lo, hi) == state


# --------------------------------------------------------------------------- verdicts on the fixtures

def test_verdicts_on_constructed_numbers(lec):
    cpu = lambda fid: _state(lec, fid, "cpu-box")  # noqa: E731
    gpu = lambda fid: _state(lec, fid, "gpu-box")  # noqa: E731
    assert cpu("rowdot-vmap").state == L.HOLDS and 295 < cpu("rowdot-vmap").ratio_lo   # 304x > 250
    assert cpu("rowdot-jit_vmap").state == L.FAILS and cpu("rowdot-jit_vmap").ratio_hi < 2500   # 1,683x
    assert gpu("rowdot-jit_vmap").state == L.UNSURE                                   # exactly 2,500x
    assert gpu("rowdot-jit_vmap").ratio_lo < 2500 < gpu("rowdot-jit_vmap").ratio_hi
    assert cpu("norm-jit").state == L.FAILS and cpu("norm-jit").ratio == pytest.approx(1 / 1.07)
    assert "the speed of eager" in cpu("norm-jit").verdict                            # not '0.935x faster'
    assert gpu("norm-jit").state == L.HOLDS and gpu("norm-jit").ratio == pytest.approx(15)
    assert cpu("selu-001-jit").state == L.HOLDS and cpu("hessian-fwd_rev").state == L.HOLDS
    assert cpu("hessian-fwd_rev").ratio == pytest.approx(25 / 20)                     # vs the fastest other
    assert gpu("matmul-000-gpu").state == L.HOLDS and gpu("matmul-000-implicit").state == L.HOLDS
    assert gpu("matmul-000-implicit").ratio == pytest.approx(1.0)                     # implicit = explicit + transfer
    assert gpu("cnn-accuracy").state == L.HOLDS and gpu("cnn-accuracy").value == pytest.approx(0.97)
    for fid in ("selu-001-eager", "rowdot-loop", "norm-eager"):
        assert cpu(fid).state == L.FIGURE_ONLY


def test_verdict_text_carries_the_numbers(lec):
    c = _state(lec, "selu-001-jit", "cpu-box")
    assert re.fullmatch(r"holds: jit [\d.]+x \[[\d.]+, [\d.]+\] faster than eager \(needs > 1x; notes: 3.94x\)",
                        c.verdict), c.verdict
    assert c.lo <= c.value <= c.hi and c.ratio_lo <= c.ratio <= c.ratio_hi
    # the GPU figure judged on the CPU says so
    assert "on jax-cpu, the notes' on a GPU" in _state(lec, "selu-000-jit", "cpu-box").verdict


def test_every_measured_cell_has_an_interval_containing_it(lec):
    measured = [c for c in lec.cells.values() if c.state not in (L.ABSENT,) and c.value == c.value]
    timed = [c for c in measured if c.lo == c.lo]
    assert len(timed) >= 20
    for c in timed:
        assert c.lo <= c.value <= c.hi
        if c.ratio == c.ratio:
            assert c.ratio_lo <= c.ratio <= c.ratio_hi


def test_unmeasured_figures_say_why(lec):
    assert _state(lec, "matmul-000-gpu", "cpu-box").verdict == "not measured: no GPU on cpu-box"
    assert _state(lec, "batching-loop", "cpu-box").verdict == "not measured: batching not in this run"
    assert "not f itself" in _state(lec, "grad-f", "gpu-box").verdict
    # jit of the loop is bounded to 1,000 rows: the largest size measured, and it says so
    c = _state(lec, "rowdot-jit_loop", "cpu-box")
    assert c.state == L.HOLDS and c.size == 100 and "rows = 100, the largest measured" in c.measured
    assert "(at rows = 100)" in c.verdict


def _trivial(df, rmse=None, rho=None, skipped=False, dropped=False):
    """``df`` with the trivial recommender's asv tracks (bench_svt_hard.TrivialRecommender) changed:
    other values, skipped (asv's n/a: the suite found no data), or not in the run at all."""
    mine = df["benchmark"].str.startswith(L.TRIVIAL_TRACKS + ".")
    assert mine.sum() == 4                               # rmse and rho on both fixture machines
    if dropped:
        return df[~mine]
    out = df.copy()
    for name, value in (("track_trivial_rmse", rmse), ("track_trivial_rho", rho)):
        if value is not None:
            out.loc[mine & out["benchmark"].str.endswith(name), "median"] = value
    if skipped:
        out.loc[mine, "status"], out.loc[mine, "median"] = "skipped", math.nan
    return out


def test_missing_data_is_the_reason(res, rows, monkeypatch):
    t, df = rows
    figs = [f for f in L.load_figures() if f.id in ("trivial-rmse", "cnn-accuracy")]
    monkeypatch.setenv("JAXBENCH_MOVIELENS", "/nonexistent/u.data")
    monkeypatch.setenv("JAXBENCH_MNIST", "/nonexistent/mnist.csv")
    lec = L.evaluate(figs, t, _trivial(df, skipped=True), ["cpu-box", "gpu-box"], res.facts,
                     comparisons=ratios.Lookup(res.comparisons))
    rmse = lec.cells[("trivial-rmse", "cpu-box")]       # the track skipped: the data is missing here too
    assert rmse.state == L.ABSENT and rmse.verdict.startswith("not measured: data missing on the machine that ")
    assert "/nonexistent/u.data" in rmse.verdict
    gone = L.evaluate(figs, t, _trivial(df, dropped=True), ["cpu-box"], res.facts)
    rmse = gone.cells[("trivial-rmse", "cpu-box")]      # no track at all: the command that records it
    assert rmse.state == L.ABSENT and "TrivialRecommender.track_trivial_rmse is not in this run" in rmse.verdict
    assert "python -m runner --kernels svt_hard" in rmse.verdict
    cnn = lec.cells[("cnn-accuracy", "cpu-box")]       # jax-gpu: no GPU; jax-cpu: skipped, data missing here
    assert cnn.state == L.ABSENT and "data missing" in cnn.verdict and "/nonexistent/mnist.csv" in cnn.verdict
    assert lec.cells[("cnn-accuracy", "gpu-box")].state == L.HOLDS


def test_trivial_recommender_holds_and_fails(res, rows):
    t, df = rows
    figs = [f for f in L.load_figures() if f.id.startswith("trivial")]
    ok = L.evaluate(figs, t, df, ["cpu-box"], res.facts, comparisons=ratios.Lookup(res.comparisons))
    assert ok.cells[("trivial-rmse", "cpu-box")].state == L.HOLDS
    assert ok.cells[("trivial-rho", "cpu-box")].state == L.HOLDS
    assert ok.cells[("trivial-rmse", "cpu-box")].measured == "1.047 (asv track track_trivial_rmse)"
    bad = L.evaluate(figs, t, _trivial(df, rmse=1.3, rho=0.1), ["cpu-box"], res.facts,
                     comparisons=ratios.Lookup(res.comparisons))
    assert bad.cells[("trivial-rmse", "cpu-box")].state == L.FAILS
    assert bad.cells[("trivial-rho", "cpu-box")].verdict.startswith("does not hold: rho 0.100")


# --------------------------------------------------------------------------- the files

def _md_rows(md: str) -> list[list[str]]:
    lines = [ln for ln in md.splitlines() if ln.startswith("|")]
    return [[c.strip() for c in ln.strip("|").split(" | ")] for ln in lines]


VERDICT = re.compile(r"^(holds|fails|unclear|n/a|no claim) \((\d+)\)$")     # a word or two, its note's number


def _md_tables(md: str) -> list[tuple[list[list[str]], list[str]]]:
    """Each table of a Markdown file: (its rows, header first; the numbered notes under it, in order)."""
    out = []
    for block in md.split("\n**"):
        rows = _md_rows(block)
        if rows:
            notes = re.findall(r"^(\d+)\. (.*)$", block, flags=re.M)
            assert [int(n) for n, _ in notes] == list(range(1, len(notes) + 1))      # numbered 1, 2, 3...
            out.append((rows, [text for _, text in notes]))
    return out


def test_lecture_md_is_a_short_table_per_machine(report):
    md = (report / "lecture.md").read_text()
    figs = L.load_figures()
    found = _md_tables(md)
    assert [rows[0] for rows, _ in found] == [["Demo", "Notes' figure", m, "Ratio [95% CI]", "Verdict"]
                                              for m in ("cpu-box", "gpu-box")]     # five columns, one table each
    for rows, notes in found:
        body = rows[2:]
        assert len(body) == len(figs)                                         # a row per figure
        numbers = set()
        for fig, row in zip(figs, body):
            assert row[0] == fig.demo and row[1] == fig.figure
            m = VERDICT.match(row[4])
            assert m, row[4]                                                  # one word or two, and a note
            numbers.add(int(m.group(2)))
        assert numbers == set(range(1, len(notes) + 1))                       # every note is used
        assert len(set(notes)) == len(notes)                                  # identical notes: one number
    (cpu, cpu_notes), (gpu, gpu_notes) = found
    by = {f.id: r for f, r in zip(figs, cpu[2:])}
    by_gpu = {f.id: r for f, r in zip(figs, gpu[2:])}
    word = lambda row: VERDICT.match(row[4]).group(1)  # noqa: E731
    note = lambda row, notes: notes[int(VERDICT.match(row[4]).group(2)) - 1]  # noqa: E731
    assert word(by["selu-001-jit"]) == "holds" and word(by["norm-jit"]) == "fails"
    assert word(by_gpu["rowdot-jit_vmap"]) == "unclear" and word(by["selu-001-eager"]) == "no claim"
    assert word(by["matmul-000-gpu"]) == "n/a" and note(by["matmul-000-gpu"], cpu_notes) == \
        "not measured: no GPU on cpu-box."
    assert len({by[f][4] for f in ("matmul-000-gpu", "matmul-000-implicit", "matmul-000-explicit")}) == 1  # shared
    # the note states the rule, its threshold and the caveats
    assert note(by["selu-001-jit"], cpu_notes) == "jit is faster than eager (eager / jit needs > 1x; notes: 3.94x)."
    assert "needs > 2500x" in note(by["rowdot-jit_vmap"], cpu_notes)
    assert "on jax-cpu, the notes' on a GPU" in note(by["rowdot-jit_vmap"], cpu_notes)
    assert "at rows = 100, the largest measured" in note(by["rowdot-jit_loop"], cpu_notes)
    assert "transfer 3 ms, median" in note(by_gpu["matmul-000-implicit"], gpu_notes)
    # this machine's median alone; the ratio with its interval, the interval containing it
    assert by["selu-001-jit"][2:4] == ["138 us", "7.78x [7.66, 7.9]"]
    ratio = re.compile(r"^([\d.,]+)x \[([\d.,]+), ([\d.,]+)\]$")
    checked = 0
    for r in cpu[2:] + gpu[2:]:
        m = ratio.match(r[3])
        if m:
            point, lo, hi = (float(m.group(i).replace(",", "")) for i in (1, 2, 3))
            assert lo <= point <= hi, r[3]
            checked += 1
    assert checked >= 20
    assert "jax-gpu: not measured on cpu-box (no GPU)" in md
    csv = pd.read_csv(report / "lecture.csv")
    assert set(csv["state"]) >= {L.HOLDS, L.FAILS, L.UNSURE, L.ABSENT, L.FIGURE_ONLY}
    assert csv["verdict"].str.startswith("holds: jit ").any()                 # the long form, in full
    measured = csv[csv["ratio_lo"].notna()]                  # each measured ratio names its processes
    assert len(measured) and (measured["processes"] >= 2).all() and (csv.loc[csv["ratio"].isna(), "processes"] == 0).all()


def test_index_html_starts_with_the_lecture(report):
    page = (report / "index.html").read_text()
    sections = re.findall(r'<section id="([a-z-]+)"', page)
    assert sections[0] == "lecture"
    first = page[page.index('<section id="lecture"'):page.index('<section id="machines-facts"')]
    assert "489 ms" in first and "vmap ladder" in first
    assert first.count("<table class=lecture>") == 2 and first.count("<ol class=note>") == 2
    assert "<td>holds<sup>" in first and "746 \u00b5s" in first and "7.78\u00d7 [7.66, 7.9]" in first
    details = first[first.index("<details>"):first.index("</details>")]      # the long form, folded
    assert "not measurable here: " in details and "holds: jit 7.78x [7.66, 7.9] faster than eager" in details
    assert first.count('src="data:image/png;base64,') == 4      # ladder + placement, per machine


def test_ladder_and_placement_figures(report, rows, res):
    figs = {p.name for p in (report / "figures").glob("lecture_*.png")}
    assert figs == {"lecture_ladder_rowdot_cpu-box.png", "lecture_ladder_rowdot_gpu-box.png",
                    "lecture_placement_matmul_3000_cpu-box.png", "lecture_placement_matmul_3000_gpu-box.png"}
    t, _ = rows
    lad = L.ladder_rows(t, "cpu-box", no_gpu=["cpu-box"], comparisons=ratios.Lookup(res.comparisons))
    assert list(lad["transform"]) == ["loop", "jit_loop", "vmap", "jit_vmap"] and set(lad["backend"]) == {"jax-cpu"}
    assert list(lad["size"]) == [10000, 100, 10000, 10000]          # jit(loop): the largest size measured
    assert "largest measured" in lad.iloc[1]["note"]
    loop = lad.iloc[0]["median"]
    assert lad.iloc[2]["speedup"] == pytest.approx(loop / lad.iloc[2]["median"])
    assert ((lad["lo"] <= lad["median"]) & (lad["median"] <= lad["hi"])).all()
    assert ((lad["s_lo"] <= lad["speedup"]) & (lad["speedup"] <= lad["s_hi"])).all()
    fig = plots.ladder(lad, "t")
    drawn = set()
    for ax in fig.axes:
        for c in ax.containers:
            if getattr(c, "errorbar", None) is not None:
                for seg in c.errorbar.lines[2][0].get_segments():
                    drawn.add((round(seg[0][0], 12), round(seg[1][0], 12)))
    want = {(round(a, 12), round(b, 12)) for a, b in zip(lad["lo"], lad["hi"])}
    want |= {(round(a, 12), round(b, 12)) for a, b in zip(lad["s_lo"], lad["s_hi"])}
    assert want <= drawn                                             # the intervals as error bars
    plots.plt.close(fig)
    prow, size, tr = L.placement_rows(t, "cpu-box", no_gpu=["cpu-box"])
    assert size == 3000 and tr == "eager"
    assert set(zip(prow["backend"], prow["placement"])) == {("numpy-cpu", "host"), ("jax-cpu", "device"),
                                                             ("jax-cpu", "implicit"), ("jax-cpu", "explicit")}
    assert set(prow["variant"]) == {"x@x.T"}


# --------------------------------------------------------------------------- the lecture's baseline

def test_lecture_baselines(rows):
    t, _ = rows
    ok = t[t["status"] == "ok"]

    def one(**kw):
        g = ok
        for k, v in kw.items():
            g = g[g[k] == v]
        assert len(g) == 1, kw
        return g.iloc[0]
    vmap = one(machine="cpu-box", kernel="rowdot", backend="jax-cpu", placement="explicit", transform="vmap", size=10000)
    loop = one(machine="cpu-box", kernel="rowdot", backend="jax-cpu", placement="explicit", transform="loop", size=10000)
    assert vmap["lecture_baseline"] == "loop" and vmap["lecture_speedup"] == pytest.approx(loop["median"] / vmap["median"])
    assert vmap["lecture_lo"] <= vmap["lecture_speedup"] <= vmap["lecture_hi"] and vmap["lecture_note"] == ""
    # the device placement's loop was not measured at 10,000 rows: the explicit placement's, and it says so
    dev = one(machine="cpu-box", kernel="rowdot", backend="jax-cpu", placement="device", transform="vmap", size=10000)
    assert dev["lecture_speedup"] == pytest.approx(loop["median"] / dev["median"])
    assert "explicit placement" in dev["lecture_note"]
    jit = one(machine="cpu-box", kernel="norm", backend="jax-cpu", placement="explicit", transform="jit", size=10000)
    eager = one(machine="cpu-box", kernel="norm", backend="jax-cpu", placement="explicit", transform="eager", size=10000)
    assert jit["lecture_speedup"] == pytest.approx(eager["median"] / jit["median"])
    mm = ok[(ok["kernel"] == "matmul") & ok["backend"].str.startswith("jax")]
    assert (mm["lecture_baseline"] == "numpy").all() and (mm["lecture_speedup"] == mm["speedup"]).all()
    cells = kernel_table(t, t, "rowdot")["Speedup vs lecture baseline [95% CI]"]
    assert cells.str.endswith(" vs loop").any() and cells.str.endswith("vs loop (explicit placement's)").any()


def test_speedup_figure_labels_the_lecture_baseline(rows):
    t, _ = rows
    g = t[(t["machine"] == "cpu-box") & (t["kernel"] == "rowdot") & (t["status"] == "ok")]
    fig = plots.speedup_bars(g, "t")
    texts = " ".join(_figure_texts(fig))
    plots.plt.close(fig)
    assert "vs loop" in texts and "vs NumPy" not in texts.replace("over NumPy", "")


def test_unknown_kernel_falls_back(rows):
    t, df = rows
    assert speedup.lecture_baseline("nosuchkernel") == "numpy"
    mystery = t[t["kernel"] == "selu"].assign(kernel="mystery", absence="")
    c = coverage.classify(mystery.drop(columns="absence"), {})
    assert (c.loc[c["status"] == "skipped", "absence"].isin([coverage.NO_GPU, coverage.NO_REASON])).all()
    side = L.resolve({"kernel": "mystery", "backends": ["jax-cpu"], "placement": "device", "transform": "jit",
                      "size": "lecture"}, coverage.classify(mystery.drop(columns="absence"), {}), "cpu-box", set())
    assert side.ok and side.row["size"] == mystery["size"].max()      # no lecture size known: the largest


# --------------------------------------------------------------------------- no n/a clutter

def test_coverage_rules(rows, res):
    t, _ = rows
    assert coverage.no_gpu_machines(t, res.facts) == ["cpu-box"]
    cpu = t[t["machine"] == "cpu-box"]
    assert (cpu.loc[cpu["backend"] == "jax-gpu", "absence"] == coverage.NO_GPU).all()
    f64 = cpu[(cpu["kernel"] == "norm") & (cpu["dtype"] == "float64") & (cpu["backend"] != "jax-gpu")]
    assert len(f64) and (f64["absence"] == coverage.NOT_SELECTED).all()            # the default run: float32
    loop = cpu[(cpu["kernel"] == "rowdot") & (cpu["transform"] == "loop") & (cpu["size"] == 10000)
               & (cpu["backend"] == "jax-cpu") & (cpu["placement"] != "explicit")]
    assert len(loop) == 2 and (loop["absence"] == coverage.NOT_SELECTED).all()
    shown, notes = coverage.tidy(t, res.facts)
    assert notes == ["jax-gpu: not measured on cpu-box (no GPU)"]
    assert not ((shown["machine"] == "cpu-box") & (shown["backend"] == "jax-gpu")).any()
    assert not ((shown["machine"] == "cpu-box") & (shown["dtype"] == "float64")).any()
    gpu = shown[shown["machine"] == "gpu-box"]                                       # a full run: all kept
    assert ((gpu["kernel"] == "norm") & (gpu["dtype"] == "float64") & (gpu["status"] == "ok")).any()


def test_a_real_reason_stays_visible(rows, res):
    """The kernel's availability check (joined into the rows by results.frame as ``unavailable``)."""
    t, _ = rows
    why = "unavailable on the machine that built this report: MovieLens missing"
    raw = t.drop(columns="absence").assign(unavailable=[why if k == "norm" else "" for k in t["kernel"]])
    shown, _ = coverage.tidy(raw, res.facts)
    f64 = shown[(shown["machine"] == "cpu-box") & (shown["kernel"] == "norm") & (shown["dtype"] == "float64")]
    assert len(f64) and (f64["status"] == "skipped").all()
    table = kernel_table(shown, shown, "norm")
    cells = table.loc[(table["Machine"] == "cpu-box") & (table["dtype"] == "float64"), "Median"]
    assert len(cells) and cells.str.fullmatch(r"n/a \(unavailable on the machine .*: MovieLens missing\)").all()


def _table_rows(md: str) -> list[str]:
    return [ln for ln in md.splitlines() if ln.startswith("|")]


def test_cpu_only_report_has_no_gpu_rows(cpu_only):
    out, drawn = cpu_only
    files = [out / "lecture.md", *sorted((out / "tables").glob("*.md"))]
    note = "jax-gpu: not measured on cpu-box (no GPU)"
    for p in files:
        md = p.read_text()
        assert not [r for r in _table_rows(md) if "jax-gpu" in r or "JAX-GPU" in r], p.name
    for name in ("summary", "matmul", "selu", "norm", "rowdot"):
        md = (out / "tables" / f"{name}.md").read_text()
        assert md.count(note) == 1, name                        # one line instead of a row per case
        assert "n/a" not in "".join(_table_rows(md)), name     # nothing unselected shows as n/a
    assert note in (out / "lecture.md").read_text()
    # no figure has a jax-gpu bar, tick or label: only the one-line note
    assert drawn
    for stem, texts in drawn:
        gpu = [x for x in texts if "jax-gpu" in x or "JAX-GPU" in x]
        assert all(x.strip() == note for x in gpu), (stem, gpu)
    speedups = [texts for stem, texts in drawn if stem.startswith("speedup_")]
    assert speedups and all(any(note in x for x in texts) for texts in speedups)
    assert not [stem for stem, _ in drawn if "gpu-box" in stem]


def test_cpu_only_summary_tex_has_no_gpu_columns(cpu_only):
    out, _ = cpu_only
    tex = (out / "tables" / "summary.tex").read_text()
    assert "GPU:" not in tex and "GPU vs" not in tex
    assert "jax-gpu: not measured on cpu-box (no GPU)" in tex


# --------------------------------------------------------------------------- LaTeX on a portrait A4 page

def test_latex_compiles_on_portrait_a4_without_overfull_boxes(report, tmp_path):
    names = [report / "lecture.tex", report / "tables" / "summary.tex"]
    names += sorted(p for p in (report / "tables").glob("*.tex") if p.name != "summary.tex")
    for tex in names:
        log = compile_latex(tex, tmp_path)
        assert "Overfull \\hbox" not in log, tex.name
        if tex.name in ("lecture.tex", "summary.tex"):
            assert "Float too large" not in log, tex.name       # every part fits a page
    assert "a4paper" in writers.latex_document("")


TEX_UNITS = re.compile(r"\d\s?(us|x)\b")          # '746 us', '10x', '3000 x 3000': units typed as letters
TEX_VERDICT = re.compile(r" & (holds|fails|unclear|n/a|no claim)\\textsuperscript\{\d+\} \\tabularnewline$", re.M)


def _pdflatex(doc: str, tmp: Path, name: str, needs=("booktabs.sty", "tabularx.sty")) -> str:
    """``doc`` compiled with pdflatex in ``tmp``; its log. Skips where pdflatex or a file it needs is missing."""
    exe = shutil.which("pdflatex")
    if exe is None:
        pytest.skip("pdflatex not installed (apt-get install -y texlive-latex-recommended)")
    for need in needs:
        if shutil.which("kpsewhich") and not subprocess.run(["kpsewhich", need], capture_output=True,
                                                            text=True).stdout.strip():
            pytest.skip(f"{need} not installed (texlive-latex-recommended, texlive-pictures for beamer)")
    (tmp / f"{name}.tex").write_text(doc)
    run = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"], cwd=tmp,
                         capture_output=True, text=True, timeout=300)
    log = (tmp / f"{name}.log").read_text(errors="replace")
    assert run.returncode == 0, log[-3000:]
    return log


def _pages(log: str) -> int:
    return int(re.search(r"Output written on .*?\((\d+) pages?,", log, flags=re.S).group(1))


def test_units_are_typeset():
    assert S.tex("746 us") == "746\\,$\\mu$s" and S.tex("2.94 ms") == "2.94\\,ms"
    assert S.tex("~10x") == "$\\sim$10$\\times$" and S.tex("needs > 2500x") == "needs $>$ 2500$\\times$"
    assert S.tex("matmul 3000 x 3000, x @ x.T") == "matmul 3000 $\\times$ 3000, x @ x.T"
    assert S.tex("needs 0.83x-1.20x; seed-0") == "needs 0.83$\\times$--1.20$\\times$; seed-0"
    assert S.typeset_units("1,683x [1,643, 1,725], 138 us") == "1,683\u00d7 [1,643, 1,725], 138 \u00b5s"
    assert S.tex("-") == "--"


def test_lecture_tex_is_a_fragment_with_short_verdicts_and_real_units(report):
    tex = (report / "lecture.tex").read_text()
    body = "\n".join(ln for ln in tex.splitlines() if not ln.startswith("%"))
    assert "\\documentclass" not in tex and "\\begin{document}" not in tex        # \input-able
    assert not TEX_UNITS.search(body), TEX_UNITS.search(body)
    assert "\\,$\\mu$s" in body and "$\\times$ [" in body
    assert body.count("\\begin{tabularx}{\\linewidth}") == 2                      # a table per machine
    assert len(TEX_VERDICT.findall(body)) == 2 * len(L.load_figures())           # a word or two per row
    assert "not measurable here" not in body and "\\textsuperscript{1}\\," in body   # the rules: in the notes


def test_lecture_tex_cpu_rows_fit_one_a4_page(cpu_only, report, tmp_path):
    out, _ = cpu_only
    log = _pdflatex(writers.latex_document((out / "lecture.tex").read_text()), tmp_path, "cpu")
    assert "Overfull \\hbox" not in log and _pages(log) == 1                     # the table and its notes
    log = _pdflatex(writers.latex_document((report / "lecture.tex").read_text()), tmp_path, "both")
    assert "Overfull \\hbox" not in log and _pages(log) == 2                     # a page per machine


def test_lecture_tex_compiles_inside_a_beamer_frame(cpu_only, report, tmp_path):
    needs = ("booktabs.sty", "tabularx.sty", "beamer.cls", "pgfcore.sty")
    out, _ = cpu_only
    log = _pdflatex(writers.beamer_document((out / "lecture.tex").read_text(), options="shrink"), tmp_path,
                    "slide", needs)
    assert "Overfull" not in log and _pages(log) == 1                             # shrunk to the frame
    log = _pdflatex(writers.beamer_document((report / "lecture.tex").read_text()), tmp_path, "slides", needs)
    assert "Overfull \\hbox" not in log                        # as wide as the frame (too tall for one: 50 rows)


def test_latex_layout_splits_and_wraps():
    wide = pd.DataFrame({"Kernel": ["matmul"] * 3, **{f"Column {i}": ["no measurable difference (0.97x [0.91, 1.04])"] * 3
                                                     for i in range(8)}})
    tex = writers.to_latex(wide, "cap", "tab:w", ["note"], keys=["Kernel"])
    assert tex.count("\\begin{table}") >= 2 and "(part 1 of" in tex and "p{" in tex
    assert tex.count("Kernel &") == tex.count("\\begin{tabular}")          # the key column is repeated
    small = writers.to_latex(pd.DataFrame({"Kernel": ["svt_hard"], "Median": ["2.94 ms"]}))
    assert "\\begin{tabular}{lr}" in small and small.count("\\begin{table}") == 1
    assert writers.tex_escape("a < b > c ~ d | e") == "a $<$ b $>$ c $\\sim$ d $|$ e"
