"""The selection both commands share (``python -m reports``, ``python -m reports.health``): read a
results folder, pick its machines and commits, and refuse an unknown name with exit status 2 and
the list of what exists."""
from __future__ import annotations

import sys
import warnings

from results.files import ResultsWarning
from results.frame import commit_matches, current, latest_commits, load_results


def split_csv(values) -> list[str]:
    """Comma-separated option values, flattened: ['a,b', 'c'] -> ['a', 'b', 'c']."""
    return [v for item in values or [] for v in item.split(",") if v]


def refuse(what: str, bad, known) -> None:
    """Exit 2, naming the unknown ``what`` and every known one."""
    known = sorted(known)
    sys.stderr.write(f"error: unknown {what} {', '.join(map(repr, bad))}; "
                     f"known {what}s: {', '.join(known) if known else '(none)'}\n")
    raise SystemExit(2)


def show_warning(message, category, filename, lineno, file=None, line=None):
    """A results warning as one 'warning: ...' line on stderr."""
    sys.stderr.write(f"warning: {message}\n")


def load_current(results_dir):
    """(Results, rows measured with the current benchmark code) of an asv results folder; each
    problem with it is printed as a 'warning: ...' line."""
    warnings.showwarning = show_warning
    warnings.simplefilter("always", ResultsWarning)
    results = load_results(results_dir)
    return results, current(results.df)


def selected_machines(df, wanted) -> list[str]:
    """``wanted`` machines (default: every machine with results); an unknown one exits 2."""
    known = sorted(df["machine"].unique())
    machines = wanted or known
    bad = [m for m in machines if m not in known]
    if bad:
        refuse("machine", bad, known)
    return machines


def resolve_commits(df, machines, specs) -> dict:
    """machine -> full commit hash, from ``--commit`` values (PREFIX or MACHINE=PREFIX)."""
    chosen = latest_commits(df[df["machine"].isin(machines)])
    for spec in specs or []:
        target, prefix = spec.split("=", 1) if "=" in spec else (None, spec)
        if target is not None and target not in machines:
            refuse("machine", [target], machines)
        hits = {m: commit_matches(df, m, prefix) for m in ([target] if target else machines)}
        if not any(hits.values()):
            known = {c[:8] for m in machines for c in df.loc[df["machine"] == m, "commit"].dropna().unique()}
            refuse("commit", [prefix], known)
        for m, found in hits.items():
            if len(found) > 1:
                refuse("commit (ambiguous prefix)", [prefix], [c[:12] for c in found])
            if found:
                chosen[m] = found[0]
    return chosen


__all__ = ["split_csv", "refuse", "show_warning", "load_current", "selected_machines", "resolve_commits"]
