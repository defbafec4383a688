"""Which samples of a case came from which round (process): ``jaxbench-rounds.jsonc``.

asv concatenates the samples of every round of a case into one list (``--append-samples``) and
keeps no boundaries, but an honest interval needs them: the spread between processes is the
largest noise on this kind of machine (docs/asv.md, "Rounds"). ``python -m runner`` runs one asv
round per invocation and, after each, records how many samples each ``time_`` case gained:

    <results>/<machine>/jaxbench-rounds.jsonc
    {"version": 1,
     "commits": {"<commit hash>": {"<benchmark name>": {"<params key>": [n_round1, n_round2, ...]}}}}

``params key`` is :func:`results.asv_json.params_key` of the case's parameter values as asv stores
them (their reprs). The first ``n_round1`` samples of the case are round 1, the next ``n_round2`` round 2, etc.
(The ``.jsonc`` suffix keeps ``asv publish``, which reads every ``*.json`` there, away from it.)
"""
from __future__ import annotations

import json
from pathlib import Path

from . import atomic
from .asv_json import commit_results, params_key
from .files import ROUNDS_FILE


def timed_samples(machine_dir: Path, commit: str):
    """(benchmark, params key, samples) of every ``time_`` case of ``commit`` with recorded samples."""
    for name, row, combos in commit_results(machine_dir, commit):
        if not name.split(".")[-1].startswith("time_"):
            continue
        for combo, samples in zip(combos, row.get("samples") or []):
            if samples:
                yield name, params_key(combo), samples


def sample_counts(machine_dir: Path, commit: str) -> dict:
    """{benchmark: {params key: number of samples}} of the ``time_`` results of ``commit``."""
    out: dict = {}
    for name, key, samples in timed_samples(machine_dir, commit):
        out.setdefault(name, {})[key] = len(samples)
    return out


def load(machine_dir: Path) -> dict:
    path = Path(machine_dir) / ROUNDS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"version": 1, "commits": {}}
    data.setdefault("commits", {})
    return data


def record(machine_dir: Path, commit: str, round_no: int, prefix: str | tuple[str, ...]) -> Path:
    """After round ``round_no`` of the benchmarks whose names start with ``prefix`` (or one of
    them): store how many samples each of their cases gained in it (round 1 starts their lists
    afresh); every other benchmark's counts stay as they were."""
    machine_dir = Path(machine_dir)
    data = load(machine_dir)
    mine = data["commits"].setdefault(commit, {})
    for name, cases in sample_counts(machine_dir, commit).items():
        if not name.startswith(prefix):
            continue
        for key, total in cases.items():
            counts = mine.setdefault(name, {}).get(key, [])
            if round_no == 1 or total < sum(counts):
                counts = [total]                       # a fresh run replaced the old samples
            elif total > sum(counts):
                counts = counts + [total - sum(counts)]
            mine[name][key] = counts
    return atomic.write_json(machine_dir / ROUNDS_FILE, data, indent=1)


def set_counts(machine_dir: Path, commit: str, counts: dict) -> Path:
    """Store the per-round sample counts of whole benchmarks ({benchmark: {params key: [n, ...]}},
    e.g. one round per measuring process), replacing theirs and keeping every other benchmark's."""
    data = load(Path(machine_dir))
    data["commits"].setdefault(commit, {}).update(counts)
    return atomic.write_json(Path(machine_dir) / ROUNDS_FILE, data, indent=1)


def split(samples: list, counts: list | None) -> list[list]:
    """The samples of one case cut into rounds (one list when the counts are unknown or disagree)."""
    if not counts or sum(counts) != len(samples):
        return [list(samples)]
    out, i = [], 0
    for n in counts:
        out.append(list(samples[i:i + n]))
        i += n
    return out
