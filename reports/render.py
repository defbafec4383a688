"""The one renderer: writes every section's files (Markdown, LaTeX, CSV), draws every figure (with a
progress bar on a terminal) and assembles ``index.html``. It writes what the sections hand it
(:mod:`reports.parts`) and computes nothing.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from jaxbench.progress import interactive
from kernels._devices import backends_started

from .formats import html as H
from .formats import writers
from .parts import Figure, Table

IMAGE_FORMATS = ("png", "svg", "pdf")
TITLE = "jaxbench report: NumPy vs JAX, CPU and GPU"


@dataclass
class Built:
    """What a build produced: every file path, and the figures per page section."""

    out: Path
    files: list = field(default_factory=list)
    figures: dict = field(default_factory=dict)   # page section -> [(kernel, png path, caption)]
    skipped: list = field(default_factory=list)   # figures not drawn, with why


def image_formats(formats) -> list[str]:
    """The image formats to save: those asked, plus PNG for the page (it embeds PNGs)."""
    out = [f for f in formats if f in IMAGE_FORMATS]
    if "html" in formats and "png" not in out:
        out.append("png")
    return out


def anchor_of(section) -> str:
    """The page section a section's part appears in (its own name unless it says otherwise)."""
    return getattr(section, "anchor", section.name)


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity; ``os.cpu_count()`` where that is unknown)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not Linux
        return os.cpu_count() or 1


# The figures a drawing process draws, by index. A Figure's ``draw`` is a closure over the section's
# rows and cannot be pickled, so the drawing processes are forked after this is set and inherit it.
_PENDING: list = []


def _save_pending(i: int, folder: Path, fmts: list) -> list:
    """Draw and save the ``i``-th pending figure (in a drawing process); the paths written."""
    from .figures import plots

    f = _PENDING[i]
    return plots.save(f.draw(), folder / f.stem, fmts)


def saved_paths(figures: list, folder: Path, fmts: list, jobs: int = 1):
    """The paths each figure was saved to, in ``figures``' order: drawn here, or in ``jobs`` forked
    processes (matplotlib draws on one core; the figures are independent). Serial where fork is not
    available, there is one figure or one job, or this process runs JAX (a fork would copy its
    runtime's threads' locks: JAX warns that may deadlock; ``python -m reports`` never starts it).
    matplotlib is imported here, where a figure is drawn, not with this module: ``python -m reports
    --health`` and ``--rerun`` draw none (~0.6 s of imports)."""
    from .figures import plots

    if (jobs <= 1 or len(figures) <= 1 or "fork" not in multiprocessing.get_all_start_methods()
            or backends_started()):
        for f in figures:
            yield plots.save(f.draw(), folder / f.stem, fmts)
        return
    global _PENDING
    _PENDING = list(figures)
    try:
        with ProcessPoolExecutor(min(jobs, len(figures)), mp_context=multiprocessing.get_context("fork")) as pool:
            yield from pool.map(_save_pending, range(len(figures)), [folder] * len(figures),
                                [fmts] * len(figures))
    finally:
        _PENDING = []


def draw(parts: list, built: Built, formats, progress: bool, jobs: int = 1) -> dict:
    """Draw and save every figure of every part (in ``jobs`` processes); stem -> its PNG path (None
    without PNG)."""
    png = {}
    todo = [(anchor_of(section), f) for section, part in parts for f in part.figures]
    saved = saved_paths([f for _, f in todo], built.out / "figures", image_formats(formats), jobs)
    # a bar on a terminal only: in a log (make bench > log, CI) its updates would be carriage returns
    for (anchor, f), paths in tqdm(zip(todo, saved), total=len(todo), desc="figures", unit="fig",
                                   disable=not (progress and interactive(sys.stderr))):
        built.files += paths
        png[f.stem] = next((p for p in paths if p.suffix == ".png"), None)
        built.figures.setdefault(anchor, []).append((f.kernel, png[f.stem], f.caption))
    return png


def write_doc(doc, out: Path, formats) -> list[Path]:
    """The files of one :class:`reports.parts.Doc`, as ``formats`` asks; the paths written."""
    if doc.text is not None:
        targets = [(out / doc.path, lambda p: p.write_text(doc.text, encoding="utf-8"))]
    else:
        targets = []
        if "md" in formats and doc.tables:
            targets.append((out / f"{doc.path}.md",
                            lambda p: p.write_text(writers.doc_markdown(doc), encoding="utf-8")))
        if "tex" in formats and (doc.latex or doc.tables):
            targets.append((out / f"{doc.path}.tex",
                            lambda p: p.write_text(writers.doc_latex(doc), encoding="utf-8")))
        if "csv" in formats and doc.csv is not None:
            targets.append((out / f"{doc.path}.csv", lambda p: doc.csv.to_csv(p, index=False)))
    for path, write in targets:
        write(path)
    return [path for path, _ in targets]


def table_html(t: Table) -> str:
    """A table on the page: its caption, the table, its notes."""
    return (f"<h3>{H.esc(t.caption)}</h3>" + H.table(t.frame)
            + "".join(f"<p class=note>{H.esc(n)}</p>" for n in t.notes))


def item_html(item, png: dict) -> str:
    """One page item: a table, a figure (its caption, then the embedded PNG) or HTML as it is."""
    if isinstance(item, Table):
        return table_html(item)
    if isinstance(item, Figure):
        p = png.get(item.stem)
        return f"<p class=note>{H.esc(item.caption)}</p>{H.img(p, item.caption)}" if p is not None else ""
    return item


def page_sections(parts: list) -> list[tuple[str, str, list]]:
    """(anchor, heading, items) of the page: the parts with a page, those of one anchor merged, in
    the order of the sections; the figures of a merged section ordered by their ``order``."""
    merged = {}
    for section, part in parts:
        if part.page is not None:
            anchor = anchor_of(section)
            merged.setdefault(anchor, (section.title, []))[1].extend(part.page)
    out = []
    for anchor, (heading, items) in merged.items():
        slots = [i for i, x in enumerate(items) if isinstance(x, Figure)]
        for i, fig in zip(slots, sorted((items[i] for i in slots), key=lambda f: f.order)):
            items[i] = fig
        out.append((anchor, heading, items))
    return out


def files_html(built: Built) -> str:
    """The page's last section: every file written, then the figures not drawn."""
    files = "".join(f"<li><code>{H.esc(p.relative_to(built.out))}</code></li>" for p in built.files)
    notdrawn = "".join(f"<li>{H.esc(s)}</li>" for s in built.skipped)
    return (f"<ul>{files}<li><code>index.html</code></li></ul>"
            + (f"<p class=note>Not drawn:</p><ul>{notdrawn}</ul>" if notdrawn else ""))


def write(parts: list, out: Path, formats, progress: bool = True, jobs: int = 1) -> Built:
    """Write the report folder from ``parts`` ([(section, Part)], in page order): figures (drawn in
    ``jobs`` processes), then each part's files, then index.html (with html)."""
    (out / "figures").mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    built = Built(out, skipped=[s for _, part in parts for s in part.skipped])
    png = draw(parts, built, formats, progress, jobs)
    for _, part in parts:
        for doc in part.docs:
            built.files += write_doc(doc, out, formats)
    if "html" in formats:
        sections = [(a, h, "".join(item_html(x, png) for x in items)) for a, h, items in page_sections(parts)]
        p = out / "index.html"
        p.write_text(H.page(TITLE, sections + [("files", "Files", files_html(built))]), encoding="utf-8")
        built.files.append(p)
    return built


__all__ = ["Built", "IMAGE_FORMATS", "TITLE", "image_formats", "usable_cpus", "write", "write_doc", "page_sections"]
