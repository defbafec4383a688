"""The lecture table fit to paste: per machine, five columns (demo | notes' figure | the machine's
median | the lecture's ratio [95% CI] | verdict in a word or two) and, under it, numbered notes
with each row's rule, threshold and caveats (identical notes share one number).

Written three ways from one :class:`Short`: Markdown (``lecture.md``; units as in the notes, ``us``
and ``x``, like every Markdown table of the report), a LaTeX fragment (``lecture.tex``: per machine a
caption line, a tabularx as wide as the line and its notes run in, no preamble, for a document or a
beamer frame; units typeset, ``$\\mu$s`` and ``$\\times$``) and HTML (the page; µs and ×). The long
form, each verdict with its numbers (:func:`reports.sections.lecture.verdicts.table`), stays in the page's details and
in ``lecture.csv``.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import pandas as pd

from ...formats import tables, writers
from .claims import ABSENT, FAILS, FIGURE_ONLY, HOLDS, UNSURE, rule_text

WORDS = {HOLDS: "holds", FAILS: "fails", UNSURE: "unclear", ABSENT: "n/a", FIGURE_ONLY: "no claim"}
HEADER = ("Demo", "Notes' figure", None, "Ratio [95% CI]", "Verdict")   # None: the machine's name
SPEC = (r">{\raggedright\arraybackslash\hsize=1.3\hsize}X>{\raggedright\arraybackslash\hsize=.7\hsize}X"
        "rll")                   # demo and notes' figure share the room left (1.3 : 0.7), ragged right
FONT = r"\ifdefined\usebeamerfont\tiny\else\scriptsize\fi"   # beamer: \tiny; a document: \scriptsize


@dataclass
class Short:
    """The short lecture table of one machine: its rows, numbered notes and general notes."""

    machine: str
    caption: str
    rows: list = field(default_factory=list)     # (demo, notes' figure, machine, ratio, verdict, note no.)
    notes: list = field(default_factory=list)    # note n is notes[n - 1]
    general: list = field(default_factory=list)  # unnumbered, after the numbered notes


# --------------------------------------------------------------------------- the table

def ratio_text(cell) -> str:
    """The lecture's ratio with its 95% interval ('7.78x [7.59, 7.97]'); across processes: the point."""
    if cell.ratio != cell.ratio:
        return "-"
    if not cell.paired or cell.ratio_lo != cell.ratio_lo:
        return tables.fmt_num(cell.ratio, suffix="x")
    return tables.fmt_interval(cell.ratio, cell.ratio_lo, cell.ratio_hi)


def _rule(fig) -> str:
    """'eager / jit needs > 1x' (a ratio) or 'needs > 95.0%' (a value)."""
    rule = rule_text(fig.claim, fig.value)
    label = (fig.ratio or {}).get("label")
    return f"{label} {rule}" if label and fig.claim.get("compare", "ratio") == "ratio" else rule


def row_note(fig, cell) -> str:
    """The note of one row: the claim, its rule and threshold, the notes' own ratio and the caveats
    (not measured: the reason; no claim: what the row is for)."""
    if cell.state == ABSENT:
        return cell.verdict.rstrip(".") + "."
    if fig.claim:
        ours = [f"notes: {tables.fmt_num(fig.notes_ratio, suffix='x')}"] if fig.notes_ratio else []
        head, inner = fig.claim["text"], [_rule(fig), *ours, *cell.caveats]
    else:
        label = (fig.ratio or {}).get("label")
        head = f"no claim; the ratio is {label}" if label else "no claim: the baseline of the rows below"
        inner = list(cell.caveats)
    text = head + (f" ({'; '.join(inner)})" if inner else "") + "."
    return text + (f" {fig.note}" if fig.note else "")


def general_notes(machine: str, gpu_lines=()) -> list[str]:
    """The unnumbered notes under a machine's table: what the columns and verdicts mean."""
    return [f"{machine}: the median per call measured here; ratio: the lecture's ratio measured here (both sides "
            "in one process) with its 95% interval. Verdict: holds / fails when the whole interval lies past / "
            "short of the threshold (inside / outside the band), unclear when it straddles it; n/a: not measured; "
            "no claim: the notes make none with this figure. Sources and each verdict in full: index.html "
            "(details), lecture.csv.",
            *[line for line in gpu_lines if machine in line]]


def short_table(lec, machine: str, caption: str, gpu_lines=()) -> Short:
    """The short table of ``machine`` from an evaluated :class:`reports.sections.lecture.verdicts.Lecture`."""
    out = Short(machine, caption, general=general_notes(machine, gpu_lines))
    for fig in lec.figures:
        cell = lec.cells[(fig.id, machine)]
        note = row_note(fig, cell)
        if note not in out.notes:
            out.notes.append(note)
        out.rows.append((fig.demo, fig.figure, cell.figure, ratio_text(cell), WORDS[cell.state],
                         out.notes.index(note) + 1))
    return out


def header(short: Short) -> list[str]:
    """The five column names, the machine's name third."""
    return [h if h is not None else short.machine for h in HEADER]


# --------------------------------------------------------------------------- Markdown

def to_markdown(short: Short) -> str:
    """GitHub Markdown: the table (verdicts with their note's number in parentheses), the numbered
    notes as a list, then the general notes."""
    rows = [(d, f, m, r, f"{w} ({n})") for d, f, m, r, w, n in short.rows]
    frame = pd.DataFrame(rows, columns=header(short))
    text = to_markdown_table(frame, short.caption)
    text += "".join(f"{i}. {n}\n" for i, n in enumerate(short.notes, 1))
    return text + "\n" + "".join(f"{g}  \n" for g in short.general) + "\n"


def to_markdown_table(frame, caption: str) -> str:
    """The table with its caption; the machine's figure right-aligned, every other column left."""
    left = [c for i, c in enumerate(frame.columns) if i != 2]
    return writers.to_markdown(frame, caption, left=left)


# --------------------------------------------------------------------------- typeset units

def typeset_units(text) -> str:
    """'746 us' -> '746 µs', '10x' -> '10×', '3000 x 3000' -> '3000 × 3000' (a digit before the unit)."""
    text = re.sub(r"(\d)(\s?)us\b", "\\1\\2\u00b5s", str(text))
    return re.sub(r"(\d)(\s?)x\b", "\\1\\2\u00d7", text)


def tex(text) -> str:
    """Text for LaTeX: units typeset ($\\mu$s, $\\times$), a thin space between a number and its time
    unit, specials escaped."""
    out = writers.tex_escape(typeset_units(text))
    out = re.sub(r"(\d) (\$\\mu\$s|ms|ns|s)\b", r"\1\\,\2", out)
    out = re.sub(r"(\d|\$\\times\$)-(\d)", r"\1--\2", out)             # ranges: an en dash
    return "--" if out == "-" else out


def to_latex(short: Short) -> str:
    """A fragment: the caption line, a booktabs tabularx as wide as the line (the demo and the notes'
    figure wrap, the other columns keep their width) and the notes, in one group; needs booktabs and
    tabularx."""
    lines = [f"% {short.caption}", "\\begingroup", f"\\providecommand{{\\lecturetablefont}}{{{FONT}}}",
             "\\lecturetablefont\\setlength{\\tabcolsep}{3pt}",
             f"\\noindent\\textbf{{{tex(short.caption)}}}\\par\\nopagebreak\\smallskip",
             f"\\noindent\\begin{{tabularx}}{{\\linewidth}}{{@{{}}{SPEC}@{{}}}}", "\\toprule",
             " & ".join(tex(h) for h in header(short)) + " \\tabularnewline", "\\midrule"]
    for d, f, m, r, w, n in short.rows:
        cells = [tex(d), tex(f), tex(m), tex(r), f"{tex(w)}\\textsuperscript{{{n}}}"]
        lines.append(" & ".join(cells) + " \\tabularnewline")
    lines += ["\\bottomrule", "\\end{tabularx}\\par\\smallskip", "\\noindent"]
    lines += [f"\\textsuperscript{{{i}}}\\,{tex(n)}" for i, n in enumerate(short.notes, 1)]   # run in: one paragraph
    lines += [f"\\par\\noindent {tex(g)}" for g in short.general] + ["\\par"]
    return "\n".join(lines + ["\\endgroup"]) + "\n"


PREAMBLE = ("% The lecture, reproduced (python -m reports): a table per machine, each with its numbered notes.\n"
            "% \\input this file in a document (\\usepackage{booktabs,tabularx}) or inside a beamer frame. Size:\n"
            "% \\scriptsize (beamer: \\tiny); \\newcommand{\\lecturetablefont}{\\footnotesize} before it sets\n"
            "% another.\n")


def latex_fragment(shorts: list[Short]) -> str:
    """Every machine's table in one fragment, separated by a \\bigskip."""
    return PREAMBLE + "\\par\\bigskip\n".join(to_latex(s) for s in shorts)


# --------------------------------------------------------------------------- HTML

def _h(text) -> str:
    """Text for HTML, its units typeset."""
    return html.escape(typeset_units(text))


def to_html(short: Short) -> str:
    """The table (class ``lecture``: left-aligned but for the machine's figure), the numbered notes
    as a list, the general notes."""
    head = "".join(f"<th>{_h(h)}</th>" for h in header(short))
    body = "".join(f"<tr><td>{_h(d)}</td><td>{_h(f)}</td><td class=num>{_h(m)}</td><td>{_h(r)}</td>"
                   f"<td>{_h(w)}<sup>{n}</sup></td></tr>" for d, f, m, r, w, n in short.rows)
    notes = "".join(f"<li>{_h(n)}</li>" for n in short.notes)
    general = "".join(f"<p class=note>{_h(g)}</p>" for g in short.general)
    return (f"<h3>{_h(short.caption)}</h3><table class=lecture><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table><ol class=note>{notes}</ol>{general}")


__all__ = ["WORDS", "Short", "short_table", "row_note", "ratio_text", "general_notes", "to_markdown", "to_latex",
           "latex_fragment", "to_html", "typeset_units", "tex"]
