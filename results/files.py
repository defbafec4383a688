"""Every file of a results folder, named once, and the folder's layout.

    <results>/benchmarks.json                      asv: every benchmark (name, params, version...)
    <results>/<machine>/machine.json               asv: the machine
    <results>/<machine>/<commit>-<env>.json        asv: one results file per commit and environment
    <results>/<machine>/jaxbench-facts.jsonc       runner/facts.py: what asv does not record
    <results>/<machine>/jaxbench-rounds.jsonc      results/rounds.py: the samples of each round
    <results>/<machine>/jaxbench-comparisons.jsonc results/records.py: the processes' records

The project's own files end in ``.jsonc`` on purpose: asv reads every ``*.json`` of a machine folder
as a results file (``asv publish`` warns "No version specified" on any other). A problem with a
results folder is a :class:`ResultsWarning`, never an exception: the reader goes on without the
offending part.
"""
from __future__ import annotations

import warnings
from pathlib import Path

BENCHMARKS_FILE = "benchmarks.json"
MACHINE_FILE = "machine.json"
FACTS_FILE = "jaxbench-facts.jsonc"
ROUNDS_FILE = "jaxbench-rounds.jsonc"
COMPARISONS_FILE = "jaxbench-comparisons.jsonc"
CONF_FILE = "asv.conf.json"                      # asv's configuration, beside the results folder
NOT_RESULTS = {MACHINE_FILE, BENCHMARKS_FILE}   # the *.json of a results folder that are no results file


class ResultsWarning(UserWarning):
    """A problem with the results folder; the report goes on without the offending part."""


def warn(problems: list, message: str) -> None:
    """Record ``message`` in ``problems`` and warn it (:class:`ResultsWarning`)."""
    problems.append(message)
    warnings.warn(message, ResultsWarning, stacklevel=3)


def machine_folders(results_dir: str | Path) -> list[Path]:
    """The machine folders of a results folder, sorted by name."""
    return sorted(p for p in Path(results_dir).iterdir() if p.is_dir())


def result_files(machine_dir: str | Path) -> list[Path]:
    """The asv results files of a machine folder (every ``*.json`` but ``machine.json``), sorted."""
    return sorted(p for p in Path(machine_dir).glob("*.json") if p.name not in NOT_RESULTS)
