"""The settings' one channel (kernels/settings.py, docs/settings.md): every ``JAXBENCH_*`` variable is
named there and only there, documented, and read by a reader that takes and refuses what the docs
say. No JAX, no subprocess: the source and the readers only."""
import re
from pathlib import Path

import pytest

from kernels import settings

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("kernels", "bench", "results", "runner", "jaxbench", "reports")
DOC = ROOT / "docs" / "settings.md"


# --------------------------------------------------------------------------- the table and its doc

def test_the_table_holds_every_setting_once():
    declared = [v for v in vars(settings).values() if isinstance(v, settings.Setting)]
    assert set(declared) == set(settings.SETTINGS) and len(declared) == len(settings.SETTINGS) == 15
    assert len({s.var for s in settings.SETTINGS}) == len({s.name for s in settings.SETTINGS}) == 15
    for s in settings.SETTINGS:
        assert s.var == "JAXBENCH_" + s.name.upper() and settings.BY_NAME[s.name] is s
        assert all((s.meaning, s.default, s.set_by, s.read_by)), s.var
        assert s in settings._CHECK, f"{s.var}: settings.env cannot check it"


def _doc_rows() -> dict[str, list[str]]:
    """{variable: its row's cells} of docs/settings.md's table."""
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| `(JAXBENCH_[A-Z0-9_]+)` \|", line)
        if m:
            assert m.group(1) not in rows, f"two rows for {m.group(1)}"
            rows[m.group(1)] = [c.strip() for c in line.strip().strip("|").split(" | ")]
    return rows


def test_the_doc_has_one_row_per_setting_with_its_default():
    rows = _doc_rows()
    assert set(rows) == {s.var for s in settings.SETTINGS}
    for s in settings.SETTINGS:
        cells = rows[s.var]
        assert len(cells) == 5, (s.var, cells)          # variable, meaning, default, set by, read by
        assert cells[2] == s.default, f"{s.var}: docs/settings.md says {cells[2]!r}, kernels/settings.py {s.default!r}"
        assert ("*run*" in cells[1]) == s.runner_only and ("*recorded*" in cells[1]) == s.recorded, s.var
    assert "docs/settings.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_only_kernels_settings_names_a_variable():
    scanned, spelled = 0, {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            scanned += 1
            if "JAXBENCH_" in path.read_text(encoding="utf-8"):
                spelled[str(path.relative_to(ROOT))] = path
    assert scanned > 100                                   # the packages were found
    assert list(spelled) == ["kernels/settings.py"], sorted(spelled)
    text = (ROOT / "kernels" / "settings.py").read_text(encoding="utf-8")
    assert all(f'"{s.var}"' in text for s in settings.SETTINGS)


# --------------------------------------------------------------------------- the readers

def test_sizes():
    assert [settings.sizes(e) for e in ({}, {"JAXBENCH_SIZES": ""}, {"JAXBENCH_SIZES": "quick"},
                                         {"JAXBENCH_SIZES": "full"})] == ["default", "default", "default", "full"]
    with pytest.raises(ValueError, match=r"JAXBENCH_SIZES='everything'; valid: full, default"):
        settings.sizes({"JAXBENCH_SIZES": "everything"})


def test_readers_read_this_process_environment(monkeypatch):
    monkeypatch.setenv("JAXBENCH_SIZES", "full")
    monkeypatch.setenv("JAXBENCH_PASSES", "7")
    monkeypatch.delenv("JAXBENCH_MATMUL_PRECISION", raising=False)
    assert settings.sizes() == "full" and settings.passes() == 7 and settings.matmul_precision() is None


def test_passes():
    assert settings.passes({}) is None and settings.passes({"JAXBENCH_PASSES": ""}) is None
    assert settings.passes({"JAXBENCH_PASSES": "5"}) == 5 and settings.passes({"JAXBENCH_PASSES": "2"}) == 2
    for bad in ("1", "0", "-3", "many", "2.5"):
        with pytest.raises(settings.SettingError, match=rf"JAXBENCH_PASSES='{re.escape(bad)}': expected a whole "
                                                        r"number of passes per group, at least 2"):
            settings.passes({"JAXBENCH_PASSES": bad})


def test_compile_budget():
    assert settings.compile_budget_s({}) == 120.0 and settings.compile_budget_s({"JAXBENCH_COMPILE_BUDGET_S": "30"}) == 30.0
    for bad in ("", "0", "-1", "inf", "nan", "soon"):
        with pytest.raises(settings.SettingError, match="JAXBENCH_COMPILE_BUDGET_S=.*finite number > 0"):
            settings.compile_budget_s({"JAXBENCH_COMPILE_BUDGET_S": bad})


def test_matmul_precision():
    assert settings.matmul_precision({}) is None and settings.matmul_precision({"JAXBENCH_MATMUL_PRECISION": ""}) is None
    for good in settings.MATMUL_PRECISIONS:
        assert settings.matmul_precision({"JAXBENCH_MATMUL_PRECISION": good}) == good
    for bad in ("HIGHEST", "fast"):
        with pytest.raises(settings.SettingError, match="JAXBENCH_MATMUL_PRECISION=.*one of default, high, highest"):
            settings.matmul_precision({"JAXBENCH_MATMUL_PRECISION": bad})


@pytest.mark.parametrize("reader, setting, default", [
    (settings.comparisons, settings.COMPARISONS, True),
    (settings.timed_only, settings.TIMED_ONLY, False),
    (settings.xla_optimised_in_tests, settings.TEST_XLA_OPTIMISED, False)])
def test_switches(reader, setting, default):
    assert reader({}) is default and reader({setting.var: ""}) is default
    assert reader({setting.var: "1"}) is True and reader({setting.var: "0"}) is False
    for bad in ("yes", "off", "true", "2"):
        with pytest.raises(settings.SettingError, match=rf"{setting.var}='{bad}': expected 1 \(on\) or 0 \(off\)"):
            reader({setting.var: bad})


def test_pytest_sizes():
    assert settings.pytest_sizes(True, {}) == "quick" and settings.pytest_sizes(False, {}) == "default"
    assert settings.pytest_sizes(True, {"JAXBENCH_PYTEST_SIZES": "grid"}) == "grid"
    for bad in ("", "huge"):
        with pytest.raises(settings.SettingError, match="JAXBENCH_PYTEST_SIZES=.*; valid: quick, default, grid"):
            settings.pytest_sizes(False, {"JAXBENCH_PYTEST_SIZES": bad})


def test_jax_cache_and_paths():
    assert settings.jax_cache("/here", {}) == "/here" and settings.jax_cache("/here", {"JAXBENCH_JAX_CACHE": ""}) is None
    assert settings.jax_cache("/here", {"JAXBENCH_JAX_CACHE": "/there"}) == "/there"
    for s in settings.PATHS:
        assert [settings.path(s, e) for e in ({}, {s.var: ""}, {s.var: "  "})] == [None, None, None]
        assert settings.path(s, {s.var: " ~/d.csv "}) == Path.home() / "d.csv"
    with pytest.raises(TypeError, match="JAXBENCH_SIZES does not name a file or folder"):
        settings.path(settings.SIZES, {})


def test_a_planted_slowdown_fails_as_a_runtime_error():
    assert settings.plant_slowdown({}) == {} and settings.plant_slowdown(
        {"JAXBENCH_PLANT_SLOWDOWN": "selu:1.25,matmul:2"}) == {"selu": 1.25, "matmul": 2.0}
    with pytest.raises(settings.PlantError, match="JAXBENCH_PLANT_SLOWDOWN='selu:0.5'") as info:
        settings.plant_slowdown({"JAXBENCH_PLANT_SLOWDOWN": "selu:0.5"})
    assert isinstance(info.value, RuntimeError) and not isinstance(info.value, ValueError)


# --------------------------------------------------------------------------- child environments

def test_env_writes_what_the_readers_read(tmp_path):
    made = settings.env(sizes="full", passes=5, timed_only=True, comparisons=False, comparisons_out=tmp_path,
                        plant_slowdown=None, jax_cache="")
    assert made == {"JAXBENCH_SIZES": "full", "JAXBENCH_PASSES": "5", "JAXBENCH_TIMED_ONLY": "1",
                    "JAXBENCH_COMPARISONS": "0", "JAXBENCH_COMPARISONS_OUT": str(tmp_path), "JAXBENCH_JAX_CACHE": ""}
    assert (settings.sizes(made), settings.passes(made), settings.timed_only(made), settings.comparisons(made),
            settings.path(settings.COMPARISONS_OUT, made), settings.jax_cache("/d", made)) == \
        ("full", 5, True, False, tmp_path, None)


def test_env_refuses_what_a_reader_refuses():
    with pytest.raises(settings.SettingError, match="JAXBENCH_PASSES='1'"):
        settings.env(passes=1)
    with pytest.raises(settings.SettingError, match="JAXBENCH_SIZES='huge'"):
        settings.env(sizes="huge")
    with pytest.raises(settings.PlantError):
        settings.env(plant_slowdown="selu")
    with pytest.raises(TypeError, match="unknown setting 'size'"):
        settings.env(size="full")


def test_the_gate_starts_without_the_runner_only_settings():
    given = {s.var: "x" for s in settings.SETTINGS} | {"PATH": "/bin"}
    left = settings.without_runner_only(given)
    assert set(left) == {"PATH"} | {s.var for s in settings.SETTINGS if not s.runner_only}
    assert {"JAXBENCH_SIZES", "JAXBENCH_PASSES", "JAXBENCH_COMPARISONS_ONLY", "JAXBENCH_COMPARISONS_OUT",
            "JAXBENCH_CALLS_PER_SAMPLE", "JAXBENCH_PLANT_SLOWDOWN"}.isdisjoint(left)
    assert len(given) == 16                               # a copy: the mapping given is untouched
    env = {"JAXBENCH_PASSES": "3", "A": "1"}
    assert settings.unset(env, settings.PASSES, settings.SIZES) is env and env == {"A": "1"}


def test_the_facts_record_the_recorded_settings():
    from runner import facts

    assert settings.recorded() == ("JAXBENCH_SIZES", "JAXBENCH_JAX_CACHE", "JAXBENCH_COMPILE_BUDGET_S",
                                   "JAXBENCH_MATMUL_PRECISION")
    assert facts.ENV_KEYS[-4:] == settings.recorded()


# --------------------------------------------------------------------------- a bad value fails, never skips

def test_a_bad_setting_fails_the_suite_where_a_refusal_skips(monkeypatch):
    import kernels
    from asv_runner.benchmarks.mark import SkipNotImplemented

    from bench import common

    case = kernels.Case("selu", "numpy-cpu", "host", "eager", 1000)
    for raised, expected in ((ValueError("too big"), SkipNotImplemented), (settings.SettingError("bad"), settings.SettingError)):
        def refuse(c, raised=raised, **kw):
            raise raised

        monkeypatch.setattr(kernels, "prepare", refuse)
        monkeypatch.setattr(common, "_PREPARED", {})
        with pytest.raises(expected):
            common.prepared(case)


def test_a_bad_setting_fails_the_engine_where_a_refusal_leaves_a_side_out(monkeypatch):
    import kernels

    from jaxbench import declare, measure

    comp = declare.for_kernel("selu")[0]
    keys = [comp.num.key, comp.den.key]

    def refuse(c, **kw):
        raise ValueError("too big")

    monkeypatch.setattr(kernels, "prepare", refuse)
    runs, missing = measure._prepare_sides([comp], keys)
    assert runs == {} and set(missing) == set(keys) and all(v.startswith("refused: too big") for v in missing.values())

    def bad(c, **kw):
        raise settings.SettingError("JAXBENCH_MATMUL_PRECISION='fast': expected ...")

    monkeypatch.setattr(kernels, "prepare", bad)
    with pytest.raises(settings.SettingError):
        measure._prepare_sides([comp], keys)


def test_a_process_checks_against_numpy_only_the_sides_the_runs_first_process_did_not_measure(monkeypatch, tmp_path):
    """Sides named in the calls-per-sample file (settings.CALLS_PER_SAMPLE: the run's first process
    measured them, and preparing them there checked them) are prepared unchecked; the rest checked."""
    import json
    import types

    import kernels

    from jaxbench import declare, measure

    comp = declare.for_kernel("selu")[0]
    asked = {}

    def prepare(case, checked=True):
        asked[case.key] = checked
        return types.SimpleNamespace(run=lambda: None, transfer_run=None)

    monkeypatch.setattr(kernels, "prepare", prepare)
    numbers = tmp_path / "numbers.jsonc"
    numbers.write_text(json.dumps({comp.num.key: 5}))
    monkeypatch.setenv(settings.CALLS_PER_SAMPLE.var, str(numbers))
    record = measure.measure_group([comp], max_passes=2, min_sample_s=1e-4)
    assert asked == {comp.num.key: False, comp.den.key: True}
    assert dict(zip(record["sides"], record["numbers"]))[comp.num.key] >= 2 and len(record["passes"]) == 2


def test_the_runner_refuses_a_bad_switch(monkeypatch, capsys):
    from runner.cli import parse_args

    monkeypatch.setenv("JAXBENCH_COMPARISONS", "off")
    with pytest.raises(SystemExit) as info:
        parse_args(["--kernels", "selu"])
    assert info.value.code == 2 and "JAXBENCH_COMPARISONS='off': expected 1 (on) or 0 (off)" in capsys.readouterr().err
    monkeypatch.setenv("JAXBENCH_COMPARISONS", "0")
    monkeypatch.setenv("JAXBENCH_TIMED_ONLY", "1")
    args = parse_args(["--kernels", "selu"])
    assert args.comparisons is False and args.timed_only is True


def test_the_suite_reads_its_settings_from_the_checkout_where_kernels_has_none():
    """asv runs this checkout's bench/ over an older commit's kernels/ (make bench COMMITS=...):
    bench/common.py then loads the checkout's kernels/settings.py from its file."""
    from bench import common

    own = common.checkout_settings()
    assert own is not settings and Path(own.__file__) == ROOT / "kernels" / "settings.py"
    assert [s.var for s in own.SETTINGS] == [s.var for s in settings.SETTINGS]
    assert own.sizes({"JAXBENCH_SIZES": "full"}) == "full" and own.jax_cache("/d", {}) == "/d"
