"""One self-contained ``index.html``: images embedded as base64 PNG, inline CSS, no scripts,
no network. Helpers of :mod:`reports.render` and the sections; writes nothing itself."""
from __future__ import annotations

import base64
import html
from pathlib import Path

import pandas as pd

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}h3{margin-top:1.4em}
table{border-collapse:collapse;font-size:12px;margin:.6em 0}th,td{padding:2px 8px;border-bottom:1px solid #e4e4e4;text-align:right}
th{border-bottom:2px solid #999;background:#f6f6f6}td:first-child,th:first-child{text-align:left}
img{max-width:100%;border:1px solid #eee;margin:.4em 0}.note{color:#555;font-size:13px}
.warn{background:#fff4e5;border-left:4px solid #f0a030;padding:.4em .8em;font-size:13px}
code{background:#f3f3f3;padding:0 3px}nav a{margin-right:1em}
table.lecture td{text-align:left;vertical-align:top}table.lecture td.num{text-align:right}
table.lecture th{text-align:left}ol.note{color:#555;font-size:13px;padding-left:2em}
details{margin:.6em 0}summary{cursor:pointer;color:#333}
"""


MAX_LIST = 12  # long lists in the facts (CPU flags) are cut to their first entries


def img(path: Path, alt: str) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}"></figure>'


def table(df: pd.DataFrame) -> str:
    if df is None or df.empty:
        return '<p class="note">(no data)</p>'
    return df.to_html(index=False, escape=True, border=0, na_rep="-")


def kv_table(d: dict) -> str:
    if not d:
        return '<p class="note">(none recorded)</p>'
    rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(_flat(v))}</td></tr>" for k, v in d.items())
    return f"<table>{rows}</table>"


def _flat(v) -> str:
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_flat(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        shown = ", ".join(_flat(x) for x in v[:MAX_LIST])
        return shown + (f" ... ({len(v) - MAX_LIST} more)" if len(v) > MAX_LIST else "")
    return str(v)


def checks_box(lines) -> str:
    """The health checks' headline lines in a box (a warning box when one says FAIL)."""
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    cls = ' class=warn' if any(": FAIL" in line for line in lines) else ""
    return f"<div{cls}><ul>{items}</ul></div>"


def warning_box(problems) -> str:
    """The problems met while reading the results, in a warning box."""
    return "<div class=warn><ul>" + "".join(f"<li>{esc(w)}</li>" for w in problems) + "</ul></div>"


def notes_html(lines, warn: str = "") -> str:
    """One paragraph per line: a warning where the line contains ``warn``, else a note."""
    return "".join(f"<p class=warn>{esc(x)}</p>" if warn and warn in x else f"<p class=note>{esc(x)}</p>"
                   for x in lines)


def page(title: str, sections: list[tuple[str, str, str]]) -> str:
    """``sections``: (anchor, heading, inner HTML). Returns the whole document."""
    nav = " ".join(f'<a href="#{a}">{html.escape(h)}</a>' for a, h, _ in sections)
    body = "\n".join(f'<section id="{a}"><h2>{html.escape(h)}</h2>\n{inner}\n</section>' for a, h, inner in sections)
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head>\n"
            f"<body><h1>{html.escape(title)}</h1><nav>{nav}</nav>\n{body}\n</body></html>\n")


def esc(text: str) -> str:
    """``text`` escaped for HTML."""
    return html.escape(str(text))


def details(summary: str, inner: str) -> str:
    """``inner`` folded under a one-line ``summary`` (opens on a click; no script)."""
    return f"<details><summary>{esc(summary)}</summary>{inner}</details>"


def note(text: str) -> str:
    """A note paragraph: what a section without figures says instead."""
    return f"<p class=note>{esc(text)}</p>"
