"""Writers of display tables: GitHub Markdown, and LaTeX (booktabs) that fits a portrait A4 page;
:func:`doc_markdown` and :func:`doc_latex` write a whole :class:`reports.parts.Doc` (heading, lines,
tables). Pure: text in, text out; :mod:`reports.render` writes the files."""
from __future__ import annotations

import math

import pandas as pd

LEFT = ("Machine", "Kernel", "Variant", "Backend", "Placement", "Transform", "dtype", "Case", "Benchmark")


def _md_cell(x) -> str:
    return str(x).replace("|", "\\|").replace("\n", " ")


def to_markdown(table: pd.DataFrame, caption: str = "", notes: list[str] = (), left=None) -> str:
    """GitHub-flavoured Markdown; numbers right-aligned, text left-aligned (``left``: the text
    columns; default: the usual names, and every column of a table with a ``Demo`` column)."""
    lines = [f"**{caption}**", ""] if caption else []
    if table.empty:
        return "\n".join(lines + ["_(no data)_", ""])
    cols = list(table.columns)
    if left is None:
        left = cols if "Demo" in cols else LEFT
    right = {c for c in cols if c not in left}
    lines.append("| " + " | ".join(_md_cell(c) for c in cols) + " |")
    lines.append("|" + "|".join("---:" if c in right else ":---" for c in cols) + "|")
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join(_md_cell(v) for v in row) + " |")
    lines += [""] + [f"{n}  " for n in notes] + ([""] if notes else [])
    return "\n".join(lines) + "\n"


_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
        "{": r"\{", "}": r"\}", "~": r"$\sim$", "^": r"\textasciicircum{}", "<": r"$<$", ">": r"$>$",
        "|": r"$|$", "\u00b5": r"$\mu$", "\u2248": r"$\approx$", "\u00d7": r"$\times$"}


def tex_escape(x) -> str:
    """Text for LaTeX with the default OT1 fonts: specials escaped; <, >, | and ~ as math symbols."""
    return "".join(_TEX.get(ch, ch) for ch in str(x))


# --- LaTeX layout: every table fits a portrait A4 page of \documentclass[a4paper]{article} --------
#
# The widths are estimated from the metrics of Computer Modern at \footnotesize (cmr8, measured with
# pdflatex): a column whose cells fit stays l/r; wider tables wrap their widest columns in
# p{...} columns (ragged right), and a table that cannot fit even wrapped is split into parts that
# repeat its key columns; long tables are split into row chunks. tests/test_lecture.py compiles
# the written tables with pdflatex and fails on any "Overfull \hbox".

TEXT_WIDTH_PT = 345.0     # \textwidth of article, 10pt, a4paper, default margins
TABCOLSEP_PT = 4.0        # set inside each table (\setlength{\tabcolsep}{4pt})
WIDTH_SAFETY = 1.06       # estimate / real width margin
MAX_WRAP = 3              # a part is packed so that no cell wraps to more than ~3 lines
MAX_LINES = 48            # estimated \footnotesize lines of one table float (a float must fit one page)
FLOATS_PER_PAGE_RUN = 8   # \clearpage after this many floats of one table
_CMR8 = {**dict.fromkeys("0123456789a", 4.25), **dict.fromkeys("bdhnpu", 4.72), **dict.fromkeys("cez", 3.78),
         **dict.fromkeys("fj", 2.60), **dict.fromkeys("il!'`,.:;[]|", 2.36), **dict.fromkeys("kqvxy", 4.49),
         "g": 4.25, "m": 7.08, "o": 4.25, "r": 3.31, "s": 3.35, "t": 3.31, "w": 6.14,
         **dict.fromkeys("AHNUVXY", 6.37), "B": 6.02, "C": 6.14, "D": 6.49, "E": 5.78, "F": 5.54, "G": 6.67,
         "I": 3.06, "J": 4.36, "K": 6.60, "L": 5.31, "M": 7.78, "O": 6.61, "P": 5.78, "Q": 6.61, "R": 6.25,
         "S": 4.72, "T": 6.14, "W": 8.73, "Z": 5.19, '"': 4.25, "#": 7.08, "$": 4.25, "%": 7.08, "&": 6.61,
         "(": 3.31, ")": 3.31, "*": 4.25, "+": 6.61, "-": 2.83, "/": 4.25, "<": 6.61, "=": 6.61, ">": 6.61,
         "?": 4.01, "@": 6.61, "\\": 4.25, "^": 4.25, "_": 3.06, "{": 4.25, "}": 4.25, "~": 6.61, " ": 2.83,
         "\u00b5": 5.10, "\u00d7": 6.61}


def text_width_pt(text) -> float:
    """Estimated width in pt of ``text`` typeset at \\footnotesize (unknown characters count wide)."""
    return WIDTH_SAFETY * sum(_CMR8.get(ch, 7.0) for ch in str(text))


def _words(text) -> list[str]:
    return str(text).split() or [""]


def _column_widths(table: pd.DataFrame, col) -> tuple[float, float]:
    """(natural width, narrowest width it can wrap to) of one column, header included."""
    cells = [str(v) for v in table[col]] + [str(col)]
    natural = max(text_width_pt(c) for c in cells)
    narrow = max(text_width_pt(w) for c in cells for w in _words(c))
    return natural, narrow


def _fits(widths: list[tuple[float, float]], width: float = TEXT_WIDTH_PT, wrap: int = MAX_WRAP) -> bool:
    return sum(max(n, nat / wrap) + 2 * TABCOLSEP_PT for nat, n in widths) <= width


def _water_fill(widths: list[tuple[float, float]], width: float = TEXT_WIDTH_PT) -> list[float | None]:
    """The p{} width of each column (None: it keeps its natural width) so the row fits ``width``."""
    room = width - 2 * TABCOLSEP_PT * len(widths)
    if sum(nat for nat, _ in widths) <= room:
        return [None] * len(widths)
    lo, hi = 0.0, max(nat for nat, _ in widths)
    for _ in range(60):   # the largest cap C with sum(min(nat, max(C, narrow))) <= room
        cap = (lo + hi) / 2
        if sum(min(nat, max(cap, n)) for nat, n in widths) <= room:
            lo = cap
        else:
            hi = cap
    return [None if nat <= max(lo, n) else max(lo, n) for nat, n in widths]


def split_columns(table: pd.DataFrame, keys=(), groups=None, width: float = TEXT_WIDTH_PT) -> list[list]:
    """Column sets of the parts a table is split into to fit ``width``: each part repeats the key
    columns; ``groups`` (lists of columns) are kept together (default: every other column alone)."""
    cols = list(table.columns)
    keys = [c for c in keys if c in cols]
    if groups is None:
        groups = [[c] for c in cols if c not in keys]
    groups = [[c for c in g if c in cols and c not in keys] for g in groups]
    groups = [g for g in groups if g]
    w = {c: _column_widths(table, c) for c in cols}
    parts, current = [], []
    for g in groups:
        if current and not _fits([w[c] for c in keys + current + g], width):
            parts.append(keys + current)
            current = []
        current = current + g
    if current or not parts:
        parts.append(keys + current)
    return [[c for c in cols if c in part] for part in parts]   # the table's own column order


def _row_lines(table: pd.DataFrame, pwidths: dict) -> list[int]:
    """Estimated lines of each row (cells of p{} columns wrap; ragged right loses ~8% of a line)."""
    out = []
    for _, r in table.iterrows():
        n = 1
        for c, pw in pwidths.items():
            if pw:
                n = max(n, math.ceil(text_width_pt(r[c]) / (0.92 * pw)))
        out.append(n)
    return out


def _note_lines(notes, caption: str = "") -> int:
    """Estimated lines taken by the caption and the notes under a table."""
    texts = [caption] + list(notes)
    return sum(math.ceil(text_width_pt(t) / (0.9 * TEXT_WIDTH_PT)) for t in texts if t) + len(notes)


def _chunks(lines: list[int], budget: int, last_budget: int) -> list[tuple[int, int]]:
    """Row ranges of chunks of at most ``budget`` estimated lines, the last (which carries the
    notes) of at most ``last_budget``; the chunks before it balanced."""
    if sum(lines) <= last_budget:
        return [(0, len(lines))]
    tail, acc = len(lines), 0
    while tail > 0 and acc + lines[tail - 1] <= last_budget:
        tail -= 1
        acc += lines[tail]
    tail = min(tail, len(lines) - 1)          # the last chunk has at least one row
    head = lines[:tail]
    k = max(1, math.ceil(sum(head) / budget))
    target = sum(head) / k
    out, start, acc = [], 0, 0
    for i, n in enumerate(head):
        if acc + n > target * 1.05 and i > start and len(out) < k - 1:
            out.append((start, i))
            start, acc = i, 0
        acc += n
    if head:
        out.append((start, tail))
    out.append((tail, len(lines)))
    return out



def _is_left(col, left) -> bool:
    return col in left or str(col).split(":")[0] in left


def _tabular(table: pd.DataFrame, pw: list, left) -> list[str]:
    cols = list(table.columns)
    spec = "".join(f"p{{{w:.0f}pt}}" if w else ("l" if _is_left(c, left) else "r") for c, w in zip(cols, pw)) or "l"
    cell = lambda v, w: ("\\raggedright " if w else "") + tex_escape(v)  # noqa: E731
    out = [f"\\begin{{tabular}}{{{spec}}}", "\\toprule",
           " & ".join(cell(c, w) for c, w in zip(cols, pw)) + " \\tabularnewline", "\\midrule"]
    for row in table.itertuples(index=False):
        out.append(" & ".join(cell(v, w) for v, w in zip(row, pw)) + " \\tabularnewline")
    if table.empty:
        out.append("\\multicolumn{1}{l}{(no data)} \\tabularnewline")
    out += ["\\bottomrule", "\\end{tabular}"]
    return out


def to_latex(table: pd.DataFrame, caption: str = "", label: str = "", notes: list[str] = (),
             keys=None, groups=None, left=LEFT) -> str:
    """booktabs table(s) (need ``\\usepackage{booktabs}``) at \\footnotesize that fit a portrait A4
    page of the article class with its default margins: wide columns wrap (p{}), a table still too
    wide is split into parts repeating ``keys`` (default: its identifying columns among Demo,
    Kernel, Variant, Machine, Size), a long one into balanced row chunks of at most ``MAX_LINES``
    lines; the notes go under the last part; a \\clearpage after every ``FLOATS_PER_PAGE_RUN``
    floats keeps LaTeX's float queue from overflowing."""
    cols = list(table.columns)
    if keys is None:
        keys = [c for c in ("Demo", "Kernel", "Variant", "Machine", "Size") if c in cols][:3]
    parts = split_columns(table, keys, groups) if cols else [cols]
    # notes longer than half a page go in a float of their own after the table (a float must fit a page)
    inside = _note_lines(notes) <= MAX_LINES // 2
    chunks = []
    for j, cset in enumerate(parts):
        sub = table[cset] if cset else table
        pw = _water_fill([_column_widths(sub, c) for c in sub.columns]) if len(sub.columns) else []
        lines = _row_lines(sub, dict(zip(sub.columns, pw)))
        last = MAX_LINES - (_note_lines(notes if inside else [], caption) if j == len(parts) - 1
                            else _note_lines([], caption))
        for a, b in _chunks(lines, MAX_LINES - _note_lines([], caption), max(last, 8)):
            chunks.append((sub.iloc[a:b], pw))
    out = []
    for k, (sub, pw) in enumerate(chunks):
        if k and k % FLOATS_PER_PAGE_RUN == 0:
            out.append("\\clearpage")
        out += ["\\begin{table}[htbp]", "\\centering", "\\footnotesize", "\\setlength{\\tabcolsep}{4pt}"]
        if caption:
            more = f" (part {k + 1} of {len(chunks)})" if len(chunks) > 1 else ""
            out.append(f"\\caption{{{tex_escape(caption + more)}}}")
        if label:
            out.append(f"\\label{{{label}}}" if k == 0 else f"\\label{{{label}-{k + 1}}}")
        out += _tabular(sub, pw, left)
        if k == len(chunks) - 1 and inside:
            for n in notes:
                out.append(f"\\par\\smallskip{{\\footnotesize {tex_escape(n)}}}")
        out.append("\\end{table}")
    if notes and not inside:   # floats of their own, right after the table's (floats keep their order)
        groups, current = [], []
        for n in notes:
            if current and _note_lines(current + [n]) > MAX_LINES - 4:
                groups.append(current)
                current = []
            current.append(n)
        groups.append(current)
        for g in groups:
            out += ["\\begin{table}[htbp]", "\\footnotesize",
                    f"\\noindent Notes to {tex_escape(caption) if caption else 'the table above'}:"]
            out += [f"\\par\\smallskip\\noindent {tex_escape(n)}" for n in g]
            out.append("\\end{table}")
    return "\n".join(out) + "\n"


def latex_document(body: str) -> str:
    """A minimal document around written tables (how tests/test_lecture.py compiles them)."""
    return ("\\documentclass[a4paper]{article}\n\\usepackage{booktabs,tabularx}\n\\begin{document}\n"
            + body + "\n\\end{document}\n")


def beamer_document(body: str, title: str = "The lecture, reproduced", options: str = "") -> str:
    """A minimal beamer presentation with ``body`` inside one frame (``options``: the frame's, e.g.
    'shrink'); how tests/test_lecture.py compiles the lecture's fragment on a slide."""
    frame = f"\\begin{{frame}}[{options}]" if options else "\\begin{frame}"
    return ("\\documentclass{beamer}\n\\usepackage{booktabs,tabularx}\n\\begin{document}\n"
            f"{frame}{{{tex_escape(title)}}}\n" + body + "\n\\end{frame}\n\\end{document}\n")


def doc_markdown(doc) -> str:
    """A :class:`reports.parts.Doc` as Markdown: its heading and bullet lines (when it has a
    heading), then each table with its caption and notes; a table given as text (a section's own
    layout, e.g. the lecture's) is written as it is."""
    body = "\n".join(t if isinstance(t, str) else to_markdown(t.frame, t.caption, t.notes) for t in doc.tables)
    if not doc.heading:
        return body
    return "\n".join([f"## {doc.heading}", ""] + [f"- {x}" for x in doc.lines] + [""]) + "\n" + body


def doc_latex(doc) -> str:
    """A :class:`reports.parts.Doc` as LaTeX: each of its LaTeX tables (default: its tables), joined
    by ``doc.latex_sep``; one given as text is written as it is."""
    return doc.latex_sep.join(
        t if isinstance(t, str) else to_latex(t.frame, t.caption, t.label, t.notes, keys=t.keys, groups=t.groups,
                                              **({"left": t.left} if t.left is not None else {}))
        for t in (doc.latex if doc.latex is not None else doc.tables))


__all__ = ["LEFT", "to_markdown", "to_latex", "tex_escape", "latex_document", "beamer_document", "text_width_pt",
           "split_columns", "doc_markdown", "doc_latex"]
